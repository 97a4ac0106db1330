"""Who may see and do what: the one place where object-level scoping is decided.

The web views, the REST API and the command line all ask here. A coordinator sees and changes only
their own cluster; region roles only their region; a health-cluster secretariat its health cluster;
an SSU reader its region's health clusters; a finance officer its own organisation's postings; an
administrator everything.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment

if TYPE_CHECKING:
    from klynge.health.models import HealthCluster
    from klynge.registry.models import GpCluster, Practice, Region


class Action(StrEnum):
    VIEW = "view"  # see the cluster, its practices, documents, audit trail and economy
    EDIT = "edit"  # register practices, capacities, memberships, documents; complete the cluster
    ADMINISTER = "administer"  # region-side changes: create clusters, CVR/NemKonto, region settings
    PAY = "pay"  # prepare and release payout runs, record paid dates and repayments
    APPROVE = "approve"  # approve a payout run someone else prepared (four eyes)


# Which roles grant which actions, and over what scope.
_CLUSTER_ROLES: dict[Action, set[str]] = {
    Action.VIEW: {Role.COORDINATOR},
    Action.EDIT: {Role.COORDINATOR},
    Action.ADMINISTER: set(),
    Action.PAY: set(),
    Action.APPROVE: set(),
}
_REGION_ROLES: dict[Action, set[str]] = {
    Action.VIEW: {Role.REGION_OFFICER, Role.REGION_APPROVER},
    Action.EDIT: {Role.REGION_OFFICER},
    Action.ADMINISTER: {Role.REGION_OFFICER},
    Action.PAY: {Role.REGION_OFFICER},
    Action.APPROVE: {Role.REGION_APPROVER},
}


def _assignments(user: Any) -> list[RoleAssignment]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_klynge_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user))
        user._klynge_roles = cached
    return cached


def scope_key(user: Any) -> str:
    """The user's roles and their scopes as one string: everyone with the same key may see and do the
    same (#12: pages keep what only access decides under this key). Role changes in Django's admin write
    no audit entry, so what a user's roles give is kept under this key, not only the audit trail's."""
    parts = sorted(
        f"{a.role}/{a.region_id}/{a.gp_cluster_id}/{a.health_cluster_id}/{a.organisation_code}"
        for a in _assignments(user)
    )
    return f"{int(bool(getattr(user, 'is_superuser', False)))}:{','.join(parts)}"


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(a.role == Role.ADMIN for a in _assignments(user))


def roles(user: Any) -> set[str]:
    found = {a.role for a in _assignments(user)}
    if getattr(user, "is_superuser", False):
        found.add(Role.ADMIN)
    return found


def _cluster_filter(user: Any, action: Action) -> Q | None:
    """A filter on GpCluster for the clusters ``user`` may perform ``action`` on (None: all)."""
    if is_admin(user):
        return None
    q = Q(pk__in=[])
    for a in _assignments(user):
        if a.role in _CLUSTER_ROLES[action] and a.gp_cluster_id:
            q |= Q(pk=a.gp_cluster_id)
        if a.role in _REGION_ROLES[action] and a.region_id:
            q |= Q(region_id=a.region_id)
    return q


def gp_clusters(user: Any, action: Action = Action.VIEW) -> QuerySet[GpCluster]:
    """The GP clusters ``user`` may perform ``action`` on."""
    from klynge.registry.models import GpCluster

    q = _cluster_filter(user, action)
    return GpCluster.objects.all() if q is None else GpCluster.objects.filter(q)


def regions(user: Any, action: Action = Action.VIEW) -> QuerySet[Region]:
    """The regions whose region-level data ``user`` may see (VIEW) or configure (ADMINISTER)."""
    from klynge.registry.models import Region

    if is_admin(user):
        return Region.objects.all()
    ids = {a.region_id for a in _assignments(user) if a.role in _REGION_ROLES[action] and a.region_id}
    if action == Action.VIEW and ids:
        # A merger (#11): the successor's people read the history of the regions it took over.
        frontier = set(ids)
        for _depth in range(10):
            frontier = (
                set(Region.objects.filter(successor_id__in=frontier).values_list("pk", flat=True)) - ids
            )
            if not frontier:
                break
            ids |= frontier
    return Region.objects.filter(pk__in=ids)


def practices(user: Any) -> QuerySet[Practice]:
    """Practices visible to ``user``: those of their regions, or ever a member of their cluster."""
    from klynge.registry.models import Practice

    if is_admin(user):
        return Practice.objects.all()
    region_ids = list(regions(user).values_list("pk", flat=True))
    cluster_ids = [
        a.gp_cluster_id for a in _assignments(user) if a.role == Role.COORDINATOR and a.gp_cluster_id
    ]
    return Practice.objects.filter(
        Q(region_id__in=region_ids) | Q(memberships__cluster_id__in=cluster_ids)
    ).distinct()


def can(user: Any, action: Action, cluster: GpCluster) -> bool:
    q = _cluster_filter(user, action)
    if q is None:
        return True
    return gp_clusters(user, action).filter(pk=cluster.pk).exists()


def can_in_region(user: Any, action: Action, region: Region) -> bool:
    if is_admin(user):
        return True
    if action != Action.VIEW:  # the roles alone decide (no merger history): no query
        return any(a.role in _REGION_ROLES[action] and a.region_id == region.pk for a in _assignments(user))
    return regions(user, action).filter(pk=region.pk).exists()


def handles_payouts(user: Any, region: Region) -> bool:
    """Whether ``user`` takes part in the region's payout runs (an officer or an approver)."""
    return can_in_region(user, Action.PAY, region) or can_in_region(user, Action.APPROVE, region)


def require(user: Any, action: Action, cluster: GpCluster) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may perform ``action`` on ``cluster``."""
    if not can(user, action, cluster):
        raise PermissionDenied(_("Du har ikke adgang til klyngen %(name)s.") % {"name": cluster.name})


def require_region(user: Any, action: Action, region: Region) -> None:
    if not can_in_region(user, action, region):
        raise PermissionDenied(_("Du har ikke adgang til %(region)s.") % {"region": region.name})


# --- Health clusters ------------------------------------------------------------------------------
#
# The secretariat sees and edits its own health cluster; an SSU reader reads the health clusters of
# its region; a finance officer reads the clusters its organisation (kommune-/regionskode) is a
# member of, sees and exports only its own organisation's postings, and confirms its carry-over.


def health_clusters(user: Any, action: Action = Action.VIEW) -> QuerySet[HealthCluster]:
    """The health clusters ``user`` may see (VIEW) or change (EDIT)."""
    from klynge.health.models import HealthCluster

    if is_admin(user):
        return HealthCluster.objects.all()
    q = Q(pk__in=[])
    for a in _assignments(user):
        if a.role == Role.HEALTH_SECRETARIAT and a.health_cluster_id:
            q |= Q(pk=a.health_cluster_id)
        if action == Action.VIEW and a.role == Role.SSU_READER and a.region_id:
            q |= Q(region_id=a.region_id)
        if action == Action.VIEW and a.role == Role.FINANCE_OFFICER and a.organisation_code:
            codes = _with_predecessors({a.organisation_code})
            q |= Q(members__municipality__code__in=codes) | Q(members__region__code__in=codes)
    return HealthCluster.objects.filter(q).distinct()


def _with_predecessors(codes: set[str]) -> set[str]:
    """``codes`` and the codes of the regions merged into those regions (#11), followed back: a
    merged region's health-cluster membership and postings stay under its old code, and its finance
    officers (who got the successor's code) still read them and confirm their carry-over."""
    from klynge.registry.models import Region

    found = set(codes)
    frontier = set(codes)
    for _depth in range(10):
        frontier = (
            set(Region.objects.filter(successor__code__in=frontier).values_list("code", flat=True)) - found
        )
        if not frontier:
            break
        found |= frontier
    return found


def organisations(user: Any) -> set[str] | None:
    """The organisation codes whose postings ``user`` may see as a finance officer (None: all)."""
    if is_admin(user):
        return None
    return _with_predecessors(
        {a.organisation_code for a in _assignments(user) if a.role == Role.FINANCE_OFFICER}
    )


def can_see_postings_of(user: Any, cluster: HealthCluster, member_code: str) -> bool:
    """A member's postings: its own finance officer, the cluster's secretariat, SSU readers, admins."""
    codes = organisations(user)
    if codes is None or member_code in codes:
        return True
    if not health_clusters(user, Action.VIEW).filter(pk=cluster.pk).exists():
        return False
    return any(
        (a.role == Role.HEALTH_SECRETARIAT and a.health_cluster_id == cluster.pk)
        or (a.role == Role.SSU_READER and a.region_id == cluster.region_id)
        for a in _assignments(user)
    )


def require_health(user: Any, action: Action, cluster: HealthCluster) -> None:
    if not health_clusters(user, action).filter(pk=cluster.pk).exists():
        raise PermissionDenied(_("Du har ikke adgang til sundhedsklyngen %(name)s.") % {"name": cluster.name})


def postings_organisations(user: Any) -> set[str] | None:
    """The organisation codes whose postings ``user`` may export for its finance system (#13; None:
    all): a finance officer its own organisation (and the regions merged into it), a region officer or
    approver its region (and those merged into it). Nobody gets another organisation's postings."""
    if is_admin(user):
        return None
    codes = organisations(user) or set()
    return codes | set(regions(user, Action.VIEW).values_list("code", flat=True))


def can_record_ssu_decision(user: Any, cluster: HealthCluster) -> bool:
    """Who records the SSU's decision on an initiative (#13): the cluster's secretariat (which keeps
    the minutes for the cluster) and an SSU member of the cluster's region, the two roles that take
    part in the SSU meeting; an administrator too. A finance officer only reads."""
    if is_admin(user):
        return True
    return any(
        (a.role == Role.HEALTH_SECRETARIAT and a.health_cluster_id == cluster.pk)
        or (a.role == Role.SSU_READER and a.region_id == cluster.region_id)
        for a in _assignments(user)
    )


def require_ssu_decision(user: Any, cluster: HealthCluster) -> None:
    if not can_record_ssu_decision(user, cluster):
        raise PermissionDenied(
            _("Kun sundhedsklyngens sekretariat og regionens SSU-medlemmer kan registrere SSU's beslutning.")
        )
