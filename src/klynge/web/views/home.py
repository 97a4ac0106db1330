"""The front page: each role goes where its work is."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import Role
from klynge.web.views.common import actor


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Administrator → regions; region roles → their clusters; a coordinator → their cluster."""
    user = actor(request)
    if access.is_admin(user):
        return redirect("region_list")
    if access.regions(user, Action.VIEW).exists():
        return redirect("cluster_list")
    own = list(
        access.gp_clusters(user, Action.VIEW)
        .filter(role_assignments__user=user, role_assignments__role=Role.COORDINATOR)
        .values_list("pk", flat=True)
        .distinct()
    )
    if len(own) == 1:
        return redirect("cluster_detail", pk=own[0])
    if own:
        return redirect("cluster_list")
    return render(request, "web/home.html", {"section": "home"})
