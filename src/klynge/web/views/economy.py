"""What users get out: the cluster's "Økonomi" page, the claim letters, the region's dashboard, and
both as Excel. Read-only: nothing here changes anything.

The cluster's page is for everyone who may see the cluster (404 outside that scope); the dashboard
for the region's officers and approvers and administrators (404 for anyone else).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.accounts.models import Role
from klynge.core import payouts as engine
from klynge.payouts import claims, rates, runs, statements
from klynge.payouts.explain import kr, period_text
from klynge.payouts.letters import claim_letter_pdf
from klynge.payouts.models import CarriedForward, ClaimWriteOff, PayoutRun, RepaymentClaim
from klynge.payouts.notifications import claim_letter, claim_reason
from klynge.payouts.run_lines import explained
from klynge.registry.models import GpCluster, Region
from klynge.web import selectors
from klynge.web.kept import kept, kept_for_good
from klynge.web.views.common import actor

OVERVIEW_PAGE = 50  # clusters to a page of the region's overview
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZERO = Decimal("0.00")


def today() -> dt.date:
    """The day the pages are as of (a function, so tests can choose the day)."""
    return timezone.localdate()


def _arrival(first: dt.date, last: dt.date) -> str:
    return _("forventes på kontoen %(period)s") % {"period": period_text(first, last)}


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The cluster's page ----------------------------------------------------------------------------


def _released_claims(cluster: GpCluster) -> list[dict[str, Any]]:
    """The cluster's released claims, each with its status (:mod:`klynge.payouts.claims`, #13)."""
    found = []
    chosen = list(
        RepaymentClaim.objects.filter(cluster=cluster, run__status=PayoutRun.Status.RELEASED)
        .select_related("run__region", "cluster")
        .prefetch_related("lines", "repayments", "write_offs")
        .order_by("-run__run_date", "practice", "pk")
    )
    facts = claims.facts_of(chosen)
    for claim in chosen:
        found.append(
            {
                **claims.shown(claim, facts[claim.pk]),
                "reason": claim_reason(claim),
                "lines": explained(claim.lines.all()),
                "repayments": list(claim.repayments.all()),
                "write_offs": [
                    w for w in claim.write_offs.all() if w.status == ClaimWriteOff.Status.APPROVED
                ],
            }
        )
    return found


def _carried(cluster: GpCluster) -> CarriedForward | None:
    """What the region's latest released run left to net against the cluster's next payouts."""
    return statements.carried_forward(cluster.region).filter(cluster=cluster).first()


def _next_run(cluster: GpCluster, day: dt.date) -> dict[str, Any]:
    """What a run today would pay and claim for the cluster (runs.preview), explained."""
    result = runs.preview(GpCluster.objects.filter(pk=cluster.pk), day)
    payout = next(iter(result.payouts), None)
    return {
        "payout": payout,
        "arrival": _arrival(*payout.expected_arrival) if payout else "",
        "lines": explained(payout.lines) if payout else [],
        "claims": [{"claim": c, "lines": explained(c.lines)} for c in result.claims],
        "carried": sum((c.amount for c in result.carried_forward), ZERO),
    }


def _payout_lines(payout: Any) -> list[Any]:
    return explained(payout.lines.all())


@login_required
def cluster_economy(request: HttpRequest, pk: int) -> HttpResponse:
    """The cluster's money: the statement per year, every released payout and claim explained,
    amounts to be netted, and what the next run would pay."""
    user = actor(request)
    cluster = selectors.cluster(user, pk)
    day = today()
    # Read only when the page's kept part is made (#12).
    payouts = SimpleLazyObject(
        lambda: [
            {
                "payout": p,
                "arrival": _arrival(p.arrival_from, p.arrival_to),
                # A released payout never changes (#12): its words are made once per language.
                "lines": kept_for_good("payout-lines", partial(_payout_lines, p), p.pk),
            }
            # The lines are read only for a payout whose words are not kept yet.
            for p in statements.released_payouts(cluster).prefetch_related(None)
        ]
    )
    completed = cluster.status == GpCluster.Status.COMPLETED
    open_run = runs.open_run(cluster.region)
    return render(
        request,
        "web/economy.html",
        {
            "cluster": cluster,
            "today": day,
            "statement": kept(
                "cluster-statement", lambda: statements.cluster_statement(cluster, day), cluster.pk
            ),
            "payouts": payouts,
            "claims": _released_claims(cluster),
            "carried": _carried(cluster),
            "next_run": kept("cluster-next-run", lambda: _next_run(cluster, day), cluster.pk, day)
            if completed
            else None,
            "open_run": open_run,
            # staff (the region's people, administrators) see each rule's code and can open it (#13)
            "staff": access.can_in_region(user, Action.VIEW, cluster.region),
            "section": "economy" if Role.COORDINATOR in access.roles(user) else "clusters",
        },
    )


@login_required
def cluster_economy_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = selectors.cluster(actor(request), pk)
    day = today()
    data = statements.statement_xlsx(statements.cluster_statement(cluster, day))
    return _xlsx(data, f"oekonomi-{cluster.external_id}-{day.isoformat()}.xlsx")


@login_required
def claim_letter_view(request: HttpRequest, claim_pk: int) -> HttpResponse:
    """The letter of a released claim (PDF), for whoever may see the cluster."""
    claim = get_object_or_404(
        RepaymentClaim.objects.select_related("run__region", "cluster"),
        pk=claim_pk,
        cluster__in=access.gp_clusters(actor(request), Action.VIEW),
        run__status=PayoutRun.Status.RELEASED,
    )
    response = HttpResponse(claim_letter_pdf(claim_letter(claim)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="krav-{claim.pk}.pdf"'
    return response


# --- The region's dashboard ------------------------------------------------------------------------


def _open_claims(region: Any, day: dt.date) -> list[dict[str, Any]]:
    """The region's released claims with something outstanding, each with its status (#13)."""
    chosen = list(
        RepaymentClaim.objects.filter(run__region=region, run__status=PayoutRun.Status.RELEASED)
        .select_related("cluster", "run")
        .order_by("due_on", "cluster__name", "pk")
    )
    facts = claims.facts_of(chosen)
    return [
        {**claims.shown(claim, facts[claim.pk]), "overdue": claim.due_on < day}
        for claim in chosen
        if facts[claim.pk].outstanding > 0
    ]


def chart_data(history: list[statements.RunTotal]) -> dict[str, Any]:
    """The chart's figures for ``charts.js``: labels, and amounts as strings of kroner."""
    return {
        "labels": [date_format(t.run_date, "SHORT_DATE_FORMAT") for t in history],
        "datasets": [
            {"label": _("Udbetalt"), "data": [f"{t.paid:.2f}" for t in history]},
            {"label": _("Krævet tilbage"), "data": [f"{t.claimed:.2f}" for t in history]},
        ],
        "currency": "DKK",
        "locale": "da-DK",
    }


def chart_summary(history: list[statements.RunTotal]) -> str:
    """What the chart shows, in one sentence (its text alternative)."""
    if not history:
        return ""
    return _(
        "Søjlediagram over frigivne udbetalinger pr. kørselsdato: %(count)s kørsler fra %(first)s "
        "til %(last)s, i alt %(paid)s udbetalt og %(claimed)s krævet tilbage. "
        "Tallene står i tabellen under diagrammet."
    ) % {
        "count": len(history),
        "first": date_format(history[0].run_date, "DATE_FORMAT"),
        "last": date_format(history[-1].run_date, "DATE_FORMAT"),
        "paid": kr(sum((t.paid for t in history), ZERO)),
        "claimed": kr(sum((t.claimed for t in history), ZERO)),
    }


def _next_run_totals(result: engine.RunResult) -> dict[str, Any]:
    return {
        "payouts": len(result.payouts),
        "total": sum((p.amount for p in result.payouts), ZERO),
        "claims": len(result.claims),
        "claims_total": sum((c.amount for c in result.claims), ZERO),
        "carried_total": sum((c.amount for c in result.carried_forward), ZERO),
    }


def region_figures(region: Region, day: dt.date) -> tuple[dict[str, Any], statements.Overview]:
    """What a run today would pay and claim in the region, and every cluster's totals: two runs of the
    engine over all the region's facts, so kept until the next recorded change (:mod:`klynge.web.kept`)."""

    def compute() -> tuple[dict[str, Any], statements.Overview]:
        clusters = GpCluster.objects.filter(region=region)
        facts = runs.facts_for(clusters)  # read once for both
        return (
            _next_run_totals(runs.preview(clusters, day, facts=facts)),
            statements.region_overview(region, day, facts=facts),
        )

    return kept("region-figures", compute, region.pk, day.isoformat())


def region_next_run(region: Region, day: dt.date) -> dict[str, Any]:
    """The first of :func:`region_figures`, kept on its own: the overview's every view shows it, and
    reading it should not mean reading every cluster's figures back from the cache (at ten times the
    national data a few megabytes to unpickle)."""
    return kept("region-next-run", lambda: region_figures(region, day)[0], region.pk, day.isoformat())


@login_required
def region_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """The region at a glance: the next run, open claims, clusters awaiting completion, the open run,
    every cluster's totals (50 to a page, the region's total on each) and the payouts over time."""
    region = selectors.region(actor(request), code)
    day = today()
    clusters = GpCluster.objects.filter(region=region)
    history = statements.payouts_over_time(region)
    # The clusters' figures are read only when the page's kept fragment is made (#12).
    overview = SimpleLazyObject(lambda: region_figures(region, day)[1])
    return render(
        request,
        "web/dashboard.html",
        {
            "region": region,
            "today": day,
            "next_run": region_next_run(region, day),
            "open_claims": SimpleLazyObject(lambda: _open_claims(region, day)),
            "awaiting": clusters.exclude(status=GpCluster.Status.COMPLETED).order_by("founded_on", "name"),
            "open_run": runs.open_run(region),
            "missing_rates": rates.missing_rates(region),
            "overview": overview,
            "overview_rows": SimpleLazyObject(
                lambda: Paginator(overview.rows, OVERVIEW_PAGE).get_page(request.GET.get("side"))
            ),
            "history": history,
            "history_total": sum((t.paid for t in history), ZERO),
            "history_claimed": sum((t.claimed for t in history), ZERO),
            "chart": chart_data(history),
            "chart_summary": chart_summary(history),
            "section": "dashboard",
        },
    )


@login_required
def region_dashboard_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region(actor(request), code)
    day = today()
    data = statements.overview_xlsx(region_figures(region, day)[1])
    return _xlsx(data, f"oversigt-{region.code}-{day.isoformat()}.xlsx")
