"""Region pages: the regions overview, the changes since a date, and the region's settings."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.registry import services
from klynge.web import selectors
from klynge.web.forms import ChangesForm, InForceForm, RegionCreateForm, RegionSettingsForm
from klynge.web.views.common import actor

SETTINGS_FIELDS = [
    "instructions",
    "processing_days_min",
    "processing_days_max",
    "annual_regulation",
    "payment_iban",
    "payment_bic",
    "repayment_instructions",
    "claim_days",
]


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    """The regions in force on a day (default today, ``?dato=``), then the ended and the coming ones
    (#11: the organisation in force on the date being looked at; history under the old names)."""
    user = actor(request)
    default = timezone.localdate()
    form = InForceForm(request.GET if "dato" in request.GET else None, initial={"dato": default})
    day = form.cleaned_data["dato"] if form.is_bound and form.is_valid() else default
    return render(
        request,
        "web/region_list.html",
        {
            "form": form,
            "on": selectors.regions_on(user, day),
            "is_today": day == default,
            "administers": set(access.regions(user, Action.ADMINISTER).values_list("pk", flat=True)),
            "may_create": access.is_admin(user),
            "section": "regions",
        },
    )


@login_required
def changes(request: HttpRequest, code: str) -> HttpResponse:
    """Every recorded change in the region since a date (default: 30 days ago), newest first."""
    region = selectors.region(actor(request), code)
    default = timezone.localdate() - dt.timedelta(days=30)
    form = ChangesForm(request.GET if "since" in request.GET else None, initial={"since": default})
    since = form.cleaned_data["since"] if form.is_bound and form.is_valid() else default
    entries = Paginator(selectors.region_changes(region, since), 100).get_page(request.GET.get("side"))
    return render(
        request,
        "web/changes.html",
        {"region": region, "form": form, "since": since, "entries": entries, "section": "changes"},
    )


@login_required
def region_settings(request: HttpRequest, code: str) -> HttpResponse:
    user = actor(request)
    region = selectors.region(user, code, Action.ADMINISTER)
    initial = {name: getattr(region, name) for name in SETTINGS_FIELDS}
    initial["required_documents"] = list(region.required_documents.all())
    form = RegionSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        required = data.pop("required_documents")
        updated = form.call(
            services.region_update, actor=user, region=region, required_documents=required, **data
        )
        if updated is not None:
            messages.success(request, _("Regionens indstillinger er gemt."))
            return redirect("region_settings", code=region.code)
    return render(
        request, "web/region_settings.html", {"form": form, "region": region, "section": "settings"}
    )


@login_required
def region_create(request: HttpRequest) -> HttpResponse:
    """An administrator creates a region (#11) with the code and name they enter."""
    user = actor(request)
    if not access.is_admin(user):
        raise PermissionDenied
    form = RegionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = form.call(services.region_create, actor=user, **form.cleaned_data)
        if created is not None:
            messages.success(
                request,
                _("Regionen %(name)s (%(code)s) er oprettet.") % {"name": created.name, "code": created.code},
            )
            return redirect("region_list")
    return render(request, "web/region_create.html", {"form": form, "section": "regions"})
