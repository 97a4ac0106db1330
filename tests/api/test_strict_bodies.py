"""Every API endpoint that takes a body is equally strict, found by walking the API's routers (so a new
endpoint is covered without touching this file): 413 over the limit, 422 for malformed JSON, duplicate
keys, NaN and deep nesting, always in the ``{"errors": [{"field", "message"}]}`` shape, Danish unless
``Accept-Language: en``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from klynge.api.main import api

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _operations() -> list[tuple[str, str, bool]]:
    """(method, url, takes JSON) of every operation that accepts a body."""
    found = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                json_body = any(
                    getattr(model, "__ninja_param_source__", None) == "body" for model in operation.models
                )
                url = "/api/" + re.sub(r"\{[^}]+\}", "1", f"{prefix}{path}".lstrip("/"))
                for method in operation.methods:
                    if method in BODY_METHODS:
                        found.append((method, url, json_body))
    return found


OPERATIONS = _operations()
JSON_OPERATIONS = [op for op in OPERATIONS if op[2]]


def test_the_walk_finds_the_endpoints_that_take_a_body() -> None:
    urls = {(method, url) for method, url, _json in OPERATIONS}
    assert ("POST", "/api/clusters/1/practices") in urls and ("POST", "/api/clusters/1/documents") in urls
    assert len(JSON_OPERATIONS) >= 5


@pytest.fixture
def admin_client(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def send(client: Client, method: str, url: str, body: bytes, **headers: str) -> Any:
    return client.generic(method, url, body, content_type="application/json", headers=headers)


def only_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    [item] = response.json()["errors"]
    assert set(item) == {"field", "message"}
    return item


@pytest.mark.parametrize(("method", "url", "json_body"), OPERATIONS)
def test_a_body_over_the_limit_answers_413_naming_both_sizes(
    admin_client: Client, method: str, url: str, json_body: bool
) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048):
        item = only_error(send(admin_client, method, url, b" " * 3000), 413)
    assert item["field"] == "body"
    assert item["message"].startswith("Forespørgslens indhold: er for stor: 2,9 kB; højst 2,0 kB.")


def test_a_12_mb_body_to_add_a_practice_is_413_not_500(admin_client: Client) -> None:
    item = only_error(
        send(admin_client, "POST", "/api/clusters/1/practices", b"{" + b" " * (12 * 1024 * 1024)), 413
    )
    assert "er for stor: 12,0 MB; højst 11,0 MB." in item["message"]


def test_english_on_request(admin_client: Client) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048):
        item = only_error(
            send(admin_client, "POST", "/api/clusters/1/practices", b" " * 3000, **{"Accept-Language": "en"}),
            413,
        )
    assert "is too large: 2.9 kB; at most 2.0 kB." in item["message"]


CASES: dict[str, tuple[bytes, str, str]] = {
    "malformed": (b'{"name": ', "er ikke gyldig JSON", "is not valid JSON"),
    "duplicate-keys": (
        b'{"name": "a", "name": "b"}',
        'nøglen "name" står to gange',
        'the key "name" appears twice',
    ),
    "nan": (b'{"capacities": NaN}', "der ikke er tilladt (NaN)", "is not allowed (NaN)"),
    "huge-integer": (b'{"capacities": ' + b"9" * 5000 + b"}", "der ikke er tilladt", "is not allowed"),
    "deep-nesting": (b"[" * 5000 + b"]" * 5000, "der ikke er tilladt", "is not allowed"),
    "not-utf8": (b'{"name": "\xff"}', "er ikke gyldig JSON", "is not valid JSON"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("method", "url", "json_body"), JSON_OPERATIONS)
def test_every_parse_failure_is_a_422_naming_the_body_in_danish_and_in_english(
    admin_client: Client, method: str, url: str, json_body: bool, case: str
) -> None:
    body, danish, english = CASES[case]
    item = only_error(send(admin_client, method, url, body), 422)
    assert item["field"] == "body" and danish in item["message"], item
    item = only_error(send(admin_client, method, url, body, **{"Accept-Language": "en"}), 422)
    assert english in item["message"], item


def test_an_accepted_body_is_unchanged_by_the_strict_parser(
    admin_client: Client, cluster: Any, post_json: Callable[..., Any]
) -> None:
    response = post_json(admin_client, f"/api/clusters/{cluster.pk}", {"name": "Klynge Øst"}, method="patch")
    assert response.status_code == 200 and response.json()["name"] == "Klynge Øst"
