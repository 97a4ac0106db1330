"""The front page (#13): what is waiting for this person, per role, with links to the tasks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from klynge.accounts import access
from klynge.web import inbox
from klynge.web.views.common import actor


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role assignment with its waiting items; an administrator without one → the regions."""
    user = actor(request)
    sections = inbox.for_user(user)
    if not sections and access.is_admin(user):
        return redirect("region_list")
    return render(
        request,
        "web/home.html",
        {"section": "home", "sections": sections, "has_roles": bool(access.roles(user))},
    )
