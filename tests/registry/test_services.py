"""The registry's service functions: happy paths, refusals, and the audit trail they write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from klynge.audit.models import AuditEntry
from klynge.registry import services
from klynge.registry.models import GpCluster, Membership, Practice

D = dt.date


def add(cluster: Any, actor: Any, number: str = "100001", joined: dt.date = D(2018, 10, 1), **kw: Any) -> Any:
    kw.setdefault("name", f"Praksis {number}")
    kw.setdefault("capacities", 2)
    return services.practice_add(
        actor=actor,
        cluster=cluster,
        provider_number=number,
        joined=joined,
        today=kw.pop("today", joined),
        **kw,
    )


def test_creating_a_cluster_gives_the_coordinator_a_role_and_a_welcome_mail(
    django_capture_on_commit_callbacks: Any, officer: Any, region: Any
) -> None:
    region.instructions = "Send også bestyrelsens navne."
    region.save()
    with django_capture_on_commit_callbacks(execute=True):
        cluster = services.cluster_create(
            actor=officer,
            region=region,
            name="Klynge Vest",
            founded_on=D(2019, 1, 1),
            coordinator_email="Ane@Example.dk",
            coordinator_name="Ane Hansen",
        )
    assert cluster.role_assignments.get().user.email == "ane@example.dk"
    assert len(mail.outbox) == 1
    assert "Send også bestyrelsens navne." in mail.outbox[0].body
    assert "Vedtægter" in mail.outbox[0].body
    assert AuditEntry.objects.filter(gp_cluster=cluster, action="gp_cluster.create", actor=officer).exists()


def test_cluster_with_cvr_failing_modulus_11_is_refused_and_nothing_is_stored(
    officer: Any, region: Any
) -> None:
    with pytest.raises(ValidationError) as info:
        services.cluster_create(
            actor=officer,
            region=region,
            name="X",
            founded_on=D(2019, 1, 1),
            cvr="29403474",
            coordinator_email="x@example.dk",
        )
    assert "modulus 11" in info.value.message_dict["cvr"][0]
    assert not GpCluster.objects.filter(name="X").exists()


def test_officer_cannot_create_a_cluster_in_another_region(officer: Any, other_region: Any) -> None:
    with pytest.raises(PermissionDenied, match="Du har ikke adgang til Region Midtjylland"):
        services.cluster_create(
            actor=officer,
            region=other_region,
            name="X",
            founded_on=D(2019, 1, 1),
            coordinator_email="x@example.dk",
        )


def test_coordinator_adds_a_new_practice_and_the_change_is_audited(cluster: Any, coordinator: Any) -> None:
    membership = add(cluster, coordinator)
    assert membership.practice.capacities.get().count == 2
    entry = AuditEntry.objects.get(action="membership.create")
    assert entry.actor == coordinator and entry.gp_cluster == cluster
    assert entry.after["joined"] == "2018-10-01"


@pytest.mark.parametrize("capacities", [0, -1])
def test_capacities_below_one_are_refused(cluster: Any, coordinator: Any, capacities: int) -> None:
    with pytest.raises(ValidationError) as info:
        add(cluster, coordinator, capacities=capacities)
    assert "mindst 1" in info.value.message_dict["capacities"][0]
    assert not Practice.objects.exists()


def test_membership_dated_before_the_founding_assembly_is_refused(cluster: Any, coordinator: Any) -> None:
    with pytest.raises(ValidationError) as info:
        add(cluster, coordinator, joined=D(2018, 9, 30))
    assert "stiftende generalforsamling" in info.value.message_dict["joined"][0]
    assert not Membership.objects.exists()


def test_a_practice_cannot_be_in_two_clusters_on_the_same_day(make_cluster: Any, officer: Any) -> None:
    first, second = make_cluster("A"), make_cluster("B")
    add(first, officer)
    with pytest.raises(ValidationError) as info:
        add(second, officer, joined=D(2019, 1, 1))
    assert "kun være i én klynge" in info.value.message_dict["joined"][0]
    assert Membership.objects.count() == 1


def test_unknown_provider_number_needs_name_and_capacities(cluster: Any, coordinator: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.practice_add(
            actor=coordinator, cluster=cluster, provider_number="123456", joined=D(2019, 1, 1)
        )
    assert set(info.value.message_dict) == {"capacities", "name"}


def test_duplicate_provider_number_is_refused(cluster: Any, coordinator: Any, region: Any) -> None:
    add(cluster, coordinator, number="100001")
    with pytest.raises(ValidationError) as info:
        services.practice_create(
            actor=coordinator,
            region=region,
            provider_number="100001",
            name="Kopi",
            capacities=1,
            capacities_from=D(2019, 1, 1),
            cluster=cluster,
        )
    assert "allerede registreret" in info.value.message_dict["provider_number"][0]
    assert Practice.objects.count() == 1


def test_left_must_be_after_joined(cluster: Any, coordinator: Any) -> None:
    membership = add(cluster, coordinator, joined=D(2019, 5, 1))
    with pytest.raises(ValidationError) as info:
        services.membership_end(actor=coordinator, membership=membership, left=D(2019, 5, 1))
    assert "efter indtrædelsesdatoen" in info.value.message_dict["left"][0]
    membership.refresh_from_db()
    assert membership.left is None


def test_moving_a_practice_ends_one_membership_and_starts_the_next(make_cluster: Any, officer: Any) -> None:
    first, second = make_cluster("A"), make_cluster("B")
    membership = add(first, officer)
    new = services.practice_move(
        actor=officer, membership=membership, to_cluster=second, on=D(2021, 7, 1), today=D(2021, 7, 1)
    )
    membership.refresh_from_db()
    assert membership.left == D(2021, 7, 1) and new.joined == D(2021, 7, 1) and new.cluster == second
    assert AuditEntry.objects.filter(action="membership.move").count() == 2


def test_another_coordinator_cannot_change_the_cluster(make_cluster: Any, cluster: Any) -> None:
    other = make_cluster("Anden")
    intruder = other.role_assignments.get().user
    with pytest.raises(PermissionDenied, match="Du har ikke adgang til klyngen Klynge Nord"):
        add(cluster, intruder)


def test_completion_lists_what_is_missing_and_completes_when_nothing_is(
    cluster: Any, coordinator: Any, django_capture_on_commit_callbacks: Any, officer: Any
) -> None:
    add(cluster, coordinator)
    with pytest.raises(ValidationError) as info:
        services.cluster_complete(actor=coordinator, cluster=cluster, today=D(2019, 2, 15))
    text = info.value.messages[0]
    assert "Vedtægter" in text and "Bekræft, at alle" in text
    cluster.refresh_from_db()
    assert cluster.completed_on is None
    services.cluster_update(actor=coordinator, cluster=cluster, all_practices_registered=True)
    from klynge.registry.models import Document, DocumentType

    for doc_type in cluster.region.required_documents.all():  # stand-ins; uploads are tested on their own
        Document.objects.create(
            cluster=cluster,
            document_type=doc_type,
            file="x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
        )
    assert DocumentType.objects.count() >= 2
    with django_capture_on_commit_callbacks(execute=True):
        services.cluster_complete(actor=coordinator, cluster=cluster, today=D(2019, 2, 15))
    cluster.refresh_from_db()
    assert cluster.completed_on == D(2019, 2, 15) and cluster.status == "completed"
    assert mail.outbox[-1].to == [officer.email]


def test_region_payment_details_refuse_an_invalid_iban_and_keep_the_old_one(
    officer: Any, region: Any
) -> None:
    services.region_update(actor=officer, region=region, payment_iban="DK50 0040 0440 1162 43")
    with pytest.raises(ValidationError) as info:
        services.region_update(actor=officer, region=region, payment_iban="DK50 0040 0440 1162 44")
    assert "IBAN" in info.value.message_dict["payment_iban"][0]
    region.refresh_from_db()
    assert region.payment_iban == "DK5000400440116243"


def test_a_coordinator_cannot_confirm_the_nemkonto_only_the_region_can(
    cluster: Any, coordinator: Any, officer: Any
) -> None:
    with pytest.raises(ValidationError) as info:
        services.cluster_update(actor=coordinator, cluster=cluster, nemkonto_confirmed_on=D(2019, 1, 1))
    assert "kun regionen" in info.value.message_dict["nemkonto_confirmed_on"][0]
    services.cluster_update(actor=officer, cluster=cluster, nemkonto_confirmed_on=D(2019, 1, 1))
    cluster.refresh_from_db()
    assert cluster.nemkonto_confirmed_on == D(2019, 1, 1)


def test_overlap_message_does_not_name_a_cluster_the_coordinator_cannot_see(
    make_cluster: Any, officer: Any
) -> None:
    first, second = make_cluster("Hemmelig klynge"), make_cluster("Min klynge")
    add(first, officer)
    coordinator = second.role_assignments.get().user
    with pytest.raises(ValidationError) as info:
        add(second, coordinator, joined=D(2019, 1, 1))
    message = info.value.message_dict["joined"][0]
    assert "Hemmelig klynge" not in message and "en anden klynge" in message


def test_a_coordinator_cannot_move_a_practice_to_another_region(
    make_cluster: Any, other_region: Any, make_user: Any
) -> None:
    home = make_cluster("Hjemme")
    boss = make_user("region_officer", region=other_region)
    away = make_cluster("Ude", region_=other_region, actor=boss)
    coordinator = home.role_assignments.get().user
    membership = add(home, coordinator)
    with pytest.raises(ValidationError) as info:
        services.practice_move(actor=coordinator, membership=membership, to_cluster=away, on=D(2021, 1, 1))
    assert "samme region" in info.value.message_dict["to_cluster"][0]
    membership.refresh_from_db()
    assert membership.left is None
