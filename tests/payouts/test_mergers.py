"""#11: preparing, approving, withdrawing and carrying out a merger of regions; its refusals and the
database's own rules (raw SQL, on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from klynge.accounts import access
from klynge.accounts.models import RoleAssignment
from klynge.audit.models import AuditEntry
from klynge.payouts import mergers, reorganise, runs
from klynge.payouts.models import MergerPredecessor, PayoutRun, RegionMerger
from klynge.registry import services
from klynge.registry.models import GpCluster, Region

D = dt.date
ON = D(2027, 1, 1)


def doc(**changes: Any) -> reorganise.Reorganisation:
    data: dict[str, Any] = {
        "format": "klynge-reorganise/1",
        "date": ON.isoformat(),
        "regions": {"merge": ["1084", "1085"], "into": {"code": "1086", "name": "Region Østdanmark"}},
    }
    data.update(changes)
    document, problems = reorganise.check_document(data)
    assert problems == [], problems
    assert document is not None
    return document


@pytest.fixture
def hs(db: Any) -> tuple[Region, Region]:
    return Region.objects.get(code="1084"), Region.objects.get(code="1085")


@pytest.fixture
def admins(make_user: Any) -> tuple[Any, Any]:
    return make_user("admin", username="admin-1"), make_user("admin", username="admin-2")


def test_a_draft_approved_by_another_admin_on_its_date_is_carried_out_at_once(
    hs: tuple[Region, Region], admins: tuple[Any, Any], make_user: Any
) -> None:
    hovedstaden, sjaelland = hs
    first, second = admins
    GpCluster.objects.create(
        name="Klynge Amager", region=hovedstaden, external_id="H1", founded_on=D(2025, 1, 1)
    )
    both = make_user("region_officer", username="begge", region=hovedstaden)
    RoleAssignment.objects.create(user=both, role="region_officer", region=sjaelland)
    reader = make_user("ssu_reader", username="ssu", region=sjaelland)
    finance = make_user("finance_officer", username="okonomi", organisation_code="1085")
    merger = mergers.merger_prepare(
        actor=first,
        document=doc(settings={"from": "1085", "claim_days": 45, "processing_days": [10, 20]}),
    )
    assert merger.status == RegionMerger.Status.DRAFT and merger.successor is None
    assert merger.region_settings["from"] == "1085"
    assert (merger.region_settings["claim_days"], merger.region_settings["processing_days_max"]) == (45, 20)
    assert merger.preview_prepared["ok"] is True
    assert [r.code for r in mergers.merger_regions(merger)] == ["1084", "1085"]
    # The preparer cannot approve it (four eyes); an officer cannot either.
    with pytest.raises(ValidationError, match="fire øjne"):
        mergers.merger_approve(actor=first, merger=merger, today=ON)
    with pytest.raises(PermissionDenied):
        mergers.merger_approve(actor=both, merger=merger, today=ON)
    merger = mergers.merger_approve(actor=second, merger=merger, today=ON)
    assert merger.status == RegionMerger.Status.CARRIED_OUT
    successor = Region.objects.get(code="1086")
    assert (successor.name, successor.valid_from, successor.claim_days) == ("Region Østdanmark", ON, 45)
    assert (successor.processing_days_min, successor.processing_days_max) == (10, 20)
    assert GpCluster.objects.get(external_id="H1").region == successor
    # Roles: "begge" holds one officer role in the successor, not two; the finance officer its code.
    assert list(RoleAssignment.objects.filter(user=both).values_list("role", "region__code")) == [
        ("region_officer", "1086")
    ]
    assert RoleAssignment.objects.get(user=reader).region == successor
    assert RoleAssignment.objects.get(user=finance).organisation_code == "1086"
    assert sorted(merger.outcome["merged"]) == [both.pk]
    # The successor's people read the predecessors' history; they act only in the successor.
    both = type(both).objects.get(pk=both.pk)
    assert set(access.regions(both).values_list("code", flat=True)) == {"1084", "1085", "1086"}
    assert set(access.regions(both, access.Action.PAY).values_list("code", flat=True)) == {"1086"}
    # Carrying out or approving again changes nothing; nothing is due any more.
    assert mergers.merger_carry_out(merger=merger, today=ON).pk == merger.pk
    assert mergers.merger_approve(actor=second, merger=merger, today=ON).status == "carried_out"
    assert list(mergers.mergers_due(ON)) == []
    audited = AuditEntry.objects.filter(object_type="payouts.RegionMerger", object_id=str(merger.pk))
    assert sorted(audited.values_list("action", flat=True)) == [
        "region_merger.approve",
        "region_merger.carry_out",
        "region_merger.prepare",
    ]


def test_an_open_run_blocks_the_approval_and_says_so(
    hs: tuple[Region, Region], admins: tuple[Any, Any], make_user: Any
) -> None:
    hovedstaden, _sjaelland = hs
    first, second = admins
    officer = make_user("region_officer", username="officer-h", region=hovedstaden)
    run = runs.run_prepare(actor=officer, region=hovedstaden, run_date=D(2026, 12, 15))
    merger = mergers.merger_prepare(actor=first, document=doc())  # a draft may wait for the run
    assert [r["code"] for r in merger.preview_prepared["refusals"]] == ["open_run"]
    with pytest.raises(ValidationError) as refused:
        mergers.merger_approve(actor=second, merger=merger, today=D(2026, 12, 6))
    assert refused.value.message_dict == {
        "predecessors": [
            "Region Hovedstaden har en åben udbetalingskørsel 15. december 2026: godkend og frigiv den "
            "eller kassér den først"
        ]
    }
    with translation.override("en"), pytest.raises(ValidationError, match="has an open payout run"):
        mergers.merger_approve(actor=second, merger=merger, today=D(2026, 12, 6))
    runs.run_discard(actor=officer, run=run)
    merger = mergers.merger_approve(actor=second, merger=merger, today=D(2026, 12, 6))
    assert merger.status == RegionMerger.Status.APPROVED
    assert list(mergers.mergers_due(D(2026, 12, 31))) == []
    assert list(mergers.mergers_due(ON)) == [merger]
    # A run prepared after the approval blocks the carrying out, too.
    runs.run_prepare(actor=officer, region=hovedstaden, run_date=D(2026, 12, 20))
    with pytest.raises(ValidationError, match="åben udbetalingskørsel"):
        mergers.merger_carry_out(merger=merger, today=ON)
    assert RegionMerger.objects.get(pk=merger.pk).status == RegionMerger.Status.APPROVED
    assert PayoutRun.objects.filter(region=hovedstaden, status="draft").exists()


def test_a_successor_code_in_use_is_refused_and_an_empty_region_made_for_it_is_taken(
    hs: tuple[Region, Region], admins: tuple[Any, Any]
) -> None:
    first, second = admins
    with pytest.raises(ValidationError) as refused:
        mergers.merger_prepare(
            actor=first,
            document=doc(
                regions={"merge": ["1084", "1085"], "into": {"code": "1081", "name": "Region Nordjylland"}}
            ),
        )
    # Region Nordjylland, shipped, has its municipalities: it is in use.
    assert refused.value.message_dict == {
        "successor_code": [
            "Regionskode 1081 er allerede i brug af Region Nordjylland, som har klynger, kørsler, bogføringer "
            "eller en historik; skriv den nye regions egen kode."
        ]
    }
    assert not RegionMerger.objects.exists()
    made = services.region_create(actor=first, code="1086", name="Region Østdanmark")
    merger = mergers.merger_prepare(actor=first, document=doc())
    assert merger.successor == made
    merger = mergers.merger_approve(actor=second, merger=merger, today=ON)
    made.refresh_from_db()
    assert merger.successor == made and made.valid_from == ON
    assert Region.objects.filter(code="1086").count() == 1


def test_a_region_is_in_one_merger_at_a_time_and_a_withdrawn_merger_frees_it(
    hs: tuple[Region, Region], admins: tuple[Any, Any], make_user: Any
) -> None:
    first, second = admins
    merger = mergers.merger_prepare(actor=first, document=doc())
    with pytest.raises(ValidationError, match=f"sammenlægning nr. {merger.pk}"):
        mergers.merger_prepare(
            actor=second,
            document=doc(
                regions={"merge": ["1084", "1083"], "into": {"code": "1087", "name": "Region Test"}}
            ),
        )
    with pytest.raises(PermissionDenied):
        mergers.merger_prepare(actor=make_user("region_officer", region=hs[0]), document=doc())
    with pytest.raises(ValidationError, match="Begrundelse"):
        mergers.merger_withdraw(actor=second, merger=merger, reason=" ")
    merger = mergers.merger_withdraw(actor=second, merger=merger, reason="Forkert dato")
    assert merger.status == RegionMerger.Status.WITHDRAWN
    with pytest.raises(ValidationError, match="kun en kladde"):
        mergers.merger_approve(actor=first, merger=merger, today=ON)
    again = mergers.merger_prepare(actor=second, document=doc())
    assert again.status == RegionMerger.Status.DRAFT
    assert MergerPredecessor.objects.filter(withdrawn=False).count() == 2


def _sql(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_the_database_refuses_approval_by_the_preparer_a_status_without_people_and_two_open_mergers(
    hs: tuple[Region, Region], admins: tuple[Any, Any]
) -> None:
    first, second = admins
    merger = mergers.merger_prepare(actor=first, document=doc())
    table = RegionMerger._meta.db_table
    with pytest.raises(IntegrityError):
        _sql(
            f"UPDATE {table} SET status = 'approved', approved_by_id = %s, approved_at = %s WHERE id = %s",
            [first.pk, "2026-12-06 10:00:00", merger.pk],
        )
    with pytest.raises(IntegrityError):
        _sql(f"UPDATE {table} SET status = 'approved' WHERE id = %s", [merger.pk])
    with pytest.raises(IntegrityError):
        _sql(
            f"UPDATE {table} SET status = 'carried_out', approved_by_id = %s, approved_at = %s, "
            "carried_out_at = %s WHERE id = %s",
            [second.pk, "2026-12-06 10:00:00", "2026-12-06 10:00:00", merger.pk],
        )  # carried out without a successor
    _sql(
        f"UPDATE {table} SET status = 'approved', approved_by_id = %s, approved_at = %s WHERE id = %s",
        [second.pk, "2026-12-06 10:00:00", merger.pk],
    )
    other = RegionMerger.objects.create(
        effective_on=ON, successor_code="1087", successor_name="X", prepared_by=first
    )
    parts = MergerPredecessor._meta.db_table
    with pytest.raises(IntegrityError):
        _sql(
            f"INSERT INTO {parts} (merger_id, region_id, position, withdrawn) VALUES (%s, %s, 1, %s)",
            [other.pk, hs[0].pk, False],
        )
    _sql(
        f"INSERT INTO {parts} (merger_id, region_id, position, withdrawn) VALUES (%s, %s, 1, %s)",
        [other.pk, hs[0].pk, True],
    )


def test_bookings_on_or_after_the_date_in_a_predecessors_ledger_refuse_the_merger(
    hs: tuple[Region, Region], admins: tuple[Any, Any]
) -> None:
    from klynge.ledger import services as ledger

    first, _second = admins
    books = runs.region_ledger(hs[1])
    ledger.entry_post(
        actor=first,
        ledger=books,
        date=ON,
        text="Test",
        lines=[
            ledger.Line(runs.BANK, Decimal("1.00"), party="X"),
            ledger.Line(runs.RECEIVABLE, Decimal("-1.00"), party="X"),
        ],
    )
    with pytest.raises(ValidationError) as refused:
        mergers.merger_prepare(actor=first, document=doc())
    assert refused.value.message_dict["effective_on"] == [
        "Region Sjælland har bogført bilag 1 den 1. januar 2027, samme dag som eller efter sammenlægningen "
        "1. januar 2027; lukkeposteringen skal være den sidste: vælg en senere dato for sammenlægningen."
    ]
