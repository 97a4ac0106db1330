"""``/api/clusters``: list, read, create and change GP clusters; completion and audit trail."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from klynge.api import lookups, present
from klynge.api.schemas import (
    AuditPage,
    ClusterCreateIn,
    ClusterDetailOut,
    ClusterPage,
    ClusterPatchIn,
    ClusterStatus,
    CompletionOut,
    DetailOut,
    ErrorsOut,
    PageIn,
)
from klynge.audit.models import AuditEntry
from klynge.registry import services
from klynge.registry.models import Region

router = Router(tags=["Klynger"])

REFUSALS: dict[int | str, Any] = {403: DetailOut, 404: DetailOut, 422: ErrorsOut}


def region_by_code(code: str) -> Region:
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        codes = ", ".join(Region.objects.values_list("code", flat=True))
        raise ValidationError(
            {
                "region": [
                    _("Region: %(code)s er ikke en regionskode; brug en af %(codes)s.")
                    % {"code": code, "codes": codes}
                ]
            }
        )
    return region


@router.get("/clusters", response={200: ClusterPage, 422: ErrorsOut}, summary="List the clusters you may see")
def cluster_list(
    request: HttpRequest,
    page: Query[PageIn],
    status: ClusterStatus | None = None,
    region: str | None = None,
    q: str | None = None,
) -> Any:
    """Clusters you may see, by region and name. Filters: `status`, `region` (code), `q` (name, id or CVR)."""
    clusters = lookups.visible_clusters(lookups.actor(request))
    if status:
        clusters = clusters.filter(status=status)
    if region:
        clusters = clusters.filter(region__code=region)
    if q:
        clusters = clusters.filter(Q(name__icontains=q) | Q(external_id__icontains=q) | Q(cvr=q.strip()))
    return present.page(
        clusters.order_by("region__code", "name", "pk"), page.limit, page.offset, present.cluster
    )


@router.post(
    "/clusters", response={201: ClusterDetailOut, **REFUSALS}, summary="Create a cluster (region officer)"
)
def cluster_create(request: HttpRequest, payload: ClusterCreateIn) -> Any:
    """A region officer creates a cluster; its coordinator gets a login and the region's welcome mail."""
    user = lookups.actor(request)
    cluster = services.cluster_create(
        actor=user,
        region=region_by_code(payload.region),
        name=payload.name,
        founded_on=payload.founded_on,
        coordinator_email=payload.coordinator_email,
        coordinator_name=payload.coordinator_name,
        cvr=payload.cvr,
        nemkonto_confirmed_on=payload.nemkonto_confirmed_on,
        external_id=payload.external_id,
    )
    return Status(201, present.cluster_detail(lookups.cluster(user, cluster.pk)))


@router.get(
    "/clusters/{cluster_id}", response={200: ClusterDetailOut, 404: DetailOut}, summary="Read a cluster"
)
def cluster_detail(request: HttpRequest, cluster_id: int) -> Any:
    """The cluster with its current practices and capacities, memberships, documents and checklist."""
    return present.cluster_detail(lookups.cluster(lookups.actor(request), cluster_id))


@router.patch(
    "/clusters/{cluster_id}", response={200: ClusterDetailOut, **REFUSALS}, summary="Change a cluster"
)
def cluster_update(request: HttpRequest, cluster_id: int, payload: ClusterPatchIn) -> Any:
    """Change name, CVR, NemKonto date, founding date or "all practices registered"; send only what changes."""
    user = lookups.actor(request)
    cluster = lookups.cluster(user, cluster_id)
    changes = payload.model_dump(exclude_unset=True)
    for field in ("name", "cvr"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    if changes.get("all_practices_registered", False) is None:
        raise ValidationError(
            {"all_practices_registered": [_("Alle praksis registreret: skal være true eller false.")]}
        )
    services.cluster_update(actor=user, cluster=cluster, **changes)
    return present.cluster_detail(lookups.cluster(user, cluster_id))


@router.get(
    "/clusters/{cluster_id}/completion",
    response={200: CompletionOut, 404: DetailOut},
    summary="Completion checklist",
)
def completion_status(request: HttpRequest, cluster_id: int) -> Any:
    """Every condition of completion (A1), and what is still missing."""
    return present.completion(lookups.cluster(lookups.actor(request), cluster_id))


@router.post(
    "/clusters/{cluster_id}/completion",
    response={200: CompletionOut, **REFUSALS},
    summary="Complete the cluster",
)
def completion_submit(request: HttpRequest, cluster_id: int) -> Any:
    """Færdigmeld the cluster. Refused with 422, naming what is missing, until the checklist is done."""
    user = lookups.actor(request)
    cluster = services.cluster_complete(actor=user, cluster=lookups.cluster(user, cluster_id))
    return present.completion(lookups.cluster(user, cluster.pk))


@router.get("/clusters/{cluster_id}/audit", response={200: AuditPage, 404: DetailOut}, summary="Audit trail")
def audit_trail(request: HttpRequest, cluster_id: int, page: Query[PageIn]) -> Any:
    """Every change to the cluster, newest first: who, when, what, before and after."""
    cluster = lookups.cluster(lookups.actor(request), cluster_id)
    entries = AuditEntry.objects.filter(gp_cluster=cluster).select_related("actor").order_by("-at", "-id")
    return present.page(entries, page.limit, page.offset, present.audit_entry)
