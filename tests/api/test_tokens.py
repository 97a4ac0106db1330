"""Personal API tokens: scripts authenticate with a bearer token; only its hash is stored; revoked means refused."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from klynge.api.models import ApiToken
from klynge.api.services import token_create, token_revoke
from klynge.audit.models import AuditEntry


def bearer(token: str, *, enforce_csrf_checks: bool = False) -> Client:
    return Client(enforce_csrf_checks=enforce_csrf_checks, headers={"Authorization": f"Bearer {token}"})


def test_a_bearer_token_acts_as_its_user_with_the_users_scope(
    cluster: Any, coordinator: Any, make_cluster: Callable[..., Any]
) -> None:
    other = make_cluster("Nabo")
    _token, plaintext = token_create(actor=coordinator, name="udtræk")
    client = bearer(plaintext)
    me = client.get("/api/auth/me").json()
    assert me["username"] == coordinator.username and me["authenticated_by"] == "token"
    assert [c["id"] for c in client.get("/api/clusters").json()["items"]] == [cluster.pk]
    assert client.get(f"/api/clusters/{other.pk}").status_code == 404


def test_a_revoked_token_is_refused(cluster: Any, coordinator: Any) -> None:
    token, plaintext = token_create(actor=coordinator, name="gammel")
    assert bearer(plaintext).get("/api/clusters").status_code == 200
    token_revoke(actor=coordinator, token=token)
    assert bearer(plaintext).get("/api/clusters").status_code == 401


@pytest.mark.parametrize("presented", ["klynge_forkert", "noget-andet", "", "klynge_"])
def test_an_unknown_token_is_refused(coordinator: Any, presented: str) -> None:
    token_create(actor=coordinator, name="rigtig")
    assert bearer(presented).get("/api/clusters").status_code == 401


def test_the_token_of_a_deactivated_user_is_refused(coordinator: Any) -> None:
    _token, plaintext = token_create(actor=coordinator, name="x")
    coordinator.is_active = False
    coordinator.save()
    assert bearer(plaintext).get("/api/clusters").status_code == 401


def test_only_the_hash_of_a_token_is_stored_and_its_use_is_noted(coordinator: Any) -> None:
    token, plaintext = token_create(actor=coordinator, name="x")
    assert plaintext.startswith("klynge_") and len(plaintext) > 40
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash__contains=plaintext[7:20]).exists()
    assert token.last_used_at is None
    bearer(plaintext).get("/api/clusters")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_script_with_a_token_changes_data_without_a_csrf_token(
    cluster: Any, coordinator: Any, post_json: Callable[..., Any]
) -> None:
    _token, plaintext = token_create(actor=coordinator, name="script")
    response = post_json(
        bearer(plaintext, enforce_csrf_checks=True),
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "100001", "joined": "2019-01-01", "name": "P", "capacities": 1},
    )
    assert response.status_code == 201
    assert AuditEntry.objects.filter(action="membership.create", actor=coordinator).exists()


def test_the_apitoken_command_prints_a_working_token_once_and_audits_it(
    cluster: Any, coordinator: Any
) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", coordinator.username, "--name", "månedsudtræk", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.name == "månedsudtræk" and token.user == coordinator
    assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert "shown only now" in err.getvalue()
    assert bearer(plaintext).get(f"/api/clusters/{cluster.pk}").status_code == 200
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor == coordinator and "key_hash" not in (entry.after or {})


def test_the_apitoken_command_revokes_by_name(coordinator: Any) -> None:
    _token, plaintext = token_create(actor=coordinator, name="gammel")
    call_command(
        "apitoken", coordinator.username, "--revoke", "gammel", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert bearer(plaintext).get("/api/clusters").status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=coordinator).exists()


def test_the_apitoken_command_refuses_an_unknown_user(db: Any) -> None:
    with pytest.raises(CommandError, match="No user named 'ingen'"):
        call_command("apitoken", "ingen", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_a_logged_in_user_creates_lists_and_revokes_their_own_token_over_the_api(
    client_for: Callable[..., Client], coordinator: Any, officer: Any, post_json: Callable[..., Any]
) -> None:
    client = client_for(coordinator)
    created = post_json(client, "/api/auth/tokens", {"name": "rapport"})
    assert created.status_code == 201
    plaintext, token_id = created.json()["token"], created.json()["id"]
    assert bearer(plaintext).get("/api/clusters").status_code == 200
    listed = client.get("/api/auth/tokens").json()
    assert [t["id"] for t in listed] == [token_id] and "token" not in listed[0]
    assert client_for(officer).delete(f"/api/auth/tokens/{token_id}").status_code == 404  # not theirs
    assert client.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    assert bearer(plaintext).get("/api/clusters").status_code == 401


def test_a_token_cannot_create_more_tokens(coordinator: Any, post_json: Callable[..., Any]) -> None:
    _token, plaintext = token_create(actor=coordinator, name="script")
    response = post_json(bearer(plaintext), "/api/auth/tokens", {"name": "flere"})
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_a_token_needs_a_name(
    client_for: Callable[..., Client],
    coordinator: Any,
    post_json: Callable[..., Any],
    field_errors: Callable[..., Any],
) -> None:
    errors = field_errors(post_json(client_for(coordinator), "/api/auth/tokens", {"name": "  "}))
    assert "Navn" in errors["name"]
    assert not ApiToken.objects.exists()
