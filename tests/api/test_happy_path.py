"""A cluster's life over the API: created by the region, filled in and completed by its coordinator, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from klynge.accounts.models import RoleAssignment
from klynge.audit.models import AuditEntry
from klynge.registry import services
from klynge.registry.models import CapacityRecord, Document, GpCluster, Membership, PatientCount

D = dt.date


def upload(client: Client, cluster_id: int, document_type: str, name: str, content: bytes) -> Any:
    return client.post(
        f"/api/clusters/{cluster_id}/documents",
        {
            "document_type": document_type,
            "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        },
    )


def test_a_cluster_is_created_filled_in_and_completed_and_every_step_is_audited(
    client_for: Callable[..., Client],
    officer: Any,
    post_json: Callable[..., Any],
    pdf_bytes: bytes,
    docx_bytes: bytes,
) -> None:
    region_client = client_for(officer)
    created = post_json(
        region_client,
        "/api/clusters",
        {
            "region": "1081",
            "name": "Klynge Himmerland",
            "founded_on": "2019-03-01",
            "coordinator_email": "Ane@Example.dk",
            "coordinator_name": "Ane Hansen",
            "cvr": "29403473",
            "nemkonto_confirmed_on": "2019-04-01",
        },
    )
    assert created.status_code == 201, created.content
    cluster = created.json()
    assert cluster["status"] == "registering" and cluster["founded_on"] == "2019-03-01"
    assert cluster["coordinators"] == [{"name": "Ane Hansen", "email": "ane@example.dk"}]
    cluster_id = cluster["id"]

    coordinator = RoleAssignment.objects.get(gp_cluster_id=cluster_id, role="coordinator").user
    client = client_for(coordinator)
    added = post_json(
        client,
        f"/api/clusters/{cluster_id}/practices",
        {"provider_number": "100001", "joined": "2019-03-01", "name": "Lægerne i Aars", "capacities": 3},
    )
    assert added.status_code == 201, added.content
    assert added.json()["provider_number"] == "100001" and added.json()["left"] is None

    statutes = upload(client, cluster_id, "vedtaegter", "Vedtægter.pdf", pdf_bytes)
    minutes = upload(client, cluster_id, "referat-stiftende-gf", "Referat.docx", docx_bytes)
    assert statutes.status_code == minutes.status_code == 201, (statutes.content, minutes.content)
    assert statutes.json()["content_type"] == "application/pdf"
    assert minutes.json()["content_type"].endswith("wordprocessingml.document")
    assert minutes.json()["original_name"] == "Referat.docx"

    completion = client.get(f"/api/clusters/{cluster_id}/completion").json()
    assert [item["code"] for item in completion["missing"]] == ["all_registered"]
    patched = post_json(
        client, f"/api/clusters/{cluster_id}", {"all_practices_registered": True}, method="patch"
    )
    assert patched.status_code == 200 and patched.json()["all_practices_registered"] is True

    completed = client.post(f"/api/clusters/{cluster_id}/completion")
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed"
    assert completed.json()["completed_on"] == timezone.localdate().isoformat()
    stored = GpCluster.objects.get(pk=cluster_id)
    assert stored.status == "completed" and stored.completed_on == timezone.localdate()

    by_action = {e.action: e.actor for e in AuditEntry.objects.filter(gp_cluster_id=cluster_id)}
    assert by_action["gp_cluster.create"] == officer
    assert by_action["membership.create"] == coordinator
    assert by_action["document.upload"] == coordinator
    assert by_action["gp_cluster.update"] == coordinator
    assert by_action["gp_cluster.complete"] == coordinator
    trail = region_client.get(f"/api/clusters/{cluster_id}/audit").json()
    assert trail["count"] == len(trail["items"]) >= 6
    assert (
        trail["items"][0]["action"] == "gp_cluster.complete"
        and trail["items"][0]["actor"] == coordinator.username
    )


def test_the_cluster_detail_shows_current_practices_capacities_memberships_documents_and_checklist(
    client_for: Callable[..., Client],
    cluster: Any,
    coordinator: Any,
    pdf_bytes: bytes,
    post_json: Callable[..., Any],
) -> None:
    client = client_for(coordinator)
    post_json(
        client,
        f"/api/clusters/{cluster.pk}/practices",
        {
            "provider_number": "100001",
            "joined": "2019-01-01",
            "name": "A",
            "capacities": 2,
            "group1_patients": 3000,
        },
    )
    post_json(
        client,
        f"/api/clusters/{cluster.pk}/practices",
        {"provider_number": "100002", "joined": "2019-01-01", "name": "B", "capacities": 1},
    )
    ended = Membership.objects.get(practice__provider_number="100002")
    assert post_json(client, f"/api/memberships/{ended.pk}/end", {"left": "2020-01-01"}).status_code == 200
    more = post_json(
        client,
        "/api/practices/100001/capacities",
        {"cluster": cluster.pk, "valid_from": "2020-07-01", "count": 4},
    )
    assert more.status_code == 201 and more.json()["count"] == 4
    patients = post_json(
        client,
        "/api/practices/100001/patients",
        {"cluster": cluster.pk, "valid_from": "2021-01-01", "count": 3100},
    )
    assert patients.status_code == 201
    upload(client, cluster.pk, "vedtaegter", "v.pdf", pdf_bytes)

    detail = client.get(f"/api/clusters/{cluster.pk}").json()
    assert [(p["provider_number"], p["capacities"], p["group1_patients"]) for p in detail["practices"]] == [
        ("100001", 4, 3100)
    ]
    assert [(m["provider_number"], m["left"]) for m in detail["memberships"]] == [
        ("100001", None),
        ("100002", "2020-01-01"),
    ]
    assert [d["document_type"] for d in detail["documents"]] == ["vedtaegter"]
    assert {i["code"]: i["done"] for i in detail["checklist"]}["document:vedtaegter"] is True
    assert CapacityRecord.objects.filter(practice__provider_number="100001").count() == 2
    assert PatientCount.objects.filter(practice__provider_number="100001").count() == 2

    practice = client.get("/api/practices/100001").json()
    assert practice["capacities"] == 4
    assert [(h["valid_from"], h["count"]) for h in practice["capacity_history"]] == [
        ("2019-01-01", 2),
        ("2020-07-01", 4),
    ]
    assert [m["cluster"] for m in practice["memberships"]] == [cluster.pk]


def test_a_coordinator_moves_a_practice_to_a_neighbouring_cluster(
    client_for: Callable[..., Client],
    cluster: Any,
    coordinator: Any,
    make_cluster: Callable[..., Any],
    post_json: Callable[..., Any],
) -> None:
    neighbour = make_cluster("Nabo")
    membership = services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="100001",
        joined=D(2019, 1, 1),
        name="A",
        capacities=2,
    )
    response = post_json(
        client_for(coordinator),
        f"/api/memberships/{membership.pk}/move",
        {"to_cluster": neighbour.pk, "on": "2021-07-01"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["cluster"] == neighbour.pk and response.json()["joined"] == "2021-07-01"
    membership.refresh_from_db()
    assert membership.left == D(2021, 7, 1)
    assert AuditEntry.objects.filter(action="membership.move", actor=coordinator).count() == 2


def test_a_region_officer_registers_a_practice_without_a_cluster(
    client_for: Callable[..., Client], officer: Any, post_json: Callable[..., Any]
) -> None:
    response = post_json(
        client_for(officer),
        "/api/practices",
        {
            "region": "1081",
            "provider_number": "300001",
            "name": "Ny praksis",
            "capacities": 2,
            "capacities_from": "2024-01-01",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["provider_number"] == "300001" and response.json()["memberships"] == []
    assert AuditEntry.objects.filter(action="practice.create", actor=officer).exists()


def test_a_removed_document_leaves_the_list_but_stays_in_the_trail(
    client_for: Callable[..., Client], cluster: Any, coordinator: Any, pdf_bytes: bytes
) -> None:
    client = client_for(coordinator)
    document_id = upload(client, cluster.pk, "vedtaegter", "v.pdf", pdf_bytes).json()["id"]
    assert client.delete(f"/api/documents/{document_id}").status_code == 204
    assert client.get(f"/api/clusters/{cluster.pk}/documents").json() == []
    kept = client.get(f"/api/clusters/{cluster.pk}/documents?include_removed=true").json()
    assert [d["id"] for d in kept] == [document_id] and kept[0]["removed_at"]
    assert Document.objects.get(pk=document_id).file.read() == pdf_bytes
    assert AuditEntry.objects.filter(action="document.remove", actor=coordinator).exists()


def test_a_document_of_a_completed_cluster_cannot_be_removed(
    client_for: Callable[..., Client], cluster: Any, coordinator: Any, pdf_bytes: bytes
) -> None:
    client = client_for(coordinator)
    document_id = upload(client, cluster.pk, "vedtaegter", "v.pdf", pdf_bytes).json()["id"]
    GpCluster.objects.filter(pk=cluster.pk).update(status="completed", completed_on=D(2020, 1, 1))
    response = client.delete(f"/api/documents/{document_id}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] is None
    assert Document.objects.get(pk=document_id).removed_at is None


@pytest.mark.parametrize(
    ("query", "expected"), [("status=registering", ["A", "B"]), ("status=completed", ["C"]), ("q=b", ["B"])]
)
def test_the_cluster_list_filters_by_status_and_name(
    client_for: Callable[..., Client],
    officer: Any,
    make_cluster: Callable[..., Any],
    query: str,
    expected: list[str],
) -> None:
    make_cluster("A"), make_cluster("B")
    done = make_cluster("C")
    GpCluster.objects.filter(pk=done.pk).update(status="completed", completed_on=D(2020, 1, 1))
    body = client_for(officer).get(f"/api/clusters?{query}").json()
    assert [c["name"] for c in body["items"]] == expected
