"""Claims to the end (#13): each claim's facts and status, and writing off what a cluster still owes.

A claim's status is never stored: :func:`claim_facts` (one claim) and :func:`facts_of` (many, a few
queries) read what was repaid, what was written off and whether the coordinators were reminded, and
:func:`klynge.core.claims.claim_status` says where it stands. ``runs.claim_outstanding`` is the
outstanding of these facts, so a written-off claim leaves the overdue lists, the inbox, the reminders
and the bank import's open claims.

Writing off needs two people: a region officer proposes it (amount and reason), a region approver
who did not propose it approves it (then it is posted in the region's ledger: the written-off
account debited, the claims receivable credited, as a repayment credits it) or refuses it. Each step
is one atomic service that writes an audit record.

Where the issue left room:
- the amount proposed defaults to all that is outstanding, but may be less (a small remainder is
  written off while the rest is still collected); a claim fully written off is "written off";
- the write-off is posted on the day it is approved (the day the region gave up the money);
- "reminded" counts the notices sent to the cluster's coordinators that the claim is overdue or a
  reminder of it (``klynge notify``), not those sent to the region's officers;
- approving is checked again against what is outstanding then: a repayment that arrived after the
  proposal makes a too large write-off refused (propose again), never a negative balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.audit.log import record
from klynge.core.claims import ClaimFacts, ClaimStatus, claim_status
from klynge.core.money import ZERO, format_dkk
from klynge.ledger import services as ledger
from klynge.payouts.models import ClaimWriteOff, PayoutRun, Repayment, RepaymentClaim

WRITTEN_OFF = "GP-AFSKREVET"  # expense: claims on clusters written off (migration 0008)
REASON_MAX = 2000

STATUS_LABELS = {
    ClaimStatus.RAISED: gettext_lazy("Rejst"),
    ClaimStatus.REMINDED: gettext_lazy("Rykket"),
    ClaimStatus.PARTLY_REPAID: gettext_lazy("Delvist betalt"),
    ClaimStatus.REPAID: gettext_lazy("Betalt"),
    ClaimStatus.WRITTEN_OFF: gettext_lazy("Afskrevet"),
}
# The design system's badge of each status (dkfds: badge-info, -success, -warning, -error).
STATUS_BADGES = {
    ClaimStatus.RAISED: "badge-info",
    ClaimStatus.REMINDED: "badge-warning",
    ClaimStatus.PARTLY_REPAID: "badge-warning",
    ClaimStatus.REPAID: "badge-success",
    ClaimStatus.WRITTEN_OFF: "badge-success",
}


# --- Facts and status -----------------------------------------------------------------------------


def _reminded(pks: Iterable[int]) -> set[int]:
    """The claims among ``pks`` whose cluster's coordinators were sent an overdue notice or a reminder."""
    from klynge.accounts.models import Role
    from klynge.notices.models import Notice

    wanted = set(pks)
    if not wanted:
        return set()
    found: set[int] = set()
    keys = (
        Notice.objects.filter(
            kind__in=[Notice.Kind.CLAIM_OVERDUE, Notice.Kind.CLAIM_REMINDER],
            sent_at__isnull=False,
            object_key__startswith="claim:",
            recipient__roles__role=Role.COORDINATOR,
        )
        .values_list("object_key", flat=True)
        .distinct()
    )
    for key in keys:
        part = key.split(":")[1]
        if part.isdigit() and int(part) in wanted:
            found.add(int(part))
    return found


def facts_of(claims: Iterable[RepaymentClaim]) -> dict[int, ClaimFacts]:
    """The facts of each claim (by its pk): three queries whatever the number of claims."""
    chosen = list(claims)
    pks = [c.pk for c in chosen]
    repaid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, total in (
        Repayment.objects.filter(claim_id__in=pks)
        .order_by()
        .values_list("claim_id")
        .annotate(total=Sum("amount"))
    ):
        repaid[pk] = total
    written: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, total in (
        ClaimWriteOff.objects.filter(claim_id__in=pks, status=ClaimWriteOff.Status.APPROVED)
        .order_by()
        .values_list("claim_id")
        .annotate(total=Sum("amount"))
    ):
        written[pk] = total
    reminded = _reminded(pks)
    return {c.pk: ClaimFacts(c.amount, repaid[c.pk], written[c.pk], c.pk in reminded) for c in chosen}


def claim_facts(claim: RepaymentClaim) -> ClaimFacts:
    return facts_of([claim])[claim.pk]


def status_label(status: ClaimStatus) -> str:
    return str(STATUS_LABELS[status])


def shown(claim: RepaymentClaim, facts: ClaimFacts) -> dict[str, Any]:
    """What the pages show of a claim's standing: its facts, status, label and badge."""
    status = claim_status(facts)
    return {
        "claim": claim,
        "facts": facts,
        "outstanding": facts.outstanding,
        "status": status,
        "status_label": status_label(status),
        "status_badge": STATUS_BADGES[status],
    }


# --- Writing off ----------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _region(claim: RepaymentClaim) -> Any:
    from klynge.payouts.runs import region_in_force

    return region_in_force(claim.run.region)


def open_proposal(claim: RepaymentClaim) -> ClaimWriteOff | None:
    return claim.write_offs.filter(status=ClaimWriteOff.Status.PROPOSED).select_related("proposed_by").first()


@transaction.atomic
def write_off_propose(*, actor: Any, claim: RepaymentClaim, amount: Any, reason: str) -> ClaimWriteOff:
    """A region officer proposes writing off ``amount`` (more than 0, at most what is outstanding) of
    a released claim, with a reason. Nothing is posted until a second person approves it."""
    from klynge.payouts.services import clean_money

    claim = (
        RepaymentClaim.objects.select_for_update().select_related("run__region", "cluster").get(pk=claim.pk)
    )
    region = _region(claim)
    if not access.can_in_region(actor, Action.PAY, region):
        if access.can_in_region(actor, Action.VIEW, region):
            raise _refuse(
                "proposed_by",
                _(
                    "Forslag: kun regionens sagsbehandlere kan foreslå at afskrive et krav. "
                    "Bed en sagsbehandler om at foreslå det."
                ),
            )
        raise PermissionDenied(_("Du har ikke adgang til %(region)s.") % {"region": region.name})
    if claim.run.status != PayoutRun.Status.RELEASED:
        raise _refuse("claim", _("Kravet er ikke frigivet endnu; det kan ikke afskrives."))
    if open_proposal(claim) is not None:
        raise _refuse(
            "claim",
            _(
                "Kravet har allerede et forslag om afskrivning, som venter på en godkender. "
                "Det skal godkendes eller afvises, før der kan foreslås et nyt."
            ),
        )
    outstanding = claim_facts(claim).outstanding
    if outstanding <= 0:
        raise _refuse("claim", _("Kravet er betalt eller afskrevet; der er intet at afskrive."))
    errors: dict[str, list[str]] = {}
    value = ZERO
    try:
        value = clean_money(amount, "amount", _("Beløb"), maximum=Decimal("100000000.00"))
        if value <= 0:
            errors["amount"] = [_("Beløb: skal være større end 0 kr.")]
        elif value > outstanding:
            errors["amount"] = [
                _(
                    "Beløb: %(amount)s kr. er mere end de %(outstanding)s kr., der mangler på kravet. "
                    "Skriv højst %(outstanding)s kr."
                )
                % {"amount": format_dkk(value), "outstanding": format_dkk(outstanding)}
            ]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    text = (reason or "").strip()
    if not text:
        errors["reason"] = [_("Begrundelse: skriv, hvorfor kravet skal afskrives.")]
    elif len(text) > REASON_MAX:
        errors["reason"] = [
            _("Begrundelse: højst %(count)s tegn; du skrev %(length)s.")
            % {"count": REASON_MAX, "length": len(text)}
        ]
    if errors:
        raise ValidationError(errors)
    write_off = ClaimWriteOff.objects.create(claim=claim, amount=value, reason=text, proposed_by=actor)
    record(
        actor=actor,
        action="claim.write_off.propose",
        summary=_("Afskrivning af %(amount)s kr. på krav til %(cluster)s foreslået: %(reason)s")
        % {"amount": format_dkk(value), "cluster": claim.cluster.name, "reason": text},
        obj=write_off,
        after={"claim": claim.pk, "amount": f"{value:f}", "reason": text, "status": write_off.status},
        region=region,
        gp_cluster=claim.cluster,
    )
    return write_off


def _locked(write_off: ClaimWriteOff) -> ClaimWriteOff:
    return (
        ClaimWriteOff.objects.select_for_update()
        .select_related("claim__run__region", "claim__cluster", "proposed_by")
        .get(pk=write_off.pk)
    )


def _may_decide(actor: Any, write_off: ClaimWriteOff, verb: str) -> Any:
    """The region in force, if ``actor`` is one of its approvers and did not propose ``write_off``."""
    region = _region(write_off.claim)
    if not access.can_in_region(actor, Action.APPROVE, region):
        if access.can_in_region(actor, Action.VIEW, region):
            raise _refuse(
                "decided_by",
                _(
                    "Godkendelse: kræver rollen som godkender i regionen. Du er sagsbehandler; "
                    "bed en af regionens godkendere om at %(verb)s afskrivningen."
                )
                % {"verb": verb},
            )
        raise PermissionDenied(_("Du har ikke adgang til %(region)s.") % {"region": region.name})
    if write_off.proposed_by_id == actor.pk:
        raise _refuse(
            "decided_by",
            _(
                "Godkender: du har selv foreslået afskrivningen og kan ikke %(verb)s den. En anden "
                "godkender i regionen skal gøre det (fire øjne)."
            )
            % {"verb": verb},
        )
    return region


def _decided(write_off: ClaimWriteOff) -> ValidationError:
    return _refuse(
        "status",
        _("Forslaget er allerede %(status)s; det kan ikke ændres.")
        % {"status": write_off.get_status_display().lower()},
    )


@transaction.atomic
def write_off_approve(*, actor: Any, write_off: ClaimWriteOff) -> ClaimWriteOff:
    """A region approver who did not propose it approves a write-off: it is posted in the region's
    ledger (written-off account debited, claims receivable credited) on the day of approval.
    Approving again by the same person changes nothing."""
    write_off = _locked(write_off)
    if write_off.status == ClaimWriteOff.Status.APPROVED and write_off.decided_by_id == actor.pk:
        return write_off
    region = _may_decide(actor, write_off, _("godkende"))
    if write_off.status != ClaimWriteOff.Status.PROPOSED:
        raise _decided(write_off)
    claim = RepaymentClaim.objects.select_for_update().select_related("cluster").get(pk=write_off.claim_id)
    outstanding = claim_facts(claim).outstanding
    if write_off.amount > outstanding:
        raise _refuse(
            "amount",
            _(
                "Beløb: siden forslaget er der betalt på kravet, så der mangler nu kun %(outstanding)s kr., "
                "ikke %(amount)s kr. Afvis forslaget, og bed sagsbehandleren foreslå et nyt beløb."
            )
            % {"outstanding": format_dkk(outstanding), "amount": format_dkk(write_off.amount)},
        )
    from klynge.payouts.runs import RECEIVABLE, region_ledger

    today = timezone.localdate()
    write_off.status = ClaimWriteOff.Status.APPROVED
    write_off.decided_by = actor
    write_off.decided_at = timezone.now()
    write_off.save(update_fields=["status", "decided_by", "decided_at"])
    ledger.entry_post(
        actor=actor,
        ledger=region_ledger(region),
        date=today,
        text=(
            _("Afskrivning af krav på %(cluster)s (praksis %(practice)s)")
            if claim.practice
            else _("Afskrivning af krav om årlige midler på %(cluster)s")
        )
        % {"cluster": claim.cluster.name, "practice": claim.practice},
        lines=[
            ledger.Line(WRITTEN_OFF, write_off.amount, party=claim.cluster.external_id),
            ledger.Line(RECEIVABLE, -write_off.amount, party=claim.cluster.external_id),
        ],
        source="claim_write_off",
        source_id=str(write_off.pk),
    )
    record(
        actor=actor,
        action="claim.write_off.approve",
        summary=_("Afskrivning af %(amount)s kr. på krav til %(cluster)s godkendt og bogført")
        % {"amount": format_dkk(write_off.amount), "cluster": claim.cluster.name},
        obj=write_off,
        before={"status": ClaimWriteOff.Status.PROPOSED},
        after={"status": write_off.status, "amount": f"{write_off.amount:f}", "date": today.isoformat()},
        region=region,
        gp_cluster=claim.cluster,
    )
    return write_off


@transaction.atomic
def write_off_refuse(*, actor: Any, write_off: ClaimWriteOff, reason: str = "") -> ClaimWriteOff:
    """A region approver who did not propose it refuses a write-off (nothing is posted); the claim
    is collected as before and a new proposal may be made."""
    write_off = _locked(write_off)
    region = _may_decide(actor, write_off, _("afvise"))
    if write_off.status != ClaimWriteOff.Status.PROPOSED:
        raise _decided(write_off)
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise _refuse(
            "refusal_reason",
            _("Begrundelse: højst %(count)s tegn; du skrev %(length)s.")
            % {"count": REASON_MAX, "length": len(text)},
        )
    write_off.status = ClaimWriteOff.Status.REFUSED
    write_off.decided_by = actor
    write_off.decided_at = timezone.now()
    write_off.refusal_reason = text
    write_off.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    record(
        actor=actor,
        action="claim.write_off.refuse",
        summary=_("Afskrivning af %(amount)s kr. på krav til %(cluster)s afvist")
        % {"amount": format_dkk(write_off.amount), "cluster": write_off.claim.cluster.name},
        obj=write_off,
        before={"status": ClaimWriteOff.Status.PROPOSED},
        after={"status": write_off.status, "reason": text},
        region=region,
        gp_cluster=write_off.claim.cluster,
    )
    return write_off
