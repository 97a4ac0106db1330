"""Claims to the end (#13): each claim's status from its facts, and writing off what is outstanding:
proposed by a region officer with a reason, approved by a second person (a region approver), then
posted in the region's ledger. The database holds four eyes, a reason, a positive amount and one open
proposal per claim (tried with raw SQL); the service holds the amount to what is outstanding. A
written-off claim gets no more reminders and leaves the overdue lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from klynge.audit.models import AuditEntry
from klynge.core.claims import ClaimStatus, claim_status
from klynge.ledger.models import JournalEntry, Posting
from klynge.notices import services as notices
from klynge.notices.models import Notice
from klynge.payouts import claims, runs
from klynge.payouts.models import ClaimWriteOff, PayoutRun, RepaymentClaim

M = Decimal


@pytest.fixture
def claim(officer: Any, approver: Any, cluster: Any, region: Any) -> RepaymentClaim:
    """A released run (40 days ago) with a claim of 2.500 kr. due 20 days ago, not repaid."""
    today = timezone.localdate()
    run = PayoutRun.objects.create(
        region=region,
        run_date=today - dt.timedelta(days=40),
        status=PayoutRun.Status.RELEASED,
        prepared_by=officer,
        approved_by=approver,
        approved_at=timezone.now(),
        released_by=officer,
        released_at=timezone.now() - dt.timedelta(days=40),
    )
    return RepaymentClaim.objects.create(
        run=run,
        cluster=cluster,
        amount=M("2500.00"),
        reason="startup_fee_repayment",
        rule="A7",
        practice="100001",
        due_on=today - dt.timedelta(days=20),
    )


@pytest.fixture
def second_approver(make_user: Callable[..., Any], region: Any) -> Any:
    return make_user("region_approver", username="approver2", region=region)


def status(claim: RepaymentClaim) -> ClaimStatus:
    return claim_status(claims.claim_facts(claim))


def repay(claim: RepaymentClaim, officer: Any, amount: str) -> None:
    runs.repayment_record(actor=officer, claim=claim, amount=amount, received_on=timezone.localdate())


# --- Status ------------------------------------------------------------------------------------------


def test_the_status_goes_raised_reminded_partly_repaid_repaid(
    claim: RepaymentClaim, officer: Any, coordinator: Any
) -> None:
    assert status(claim) == ClaimStatus.RAISED
    call_command("notify", stdout=StringIO())  # the overdue notice and a reminder to the coordinator
    assert Notice.objects.filter(recipient=coordinator, kind="claim_overdue", sent_at__isnull=False).exists()
    assert status(claim) == ClaimStatus.REMINDED
    repay(claim, officer, "1000.00")
    assert status(claim) == ClaimStatus.PARTLY_REPAID
    repay(claim, officer, "1500.00")
    assert status(claim) == ClaimStatus.REPAID


def test_a_notice_to_the_officer_alone_is_no_reminder(claim: RepaymentClaim, officer: Any) -> None:
    claim.cluster.role_assignments.filter(role="coordinator").delete()  # nobody to remind
    call_command("notify", stdout=StringIO())
    assert Notice.objects.filter(recipient=officer, kind="claim_overdue").exists()
    assert status(claim) == ClaimStatus.RAISED


# --- Writing off -------------------------------------------------------------------------------------


def test_an_officer_proposes_a_second_person_approves_and_it_is_posted(
    claim: RepaymentClaim, officer: Any, approver: Any
) -> None:
    repay(claim, officer, "500.00")
    proposal = claims.write_off_propose(
        actor=officer, claim=claim, amount="2000.00", reason="  Klyngen er opløst uden midler.  "
    )
    assert proposal.status == "proposed" and proposal.reason == "Klyngen er opløst uden midler."
    assert runs.claim_outstanding(claim) == M("2000.00")  # nothing changes before the approval
    assert not JournalEntry.objects.filter(source="claim_write_off").exists()

    done = claims.write_off_approve(actor=approver, write_off=proposal)
    assert done.status == "approved" and done.decided_by == approver
    assert runs.claim_outstanding(claim) == 0
    assert status(claim) == ClaimStatus.WRITTEN_OFF
    entry = JournalEntry.objects.get(source="claim_write_off", source_id=str(proposal.pk))
    lines = {p.account.code: p.amount for p in entry.postings.select_related("account")}
    assert lines == {"GP-AFSKREVET": M("2000.00"), "GP-TILGODE": M("-2000.00")}
    assert entry.date == timezone.localdate()
    # the receivable of the claim is now settled in the ledger: claimed, repaid, written off
    receivable = Posting.objects.filter(account__code="GP-TILGODE", party=claim.cluster.external_id)
    assert receivable.filter(entry__source="repayment").aggregate(t=Sum("amount"))["t"] == M("-500.00")
    actions = list(
        AuditEntry.objects.filter(action__startswith="claim.write_off")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["claim.write_off.propose", "claim.write_off.approve"]
    # approving again by the same person changes nothing
    assert claims.write_off_approve(actor=approver, write_off=proposal).pk == proposal.pk
    assert JournalEntry.objects.filter(source="claim_write_off").count() == 1


def test_the_proposer_cannot_approve_and_an_officer_is_told_approval_needs_the_approver_role(
    claim: RepaymentClaim, officer: Any, approver: Any, second_approver: Any, make_user: Callable[..., Any]
) -> None:
    proposal = claims.write_off_propose(actor=officer, claim=claim, amount="2500.00", reason="Opløst")
    with pytest.raises(ValidationError) as refused:
        claims.write_off_approve(actor=officer, write_off=proposal)
    assert "kræver rollen som godkender" in refused.value.message_dict["decided_by"][0]
    # an approver who is also an officer proposes; they cannot approve their own proposal
    both = make_user("region_approver", username="both", region=claim.run.region)
    both.roles.create(role="region_officer", region=claim.run.region)
    proposal.status, proposal.decided_by, proposal.decided_at = "refused", approver, timezone.now()
    proposal.save()
    own = claims.write_off_propose(actor=both, claim=claim, amount="100.00", reason="Rest")
    with pytest.raises(ValidationError) as refused:
        claims.write_off_approve(actor=both, write_off=own)
    assert "fire øjne" in refused.value.message_dict["decided_by"][0]
    claims.write_off_approve(actor=second_approver, write_off=own)
    assert runs.claim_outstanding(claim) == M("2400.00")


def test_an_approver_cannot_propose_and_outsiders_are_denied(
    claim: RepaymentClaim, approver: Any, make_user: Callable[..., Any], other_region: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        claims.write_off_propose(actor=approver, claim=claim, amount="10.00", reason="x")
    assert "sagsbehandlere" in refused.value.message_dict["proposed_by"][0]
    stranger = make_user("region_officer", username="stranger", region=other_region)
    with pytest.raises(PermissionDenied):
        claims.write_off_propose(actor=stranger, claim=claim, amount="10.00", reason="x")
    assert not ClaimWriteOff.objects.exists()


@pytest.mark.parametrize(
    ("amount", "reason", "field", "words"),
    [
        ("0", "Opløst", "amount", "større end 0 kr."),
        ("2500.01", "Opløst", "amount", "mere end de 2.500,00 kr."),
        ("12,5", "Opløst", "amount", "et tal"),
        ("100.001", "Opløst", "amount", "to decimaler"),
        ("100.00", "   ", "reason", "Begrundelse: skriv"),
    ],
)
def test_a_bad_proposal_is_refused_naming_the_field_and_nothing_is_stored(
    claim: RepaymentClaim, officer: Any, amount: str, reason: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        claims.write_off_propose(actor=officer, claim=claim, amount=amount, reason=reason)
    assert words in " ".join(refused.value.message_dict[field])
    assert not ClaimWriteOff.objects.exists()


def test_one_open_proposal_per_claim_and_none_on_a_settled_claim(
    claim: RepaymentClaim, officer: Any, approver: Any
) -> None:
    first = claims.write_off_propose(actor=officer, claim=claim, amount="100.00", reason="Rest")
    with pytest.raises(ValidationError, match="allerede et forslag"):
        claims.write_off_propose(actor=officer, claim=claim, amount="100.00", reason="Igen")
    claims.write_off_refuse(actor=approver, write_off=first, reason="Klyngen kan betale")
    assert status(claim) == ClaimStatus.RAISED and runs.claim_outstanding(claim) == M("2500.00")
    with pytest.raises(ValidationError, match="allerede afvist"):
        claims.write_off_approve(actor=approver, write_off=first)
    repay(claim, officer, "2500.00")
    with pytest.raises(ValidationError, match="intet at afskrive"):
        claims.write_off_propose(actor=officer, claim=claim, amount="1.00", reason="Rest")


def test_a_repayment_after_the_proposal_makes_a_too_large_write_off_refused(
    claim: RepaymentClaim, officer: Any, approver: Any
) -> None:
    proposal = claims.write_off_propose(actor=officer, claim=claim, amount="2500.00", reason="Opløst")
    repay(claim, officer, "1000.00")
    with pytest.raises(ValidationError) as refused:
        claims.write_off_approve(actor=approver, write_off=proposal)
    assert "1.500,00 kr." in refused.value.message_dict["amount"][0]
    assert not JournalEntry.objects.filter(source="claim_write_off").exists()


def test_a_written_off_claim_gets_no_reminders_and_leaves_the_overdue_lists(
    claim: RepaymentClaim, officer: Any, approver: Any, coordinator: Any
) -> None:
    from klynge.accounts.models import RoleAssignment
    from klynge.web import inbox

    today = timezone.localdate()
    assert any(d.object_key.startswith(f"claim:{claim.pk}") for d in notices.pending(today))
    officer_role = RoleAssignment.objects.get(user=officer, role="region_officer")
    assert any("ikke betalt til fristen" in item.text for item in inbox.officer_items(officer_role, today))
    proposal = claims.write_off_propose(actor=officer, claim=claim, amount="2500.00", reason="Opløst")
    approver_role = RoleAssignment.objects.get(user=approver, role="region_approver")
    assert [i.url for i in inbox.approver_items(approver_role, today)] == [f"/krav/{claim.pk}/"]
    claims.write_off_approve(actor=approver, write_off=proposal)
    later = notices.due(today + dt.timedelta(days=60))
    assert not [d for d in later if d.kind in ("claim_overdue", "claim_reminder")]
    assert not any(
        "ikke betalt til fristen" in item.text for item in inbox.officer_items(officer_role, today)
    )
    assert inbox.approver_items(approver_role, today) == []


# --- The database's own rules, tried with raw SQL ------------------------------------------------------


def insert(
    claim: RepaymentClaim,
    proposer: Any,
    *,
    amount: int = 100,
    reason: str = "Opløst",
    status: str = "proposed",
    decided_by: Any = None,
) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payouts_claimwriteoff (claim_id, amount, reason, status, proposed_by_id, "
            "proposed_at, decided_by_id, decided_at, refusal_reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '')",
            [
                claim.pk,
                amount,
                reason,
                status,
                proposer.pk,
                timezone.now(),
                decided_by.pk if decided_by else None,
                timezone.now() if decided_by else None,
            ],
        )


def test_the_database_refuses_a_write_off_approved_by_its_proposer(
    claim: RepaymentClaim, officer: Any
) -> None:
    with pytest.raises(IntegrityError, match="write_off_four_eyes"):
        insert(claim, officer, status="approved", decided_by=officer)
    assert not ClaimWriteOff.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_the_database_refuses_a_write_off_without_a_reason(
    claim: RepaymentClaim, officer: Any, reason: str
) -> None:
    with pytest.raises(IntegrityError, match="write_off_reason_given"):
        insert(claim, officer, reason=reason)


@pytest.mark.parametrize("amount", [0, -100])
def test_the_database_refuses_a_write_off_of_nothing(
    claim: RepaymentClaim, officer: Any, amount: int
) -> None:
    with pytest.raises(IntegrityError, match="write_off_positive"):
        insert(claim, officer, amount=amount)


def test_the_database_refuses_a_decision_without_its_decider(claim: RepaymentClaim, officer: Any) -> None:
    with pytest.raises(IntegrityError, match="write_off_status_has_people"):
        insert(claim, officer, status="approved")


def test_the_database_allows_one_open_proposal_per_claim(
    claim: RepaymentClaim, officer: Any, approver: Any
) -> None:
    insert(claim, officer)
    with pytest.raises(IntegrityError, match=r"write_off_one_open_per_claim|payouts_claimwriteoff\.claim_id"):
        insert(claim, officer)
    insert(claim, officer, status="refused", decided_by=approver)  # decided ones: any number
    insert(claim, officer, status="approved", decided_by=approver)
    assert ClaimWriteOff.objects.count() == 3
    with (
        pytest.raises(IntegrityError, match=r"write_off_one_open_per_claim|payouts_claimwriteoff\.claim_id"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE payouts_claimwriteoff SET status = 'proposed', decided_by_id = NULL, decided_at = NULL"
        )
