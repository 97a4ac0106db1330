"""Claims to the end (#13): the region's claims with their status, each claim's page with its
repayments, reminders and write-offs, and writing off what is outstanding (proposed by a region
officer, approved or refused by a region approver who did not propose it). The rules page explains
each rule code to staff.

Every change is one call of a service in :mod:`klynge.payouts.claims`; its refusal is shown on the
page, naming the field. Outside the user's regions a claim is not found (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.common.money import amount_text
from klynge.core.money import format_dkk
from klynge.payouts import claims
from klynge.payouts.bank import scope
from klynge.payouts.explain import rule_description, rule_text
from klynge.payouts.models import ClaimWriteOff, PayoutRun, RepaymentClaim
from klynge.payouts.notifications import claim_reason
from klynge.payouts.run_lines import explained
from klynge.web import selectors
from klynge.web.forms import WriteOffForm, WriteOffRefuseForm
from klynge.web.views.common import actor

RULE_CODES = ("A1", "A2", "A5", "A6", "A7", "A8", "A9")
FILTERS = {
    "aabne": lambda item, today: item["outstanding"] > 0,
    "overskredne": lambda item, today: item["outstanding"] > 0 and item["claim"].due_on < today,
    "alle": lambda item, today: True,
}


@login_required
def claim_list(request: HttpRequest, code: str) -> HttpResponse:
    """The region's released claims (and those of regions merged into it), each with its status;
    open ones by default, overdue ones or all on request (``?vis=overskredne|alle``)."""
    user = actor(request)
    region = selectors.region(user, code)
    chosen = list(
        RepaymentClaim.objects.filter(run__region__in=scope(region), run__status=PayoutRun.Status.RELEASED)
        .select_related("cluster", "run")
        .order_by("due_on", "cluster__name", "pk")
    )
    facts = claims.facts_of(chosen)
    proposed = set(
        ClaimWriteOff.objects.filter(claim__in=chosen, status=ClaimWriteOff.Status.PROPOSED).values_list(
            "claim_id", flat=True
        )
    )
    shown = request.GET.get("vis", "aabne")
    keep = FILTERS.get(shown, FILTERS["aabne"])
    today = timezone.localdate()
    items = [
        {**claims.shown(c, facts[c.pk]), "proposed": c.pk in proposed, "overdue": c.due_on < today}
        for c in chosen
    ]
    return render(
        request,
        "web/claims/claim_list.html",
        {
            "region": region,
            "items": [item for item in items if keep(item, today)],
            "shown": shown if shown in FILTERS else "aabne",
            "section": "dashboard",
        },
    )


def _claim(request: HttpRequest, claim_pk: int) -> RepaymentClaim:
    """A released claim of a region the user may see (404 otherwise)."""
    user = actor(request)
    regions = access.regions(user, Action.VIEW)
    return get_object_or_404(
        RepaymentClaim.objects.select_related("run__region", "cluster"),
        pk=claim_pk,
        run__region__in=regions,
        run__status=PayoutRun.Status.RELEASED,
    )


def _detail(request: HttpRequest, claim: RepaymentClaim, form: WriteOffForm | None = None) -> HttpResponse:
    user = actor(request)
    from klynge.payouts.runs import region_in_force

    region = region_in_force(claim.run.region)
    facts = claims.claim_facts(claim)
    proposal = claims.open_proposal(claim)
    may_propose = access.can_in_region(user, Action.PAY, region)
    may_decide = access.can_in_region(user, Action.APPROVE, region)
    if form is None and may_propose and proposal is None and facts.outstanding > 0:
        form = WriteOffForm(initial={"amount": format_dkk(facts.outstanding).replace(".", "")})
    from klynge.notices.models import Notice

    reminders = (
        Notice.objects.filter(
            kind__in=[Notice.Kind.CLAIM_OVERDUE, Notice.Kind.CLAIM_REMINDER],
            sent_at__isnull=False,
            recipient__roles__role="coordinator",
        )
        .filter(object_key__regex=rf"^claim:{claim.pk}(:[0-9]+)?$")
        .select_related("recipient")
        .order_by("sent_at")
        .distinct()
    )
    return render(
        request,
        "web/claims/claim_detail.html",
        {
            "claim": claim,
            "region": region,
            **claims.shown(claim, facts),
            "reason": claim_reason(claim),
            "lines": explained(claim.lines.order_by("id")),
            "repayments": claim.repayments.order_by("received_on", "pk"),
            "reminders": reminders,
            "write_offs": claim.write_offs.select_related("proposed_by", "decided_by").order_by(
                "proposed_at"
            ),
            "proposal": proposal,
            "form": form if may_propose and proposal is None and facts.outstanding > 0 else None,
            "may_decide": proposal is not None and may_decide and proposal.proposed_by_id != user.pk,
            "own_proposal": proposal is not None and proposal.proposed_by_id == user.pk,
            "refuse_form": WriteOffRefuseForm(),
            "staff": True,
            "today": timezone.localdate(),
            "section": "dashboard",
        },
    )


@login_required
def claim_detail(request: HttpRequest, claim_pk: int) -> HttpResponse:
    return _detail(request, _claim(request, claim_pk))


@login_required
@require_POST
def write_off_propose(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = _claim(request, claim_pk)
    form = WriteOffForm(request.POST)
    if form.is_valid():
        done = form.call(
            claims.write_off_propose,
            actor=actor(request),
            claim=claim,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(
                request,
                _(
                    "Forslaget om at afskrive %(amount)s kr. er gemt. En godkender i regionen (ikke dig) "
                    "skal godkende det, før kravet er afskrevet."
                )
                % {"amount": amount_text(done.amount)},
            )
            return redirect("claim_detail", claim_pk=claim.pk)
    return _detail(request, claim, form)


def _decide(request: HttpRequest, pk: int, step: Any, done: str) -> HttpResponse:
    write_off = get_object_or_404(
        ClaimWriteOff.objects.select_related("claim"),
        pk=pk,
        claim__run__region__in=access.regions(actor(request), Action.VIEW),
    )
    try:
        step(write_off)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("claim_detail", claim_pk=write_off.claim_id)


@login_required
@require_POST
def write_off_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    return _decide(
        request,
        pk,
        lambda w: claims.write_off_approve(actor=user, write_off=w),
        _("Afskrivningen er godkendt og bogført. Der sendes ikke flere påmindelser om kravet."),
    )


@login_required
@require_POST
def write_off_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    form = WriteOffRefuseForm(request.POST)
    reason = form.cleaned_data.get("refusal_reason", "") if form.is_valid() else ""
    return _decide(
        request,
        pk,
        lambda w: claims.write_off_refuse(actor=user, write_off=w, reason=reason),
        _("Forslaget om afskrivning er afvist. Kravet skal stadig betales."),
    )


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Each rule code of the payouts with its words and its sentence (staff open it from a code)."""
    return render(
        request,
        "web/claims/rules.html",
        {"rules": [(code, rule_text(code), rule_description(code)) for code in RULE_CODES]},
    )
