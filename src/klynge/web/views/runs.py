"""Payout-run pages: the region's runs, preparing one, its draft with every payout and claim explained,
approval by another person, release, payment files, paid dates and repayments.

Every change is one call of a service in :mod:`klynge.payouts.runs`; its refusal is shown on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.common.dates import long_date
from klynge.ledger import export as ledger_export
from klynge.ledger.models import Ledger
from klynge.payouts import rates, run_lines, runs
from klynge.payouts.models import PayoutLine, PayoutRun, RepaymentClaim
from klynge.payouts.run_lines import explained
from klynge.web import selectors
from klynge.web.forms import PaidForm, ReleaseForm, RepaymentForm, RunPrepareForm
from klynge.web.views.common import actor

PAGE = 50


def _run(request: HttpRequest, pk: int) -> PayoutRun:
    """A run of a region the user may see (404 otherwise)."""
    return get_object_or_404(
        PayoutRun.objects.select_related("region", "prepared_by", "approved_by", "released_by"),
        pk=pk,
        region__in=access.regions(actor(request), Action.VIEW),
    )


@login_required
def run_list(request: HttpRequest, code: str) -> HttpResponse:
    user = actor(request)
    region = selectors.region(user, code)
    may_prepare = access.can_in_region(user, Action.PAY, region)
    form = RunPrepareForm(request.POST or None, initial={"run_date": timezone.localdate()})
    if request.method == "POST":
        access.require_region(user, Action.PAY, region)
        if form.is_valid():
            run = form.call(
                runs.run_prepare, actor=user, region=region, run_date=form.cleaned_data["run_date"]
            )
            if run is not None:
                messages.success(
                    request, _("Kladden er klar. Gennemgå den, og bed en godkender om at godkende den.")
                )
                return redirect("run_detail", pk=run.pk)
    history = Paginator(
        PayoutRun.objects.filter(region=region).select_related("prepared_by", "approved_by", "released_by"),
        PAGE,
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "web/runs/run_list.html",
        {
            "region": region,
            "runs": history,
            "open_run": runs.open_run(region),
            "missing_rates": rates.missing_rates(region),
            "form": form,
            "may_prepare": may_prepare,
            "section": "runs",
        },
    )


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The run: its figures and steps, its payouts 50 to a page with the number of explanation lines
    each (the lines on the payout's own page and in the run's CSV, #12), claims and bookings."""
    user = actor(request)
    run = _run(request, pk)
    region = run.region
    lines = PayoutLine.objects.order_by("id")
    # Counted and read only when the page's kept part is made (#12).
    payouts = SimpleLazyObject(
        lambda: Paginator(
            run.payouts.select_related("cluster")
            .annotate(line_count=Count("lines"))
            .order_by("cluster__name", "pk"),
            PAGE,
        ).get_page(request.GET.get("side"))
    )
    claims = (
        run.claims.select_related("cluster")
        .prefetch_related(Prefetch("lines", queryset=lines), "repayments")
        .annotate(repaid=Sum("repayments__amount"))
        .order_by("cluster__name", "practice")
    )
    may_pay = access.can_in_region(user, Action.PAY, region)
    may_approve = access.can_in_region(user, Action.APPROVE, region)
    released = run.status == "released"
    context = {
        "run": run,
        "region": region,
        "payouts": payouts,
        "payout_count": run.payouts.count(),
        "claims": claims,
        "carried": run.carried_forward.select_related("cluster").order_by("cluster__name"),
        "may_approve": may_approve and run.status == "draft" and run.prepared_by_id != user.pk,
        "own_draft": may_approve and run.status == "draft" and run.prepared_by_id == user.pk,
        # an officer sees why there is no approve button, instead of a button that is then refused (#13)
        "needs_approver": (
            runs.approval_needs_the_approver_role(region)
            if run.status == "draft" and not may_approve and access.handles_payouts(user, region)
            else ""
        ),
        "may_release": access.handles_payouts(user, region) and run.status == "approved",
        "may_discard": access.handles_payouts(user, region) and run.status == "draft",
        "may_record": may_pay and released,
        "unpaid": run.payouts.filter(paid_on__isnull=True).count() if released else 0,
        "paid_form": PaidForm(initial={"paid_on": timezone.localdate()}),
        "repayment_form": RepaymentForm(initial={"received_on": timezone.localdate()}),
        "release_form": ReleaseForm(initial={"execution_date": max(run.run_date, timezone.localdate())}),
        # the bookings of the payouts on this page and of the run's claims
        # read only when the page's kept part is made (#12)
        "entries": SimpleLazyObject(lambda: runs.entries_for(run, payouts=[p.pk for p in payouts]))
        if released
        else [],
        # before a run is released: the years it may leave unpaid for want of a rate (#9)
        "missing_rates": rates.missing_rates(region, through=run.run_date) if run.status in runs.OPEN else [],
        "section": "runs",
    }
    return render(request, "web/runs/run_detail.html", context)


@login_required
def run_payout(request: HttpRequest, pk: int, payout_pk: int) -> HttpResponse:
    """One payout of a run with every explanation line, each in plain words (#12)."""
    run = _run(request, pk)
    payout = get_object_or_404(run.payouts.select_related("cluster"), pk=payout_pk)
    return render(
        request,
        "web/runs/run_payout.html",
        {
            "run": run,
            "region": run.region,
            "payout": payout,
            "lines": explained(payout.lines.order_by("id")),
            "section": "runs",
        },
    )


@login_required
def run_lines_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every explanation line of the run, of its payouts and claims, as CSV (streamed; #12)."""
    run = _run(request, pk)
    response = StreamingHttpResponse(run_lines.csv_chunks(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="forklaringer-{run.region.code}-{run.run_date}.csv"'
    )
    return response


def _act(request: HttpRequest, run: PayoutRun, step: Callable[[], Any], done: str) -> HttpResponse:
    """Do one step; show its refusal (every message, naming the field) or ``done`` on the run page."""
    try:
        step()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("run_detail", pk=run.pk)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))


@login_required
@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return _act(
        request,
        run,
        lambda: runs.run_approve(actor=actor(request), run=run),
        _("Kørslen er godkendt og kan nu frigives."),
    )


@login_required
@require_POST
def run_release(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("run_detail", pk=run.pk)
    execution_date = form.cleaned_data.get("execution_date")
    return _act(
        request,
        run,
        lambda: runs.run_release(actor=actor(request), run=run, execution_date=execution_date),
        _("Kørslen er frigivet. Betalingsfilen er klar, og koordinatorerne har fået besked."),
    )


@login_required
@require_POST
def run_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return _act(
        request, run, lambda: runs.run_discard(actor=actor(request), run=run), _("Kladden er kasseret.")
    )


@login_required
@require_POST
def run_paid(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = PaidForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("run_detail", pk=run.pk)
    paid_on = form.cleaned_data["paid_on"]
    return _act(
        request,
        run,
        lambda: runs.payouts_mark_paid(actor=actor(request), run=run, paid_on=paid_on),
        _("Udbetalingerne er registreret som betalt %(date)s.") % {"date": long_date(paid_on)},
    )


@login_required
@require_POST
def claim_repayment(request: HttpRequest, claim_pk: int) -> HttpResponse:
    user = actor(request)
    claim = get_object_or_404(
        RepaymentClaim.objects.select_related("run"),
        pk=claim_pk,
        run__region__in=access.regions(user, Action.VIEW),
    )
    form = RepaymentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("run_detail", pk=claim.run_id)
    return _act(
        request,
        claim.run,
        lambda: runs.repayment_record(
            actor=user,
            claim=claim,
            amount=form.cleaned_data["amount"],
            received_on=form.cleaned_data["received_on"],
        ),
        _("Indbetalingen er registreret."),
    )


def _released(request: HttpRequest, pk: int) -> PayoutRun:
    run = _run(request, pk)
    user = actor(request)
    if not access.handles_payouts(user, run.region):
        raise PermissionDenied(_("Kun regionens sagsbehandlere og godkendere kan hente betalingsfiler."))
    if run.status != "released":
        raise Http404(_("Betalingsfilen findes først, når kørslen er frigivet."))
    return run


@login_required
def run_pain001(request: HttpRequest, pk: int) -> HttpResponse:
    run = _released(request, pk)
    if not run.payment_file:
        raise Http404(_("Kørslen har ingen udbetalinger og derfor ingen betalingsfil."))
    response = HttpResponse(bytes(run.payment_file), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pain001-{run.region.code}-{run.run_date}.xml"'
    return response


@login_required
def run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    run = _released(request, pk)
    response = HttpResponse(runs.csv_file(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="udbetalinger-{run.region.code}-{run.run_date}.csv"'
    )
    return response


@login_required
def region_journal(request: HttpRequest, code: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The region's GP-cluster ledger as an hledger journal or a beancount file."""
    user = actor(request)
    region = selectors.region(user, code)
    if fmt not in ("hledger", "beancount"):
        raise Http404
    if not access.handles_payouts(user, region):
        raise PermissionDenied(_("Kun regionens sagsbehandlere og godkendere kan hente regnskabet."))
    books = Ledger.objects.filter(code=runs.ledger_code(region)).first()
    name = f"klyngemidler-{region.code}.{'beancount' if fmt == 'beancount' else 'journal'}"
    response: HttpResponse | StreamingHttpResponse
    if books is None:
        response = HttpResponse(
            "; " + _("Ingen posteringer endnu.") + "\n", content_type="text/plain; charset=utf-8"
        )
    else:  # streamed: the whole ledger is never held in memory (issue #12)
        chunks = ledger_export.beancount_chunks if fmt == "beancount" else ledger_export.hledger_chunks
        response = StreamingHttpResponse(chunks(books), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
