"""Practices: add one to a cluster, register a new one, read them, record capacities and patient counts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from klynge.accounts import access
from klynge.accounts.models import User
from klynge.api import lookups, present
from klynge.api.clusters import REFUSALS, region_by_code
from klynge.api.schemas import (
    CapacityOut,
    DatedCountIn,
    DetailOut,
    ErrorsOut,
    MembershipOut,
    PageIn,
    PracticeAddIn,
    PracticeCreateIn,
    PracticeDetailOut,
    PracticePage,
)
from klynge.registry import services
from klynge.registry.models import GpCluster

router = Router(tags=["Praksis"])


def member_cluster(user: User, cluster_id: int) -> GpCluster:
    """The cluster a body names, among those the user may see; otherwise 422 on ``cluster``."""
    cluster = lookups.visible_clusters(user).filter(pk=cluster_id).first()
    if cluster is None:
        raise ValidationError(
            {"cluster": [_("Klynge: der findes ingen klynge med id %(id)s.") % {"id": cluster_id}]}
        )
    return cluster


@router.post(
    "/clusters/{cluster_id}/practices",
    response={201: MembershipOut, **REFUSALS},
    summary="Add a practice to the cluster",
)
def practice_add(request: HttpRequest, cluster_id: int, payload: PracticeAddIn) -> Any:
    """Register a practice as a member from `joined`. A provider number new to the system needs `name`
    and `capacities`; a known one is reused as it is (its name and capacities stay)."""
    user = lookups.actor(request)
    membership = services.practice_add(
        actor=user,
        cluster=lookups.cluster(user, cluster_id),
        provider_number=payload.provider_number,
        joined=payload.joined,
        name=payload.name,
        capacities=payload.capacities,
        group1_patients=payload.group1_patients,
    )
    return Status(201, present.membership(membership))


@router.get(
    "/practices", response={200: PracticePage, 422: ErrorsOut}, summary="List the practices you may see"
)
def practice_list(request: HttpRequest, page: Query[PageIn], q: str | None = None) -> Any:
    """Practices of your region, or ever a member of your cluster. `q` searches provider number and name."""
    practices = access.practices(lookups.actor(request)).select_related("region")
    if q:
        practices = practices.filter(Q(provider_number__startswith=q.strip()) | Q(name__icontains=q))
    return present.page(
        present.with_counts(practices.order_by("provider_number")), page.limit, page.offset, present.practice
    )


@router.post("/practices", response={201: PracticeDetailOut, **REFUSALS}, summary="Register a new practice")
def practice_create(request: HttpRequest, payload: PracticeCreateIn) -> Any:
    """A region officer registers a practice the system does not know yet (without a cluster)."""
    user = lookups.actor(request)
    practice = services.practice_create(
        actor=user,
        region=region_by_code(payload.region),
        provider_number=payload.provider_number,
        name=payload.name,
        capacities=payload.capacities,
        capacities_from=payload.capacities_from,
        group1_patients=payload.group1_patients,
    )
    return Status(201, _detail(user, practice.provider_number))


def _detail(user: User, provider_number: str) -> dict[str, Any]:
    return present.practice_detail(lookups.practice(user, provider_number), lookups.visible_clusters(user))


@router.get(
    "/practices/{provider_number}",
    response={200: PracticeDetailOut, 404: DetailOut},
    summary="Read a practice",
)
def practice_detail(request: HttpRequest, provider_number: str) -> Any:
    """The practice with its dated capacities and patient counts and its memberships in clusters you may see."""
    return _detail(lookups.actor(request), provider_number)


@router.post(
    "/practices/{provider_number}/capacities",
    response={201: CapacityOut, **REFUSALS},
    summary="Record doctor capacities",
)
def capacity_set(request: HttpRequest, provider_number: str, payload: DatedCountIn) -> Any:
    """The practice has `count` doctor capacities from `valid_from` (a later payout run regulates it)."""
    user = lookups.actor(request)
    practice = lookups.practice(user, provider_number)
    record = services.capacity_set(
        actor=user,
        practice=practice,
        cluster=member_cluster(user, payload.cluster),
        valid_from=payload.valid_from,
        count=payload.count,
    )
    return Status(
        201, {"valid_from": record.valid_from, "count": record.count, "recorded_on": record.recorded_on}
    )


@router.post(
    "/practices/{provider_number}/patients",
    response={201: CapacityOut, **REFUSALS},
    summary="Record group-1 patients",
)
def patients_set(request: HttpRequest, provider_number: str, payload: DatedCountIn) -> Any:
    """The practice has `count` group-1 patients from `valid_from` (the basis of the OK22 scheme)."""
    user = lookups.actor(request)
    practice = lookups.practice(user, provider_number)
    record = services.patients_set(
        actor=user,
        practice=practice,
        cluster=member_cluster(user, payload.cluster),
        valid_from=payload.valid_from,
        count=payload.count,
    )
    return Status(
        201, {"valid_from": record.valid_from, "count": record.count, "recorded_on": record.recorded_on}
    )
