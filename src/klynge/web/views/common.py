"""Small helpers the views share."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from klynge.accounts.models import User


def actor(request: HttpRequest) -> User:
    """The logged-in user (every view that calls this is behind ``login_required``)."""
    return cast(User, request.user)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
