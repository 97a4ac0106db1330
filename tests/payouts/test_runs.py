"""Payout runs in the application: prepare → approve (another person) → release, with the example.

The persisted runs must pay exactly what the worked example expects; the bad inputs of issue #3 are
refused with a message naming the field, and change nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from klynge.audit.models import AuditEntry
from klynge.core.payouts import result_to_json, simulate
from klynge.core.scenario import parse_scenario
from klynge.ledger.models import JournalEntry
from klynge.ledger.selectors import balances
from klynge.payouts import runs
from klynge.payouts.models import Payout, PayoutLine, PayoutRun, RepaymentClaim, SettledAmount

D = dt.date


def released(region: Any, officer: Any, approver: Any, day: dt.date) -> PayoutRun:
    run = runs.run_prepare(actor=officer, region=region, run_date=day)
    runs.run_approve(actor=approver, run=run)
    return runs.run_release(actor=officer, run=run)


def persisted(run: PayoutRun) -> dict[str, Any]:
    """A run as stored, in the exchange format's shape (amounts as strings)."""
    return {
        "date": run.run_date.isoformat(),
        "payouts": [
            {
                "cluster": p.cluster.external_id,
                "amount": f"{p.amount:.2f}",
                "expected_arrival": [p.arrival_from.isoformat(), p.arrival_to.isoformat()],
                "lines": [
                    {
                        "kind": line.kind,
                        "practice": line.practice,
                        "from": line.period_from.isoformat(),
                        "to": line.period_to.isoformat(),
                        "amount": f"{line.amount:.2f}",
                        "rule": line.rule,
                    }
                    for line in p.lines.order_by("id")
                ],
            }
            for p in run.payouts.order_by("cluster__external_id")
        ],
        "claims": [
            {
                "cluster": c.cluster.external_id,
                "amount": f"{c.amount:.2f}",
                "reason": c.reason,
                "practice": c.practice,
                "rule": c.rule,
            }
            for c in run.claims.order_by("cluster__external_id", "practice")
        ],
    }


def engine_shape(run: dict[str, Any]) -> dict[str, Any]:
    """The pure engine's run (``klynge simulate``) cut to what :func:`persisted` shows."""
    keep = ("kind", "practice", "from", "to", "amount", "rule")
    return {
        "date": run["date"],
        "payouts": [
            {
                "cluster": p["cluster"],
                "amount": p["amount"],
                "expected_arrival": p["expected_arrival"],
                "lines": [{k: line[k] for k in keep} for line in p["lines"]],
            }
            for p in run["payouts"]
        ],
        "claims": [
            {k: c[k] for k in ("cluster", "amount", "reason", "practice", "rule")} for c in run["claims"]
        ],
    }


def test_the_persisted_runs_pay_and_claim_exactly_what_the_worked_example_expects(
    example: Any, example_input: Any, region: Any, officer: Any, approver: Any
) -> None:
    engine_runs = result_to_json(simulate(parse_scenario(example_input)))["runs"]
    for expected, computed in zip(example["runs"], engine_runs, strict=True):
        run = released(region, officer, approver, D.fromisoformat(expected["date"]))
        stored = persisted(run)
        assert [(p["cluster"], p["amount"]) for p in stored["payouts"]] == [
            (p["cluster"], p["amount"]) for p in expected["payouts"]
        ]
        assert [(c["cluster"], c["amount"]) for c in stored["claims"]] == [
            (c["cluster"], c["amount"]) for c in expected["claims"]
        ]
        assert stored == engine_shape(computed)
        for payout in run.payouts.all():
            assert sum(line.amount for line in payout.lines.all()) == payout.amount
    assert PayoutRun.objects.filter(status="released").count() == len(example["runs"])


def test_the_ledger_holds_every_released_payout_and_claim_and_balances(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    for expected in example["runs"]:
        released(region, officer, approver, D.fromisoformat(expected["date"]))
    paid = sum(Decimal(p["amount"]) for r in example["runs"] for p in r["payouts"])
    claimed = sum(Decimal(c["amount"]) for r in example["runs"] for c in r["claims"])
    books = runs.region_ledger(region)
    totals = balances(books)
    assert totals["GP-UDGIFT"] == paid - claimed
    assert totals["GP-SKYLDIG"] == -paid
    assert totals["GP-TILGODE"] == claimed
    assert (
        JournalEntry.objects.filter(ledger=books).count()
        == Payout.objects.count() + RepaymentClaim.objects.count()
    )


def test_every_line_and_settled_key_is_stored_as_the_engine_made_it(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    """Lines and settled keys are written as plain rows (``runs.insert_rows``), not model instances:
    every field of them, for payouts and claims alike, is what the engine decided."""
    from klynge.core import payouts as engine
    from klynge.registry.models import GpCluster

    def line(x: Any) -> tuple[Any, ...]:
        return (
            x.kind, x.rule, x.practice, x.period_from, x.period_to, x.days, x.days_in_year,
            x.capacities, x.patients, x.rate, x.amount,
        )  # fmt: skip

    claims = 0
    for expected in example["runs"]:
        day = D.fromisoformat(expected["date"])
        facts = runs.facts_for(GpCluster.objects.filter(region=region))
        outcome = engine.run_payouts(facts.scenario, day, facts.settled)
        run = released(region, officer, approver, day)
        assert [
            (p.cluster.external_id, [line(x) for x in p.lines.order_by("id")])
            for p in run.payouts.order_by("id")
        ] == [(p.cluster, [line(x) for x in p.lines]) for p in outcome.result.payouts]
        assert [
            (c.cluster.external_id, c.practice, [line(x) for x in c.lines.order_by("id")])
            for c in run.claims.order_by("id")
        ] == [(c.cluster, c.practice, [line(x) for x in c.lines]) for c in outcome.result.claims]
        assert all(x.text == "" for x in PayoutLine.objects.filter(payout__run=run))
        stored = run.settled.select_related("cluster", "payout", "claim").order_by("id")
        assert [(s.cluster.external_id, s.practice, s.kind, s.period, s.amount) for s in stored] == [
            (k.cluster, k.practice, k.kind, k.period, delta) for k, delta in outcome.changes if delta
        ]
        for s in stored:
            owner = s.claim if s.claim_id else s.payout
            assert owner is not None and owner.run_id == run.pk and owner.cluster_id == s.cluster_id
        claims += run.claims.count()
    assert claims  # the example has claims too


def test_insert_rows_refuses_rows_that_do_not_name_every_column(db: Any) -> None:
    with pytest.raises(TypeError, match="every column"):
        runs.insert_rows(SettledAmount, ("run", "cluster", "practice", "kind", "period", "amount"), [])


def test_a_second_run_on_the_same_facts_pays_nothing(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    first = released(region, officer, approver, D(2019, 2, 15))
    assert first.payouts.exists()
    again = runs.run_prepare(actor=officer, region=region, run_date=D(2019, 2, 15))
    assert again.pk != first.pk
    assert not again.payouts.exists() and not again.claims.exists()


def test_preparing_again_for_the_same_date_returns_the_same_draft(
    example: Any, region: Any, officer: Any
) -> None:
    first = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    again = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    assert again.pk == first.pk
    assert PayoutRun.objects.count() == 1
    assert Payout.objects.count() == 1  # K2 (K1 is completed later)
    assert AuditEntry.objects.filter(action="payout_run.prepare").count() == 1


def test_a_second_open_run_is_refused_naming_the_date_and_changes_nothing(
    example: Any, region: Any, officer: Any
) -> None:
    runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    with pytest.raises(ValidationError) as caught:
        runs.run_prepare(actor=officer, region=region, run_date=D(2019, 2, 15))
    message = caught.value.message_dict["run_date"][0]
    assert "allerede en åben kørsel" in message and "10. december 2018" in message
    assert PayoutRun.objects.count() == 1


def test_a_run_date_before_the_last_released_run_is_refused(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    released(region, officer, approver, D(2019, 2, 15))
    with pytest.raises(ValidationError) as caught:
        runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    assert "før seneste frigivne kørsel (15. februar 2019)" in caught.value.message_dict["run_date"][0]
    assert PayoutRun.objects.count() == 1


def test_a_run_date_far_ahead_or_not_a_date_is_refused(example: Any, region: Any, officer: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate() + dt.timedelta(days=400))
    assert "højst 90 dage frem" in caught.value.message_dict["run_date"][0]
    with pytest.raises(ValidationError) as caught:
        runs.run_prepare(actor=officer, region=region, run_date="2019-13-01")  # type: ignore[arg-type]
    assert "ÅÅÅÅ-MM-DD" in caught.value.message_dict["run_date"][0]
    assert not PayoutRun.objects.exists()


def test_approving_ones_own_run_is_refused_even_for_an_approver_who_prepared_it(
    example: Any, region: Any, make_user: Any
) -> None:
    both = make_user("region_officer", username="both", region=region)
    from klynge.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role="region_approver", region=region)
    run = runs.run_prepare(actor=both, region=region, run_date=D(2018, 12, 10))
    with pytest.raises(ValidationError) as caught:
        runs.run_approve(actor=both, run=run)
    assert "fire øjne" in caught.value.message_dict["approved_by"][0]
    run.refresh_from_db()
    assert run.status == "draft" and run.approved_by is None


def test_only_a_region_approver_approves_and_only_an_officer_prepares(
    example: Any, region: Any, officer: Any, approver: Any, make_user: Any, other_region: Any
) -> None:
    with pytest.raises(PermissionDenied, match="Du har ikke adgang til Region Nordjylland"):
        runs.run_prepare(actor=approver, region=region, run_date=D(2018, 12, 10))
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    other_officer = make_user("region_officer", region=region)
    with pytest.raises(ValidationError) as caught:  # an officer of the region is told why (#13)
        runs.run_approve(actor=other_officer, run=run)
    assert caught.value.message_dict["approved_by"] == [
        "Godkendelse kræver rollen regional godkender i Region Nordjylland. Bed en godkender i regionen "
        "om at godkende kørslen."
    ]
    elsewhere = make_user("region_approver", region=other_region)
    with pytest.raises(PermissionDenied, match="Du har ikke adgang til Region Nordjylland"):
        runs.run_approve(actor=elsewhere, run=run)
    run.refresh_from_db()
    assert run.status == "draft"


def test_a_draft_must_be_approved_before_release_and_an_approved_run_never_changes(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    with pytest.raises(ValidationError) as caught:
        runs.run_release(actor=officer, run=run)
    assert "godkendes af en anden" in caught.value.message_dict["status"][0]
    runs.run_approve(actor=approver, run=run)
    with pytest.raises(ValidationError, match=r"status.*godkendt og kan ikke kasseres"):
        runs.run_discard(actor=officer, run=run)
    run.refresh_from_db()
    assert run.status == "approved"


def test_a_discarded_draft_settles_nothing_and_the_next_run_pays_it(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    draft = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    total = draft.total_payouts
    runs.run_discard(actor=officer, run=draft)
    again = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    assert again.pk != draft.pk and again.total_payouts == total > 0


def test_release_is_refused_without_the_regions_account_or_a_clusters_cvr(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    region.payment_iban = ""
    region.save()
    from klynge.registry.models import GpCluster

    GpCluster.objects.filter(external_id="K2").update(cvr="")
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    runs.run_approve(actor=approver, run=run)
    with pytest.raises(ValidationError) as caught:
        runs.run_release(actor=officer, run=run)
    problems = " ".join(caught.value.message_dict["release"])
    assert "IBAN" in problems and "CVR-nummer: mangler for" in problems
    run.refresh_from_db()
    assert run.status == "approved" and not JournalEntry.objects.exists()


def test_release_makes_the_payment_file_tells_the_coordinators_and_is_idempotent(
    example: Any, region: Any, officer: Any, approver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from klynge.accounts.models import RoleAssignment, User
    from klynge.registry.models import GpCluster

    k1 = GpCluster.objects.get(external_id="K1")
    coordinator = User.objects.create_user(username="k1", email="k1@example.dk")
    RoleAssignment.objects.create(user=coordinator, role="coordinator", gp_cluster=k1)
    for day in (D(2018, 12, 10), D(2019, 2, 15), D(2019, 6, 15)):
        released(region, officer, approver, day)
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2020, 1, 15))
    runs.run_approve(actor=approver, run=run)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.run_release(actor=officer, run=run)
    document = bytes(run.payment_file)
    assert b"pain.001.001.03" in document and b"<CtrlSum>17586.30</CtrlSum>" in document
    [message] = mail.outbox
    assert message.to == ["k1@example.dk"]
    assert (
        "Udbetaling: 14.586,30 kr., som forventes" in message.body
        and "29. januar 2020" in message.body
        and "12. februar 2020" in message.body
    )
    assert "kr. kr." not in message.body  # #13: the amount's unit once
    assert f"{settings.SITE_URL}/klynger/{k1.pk}/oekonomi/" in message.body

    run = runs.run_prepare(actor=officer, region=region, run_date=D(2020, 4, 15))
    runs.run_approve(actor=approver, run=run)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.run_release(actor=officer, run=run)
    assert run.payment_file is None  # a claim only: nothing to transfer
    claim = run.claims.get()
    assert claim.cluster == k1 and claim.amount == Decimal("10000.00")
    [message] = mail.outbox
    assert (
        "10.000,00 kr. senest" in message.body
        and "100003" in message.body
        and "1. april 2020" in message.body
    )
    assert "kr. kr." not in message.body
    assert message.attachments[0][0] == f"krav-{claim.pk}.pdf"
    assert message.attachments[0][1].startswith(b"%PDF")
    entries = JournalEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        runs.run_release(actor=officer, run=run)
    assert JournalEntry.objects.count() == entries and len(mail.outbox) == 1


def test_a_failure_in_the_middle_leaves_nothing_and_a_retry_makes_one_run(
    example: Any, region: Any, officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runs.insert_rows

    def broken(model: Any, *args: Any, **kwargs: Any) -> Any:
        if model is SettledAmount:  # the last rows written: payouts and lines are in by then
            assert PayoutLine.objects.exists()
            raise RuntimeError("database went away")
        return real(model, *args, **kwargs)

    monkeypatch.setattr(runs, "insert_rows", broken)
    with pytest.raises(RuntimeError, match=r"^database went away$"):
        runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    assert not PayoutRun.objects.exists() and not Payout.objects.exists() and not PayoutLine.objects.exists()
    assert not AuditEntry.objects.filter(action="payout_run.prepare").exists()
    monkeypatch.setattr(runs, "insert_rows", real)
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    assert runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10)).pk == run.pk
    assert PayoutRun.objects.count() == 1 and run.payouts.count() == 1


def test_paid_dates_and_repayments_are_recorded_posted_and_checked(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    for expected in example["runs"][:5]:
        run = released(region, officer, approver, D.fromisoformat(expected["date"]))
    first = PayoutRun.objects.order_by("run_date").first()
    assert first is not None
    with pytest.raises(ValidationError) as caught:
        runs.payouts_mark_paid(actor=officer, run=first, paid_on=D(2018, 12, 1))
    assert "før kørselsdatoen" in caught.value.message_dict["paid_on"][0]
    marked = runs.payouts_mark_paid(actor=officer, run=first, paid_on=D(2018, 12, 20))
    assert len(marked) == 1 and all(p.paid_on == D(2018, 12, 20) for p in first.payouts.all())
    assert runs.payouts_mark_paid(actor=officer, run=first, paid_on=D(2018, 12, 21)) == []

    claim = run.claims.get()
    with pytest.raises(ValidationError) as caught:
        runs.repayment_record(actor=officer, claim=claim, amount="12000", received_on=D(2020, 5, 1))
    assert "mere end de 10.000,00 kr." in caught.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as caught:
        runs.repayment_record(
            actor=officer, claim=claim, amount="1,5x", received_on=timezone.localdate() + dt.timedelta(days=3)
        )
    assert set(caught.value.message_dict) == {"amount", "received_on"}
    runs.repayment_record(actor=officer, claim=claim, amount="4000.00", received_on=D(2020, 5, 1))
    runs.repayment_record(actor=officer, claim=claim, amount="6000", received_on=D(2020, 5, 20))
    assert runs.claim_outstanding(claim) == 0
    totals = balances(runs.region_ledger(region))
    assert totals["BANK"] == Decimal("10000.00") - sum(p.amount for p in first.payouts.all())
    assert totals["GP-TILGODE"] == 0
    with pytest.raises(PermissionDenied, match="Du har ikke adgang til Region Nordjylland"):
        runs.repayment_record(actor=approver, claim=claim, amount="1", received_on=D(2020, 5, 20))
