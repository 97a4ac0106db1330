"""A health cluster's reports (issue #4): the guide's money-flow table (page, Excel, PDF, picture),
the reports page (annual report per year, SSU report per initiative, the settlement posted in the
ledger per year) and the cluster's ledger as hledger or beancount.

Whoever may see the cluster sees its money flows and reports; the secretariat posts a year's
settlement; the ledger export (every member's postings) is for those who may see every member's
postings (the secretariat, SSU readers, administrators), not a member's finance officer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.core.sharing import SharingKeyError
from klynge.health import flows, selectors, services
from klynge.health.models import ActualCost, HealthCluster, Initiative, SettlementPosting
from klynge.ledger import export
from klynge.ledger.models import Ledger
from klynge.web.health_forms import MoneyFlowFilter
from klynge.web.kept import kept
from klynge.web.views.common import actor
from klynge.web.views.health import health_cluster, may_edit, years_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _section(request: HttpRequest, cluster: HealthCluster) -> str:
    return "health" if may_edit(actor(request), cluster) else "health_clusters"


def _flow_from_query(request: HttpRequest, cluster: HealthCluster) -> tuple[MoneyFlowFilter, flows.MoneyFlow]:
    """The filter form of the query and the table it asks for (everything when the query is invalid:
    the form then says which field to correct)."""
    initiatives = list(cluster.initiatives.order_by("title"))
    form = MoneyFlowFilter(request.GET or None, years=years_of(cluster), initiatives=initiatives)
    year = initiative = None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["aar"]
        chosen = form.cleaned_data["indsats"]
        initiative = next((i for i in initiatives if i.pk == chosen), None)
    # Kept until the next recorded change (#12): the table reads every posting of the cluster.
    flow = kept(
        "money-flow",
        lambda: flows.money_flow(cluster, year=year, initiative=initiative),
        cluster.pk,
        year,
        initiative.pk if initiative else None,
    )
    return form, flow


def _query(flow: flows.MoneyFlow) -> str:
    params = {}
    if flow.year is not None:
        params["aar"] = flow.year
    if flow.initiative is not None:
        params["indsats"] = flow.initiative.pk
    return f"?{urlencode(params)}" if params else ""


@login_required
def money_flow(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = health_cluster(request, pk)
    form, flow = _flow_from_query(request, cluster)
    context: dict[str, Any] = {
        "cluster": cluster,
        "form": form,
        "flow": flow,
        "rows": flow.rows(),
        # built with every text escaped
        "picture": mark_safe(
            kept("money-flow-svg", lambda: flows.money_flow_svg(flow), cluster.pk, _query(flow))
        ),
        "query": _query(flow),
        "section": _section(request, cluster),
    }
    template = (
        "web/health/money_flow_results.html"
        if request.headers.get("HX-Request")
        else "web/health/money_flow.html"
    )
    return render(request, template, context)


@login_required
def money_flow_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    cluster = health_cluster(request, pk)
    _form, flow = _flow_from_query(request, cluster)
    name = f"pengestroemme-{cluster.external_id}"
    if flow.year is not None:
        name += f"-{flow.year}"
    if flow.initiative is not None:
        name += f"-indsats-{flow.initiative.pk}"
    if fmt == "xlsx":
        response = HttpResponse(flows.money_flow_xlsx(flow), content_type=XLSX)
    elif fmt == "pdf":
        response = HttpResponse(flows.money_flow_pdf(flow), content_type="application/pdf")
    else:
        raise Http404(_("Ukendt format."))
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _sees_every_member(request: HttpRequest, cluster: HealthCluster) -> bool:
    user = actor(request)
    return all(
        access.can_see_postings_of(user, cluster, m.code)
        for m in cluster.members.select_related("municipality", "region")
    )


def _missing_regional(cluster: HealthCluster, year: int) -> tuple[str, ...]:
    try:
        return selectors.year_settlement(cluster, year).missing_regional
    except SharingKeyError:
        return ()  # the key cannot be applied yet; posting says why


@login_required
def reports(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = health_cluster(request, pk)
    costs = dict(
        ActualCost.objects.filter(initiative__cluster=cluster)
        .values_list("year")
        .annotate(total=Sum("amount"))
        .values_list("year", "total")
    )
    every = list(
        SettlementPosting.objects.filter(cluster=cluster)
        .select_related(
            "entry", "posted_by", "reversal_requested_by", "reversal_approved_by", "reversal_entry"
        )
        .order_by("posted_at")
    )
    posted = {p.year: p for p in every if not p.reversed}
    reversed_by_year: dict[int, list[SettlementPosting]] = defaultdict(list)
    for p in every:
        if p.reversed:
            reversed_by_year[p.year].append(p)
    years = [
        {
            "year": y,
            "costs": costs.get(y),
            "posted": posted.get(y),
            "reversed": reversed_by_year.get(y, []),
            "missing_regional": () if y in posted or not costs.get(y) else _missing_regional(cluster, y),
        }
        for y in sorted(set(years_of(cluster)) | set(costs), reverse=True)
    ]
    by_status: dict[str, list[Initiative]] = defaultdict(list)
    initiatives = list(cluster.initiatives.order_by("-starts_on", "title"))
    for i in initiatives:
        by_status[i.status].append(i)
    ledger = Ledger.objects.filter(code=services.ledger_code(cluster)).first()
    return render(
        request,
        "web/health/reports.html",
        {
            "cluster": cluster,
            "years": years,
            "initiatives": initiatives,
            "may_edit": may_edit(actor(request), cluster),
            "me": actor(request),
            "ledger": ledger if ledger and _sees_every_member(request, cluster) else None,
            "section": _section(request, cluster),
        },
    )


@login_required
def annual_report_pdf(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    from klynge.health import reports as pdf_reports

    cluster = health_cluster(request, pk)
    if year not in years_of(cluster):
        raise Http404(_("Klyngen har ingen tal for %(year)s.") % {"year": year})
    response = HttpResponse(pdf_reports.annual_report_pdf(cluster, year), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="aarsrapport-{cluster.external_id}-{year}.pdf"'
    return response


@login_required
def ssu_report_pdf(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    from klynge.health import reports as pdf_reports

    cluster = health_cluster(request, pk)
    initiative = get_object_or_404(
        Initiative.objects.select_related("function"), pk=initiative_pk, cluster=cluster
    )
    initiative.cluster = cluster
    response = HttpResponse(pdf_reports.ssu_report_pdf(initiative), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="ssu-rapport-{cluster.external_id}-{initiative.pk}.pdf"'
    )
    return response


@login_required
@require_POST
def settlement_post(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = health_cluster(request, pk)
    target = reverse("health_reports", args=[cluster.pk]) + "#bogfoering"
    if not may_edit(actor(request), cluster):
        raise PermissionDenied(_("Kun klyngens sekretariat kan bogføre afregningen."))
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("År: vælg året, der skal bogføres."))
        return redirect(target)
    try:
        posted = services.settlement_post(actor=actor(request), cluster=cluster, year=year)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(target)
    messages.success(
        request,
        _("Afregningen for %(year)s er bogført som bilag %(number)s.")
        % {"year": year, "number": posted.entry.voucher_number},
    )
    return redirect(target)


@login_required
@require_POST
def settlement_reversal(request: HttpRequest, pk: int) -> HttpResponse:
    """Correcting a posted year: ``action`` = ``request`` (with a reason), ``approve`` (a second
    person) or ``cancel``; each one service call, its refusal shown as a message."""
    cluster = health_cluster(request, pk)
    target = reverse("health_reports", args=[cluster.pk]) + "#bogfoering"
    if not may_edit(actor(request), cluster):
        raise PermissionDenied(_("Kun klyngens sekretariat kan tilbageføre en bogført afregning."))
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("År: vælg året, hvis afregning skal tilbageføres."))
        return redirect(target)
    action = request.POST.get("action", "")
    try:
        if action == "request":
            services.settlement_reversal_request(
                actor=actor(request), cluster=cluster, year=year, reason=request.POST.get("reason", "")
            )
            done = _(
                "Tilbageførsel af afregningen for %(year)s er bedt om; en anden person skal godkende den."
            )
        elif action == "approve":
            services.settlement_reversal_approve(actor=actor(request), cluster=cluster, year=year)
            done = _(
                "Afregningen for %(year)s er tilbageført; året er åbent igen og kan rettes og bogføres på ny."
            )
        elif action == "cancel":
            services.settlement_reversal_cancel(actor=actor(request), cluster=cluster, year=year)
            done = _("Anmodningen om tilbageførsel af %(year)s er trukket tilbage.")
        else:
            raise Http404(_("Ukendt handling."))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(target)
    messages.success(request, done % {"year": year})
    return redirect(target)


@login_required
def journal(request: HttpRequest, pk: int, fmt: str) -> StreamingHttpResponse:
    cluster = health_cluster(request, pk)
    if not _sees_every_member(request, cluster):
        raise Http404(_("Du har ikke adgang til alle medlemmers konteringer."))
    ledger = get_object_or_404(Ledger, code=services.ledger_code(cluster))
    if fmt == "hledger":
        chunks, suffix = export.hledger_chunks(ledger), "journal"
    elif fmt == "beancount":
        chunks, suffix = export.beancount_chunks(ledger), "beancount"
    else:
        raise Http404(_("Ukendt format."))
    # Streamed: the whole ledger is never held in memory (issue #12).
    response = StreamingHttpResponse(chunks, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ledger.code}.{suffix}"'
    return response
