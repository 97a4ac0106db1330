"""Mergers of regions (#11): an administrator prepares one on a page, sees what moves and each total
before and after, and a second administrator approves it. The services are
:mod:`klynge.payouts.mergers`; the preview is :func:`klynge.payouts.reorganise.merger_preview`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.common.dates import long_date
from klynge.payouts import mergers, reorganise
from klynge.payouts.models import RegionMerger
from klynge.registry.models import Region
from klynge.web.forms import MergerForm, MergerWithdrawForm
from klynge.web.views.common import actor

MONEY_TOTALS = {
    name for name, f in reorganise.Totals.__dataclass_fields__.items() if f.type in ("Decimal", Decimal)
}


def _admin(request: HttpRequest) -> Any:
    user = actor(request)
    if not access.is_admin(user):
        raise PermissionDenied
    return user


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _shown(preview: dict[str, Any]) -> dict[str, Any]:
    """A preview's dictionary (``MergerPreview.as_dict``, or the one stored when it was carried out)
    with its amounts as Decimal, for the templates' ``dkk`` filter."""

    def totals(values: dict[str, Any]) -> dict[str, Any]:
        shown = {k: (_money(v) if k in MONEY_TOTALS else v) for k, v in values.items() if k != "ledger"}
        shown["ledger"] = [(account, _money(amount)) for account, amount in values.get("ledger", {}).items()]
        return shown

    def part(values: dict[str, Any]) -> dict[str, Any]:
        if "totals" not in values:
            return values
        return {
            **values,
            "totals": totals(values["totals"]),
            "open_claims": [
                {
                    **c,
                    "amount": _money(c["amount"]),
                    "outstanding": _money(c["outstanding"]),
                    "run_date": dt.date.fromisoformat(c["run_date"]),
                    "due_on": dt.date.fromisoformat(c["due_on"]),
                }
                for c in values["open_claims"]
            ],
            "open_run": (
                {**values["open_run"], "date": dt.date.fromisoformat(values["open_run"]["date"])}
                if values.get("open_run")
                else None
            ),
            "carried_forward": [{**c, "amount": _money(c["amount"])} for c in values["carried_forward"]],
        }

    return {
        **preview,
        "predecessors": [part(p) for p in preview["predecessors"]],
        "successor": part(preview["successor"]) if preview.get("successor") else None,
        "after": totals(preview["after"]),
    }


# The totals compared before and after, in the order shown (label, key, is money).
ROWS = (
    (_lazy("Praksisklynger"), "clusters", False),
    (_lazy("heraf færdigmeldt"), "completed", False),
    (_lazy("heraf ikke færdigmeldt"), "not_completed", False),
    (_lazy("Udbetalt"), "paid", True),
    (_lazy("Krævet tilbage"), "claimed", True),
    (_lazy("Tilbagebetalt"), "repaid", True),
    (_lazy("Afregnet (udbetalt − krævet)"), "settled", True),
    (_lazy("Åbne krav"), "open_claims", False),
    (_lazy("Udestående på krav"), "outstanding", True),
    (_lazy("Til modregning"), "carried_forward", True),
    (_lazy("Optjent"), "entitled", True),
    (_lazy("Ikke afregnet endnu"), "unsettled", True),
)


def _table(preview: dict[str, Any]) -> dict[str, Any]:
    """The totals of each region and after the merger side by side, and the ledger's balances."""
    parts = list(preview["predecessors"])
    if preview.get("successor") and "totals" in preview["successor"]:
        parts.append(preview["successor"])
    columns = [p["name"] for p in parts] + [_("Efter")]
    totals = [p["totals"] for p in parts] + [preview["after"]]
    rows = [(label, [t[key] for t in totals], money) for label, key, money in ROWS]
    accounts = sorted({account for t in totals for account, _amount in t["ledger"]})
    ledger_rows = [
        (account, [dict(t["ledger"]).get(account, Decimal("0.00")) for t in totals]) for account in accounts
    ]
    return {"columns": columns, "rows": rows, "ledger_rows": ledger_rows}


@login_required
def merger_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    found = RegionMerger.objects.select_related("prepared_by", "approved_by").prefetch_related(
        "parts__region"
    )
    return render(request, "web/mergers/merger_list.html", {"mergers": found, "section": "regions"})


@login_required
def merger_create(request: HttpRequest) -> HttpResponse:
    """Prepare a merger: the form's facts become a klynge-reorganise/1 document, checked like a file."""
    user = _admin(request)
    day = timezone.localdate()
    in_force = Region.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("code")
    form = MergerForm(request.POST or None, regions=in_force)
    if request.method == "POST" and form.is_valid():
        document, problems = reorganise.check_document(form.document_data())
        if problems or document is None:
            form.show_problems(problems, "en" if get_language() == "en" else "da")
        else:
            merger = form.call(mergers.merger_prepare, actor=user, document=document)
            if merger is not None:
                messages.success(
                    request,
                    _("Sammenlægningen er forberedt. En anden administrator skal godkende den."),
                )
                return redirect("merger_detail", pk=merger.pk)
    return render(request, "web/mergers/merger_create.html", {"form": form, "section": "regions"})


@login_required
def merger_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What the merger moves and every total before and after; approve or withdraw it."""
    user = _admin(request)
    merger = get_object_or_404(RegionMerger.objects.select_related("prepared_by", "approved_by"), pk=pk)
    carried_out = merger.status == RegionMerger.Status.CARRIED_OUT
    if carried_out and merger.preview_carried_out:
        preview = merger.preview_carried_out
    elif merger.status == RegionMerger.Status.WITHDRAWN:
        preview = merger.preview_prepared
    else:
        preview = mergers.merger_current_preview(merger).as_dict()
    return render(
        request,
        "web/mergers/merger_detail.html",
        {
            "merger": merger,
            "regions": mergers.merger_regions(merger),
            "preview": (shown := _shown(preview)),
            "table": _table(shown),
            "live": merger.status in (RegionMerger.Status.DRAFT, RegionMerger.Status.APPROVED),
            "may_approve": merger.status == RegionMerger.Status.DRAFT and merger.prepared_by_id != user.pk,
            "withdraw_form": MergerWithdrawForm(),
            "section": "regions",
        },
    )


@login_required
@require_POST
def merger_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    merger = get_object_or_404(RegionMerger, pk=pk)
    try:
        done = mergers.merger_approve(actor=user, merger=merger)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("merger_detail", pk=pk)
    if done.status == RegionMerger.Status.CARRIED_OUT:
        messages.success(request, _("Sammenlægningen er godkendt og gennemført."))
    else:
        messages.success(
            request,
            _("Sammenlægningen er godkendt. Den gennemføres %(date)s.")
            % {"date": long_date(done.effective_on)},
        )
    return redirect("merger_detail", pk=pk)


@login_required
@require_POST
def merger_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _admin(request)
    merger = get_object_or_404(RegionMerger, pk=pk)
    form = MergerWithdrawForm(request.POST)
    if form.is_valid():
        done = form.call(
            mergers.merger_withdraw, actor=user, merger=merger, reason=form.cleaned_data["withdrawn_reason"]
        )
        if done is not None:
            messages.success(request, _("Sammenlægningen er trukket tilbage."))
            return redirect("merger_detail", pk=pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("merger_detail", pk=pk)
