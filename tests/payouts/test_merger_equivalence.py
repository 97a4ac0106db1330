"""#11: after a merger the successor's first run pays and claims exactly what the predecessors' runs
would have paid and claimed together, and the ledgers carry the same balances.

Region 1081 holds the worked example's K1 and K2 (four released runs to 15 April 2020: a claim of
10.000,00 on K1, 2.500,00 of it repaid, 751,37 carried forward to net for K1). Region 1082 holds a
completed cluster X with a practice of its own, a cluster still registering, and from 1 March 2026 the
practice 100004 that left K2 (region 1081) that day; its run of 15 June 2026 is released. The two
merge into 1086 on 1 January 2027 (policy "net", the same processing days).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from klynge.audit.models import AuditEntry
from klynge.audit.verify import verify
from klynge.core import payouts as engine
from klynge.ledger.models import JournalEntry, Ledger
from klynge.ledger.selectors import balances
from klynge.payouts import mergers, reorganise, runs, statements
from klynge.payouts.models import Payout, PayoutRun, RegionMerger, RepaymentClaim
from klynge.registry.models import CapacityRecord, GpCluster, Membership, PatientCount, Practice, Region

D = dt.date
ON = D(2027, 1, 1)
RUN = D(2027, 1, 15)
M = Decimal


def released(region: Any, officer: Any, approver: Any, day: dt.date) -> PayoutRun:
    run = runs.run_prepare(actor=officer, region=region, run_date=day)
    runs.run_approve(actor=approver, run=run)
    return runs.run_release(actor=officer, run=run)


@pytest.fixture
def two_regions(
    example: Any, region: Any, other_region: Any, officer: Any, approver: Any, make_user: Any
) -> dict[str, Any]:
    for day in (D(2018, 12, 10), D(2019, 2, 15), D(2020, 1, 15), D(2020, 4, 15)):
        last = released(region, officer, approver, day)
    claim = RepaymentClaim.objects.get(run=last)
    runs.repayment_record(actor=officer, claim=claim, amount="2500.00", received_on=D(2020, 5, 1))
    other_region.payment_iban = "DK5000400440116243"
    other_region.save()
    x = GpCluster.objects.create(
        name="Klynge Øst",
        region=other_region,
        external_id="X1",
        cvr="29403473",
        founded_on=D(2024, 10, 1),
        completed_on=D(2025, 1, 10),
        status="completed",
    )
    make_user("coordinator", username="koordinator-x1", gp_cluster=x)
    GpCluster.objects.create(
        name="Klynge Vest", region=other_region, external_id="X2", founded_on=D(2026, 5, 1)
    )
    own = Practice.objects.create(provider_number="200001", name="Lægerne Øst", region=other_region)
    CapacityRecord.objects.create(practice=own, valid_from=D(2015, 1, 1), count=3, recorded_on=D(2024, 10, 1))
    PatientCount.objects.create(
        practice=own, valid_from=D(2022, 1, 1), count=3000, recorded_on=D(2024, 10, 1)
    )
    Membership.objects.create(practice=own, cluster=x, joined=D(2024, 10, 1), recorded_on=D(2024, 10, 1))
    # 100004 moves from K2 (region 1081) to X (region 1082) on 1 March 2026.
    mover = Practice.objects.get(provider_number="100004")
    Membership.objects.filter(practice=mover, cluster__external_id="K2").update(
        left=D(2026, 3, 1), left_recorded_on=D(2026, 3, 1)
    )
    Membership.objects.create(practice=mover, cluster=x, joined=D(2026, 3, 1), recorded_on=D(2026, 3, 1))
    officer_1082 = make_user("region_officer", username="officer-1082", region=other_region)
    approver_1082 = make_user("region_approver", username="approver-1082", region=other_region)
    released(other_region, officer_1082, approver_1082, D(2026, 6, 15))
    return {"claim": claim, "officer_1082": officer_1082}


def _payouts(result: engine.RunResult) -> dict[str, Any]:
    return {
        p.cluster: (
            p.amount,
            p.expected_arrival,
            sorted((line.rule, line.practice, str(line.period_from), line.amount) for line in p.lines),
        )
        for p in result.payouts
    }


def _claims(result: engine.RunResult) -> list[Any]:
    return sorted((c.cluster, c.practice, c.reason, c.amount) for c in result.claims)


def test_the_successors_first_run_pays_and_claims_what_the_predecessors_would_have_together(
    two_regions: Any, region: Any, other_region: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    a1 = make_user("admin", username="admin-a")
    a2 = make_user("admin", username="admin-b")
    moving = GpCluster.objects.filter(region__in=[region, other_region])
    assert sorted(moving.values_list("external_id", flat=True)) == ["K1", "K2", "X1", "X2"]
    expected = runs.preview(moving, RUN)
    assert expected.payouts and [c.cluster for c in expected.carried_forward] == []
    # The netting balance of K1 (751,37) is in what the engine nets now.
    assert [(c.cluster.external_id, c.amount) for c in statements.carried_forward(region)] == [
        ("K1", M("751.37"))
    ]
    before = {
        code: balances(ledger)
        for code, ledger in ((c, Ledger.objects.filter(code=f"GP-{c}").first()) for c in ("1081", "1082"))
        if ledger is not None
    }
    assert set(before) == {"1081", "1082"}

    document, problems = reorganise.check_document(
        {
            "format": "klynge-reorganise/1",
            "date": ON.isoformat(),
            "regions": {"merge": ["1081", "1082"], "into": {"code": "1086", "name": "Region Østdanmark"}},
            "settings": {"from": "1081"},
        }
    )
    assert problems == [] and document is not None
    merger = mergers.merger_prepare(actor=a1, document=document)
    merger = mergers.merger_approve(actor=a2, merger=merger, today=D(2026, 12, 6))
    assert merger.status == RegionMerger.Status.APPROVED  # before its date: carried out on the date
    with pytest.raises(ValidationError, match=r"træder først i kraft 1\. januar 2027"):
        mergers.merger_carry_out(merger=merger, today=D(2026, 12, 31))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        merger = mergers.merger_carry_out(merger=merger, today=ON)
    assert merger.status == RegionMerger.Status.CARRIED_OUT
    successor = Region.objects.get(code="1086")
    assert merger.successor == successor and successor.valid_from == ON
    region.refresh_from_db()
    other_region.refresh_from_db()
    assert (region.successor, region.valid_to) == (successor, D(2026, 12, 31))
    assert (other_region.successor, other_region.valid_to) == (successor, D(2026, 12, 31))
    assert GpCluster.objects.filter(region=successor).count() == 4

    # The netting balance is found for the moved cluster before the successor's first run.
    assert [(c.cluster.external_id, c.amount) for c in statements.carried_forward(successor)] == [
        ("K1", M("751.37"))
    ]

    officer = make_user("region_officer", username="officer-1086", region=successor)
    run = runs.run_prepare(actor=officer, region=successor, run_date=RUN)
    stored = {
        p.cluster.external_id: (
            p.amount,
            (p.arrival_from, p.arrival_to),
            sorted((line.rule, line.practice, str(line.period_from), line.amount) for line in p.lines.all()),
        )
        for p in Payout.objects.filter(run=run).select_related("cluster").prefetch_related("lines")
    }
    assert stored == _payouts(expected)
    assert sorted(
        (c.cluster.external_id, c.practice, c.reason, c.amount)
        for c in RepaymentClaim.objects.filter(run=run).select_related("cluster")
    ) == _claims(expected)
    assert sorted((c.cluster.external_id, c.amount) for c in run.carried_forward.all()) == sorted(
        (c.cluster, c.amount) for c in expected.carried_forward
    )
    assert run.total_payouts == sum((p.amount for p in expected.payouts), M("0.00")) > 0

    # Ledgers: each old ledger closed to zero, the new one opened with the same balances.
    new = Ledger.objects.get(code="GP-1086")
    summed: dict[str, Decimal] = {}
    for code, old_balances in before.items():
        old = Ledger.objects.get(code=f"GP-{code}")
        assert all(amount == 0 for amount in balances(old).values())
        closing_entry = JournalEntry.objects.get(ledger=old, source="merger.closing")
        opening_entry = JournalEntry.objects.get(
            ledger=new, source="merger.opening", source_id=f"{merger.pk}:{code}"
        )
        assert closing_entry.source_id == opening_entry.source_id
        assert closing_entry.date == D(2026, 12, 31) and opening_entry.date == ON
        assert f"GP-{code}" in opening_entry.text and "GP-1086" in closing_entry.text
        assert sum(p.amount for p in closing_entry.postings.all()) == 0
        assert sorted((p.account.code, p.party, -p.amount) for p in closing_entry.postings.all()) == sorted(
            (p.account.code, p.party, p.amount) for p in opening_entry.postings.all()
        )
        for account, amount in old_balances.items():
            summed[account] = summed.get(account, M("0.00")) + amount
    assert balances(new) == {k: v for k, v in summed.items() if v}
    assert mergers.verify_carried() == []
    assert verify().ok, verify().summary()

    # The open claim goes on: a repayment on the predecessor's claim is posted in the successor's ledger.
    claim = two_regions["claim"]
    assert runs.claim_outstanding(claim) == M("7500.00")
    runs.repayment_record(actor=officer, claim=claim, amount="1000.00", received_on=D(2026, 12, 1))
    assert JournalEntry.objects.filter(ledger=new, source="repayment").count() == 1
    assert balances(new)["GP-TILGODE"] == summed["GP-TILGODE"] - M("1000.00")
    assert mergers.verify_carried() == []

    # History stays under the old names; the old region gets no new runs.
    assert PayoutRun.objects.filter(region=region, status="released").count() == 4
    with pytest.raises(Exception, match="Region Østdanmark"):
        runs.run_prepare(actor=two_regions["officer_1082"], region=other_region, run_date=RUN)

    # Audited, and the people were told.
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "region_merger.prepare",
        "region_merger.approve",
        "region_merger.carry_out",
        "region.merge",
    } <= actions
    by_subject = {m.subject: m for m in mail.outbox}
    told = by_subject["Klynge Øst hører nu under Region Østdanmark"]
    assert "fra 1. januar 2027 under Region Østdanmark (før Region Midtjylland)" in told.body
    role_mail = [m for m in mail.outbox if m.to == ["officer-1082@example.dk"]]
    assert (
        len(role_mail) == 1 and role_mail[0].subject == "Sammenlægning: Region Østdanmark fra 1. januar 2027"
    )
    assert "Regional sagsbehandler" in role_mail[0].body
