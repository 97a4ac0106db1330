"""What the pages read, always starting from the querysets :mod:`klynge.accounts.access` allows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import Role, User
from klynge.audit.models import AuditEntry
from klynge.registry.models import (
    CapacityRecord,
    Document,
    GpCluster,
    Membership,
    PatientCount,
    Region,
)
from klynge.registry.selectors import count_on


def cluster(user: Any, pk: int, action: Action = Action.VIEW) -> GpCluster:
    """The cluster ``pk`` if the user may see it, else 404; then 403 if they may not perform ``action``.

    A cluster outside the user's scope answers 404 exactly like one that does not exist, so a
    coordinator cannot probe which clusters exist; one they may see but not change answers 403.
    """
    found = get_object_or_404(access.gp_clusters(user, Action.VIEW).select_related("region"), pk=pk)
    if action != Action.VIEW:
        access.require(user, action, found)
    return found


def membership(cluster: GpCluster, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("practice", "cluster__region").prefetch_related(
            Prefetch("practice__capacities", queryset=CapacityRecord.objects.order_by("valid_from")),
            Prefetch("practice__patient_counts", queryset=PatientCount.objects.order_by("valid_from")),
        ),
        pk=pk,
        cluster=cluster,
    )


def region(user: Any, code: str, action: Action = Action.VIEW) -> Region:
    """The region ``code`` if the user may see it (else 404); 403 if they may not perform ``action``."""
    found = get_object_or_404(access.regions(user, Action.VIEW), code=code)
    if action != Action.VIEW:
        access.require_region(user, action, found)
    return found


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    capacities: int | None
    group1_patients: int | None
    current: bool


def member_rows(cluster: GpCluster, today: dt.date | None = None) -> list[MemberRow]:
    """Every membership of the cluster, ongoing first, with the capacities and patients in effect now
    (or on the day it joined, for a practice that has not joined yet, or its last day, for one that left)."""
    today = today or timezone.localdate()
    memberships = cluster.memberships.select_related("practice").prefetch_related(
        Prefetch("practice__capacities", queryset=CapacityRecord.objects.order_by("valid_from")),
        Prefetch("practice__patient_counts", queryset=PatientCount.objects.order_by("valid_from")),
    )
    rows = []
    for m in memberships:
        current = m.left is None or m.left > today
        on = max(today, m.joined) if current else (m.left or today) - dt.timedelta(days=1)
        rows.append(
            MemberRow(
                membership=m,
                capacities=count_on(m.practice.capacities.all(), on),
                group1_patients=count_on(m.practice.patient_counts.all(), on),
                current=current,
            )
        )
    rows.sort(key=lambda r: (not r.current, r.membership.practice.provider_number, r.membership.joined))
    return rows


def documents(cluster: GpCluster) -> QuerySet[Document]:
    return cluster.documents.filter(removed_at__isnull=True).select_related("document_type", "uploaded_by")


def document(user: Any, pk: int) -> Document:
    """A document of a cluster the user may see (removed ones too: the region may need them), else 404."""
    return get_object_or_404(
        Document.objects.select_related("cluster", "document_type").filter(
            cluster__in=access.gp_clusters(user, Action.VIEW)
        ),
        pk=pk,
    )


def coordinators(cluster: GpCluster) -> list[User]:
    return [
        a.user
        for a in cluster.role_assignments.filter(role=Role.COORDINATOR)
        .select_related("user")
        .order_by("user__username")
    ]


def audit_trail(cluster: GpCluster, limit: int = 500) -> list[AuditEntry]:
    return list(cluster.audit_entries.select_related("actor").order_by("-at", "-id")[:limit])


def clusters(
    user: Any,
    *,
    query: str = "",
    status: str = "",
    region: Region | None = None,
    today: dt.date | None = None,
) -> QuerySet[GpCluster]:
    """The clusters the user may see, searched by name, CVR, external id or a member's provider number."""
    today = today or timezone.localdate()
    found = access.gp_clusters(user, Action.VIEW).select_related("region")
    query = query.strip()
    if query:
        found = found.filter(
            Q(name__icontains=query)
            | Q(cvr__contains=query.replace(" ", ""))
            | Q(external_id__iexact=query)
            | Q(
                pk__in=Membership.objects.filter(practice__provider_number=query.replace(" ", "")).values(
                    "cluster_id"
                )
            )
        )
    if status:
        found = found.filter(status=status)
    if region is not None:
        found = found.filter(region=region)
    return found.annotate(
        practice_count=Count(
            "memberships",
            filter=Q(memberships__joined__lte=today)
            & (Q(memberships__left__isnull=True) | Q(memberships__left__gt=today)),
            distinct=True,
        )
    ).order_by("region__code", "name")


def region_changes(region: Region, since: dt.date) -> QuerySet[AuditEntry]:
    """The region's audit entries from the start of ``since`` (local time), newest first."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return (
        AuditEntry.objects.filter(region=region, at__gte=start)
        .select_related("actor", "gp_cluster")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class RegionsOn:
    """The regions a user sees, split by their life on one day (#11)."""

    day: dt.date
    in_force: list[Region]
    ended: list[Region]  # valid_to before the day: history, under the old name
    coming: list[Region]  # valid_from after the day


def in_force_on(region: Region, day: dt.date) -> bool:
    """Whether ``region`` exists on ``day`` (an empty first or last day means always / open)."""
    return (region.valid_from is None or region.valid_from <= day) and (
        region.valid_to is None or region.valid_to >= day
    )


def regions_on(user: Any, day: dt.date) -> RegionsOn:
    """The user's regions in force on ``day``, those that ended before it and those not yet begun."""
    everything = list(region_overview(user).select_related("successor"))
    return RegionsOn(
        day,
        [r for r in everything if in_force_on(r, day)],
        [r for r in everything if r.valid_to is not None and r.valid_to < day],
        [r for r in everything if r.valid_from is not None and r.valid_from > day],
    )


def region_overview(user: Any) -> QuerySet[Region]:
    return access.regions(user, Action.VIEW).annotate(
        cluster_count=Count("gp_clusters", distinct=True),
        completed_count=Count(
            "gp_clusters", filter=Q(gp_clusters__status=GpCluster.Status.COMPLETED), distinct=True
        ),
    )


@dataclass(frozen=True)
class RegionMove:
    """A cluster's move from a region that ended to its successor by a merger (#11)."""

    cluster: GpCluster
    from_name: str
    to_name: str
    on: dt.date


def region_moves(*, region: Region | None = None, cluster: GpCluster | None = None) -> list[RegionMove]:
    """The moves of carried-out mergers: the clusters that left ``region``, or ``cluster``'s own moves
    (read from each merger's stored outcome, so the old region's page keeps saying where they went)."""
    from klynge.payouts.models import RegionMerger

    found = RegionMerger.objects.filter(status=RegionMerger.Status.CARRIED_OUT).select_related("successor")
    if region is not None:
        found = found.filter(parts__region=region)
    names = dict(Region.objects.values_list("code", "name"))
    wanted: list[tuple[int, str, RegionMerger]] = []
    for merger in found.order_by("effective_on", "pk"):
        for moved in (merger.outcome or {}).get("clusters", []):
            if region is not None and moved["from"] != region.code:
                continue
            if cluster is not None and moved["id"] != cluster.pk:
                continue
            wanted.append((moved["id"], moved["from"], merger))
    clusters = GpCluster.objects.in_bulk([pk for pk, _code, _merger in wanted])
    return [
        RegionMove(
            clusters[pk],
            names.get(code, code),
            merger.successor.name if merger.successor else "",
            merger.effective_on,
        )
        for pk, code, merger in wanted
        if pk in clusters
    ]
