"""Turning registry objects into the API's response bodies (plain dicts matching :mod:`klynge.api.schemas`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from klynge.accounts.models import Role
from klynge.audit.models import AuditEntry
from klynge.registry.completion import Item, checklist
from klynge.registry.models import CapacityRecord, Document, GpCluster, Membership, PatientCount, Practice
from klynge.registry.selectors import Dated, count_on


def with_counts(practices: QuerySet[Practice]) -> QuerySet[Practice]:
    return practices.prefetch_related(
        Prefetch("capacities", queryset=CapacityRecord.objects.order_by("valid_from", "recorded_on")),
        Prefetch("patient_counts", queryset=PatientCount.objects.order_by("valid_from", "recorded_on")),
    )


def cluster(c: GpCluster) -> dict[str, Any]:
    return {
        "id": c.pk,
        "external_id": c.external_id,
        "name": c.name,
        "region": c.region.code,
        "region_name": c.region.name,
        "cvr": c.cvr,
        "nemkonto_confirmed_on": c.nemkonto_confirmed_on,
        "founded_on": c.founded_on,
        "all_practices_registered": c.all_practices_registered,
        "completed_on": c.completed_on,
        "status": c.status,
    }


def membership(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "cluster": m.cluster_id,
        "provider_number": m.practice.provider_number,
        "practice_name": m.practice.name,
        "joined": m.joined,
        "left": m.left,
        "recorded_on": m.recorded_on,
        "left_recorded_on": m.left_recorded_on,
    }


def document(d: Document) -> dict[str, Any]:
    return {
        "id": d.pk,
        "cluster": d.cluster_id,
        "document_type": d.document_type.code,
        "document_type_name": d.document_type.name,
        "original_name": d.original_name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_by": d.uploaded_by.get_username() if d.uploaded_by else None,
        "uploaded_at": d.uploaded_at,
        "removed_at": d.removed_at,
        "download_url": reverse("api:document_download", kwargs={"document_id": d.pk}),
    }


def documents(c: GpCluster, *, include_removed: bool = False) -> QuerySet[Document]:
    found = c.documents.select_related("document_type", "uploaded_by").order_by(
        "document_type__name", "-uploaded_at"
    )
    return found if include_removed else found.filter(removed_at__isnull=True)


def checklist_item(item: Item) -> dict[str, Any]:
    return {"code": item.code, "done": item.done, "label": str(item.label), "fix": str(item.fix)}


def completion(c: GpCluster) -> dict[str, Any]:
    items = [checklist_item(i) for i in checklist(c)]
    missing = [i for i in items if not i["done"]]
    return {
        "cluster": c.pk,
        "status": c.status,
        "completed_on": c.completed_on,
        "can_complete": not missing and c.completed_on is None,
        "items": items,
        "missing": missing,
    }


def cluster_detail(c: GpCluster) -> dict[str, Any]:
    today = timezone.localdate()
    memberships = list(
        c.memberships.select_related("practice")
        .prefetch_related(
            Prefetch(
                "practice__capacities", queryset=CapacityRecord.objects.order_by("valid_from", "recorded_on")
            ),
            Prefetch(
                "practice__patient_counts",
                queryset=PatientCount.objects.order_by("valid_from", "recorded_on"),
            ),
        )
        .order_by("joined", "practice__provider_number", "pk")
    )
    practices = []
    for m in memberships:
        if m.left is not None and m.left <= today:
            continue
        on = max(today, m.joined)
        practices.append(
            {
                "provider_number": m.practice.provider_number,
                "name": m.practice.name,
                "membership_id": m.pk,
                "joined": m.joined,
                "left": m.left,
                "capacities": count_on(m.practice.capacities.all(), on),
                "group1_patients": count_on(m.practice.patient_counts.all(), on),
            }
        )
    coordinators = [
        {"name": a.user.get_full_name() or a.user.get_username(), "email": a.user.email}
        for a in c.role_assignments.filter(role=Role.COORDINATOR)
        .select_related("user")
        .order_by("user__username")
    ]
    return {
        **cluster(c),
        "coordinators": coordinators,
        "practices": sorted(practices, key=lambda p: p["provider_number"]),
        "memberships": [membership(m) for m in memberships],
        "documents": [document(d) for d in documents(c)],
        "checklist": [checklist_item(i) for i in checklist(c)],
    }


def practice(p: Practice) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "provider_number": p.provider_number,
        "name": p.name,
        "region": p.region.code,
        "capacities": count_on(p.capacities.all(), today),
        "group1_patients": count_on(p.patient_counts.all(), today),
    }


def _history(records: Iterable[Dated]) -> list[dict[str, Any]]:
    return [{"valid_from": r.valid_from, "count": r.count, "recorded_on": r.recorded_on} for r in records]


def practice_detail(p: Practice, visible: QuerySet[GpCluster]) -> dict[str, Any]:
    memberships = p.memberships.filter(cluster__in=visible).select_related("cluster").order_by("joined", "pk")
    return {
        **practice(p),
        "capacity_history": _history(p.capacities.all()),
        "group1_patient_history": _history(p.patient_counts.all()),
        "memberships": [
            {
                "id": m.pk,
                "cluster": m.cluster_id,
                "cluster_name": m.cluster.name,
                "joined": m.joined,
                "left": m.left,
            }
            for m in memberships
        ],
    }


def page(queryset: QuerySet[Any], limit: int, offset: int, present: Any) -> dict[str, Any]:
    """One page of a list: ``count`` of all matches and the ``items`` from ``offset``."""
    return {"count": queryset.count(), "items": [present(o) for o in queryset[offset : offset + limit]]}


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "actor": e.actor.get_username() if e.actor else None,
        "actor_name": (e.actor.get_full_name() or e.actor.get_username()) if e.actor else None,
        "action": e.action,
        "summary": e.summary,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "before": e.before,
        "after": e.after,
    }
