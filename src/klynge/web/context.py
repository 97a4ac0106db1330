"""Template context shared by every page: the user's roles for the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from klynge.accounts import access


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": set()}
    return {"nav_roles": access.roles(user)}
