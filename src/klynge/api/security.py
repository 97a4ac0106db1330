"""Who is calling: a logged-in browser session (with CSRF) or a personal bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from klynge.api.models import ApiToken
from klynge.api.services import TOKEN_PREFIX, hash_token

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class SessionAuth(NinjaSessionAuth):
    """Django's session, as ``ninja.security.django_auth``, with Django's CSRF check on unsafe methods.

    The check runs only when the session belongs to a logged-in user, so a script sending a bad bearer
    token gets 401 (not a CSRF refusal), and a browser can never act without the CSRF token.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return request.user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer klynge_…`` with a personal API token (``klynge apitoken USERNAME``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX):
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        user = found.user
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]
        return user


session_auth = SessionAuth()
token_auth = TokenAuth()
# The bearer token is tried first: a script sends no session cookie, and a browser sends no token.
AUTH = [token_auth, session_auth]
