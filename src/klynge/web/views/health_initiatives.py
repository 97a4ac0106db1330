"""Initiative pages of a health cluster (issue #4): the list, the create/edit form with parties and
key, and the initiative's page with status, budget lines, actual costs, budget against actual and
the evaluation plan.

An initiative of a cluster outside the user's scope answers 404; a change by a reader answers 403.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.common.dates import long_date
from klynge.common.money import amount_text
from klynge.health import secretariat, services
from klynge.health.catalogue import unit_cost
from klynge.health.models import (
    BudgetLine,
    HealthCluster,
    HealthMember,
    Initiative,
    InitiativeDocument,
    InitiativeParty,
)
from klynge.web.health_forms import (
    BudgetLineForm,
    CatalogueFactsForm,
    CostForm,
    EvaluationForm,
    InitiativeDocumentForm,
    InitiativeForm,
    QuestionForm,
    ReasonForm,
    SsuDecisionForm,
)
from klynge.web.views.common import actor
from klynge.web.views.health import health_cluster, initiative_rows, may_edit, members_of
from klynge.web.views.health_councils import executor_form

ZERO = Decimal("0.00")
PARTIES = Prefetch(
    "parties", queryset=InitiativeParty.objects.select_related("member__municipality", "member__region")
)


def _initiative(request: HttpRequest, pk: int, initiative_pk: int) -> tuple[HealthCluster, Initiative]:
    """An initiative of a cluster the user may see (404 otherwise)."""
    cluster = health_cluster(request, pk)
    initiative = get_object_or_404(
        Initiative.objects.select_related("function").prefetch_related(PARTIES),
        pk=initiative_pk,
        cluster=cluster,
    )
    initiative.cluster = cluster
    return cluster, initiative


def _section(user: Any, cluster: HealthCluster) -> str:
    return "health" if may_edit(user, cluster) else "health_clusters"


@login_required
def initiative_list(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = health_cluster(request, pk)
    user = actor(request)
    initiatives = cluster.initiatives.prefetch_related(PARTIES, "budget_lines", "costs").order_by(
        "starts_on", "title"
    )
    return render(
        request,
        "web/health/initiative_list.html",
        {
            "cluster": cluster,
            "rows": initiative_rows(initiatives),
            "may_edit": may_edit(user, cluster),
            "section": _section(user, cluster),
        },
    )


def _save(request: HttpRequest, cluster: HealthCluster, initiative: Initiative | None) -> HttpResponse:
    user = actor(request)
    access.require_health(user, Action.EDIT, cluster)
    members = members_of(cluster)
    form = InitiativeForm(
        request.POST or None,
        members=members,
        current_function=initiative.function.code if initiative else "",
        initial=InitiativeForm.initial_for(initiative, members),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.initiative_save,
            actor=user,
            cluster=cluster,
            initiative=initiative,
            title=data["title"],
            theme=data["theme"],
            challenge=data["challenge"],
            function_code=data["function_code"],
            key_type=data["key_type"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            parties=form.parties(),
        )
        if saved is not None:
            messages.success(
                request,
                (
                    _("Indsatsen %(title)s er oprettet.")
                    if initiative is None
                    else _("Indsatsen %(title)s er gemt.")
                )
                % {"title": saved.title},
            )
            return redirect("health_initiative_detail", pk=cluster.pk, initiative_pk=saved.pk)
    return render(
        request,
        "web/health/initiative_form.html",
        {"cluster": cluster, "initiative": initiative, "form": form, "section": "health"},
    )


@login_required
def initiative_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, health_cluster(request, pk), None)


@login_required
def initiative_edit(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _initiative(request, pk, initiative_pk)
    return _save(request, cluster, initiative)


@dataclass(frozen=True)
class YearBudget:
    year: int
    budget: Decimal
    spent: Decimal

    @property
    def difference(self) -> Decimal:
        return self.budget - self.spent

    @property
    def over(self) -> bool:
        return self.spent > self.budget


def budget_against_actual(initiative: Initiative) -> list[YearBudget]:
    """Per year of the initiative's period (and any year with figures): budget, spent, difference."""
    budget: dict[int, Decimal] = defaultdict(lambda: ZERO)
    spent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in initiative.budget_lines.all():
        budget[line.year] += line.amount
    for cost in initiative.costs.all():
        spent[cost.year] += cost.amount
    years = set(range(initiative.starts_on.year, initiative.ends_on.year + 1)) | set(budget) | set(spent)
    return [YearBudget(y, budget[y], spent[y]) for y in sorted(years)]


STATUS_ACTIONS = {
    "idea": gettext_lazy("Tilbage til idé"),
    "approved": gettext_lazy("Godkend indsatsen"),
    "running": gettext_lazy("Sæt i gang"),
    "completed": gettext_lazy("Afslut indsatsen"),
    "evaluated": gettext_lazy("Markér som evalueret"),
    "reported": gettext_lazy("Markér som afrapporteret til SSU"),
}


def _detail(
    request: HttpRequest,
    cluster: HealthCluster,
    initiative: Initiative,
    failed: Any = None,
) -> HttpResponse:
    user = actor(request)
    editable = may_edit(user, cluster)
    parties = list(initiative.parties.all())
    executors = [p.member for p in parties if p.executes]
    questions = list(initiative.questions.all())
    years = budget_against_actual(initiative)
    total = YearBudget(0, sum((y.budget for y in years), ZERO), sum((y.spent for y in years), ZERO))
    cost_years = services.cost_years_open(initiative)
    may_decide = access.can_record_ssu_decision(user, cluster)
    context: dict[str, Any] = {
        "cluster": cluster,
        "initiative": initiative,
        "plan_locked": services.plan_locked(initiative),
        "cost_years": cost_years,
        "cost_refusal": _cost_refusal(initiative) if cost_years is None else "",
        "decisions": list(
            initiative.ssu_decisions.select_related("recorded_by").order_by("meeting_date", "id")
        ),
        "documents": list(initiative.documents.all()),
        "adoptions": list(initiative.adoptions.select_related("cluster")),
        "unit_cost": unit_cost(initiative),
        "may_decide": may_decide,
        "delete_refusal": secretariat.delete_refusal(initiative),
        "cancellable": initiative.status in secretariat.CANCELLABLE,
        "parties": parties,
        "budget_lines": initiative.budget_lines.select_related("executor__municipality", "executor__region"),
        "costs": initiative.costs.select_related("executor__municipality", "executor__region"),
        "years": years,
        "total": total,
        "over_years": [y for y in years if y.over],
        "questions": questions,
        "may_edit": editable,
        "failed": failed,
        "section": "health" if editable else "health_clusters",
    }
    if may_decide:
        ssu_form = SsuDecisionForm(prefix="ssu")
        context["ssu_form"] = failed if failed is not None and failed.prefix == "ssu" else ssu_form
    if editable:
        year = min(max(timezone.localdate().year, initiative.starts_on.year), initiative.ends_on.year)
        if cost_years is not None:
            year = min(max(year, cost_years[0]), cost_years[1])
        forms: dict[str, Any] = {
            "cancel_form": ReasonForm(prefix="aflys"),
            "delete_form": ReasonForm(prefix="slet"),
            "facts_form": CatalogueFactsForm(
                prefix="katalog",
                initial={
                    "contact_name": initiative.contact_name,
                    "contact_email": initiative.contact_email,
                    "participants": initiative.participants or "",
                },
            ),
            "document_form": InitiativeDocumentForm(prefix="dokument"),
            "budget_form": BudgetLineForm(prefix="budget", members=executors, initial={"year": year}),
            "cost_form": CostForm(prefix="udgift", members=executors, initial={"year": year}),
            "evaluation_form": EvaluationForm(
                prefix="evaluering",
                questions=questions,
                initial=EvaluationForm.initial_for(initiative, questions),
            ),
            "question_form": QuestionForm(prefix="spoergsmaal"),
            "executor_form": executor_form(initiative),  # #11: another executing party from a year
        }
        for name, form in forms.items():
            context[name] = failed if failed is not None and failed.prefix == form.prefix else form
        context["status_actions"] = [
            (status, STATUS_ACTIONS[status])
            for status in ("idea", "approved", "running", "completed", "evaluated", "reported")
            if status in services.ALLOWED_STATUS.get(initiative.status, set())
        ]
    return render(request, "web/health/initiative_detail.html", context)


def _cost_refusal(initiative: Initiative) -> str:
    """Why no actual cost can be written now, in the service's own words."""
    try:
        services._costs_open(initiative, initiative.ends_on.year)
    except ValidationError as exc:
        return exc.messages[0]
    return ""


@login_required
def initiative_detail(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _initiative(request, pk, initiative_pk)
    return _detail(request, cluster, initiative)


def _editable(request: HttpRequest, pk: int, initiative_pk: int) -> tuple[HealthCluster, Initiative]:
    cluster, initiative = _initiative(request, pk, initiative_pk)
    access.require_health(actor(request), Action.EDIT, cluster)
    return cluster, initiative


def _done(request: HttpRequest, initiative: Initiative, text: str, anchor: str) -> HttpResponse:
    messages.success(request, text)
    url = reverse("health_initiative_detail", args=[initiative.cluster_id, initiative.pk])
    return redirect(f"{url}#{anchor}")


@login_required
@require_POST
def initiative_status(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    _cluster, initiative = _editable(request, pk, initiative_pk)
    try:
        saved = services.initiative_status_set(
            actor=actor(request), initiative=initiative, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("health_initiative_detail", pk=pk, initiative_pk=initiative.pk)
    return _done(
        request,
        saved,
        _("Indsatsen er nu: %(status)s.") % {"status": saved.get_status_display()},
        "status",
    )


@login_required
@require_POST
def budget_line_add(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    executors = [p.member for p in initiative.parties.all() if p.executes]
    form = BudgetLineForm(request.POST, prefix="budget", members=executors)
    if form.is_valid():
        data = form.cleaned_data
        line = form.call(
            services.budget_line_add,
            actor=actor(request),
            initiative=initiative,
            executor=form.member_obj,
            year=data["year"],
            activity=data["activity"],
            hours=data["hours"],
            hourly_rate=data["hourly_rate"] or None,
            annual_salary=data["annual_salary"] or None,
            annual_norm_hours=data["annual_norm_hours"],
        )
        if line is not None:
            return _done(
                request,
                initiative,
                _("Budgetlinjen %(activity)s på %(amount)s kr. er tilføjet.")
                % {"activity": line.activity, "amount": amount_text(line.amount)},
                "budget",
            )
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def budget_line_remove(request: HttpRequest, pk: int, initiative_pk: int, line_pk: int) -> HttpResponse:
    _cluster, initiative = _editable(request, pk, initiative_pk)
    line = get_object_or_404(BudgetLine, pk=line_pk, initiative=initiative)
    line.initiative = initiative
    services.budget_line_remove(actor=actor(request), line=line)
    return _done(
        request,
        initiative,
        _("Budgetlinjen %(activity)s er fjernet.") % {"activity": line.activity},
        "budget",
    )


@login_required
@require_POST
def cost_set(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    executors: list[HealthMember] = [p.member for p in initiative.parties.all() if p.executes]
    form = CostForm(request.POST, prefix="udgift", members=executors)
    if form.is_valid():
        data = form.cleaned_data
        cost = form.call(
            services.cost_set,
            actor=actor(request),
            initiative=initiative,
            executor=form.member_obj,
            year=data["year"],
            amount=data["amount"],
            source=_("Indtastet"),
        )
        if cost is not None:
            return _done(
                request,
                initiative,
                _("Faktisk udgift for %(member)s %(year)s er sat til %(amount)s kr.")
                % {"member": cost.executor.name, "year": cost.year, "amount": amount_text(cost.amount)},
                "udgifter",
            )
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def evaluation_save(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    form = EvaluationForm(request.POST, prefix="evaluering", questions=list(initiative.questions.all()))
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.evaluation_save,
            actor=actor(request),
            initiative=initiative,
            answers=form.answers(),
            result=data["result"],
            result_summary=data["result_summary"],
            recommend_spread=data["recommend_spread"],
            spread_note=data["spread_note"],
        )
        if saved is not None:
            return _done(request, saved, _("Evalueringen er gemt."), "evaluering")
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    form = QuestionForm(request.POST, prefix="spoergsmaal")
    if form.is_valid():
        question = form.call(
            services.question_add,
            actor=actor(request),
            initiative=initiative,
            question=form.cleaned_data["question"],
            added_by=form.cleaned_data["added_by"],
        )
        if question is not None:
            return _done(request, initiative, _("Spørgsmålet er tilføjet evalueringsplanen."), "evaluering")
    return _detail(request, cluster, initiative, form)


# --- The secretariat's work (#13) ------------------------------------------------------------------


@login_required
@require_POST
def initiative_cancel(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    form = ReasonForm(request.POST, prefix="aflys")
    if form.is_valid():
        saved = form.call(
            secretariat.initiative_cancel,
            actor=actor(request),
            initiative=initiative,
            reason=form.cleaned_data["reason"],
        )
        if saved is not None:
            return _done(
                request, saved, _("Indsatsen %(title)s er aflyst.") % {"title": saved.title}, "status"
            )
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def initiative_delete(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    form = ReasonForm(request.POST, prefix="slet")
    if form.is_valid():
        deleted = form.call(
            secretariat.initiative_delete,
            actor=actor(request),
            initiative=initiative,
            reason=form.cleaned_data["reason"],
        )
        if deleted is not None:
            messages.success(
                request,
                _("Idéen %(title)s er slettet. Begrundelsen står i revisionssporet.")
                % {"title": initiative.title},
            )
            return redirect("health_initiative_list", pk=cluster.pk)
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def ssu_decision(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    """The SSU's decision, recorded by the secretariat or an SSU member of the region (403 otherwise)."""
    cluster, initiative = _initiative(request, pk, initiative_pk)
    access.require_ssu_decision(actor(request), cluster)
    form = SsuDecisionForm(request.POST, prefix="ssu")
    if form.is_valid():
        data = form.cleaned_data
        decision = form.call(
            secretariat.ssu_decision_record,
            actor=actor(request),
            initiative=initiative,
            decision=data["decision"],
            meeting_date=data["meeting_date"],
            note=data["note"],
        )
        if decision is not None:
            return _done(
                request,
                initiative,
                _("SSU's beslutning fra mødet den %(date)s er registreret: %(decision)s.")
                % {
                    "date": long_date(data["meeting_date"]),
                    "decision": decision.get_decision_display(),
                },
                "ssu",
            )
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def catalogue_facts(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    form = CatalogueFactsForm(request.POST, prefix="katalog")
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            secretariat.catalogue_facts_set,
            actor=actor(request),
            initiative=initiative,
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            participants=data["participants"],
        )
        if saved is not None:
            return _done(request, saved, _("Kontaktperson og deltagere er gemt."), "katalog")
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    cluster, initiative = _editable(request, pk, initiative_pk)
    form = InitiativeDocumentForm(request.POST, prefix="dokument")
    if form.is_valid():
        doc = form.call(
            secretariat.document_add,
            actor=actor(request),
            initiative=initiative,
            title=form.cleaned_data["title"],
            url=form.cleaned_data["url"],
        )
        if doc is not None:
            return _done(
                request, initiative, _("Dokumentet %(title)s er tilføjet.") % {"title": doc.title}, "katalog"
            )
    return _detail(request, cluster, initiative, form)


@login_required
@require_POST
def document_remove(request: HttpRequest, pk: int, initiative_pk: int, document_pk: int) -> HttpResponse:
    _cluster, initiative = _editable(request, pk, initiative_pk)
    document = get_object_or_404(InitiativeDocument, pk=document_pk, initiative=initiative)
    document.initiative = initiative
    secretariat.document_remove(actor=actor(request), document=document)
    return _done(
        request, initiative, _("Dokumentet %(title)s er fjernet.") % {"title": document.title}, "katalog"
    )
