"""The region's bank-file page (#13): upload the bank's camt.054 or pain.002 file, see what it matched,
partly matched and could not match, and match or settle what waits for a person.

The work is :mod:`klynge.payouts.bank`; refusals are shown on the form. Only the region's officers
(those who handle its payments) see the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.payouts import bank, bankfiles, runs
from klynge.payouts import claims as claim_facts
from klynge.payouts.models import BankEntry, BankImport, Payout, PayoutRun, RepaymentClaim
from klynge.registry.models import Region
from klynge.web import selectors
from klynge.web.forms import BankImportForm, BankResolveForm
from klynge.web.views.common import actor


def _candidates(region: Region) -> dict[str, list[Any]]:
    """What an unmatched entry can be matched with: the open claims and the unpaid payouts."""
    ids = bank.scope(region)
    chosen = list(
        RepaymentClaim.objects.filter(run__region__in=ids, run__status=PayoutRun.Status.RELEASED)
        .select_related("cluster", "run__region")
        .order_by("cluster__name", "pk")
    )
    facts = claim_facts.facts_of(chosen)  # outstanding: less repayments and write-offs (#13)
    claims = [(c, facts[c.pk].outstanding) for c in chosen if facts[c.pk].outstanding > 0]
    payouts = list(
        Payout.objects.filter(
            run__region__in=ids, run__status=PayoutRun.Status.RELEASED, paid_on__isnull=True
        )
        .select_related("cluster", "run")
        .order_by("run__run_date", "cluster__name")
    )
    return {"claims": claims, "payouts": payouts}


@login_required
def bank_files(request: HttpRequest, code: str) -> HttpResponse:
    user = actor(request)
    region = selectors.region(user, code, Action.PAY)
    form = BankImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(bankfiles.MAX_BYTES + 1)
        report = form.call(
            bank.bank_import,
            actor=user,
            data=data,
            dry_run=form.cleaned_data["dry_run"],
            region=region,
            filename=upload.name or "",
        )
        if report is not None and report.import_pk and not report.already:
            messages.success(request, _("Bankfilen er indlæst."))
            return redirect("bank_import_detail", pk=report.import_pk)
    return render(
        request,
        "web/bank/bank_files.html",
        {
            "region": region,
            "form": form,
            "report": report,
            "imports": BankImport.objects.filter(region__in=bank.scope(region)).select_related("imported_by")[
                :20
            ],
            "open_entries": _shown(bank.open_entries(region)),
            "resolve_form": BankResolveForm(),
            **_candidates(region),
            "section": "runs",
        },
    )


def _shown(entries: Any) -> list[BankEntry]:
    found = list(entries)
    for entry in found:
        entry.reason_shown = bank.reason_text(entry)
    return found


def _import(request: HttpRequest, pk: int) -> BankImport:
    user = actor(request)
    imported = get_object_or_404(
        BankImport.objects.select_related("region", "imported_by"),
        pk=pk,
        region__in=access.regions(user, Action.VIEW),
    )
    access.require_region(user, Action.PAY, runs.region_in_force(imported.region))
    return imported


@login_required
def bank_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imported = _import(request, pk)
    return render(
        request,
        "web/bank/bank_import.html",
        {
            "imported": imported,
            "region": runs.region_in_force(imported.region),
            "report": bank.stored_report(imported),
            "section": "runs",
        },
    )


def _entry(request: HttpRequest, pk: int) -> BankEntry:
    user = actor(request)
    entry = get_object_or_404(
        BankEntry.objects.select_related("bank_import__region"),
        pk=pk,
        bank_import__region__in=access.regions(user, Action.VIEW),
    )
    access.require_region(user, Action.PAY, runs.region_in_force(entry.bank_import.region))
    return entry


def _done(request: HttpRequest, entry: BankEntry, step: Any, done: str) -> HttpResponse:
    try:
        step()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("bank_files", code=runs.region_in_force(entry.bank_import.region).code)


def _pick(model: Any, value: str | None) -> Any:
    if not value or not value.isdigit():
        return None
    return model.objects.filter(pk=int(value)).first()


@login_required
@require_POST
def bank_entry_match(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    claim = _pick(RepaymentClaim, request.POST.get("claim"))
    payout = _pick(Payout, request.POST.get("payout"))
    return _done(
        request,
        entry,
        lambda: bank.bank_entry_match(actor=actor(request), entry=entry, claim=claim, payout=payout),
        _("Posten er matchet."),
    )


@login_required
@require_POST
def bank_entry_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    return _done(
        request,
        entry,
        lambda: bank.bank_entry_resolve(actor=actor(request), entry=entry, note=request.POST.get("note", "")),
        _("Posten er afklaret."),
    )
