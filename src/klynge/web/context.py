"""Template context shared by every page: the navigation the user's roles give, and the icon sprite."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import Role, RoleAssignment


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    section: str  # matched against the view's ``section`` to mark the current menu item


def _items(user: Any) -> list[NavItem]:
    roles = access.roles(user)
    items: list[NavItem] = []
    if Role.COORDINATOR in roles:
        own = list(
            access.gp_clusters(user, Action.EDIT)
            .filter(role_assignments__user=user, role_assignments__role=Role.COORDINATOR)
            .values_list("pk", flat=True)[:2]
        )
        if len(own) == 1:
            items.append(NavItem(_("Min klynge"), reverse("cluster_detail", args=[own[0]]), "my_cluster"))
            items.append(NavItem(_("Færdigmeld klyngen"), reverse("completion", args=[own[0]]), "completion"))
            items.append(NavItem(_("Økonomi"), reverse("cluster_economy", args=[own[0]]), "economy"))
    if access.is_admin(user):
        items.append(NavItem(_("Regioner"), reverse("region_list"), "regions"))
    # The regions in force today (#11): a successor's people also read its predecessors' history, but
    # the menu leads to the region they work in now.
    day = timezone.localdate()
    regions = list(
        access.regions(user, Action.VIEW)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))[:2]
    )
    if regions:
        items.append(NavItem(_("Klynger"), reverse("cluster_list"), "clusters"))
    if len(regions) == 1:
        region = regions[0]
        items.append(NavItem(_("Oversigt"), reverse("region_dashboard", args=[region.code]), "dashboard"))
        items.append(NavItem(_("Ændringer"), reverse("changes", args=[region.code]), "changes"))
        if access.can_in_region(user, Action.PAY, region) or access.can_in_region(
            user, Action.APPROVE, region
        ):
            items.append(NavItem(_("Udbetalinger"), reverse("run_list", args=[region.code]), "runs"))
        if access.can_in_region(user, Action.ADMINISTER, region):
            items.append(
                NavItem(_("Indstillinger"), reverse("region_settings", args=[region.code]), "settings")
            )
    items.extend(_health_items(user, roles))
    if access.regions(user, Action.ADMINISTER).exists():
        items.append(NavItem(_("Import"), reverse("scenario_import"), "import"))
    if access.is_admin(user):
        items.append(NavItem(_("Spærrede log-in"), reverse("login_locks"), "locks"))
        items.append(NavItem(_("Revisionsspor (CSV)"), reverse("audit_export"), "audit"))
        items.append(NavItem(_("Administration"), reverse("admin:index"), "admin"))
    return items


def _health_items(user: Any, roles: set[str]) -> list[NavItem]:
    """Health clusters: the secretariat's own cluster, the SSU readers' list, the finance officers' page."""
    items: list[NavItem] = []
    if Role.HEALTH_SECRETARIAT in roles:
        own = list(access.health_clusters(user, Action.EDIT).values_list("pk", flat=True)[:2])
        url = (
            reverse("health_cluster_detail", args=[own[0]])
            if len(own) == 1
            else reverse("health_cluster_list")
        )
        items.append(NavItem(_("Sundhedsklynge"), url, "health"))
    if Role.SSU_READER in roles:
        items.append(NavItem(_("Sundhedsklynger"), reverse("health_cluster_list"), "health_clusters"))
    if Role.FINANCE_OFFICER in roles:
        items.append(NavItem(_("Økonomi"), reverse("health_finance"), "health_finance"))
    if roles - {Role.COORDINATOR}:  # the catalogue: every role but the GP coordinators
        items.append(NavItem(_("Indsatskatalog"), reverse("health_catalogue"), "health_catalogue"))
    return items


def organisation_name(code: str) -> str:
    """A finance officer's organisation by name (#13): "Aalborg Kommune", "Region Nordjylland"; the
    code itself when no municipality or region has it."""
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    if not code:
        return ""
    found = Municipality.objects.filter(code=code).values_list("name", flat=True).first()
    found = found or Region.objects.filter(code=code).values_list("name", flat=True).first()
    return found or code


def _role_names(user: Any) -> list[str]:
    """The user's roles with their scope, for the header: "Regional sagsbehandler, Region Nordjylland"."""
    names = []
    for assignment in RoleAssignment.objects.filter(user=user).select_related(
        "region", "gp_cluster", "health_cluster"
    ):
        scope = (
            assignment.gp_cluster
            or assignment.health_cluster
            or assignment.region
            or organisation_name(assignment.organisation_code)
        )
        role = assignment.get_role_display()
        names.append(f"{role}, {scope}" if scope else str(role))
    return names


def _kept_items(user: Any) -> list[NavItem]:
    """The menu, made once per state of the data, day, language and the user's roles (#12)."""
    from klynge.web.kept import kept

    return kept(
        "nav-items",
        lambda: [NavItem(str(i.label), i.url, i.section) for i in _items(user)],
        access.scope_key(user),
    )


def _kept_role_names(user: Any) -> list[str]:
    from klynge.web.kept import kept

    return kept("nav-role-names", lambda: _role_names(user), access.scope_key(user))


def navigation(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"icons": static("dkfds/img/all-svg-icons.svg")}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {**context, "nav_roles": set(), "nav_items": [], "nav_role_names": [], "nav_unread": 0}
    # A callable: the template calls it only on full pages, not on htmx fragments.
    return {
        **context,
        "nav_roles": access.roles(user),
        "nav_items": partial(_kept_items, user),
        "nav_role_names": partial(_kept_role_names, user),
        "nav_unread": partial(_unread, request, user),
    }


def _unread(request: HttpRequest, user: Any) -> int:
    """The header's count of new notices (#13): one query."""
    from klynge.notices.views import unread

    return unread(request, user)
