"""The API lets each role see and do exactly what the web pages let it: scoped by klynge.accounts.access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from klynge.registry import services
from klynge.registry.models import Document

D = dt.date


def add_practice(cluster: Any, actor: Any, number: str = "100001", joined: dt.date = D(2019, 1, 1)) -> Any:
    return services.practice_add(
        actor=actor,
        cluster=cluster,
        provider_number=number,
        joined=joined,
        name=f"Praksis {number}",
        capacities=2,
    )


def test_a_coordinator_lists_only_their_own_cluster(
    client_for: Callable[..., Client], cluster: Any, coordinator: Any, make_cluster: Callable[..., Any]
) -> None:
    make_cluster("Nabo")
    body = client_for(coordinator).get("/api/clusters").json()
    assert body["count"] == 1
    assert [c["id"] for c in body["items"]] == [cluster.pk]


def test_a_coordinator_gets_404_for_another_cluster_exactly_as_for_one_that_does_not_exist(
    client_for: Callable[..., Client], coordinator: Any, make_cluster: Callable[..., Any]
) -> None:
    other = make_cluster("Nabo")
    client = client_for(coordinator)
    hidden = client.get(f"/api/clusters/{other.pk}")
    missing = client.get("/api/clusters/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    for suffix in ("completion", "audit", "memberships", "documents"):
        assert client.get(f"/api/clusters/{other.pk}/{suffix}").status_code == 404


def test_a_coordinator_cannot_reach_another_clusters_practices_memberships_or_documents(
    client_for: Callable[..., Client],
    coordinator: Any,
    make_cluster: Callable[..., Any],
    officer: Any,
    pdf_bytes: bytes,
    post_json: Callable[..., Any],
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    other = make_cluster("Nabo")
    membership = add_practice(other, officer, "200001")
    document = services.document_upload(
        actor=officer,
        cluster=other,
        document_type=other.region.required_documents.first(),
        upload=SimpleUploadedFile("v.pdf", pdf_bytes),
    )
    client = client_for(coordinator)
    before = registry_state()
    assert client.get("/api/practices/200001").status_code == 404
    assert client.get("/api/practices").json()["count"] == 0
    assert client.get(f"/api/documents/{document.pk}/download").status_code == 404
    assert client.delete(f"/api/documents/{document.pk}").status_code == 404
    assert (
        post_json(client, f"/api/memberships/{membership.pk}/end", {"left": "2020-01-01"}).status_code == 404
    )
    assert (
        post_json(
            client,
            f"/api/clusters/{other.pk}/practices",
            {"provider_number": "200002", "joined": "2019-01-01", "name": "X", "capacities": 1},
        ).status_code
        == 404
    )
    assert registry_state() == before


def test_a_region_officer_sees_the_regions_clusters_and_not_another_regions(
    client_for: Callable[..., Client],
    officer: Any,
    make_cluster: Callable[..., Any],
    make_user: Callable[..., Any],
    other_region: Any,
) -> None:
    mine = [make_cluster("Nord A"), make_cluster("Nord B")]
    other_officer = make_user("region_officer", region=other_region)
    foreign = make_cluster("Midt", region_=other_region, actor=other_officer)
    client = client_for(officer)
    body = client.get("/api/clusters").json()
    assert sorted(c["id"] for c in body["items"]) == sorted(c.pk for c in mine)
    assert client.get(f"/api/clusters/{mine[0].pk}").status_code == 200
    assert client.get(f"/api/clusters/{foreign.pk}").status_code == 404
    assert client.get("/api/clusters?region=1082").json()["count"] == 0


def test_an_approver_can_read_the_regions_clusters_but_changing_them_is_forbidden(
    client_for: Callable[..., Client],
    approver: Any,
    cluster: Any,
    coordinator: Any,
    pdf_bytes: bytes,
    post_json: Callable[..., Any],
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    membership = add_practice(cluster, coordinator)
    client = client_for(approver)
    assert client.get(f"/api/clusters/{cluster.pk}").status_code == 200
    assert client.get(f"/api/clusters/{cluster.pk}/audit").status_code == 200
    before = registry_state()
    refused = [
        post_json(client, f"/api/clusters/{cluster.pk}", {"name": "Omdøbt"}, method="patch"),
        post_json(
            client,
            f"/api/clusters/{cluster.pk}/practices",
            {"provider_number": "100002", "joined": "2019-02-01", "name": "Ny", "capacities": 1},
        ),
        post_json(
            client,
            "/api/practices/100001/capacities",
            {"cluster": cluster.pk, "valid_from": "2020-01-01", "count": 3},
        ),
        post_json(client, f"/api/memberships/{membership.pk}/end", {"left": "2020-01-01"}),
        client.post(f"/api/clusters/{cluster.pk}/completion"),
        client.post(
            f"/api/clusters/{cluster.pk}/documents",
            {"document_type": "vedtaegter", "file": SimpleUploadedFile("v.pdf", pdf_bytes)},
        ),
        post_json(
            client,
            "/api/clusters",
            {
                "region": "1081",
                "name": "Ny",
                "founded_on": "2020-01-01",
                "coordinator_email": "ny@example.dk",
            },
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all(r.json()["detail"] for r in refused)
    assert registry_state() == before


def test_a_region_officer_cannot_create_a_cluster_in_another_region(
    client_for: Callable[..., Client],
    officer: Any,
    post_json: Callable[..., Any],
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    client = client_for(officer)
    before = registry_state()
    response = post_json(
        client,
        "/api/clusters",
        {"region": "1082", "name": "Midt", "founded_on": "2020-01-01", "coordinator_email": "k@example.dk"},
    )
    assert response.status_code == 403
    assert "Region Midtjylland" in response.json()["detail"]
    assert registry_state() == before


def test_a_coordinator_cannot_create_clusters(
    client_for: Callable[..., Client], coordinator: Any, post_json: Callable[..., Any]
) -> None:
    response = post_json(
        client_for(coordinator),
        "/api/clusters",
        {"region": "1081", "name": "Egen", "founded_on": "2020-01-01", "coordinator_email": "k@example.dk"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/clusters"),
        ("get", "/api/clusters/1"),
        ("post", "/api/clusters"),
        ("get", "/api/practices"),
        ("post", "/api/memberships/1/end"),
        ("get", "/api/documents/1/download"),
        ("delete", "/api/documents/1"),
        ("get", "/api/auth/me"),
    ],
)
def test_a_request_without_a_session_or_token_is_refused_with_401(db: Any, method: str, url: str) -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_logged_in_browser_must_send_the_csrf_token_to_change_anything(
    client_for: Callable[..., Client],
    cluster: Any,
    coordinator: Any,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    browser = client_for(coordinator, enforce_csrf_checks=True)
    body = {"provider_number": "100001", "joined": "2019-01-01", "name": "P", "capacities": 1}
    before = registry_state()
    refused = browser.post(f"/api/clusters/{cluster.pk}/practices", body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert registry_state() == before

    assert browser.get("/api/auth/me").status_code == 200  # reading needs no token; it sets the cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        f"/api/clusters/{cluster.pk}/practices",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201


def test_an_inactive_users_session_is_refused(client_for: Callable[..., Client], coordinator: Any) -> None:
    client = client_for(coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert client.get("/api/clusters").status_code == 401


def test_an_administrator_sees_every_cluster(
    client_for: Callable[..., Client],
    admin_user: Any,
    make_cluster: Callable[..., Any],
    make_user: Callable[..., Any],
    other_region: Any,
) -> None:
    make_cluster("Nord")
    make_cluster("Midt", region_=other_region, actor=make_user("region_officer", region=other_region))
    assert client_for(admin_user).get("/api/clusters").json()["count"] == 2


def test_a_coordinator_downloads_their_clusters_document_as_an_attachment(
    client_for: Callable[..., Client], cluster: Any, coordinator: Any, pdf_bytes: bytes
) -> None:
    document = services.document_upload(
        actor=coordinator,
        cluster=cluster,
        document_type=cluster.region.required_documents.first(),
        upload=SimpleUploadedFile("Vedtægter 2019.pdf", pdf_bytes),
    )
    response = client_for(coordinator).get(f"/api/documents/{document.pk}/download")
    assert response.status_code == 200
    assert response.getvalue() == pdf_bytes
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert Document.objects.count() == 1
