"""``/api/auth``: who am I, and my personal API tokens for scripts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from klynge.accounts import access
from klynge.api import lookups
from klynge.api.models import ApiToken
from klynge.api.schemas import DetailOut, ErrorsOut, MeOut, TokenCreatedOut, TokenCreateIn, TokenOut
from klynge.api.security import session_auth
from klynge.api.services import token_create, token_revoke

router = Router(tags=["Adgang"])


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/auth/me", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> Any:
    """The calling user, their roles and scopes, and how the request was authenticated.

    For a browser session this also sets the `csrftoken` cookie whose value changes must send as the
    `X-CSRFToken` header."""
    user = lookups.actor(request)
    by_token = getattr(request, "api_token", None) is not None
    if not by_token:
        get_token(request)
    assignments = user.roles.select_related("region").order_by("role", "pk")
    roles = [
        {"role": a.role, "region": a.region.code if a.region else None, "gp_cluster": a.gp_cluster_id}
        for a in assignments
    ]
    if user.is_superuser and not any(r["role"] == "admin" for r in roles):
        roles.append({"role": "admin", "region": None, "gp_cluster": None})
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "roles": roles,
        "authenticated_by": "token" if by_token else "session",
        "is_admin": access.is_admin(user),
    }


@router.get("/auth/tokens", response=list[TokenOut], summary="My API tokens")
def token_list(request: HttpRequest) -> Any:
    """Your API tokens, newest first (the tokens themselves are never shown again)."""
    return [
        _token(t) for t in ApiToken.objects.filter(user=lookups.actor(request)).order_by("-created_at", "-pk")
    ]


@router.post(
    "/auth/tokens",
    response={201: TokenCreatedOut, 422: ErrorsOut},
    auth=session_auth,
    summary="Create an API token (logged-in session only)",
)
def token_new(request: HttpRequest, payload: TokenCreateIn) -> Any:
    """A new personal token acting as you. Only from a logged-in session: a token cannot make more tokens."""
    token, plaintext = token_create(actor=lookups.actor(request), name=payload.name)
    return Status(201, {**_token(token), "token": plaintext})


@router.delete("/auth/tokens/{token_id}", response={204: None, 404: DetailOut}, summary="Revoke an API token")
def token_delete(request: HttpRequest, token_id: int) -> Any:
    """Revoke one of your tokens; scripts using it get 401 from then on."""
    user = lookups.actor(request)
    token_revoke(actor=user, token=get_object_or_404(ApiToken, pk=token_id, user=user))
    return Status(204, None)
