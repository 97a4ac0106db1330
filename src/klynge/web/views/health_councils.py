"""Health councils (#11, brief §7): an administrator or a region officer prepares a council as a
draft, sees what moves (running initiatives and their continuation, members, population, carry-overs
awaiting confirmation, roles), and another such person approves it; and the form on an initiative's
page that records a change of executing party from a year. The services are
:mod:`klynge.health.councils` and :func:`klynge.health.services.executor_change`.

Others get 403; a refusal is shown on the field it concerns."""

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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.common.dates import long_date
from klynge.health import councils, services
from klynge.health.models import CouncilDraft, HealthCluster, Municipality
from klynge.web.health_forms import CouncilDraftForm, CouncilWithdrawForm, ExecutorChangeForm
from klynge.web.views.common import actor

SECTION = "health_councils"


def _regions(user: Any) -> Any:
    """The regions whose councils ``user`` may prepare and approve (403 when none)."""
    found = access.regions(user, Action.ADMINISTER)
    if not found.exists():
        raise PermissionDenied
    return found


def may_use(user: Any) -> bool:
    """Whether ``user`` may prepare or approve a council (an administrator or a region officer)."""
    return access.regions(user, Action.ADMINISTER).exists()


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    regions = _regions(actor(request))
    drafts = (
        CouncilDraft.objects.filter(region__in=regions)
        .select_related("region", "prepared_by", "approved_by", "council")
        .prefetch_related("predecessors")
    )
    return render(request, "web/health/councils/draft_list.html", {"drafts": drafts, "section": SECTION})


def _form(user: Any, data: Any = None) -> CouncilDraftForm:
    day = timezone.localdate()
    regions = _regions(user).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("code")
    clusters = (
        HealthCluster.objects.filter(kind=HealthCluster.Kind.CLUSTER, successor__isnull=True)
        .filter(Q(region__in=regions) | Q(region__successor__in=regions))
        .select_related("region")
        .order_by("region__code", "name")
    )
    municipalities = (
        Municipality.objects.filter(Q(region__in=regions) | Q(region__successor__in=regions))
        .select_related("region")
        .order_by("name")
    )
    return CouncilDraftForm(
        data,
        clusters=clusters,
        regions=regions,
        municipalities=municipalities,
        initial={"valid_from": dt.date(day.year + 1, 1, 1), "carry_secretariat": True},
    )


@login_required
def draft_create(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = _form(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = form.call(
            councils.council_prepare,
            actor=user,
            name=data["name"],
            external_id=data["external_id"],
            region=data["region"],
            municipalities=list(data["municipalities"]),
            predecessors=list(data["predecessors"]),
            valid_from=data["valid_from"],
            secretariat=None if data["carry_secretariat"] else [],
        )
        if draft is not None:
            messages.success(
                request,
                _("Sundhedsrådet er forberedt som kladde. En anden person skal godkende det."),
            )
            return redirect("health_council_draft", pk=draft.pk)
    return render(request, "web/health/councils/draft_create.html", {"form": form, "section": SECTION})


def _draft(request: HttpRequest, pk: int) -> tuple[Any, CouncilDraft]:
    user = actor(request)
    draft = get_object_or_404(
        CouncilDraft.objects.select_related(
            "region", "prepared_by", "approved_by", "withdrawn_by", "council"
        ),
        pk=pk,
    )
    if not councils.may_handle(user, draft.region):
        raise PermissionDenied
    return user, draft


def _shown(preview: dict[str, Any]) -> dict[str, Any]:
    """A stored preview with its dates and amounts as Python values, for the templates' filters."""

    def initiative(row: dict[str, Any]) -> dict[str, Any]:
        return {
            **row,
            "starts_on": dt.date.fromisoformat(row["starts_on"]),
            "ends_on": dt.date.fromisoformat(row["ends_on"]),
        }

    return {
        **preview,
        "continued": [initiative(r) for r in preview.get("continued", [])],
        "moved": [initiative(r) for r in preview.get("moved", [])],
        "staying": [initiative(r) for r in preview.get("staying", [])],
        "carry_overs": [{**c, "amount": Decimal(c["amount"])} for c in preview.get("carry_overs", [])],
        "carry_total": sum((Decimal(c["amount"]) for c in preview.get("carry_overs", [])), Decimal("0.00")),
    }


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, draft = _draft(request, pk)
    if draft.status == CouncilDraft.Status.CARRIED_OUT and draft.preview_carried_out:
        preview = draft.preview_carried_out
    elif draft.status == CouncilDraft.Status.WITHDRAWN:
        preview = draft.preview_prepared
    else:
        preview = councils.draft_preview(draft)
    return render(
        request,
        "web/health/councils/draft_detail.html",
        {
            "draft": draft,
            "predecessors": councils.predecessors_of(draft),
            "preview": _shown(preview),
            "live": draft.open,
            "may_approve": draft.status == CouncilDraft.Status.DRAFT and draft.prepared_by_id != user.pk,
            "withdraw_form": CouncilWithdrawForm(),
            "section": SECTION,
        },
    )


@login_required
@require_POST
def draft_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user, draft = _draft(request, pk)
    try:
        done = councils.council_approve(actor=user, draft=draft)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("health_council_draft", pk=pk)
    if done.status == CouncilDraft.Status.CARRIED_OUT:
        messages.success(request, _("Sundhedsrådet er godkendt og oprettet."))
    else:
        messages.success(
            request,
            _("Sundhedsrådet er godkendt. Det oprettes %(day)s.") % {"day": long_date(done.valid_from)},
        )
    return redirect("health_council_draft", pk=pk)


@login_required
@require_POST
def draft_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user, draft = _draft(request, pk)
    form = CouncilWithdrawForm(request.POST)
    if form.is_valid():
        done = form.call(
            councils.council_withdraw, actor=user, draft=draft, reason=form.cleaned_data["withdrawn_reason"]
        )
        if done is not None:
            messages.success(request, _("Kladden til sundhedsrådet er trukket tilbage."))
            return redirect("health_council_draft", pk=pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("health_council_draft", pk=pk)


# --- The executing party from a year -------------------------------------------------------------------


def executor_form(initiative: Any, data: Any = None) -> ExecutorChangeForm:
    parties = list(initiative.parties.all())
    members = list(initiative.cluster.members.select_related("municipality", "region"))
    year = min(max(timezone.localdate().year + 1, initiative.starts_on.year + 1), initiative.ends_on.year)
    return ExecutorChangeForm(
        data,
        prefix="udfoerende",
        executors=[p.member for p in parties if p.executes],
        members=members,
        initial={"from_year": year},
    )


@login_required
@require_POST
def executor_change(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    from klynge.web.views import health_initiatives

    cluster, initiative = health_initiatives._editable(request, pk, initiative_pk)
    form = executor_form(initiative, request.POST)
    if form.is_valid():
        done = form.call(
            services.executor_change,
            actor=actor(request),
            initiative=initiative,
            member_from=form.member("member_from"),
            member_to=form.member("member_to"),
            from_year=form.cleaned_data["from_year"],
        )
        if done is not None:
            return health_initiatives._done(
                request,
                initiative,
                _("%(to)s udfører indsatsen fra %(year)s i stedet for %(from)s.")
                % {
                    "to": form.member("member_to").name,
                    "year": form.cleaned_data["from_year"],
                    "from": form.member("member_from").name,
                },
                "parter",
            )
    return health_initiatives._detail(request, cluster, initiative, form)
