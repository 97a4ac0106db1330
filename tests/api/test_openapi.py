"""The API describes itself: an OpenAPI schema and a docs page for logged-in users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

EXPECTED = {
    "/api/clusters": {"get", "post"},
    "/api/clusters/{cluster_id}": {"get", "patch"},
    "/api/clusters/{cluster_id}/completion": {"get", "post"},
    "/api/clusters/{cluster_id}/audit": {"get"},
    "/api/clusters/{cluster_id}/practices": {"post"},
    "/api/practices": {"get", "post"},
    "/api/practices/{provider_number}": {"get"},
    "/api/practices/{provider_number}/capacities": {"post"},
    "/api/practices/{provider_number}/patients": {"post"},
    "/api/clusters/{cluster_id}/memberships": {"get"},
    "/api/memberships/{membership_id}/end": {"post"},
    "/api/memberships/{membership_id}/move": {"post"},
    "/api/clusters/{cluster_id}/documents": {"get", "post"},
    "/api/documents/{document_id}/download": {"get"},
    "/api/documents/{document_id}": {"delete"},
    "/api/auth/me": {"get"},
    "/api/auth/tokens": {"get", "post"},
    "/api/auth/tokens/{token_id}": {"delete"},
    "/api/simulate": {"post"},
}


def test_the_openapi_schema_lists_every_endpoint_with_its_methods(
    client_for: Callable[..., Client], coordinator: Any
) -> None:
    response = client_for(coordinator).get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"] == {**schema["info"], "title": "Klyngeøkonomi API", "version": "1"}
    assert {path: set(ops) for path, ops in schema["paths"].items()} == EXPECTED


def test_the_schema_documents_fields_errors_and_both_ways_to_authenticate(
    client_for: Callable[..., Client], coordinator: Any
) -> None:
    schema = client_for(coordinator).get("/api/openapi.json").json()
    components = schema["components"]
    assert (
        "ydernummer"
        in components["schemas"]["ClusterPracticeOut"]["properties"]["provider_number"]["description"]
    )
    assert components["schemas"]["PracticeAddIn"]["properties"]["joined"]["format"] == "date"
    add = schema["paths"]["/api/clusters/{cluster_id}/practices"]["post"]
    assert {"201", "403", "404", "422"} <= set(add["responses"])
    assert {scheme["type"] for scheme in components["securitySchemes"].values()} == {"http", "apiKey"}


def test_the_docs_page_is_for_logged_in_users(client_for: Callable[..., Client], coordinator: Any) -> None:
    anonymous = Client().get("/api/docs")
    assert anonymous.status_code == 302 and "/konto/login/" in anonymous["Location"]
    page = client_for(coordinator).get("/api/docs")
    assert page.status_code == 200
    assert b"openapi.json" in page.content
