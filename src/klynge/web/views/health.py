"""Health-cluster pages for the secretariat, the SSU readers and the finance officers (issue #4): the
list of health clusters, a cluster's page (master data, members and population, common funds, the
member × year overview), the CSV import of actual costs, and the finance officer's "Økonomi" page
with carry-over confirmation.

A cluster outside the user's scope answers 404; a change by someone who may only read answers 403.
Every change is one service call in :mod:`klynge.health.services`; its refusal is shown on the form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klynge.accounts import access
from klynge.accounts.access import Action
from klynge.common.money import amount_text
from klynge.health import imports, selectors, services
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    CarryOver,
    CommonFund,
    HealthCluster,
    HealthMember,
    Initiative,
    Population,
)
from klynge.web.health_forms import (
    CarryOverForm,
    CostImportForm,
    CouncilCarryOverForm,
    DistributeForm,
    FundsForm,
    HealthClusterEditForm,
    PopulationForm,
)
from klynge.web.kept import kept
from klynge.web.views.common import actor

ZERO = Decimal("0.00")


def health_cluster(request: HttpRequest, pk: int) -> HealthCluster:
    """A health cluster the user may see (404 otherwise)."""
    return get_object_or_404(
        access.health_clusters(actor(request), Action.VIEW).select_related("region", "successor"), pk=pk
    )


def may_edit(user: Any, cluster: HealthCluster) -> bool:
    return access.health_clusters(user, Action.EDIT).filter(pk=cluster.pk).exists()


def members_of(cluster: HealthCluster) -> list[HealthMember]:
    return list(cluster.members.select_related("municipality", "region"))


def years_of(cluster: HealthCluster) -> list[int]:
    """The years the cluster has any figures for (population, funds, budget, costs, carry-over, an
    initiative's period), and this year; kept until the next recorded change (six queries, asked by
    every view of the cluster's pages: #12)."""
    return kept("health-years", lambda: _years_of(cluster), cluster.pk)


def _years_of(cluster: HealthCluster) -> list[int]:
    years = {timezone.localdate().year}
    years.update(Population.objects.filter(member__cluster=cluster).values_list("year", flat=True))
    years.update(CommonFund.objects.filter(member__cluster=cluster).values_list("year", flat=True))
    years.update(BudgetLine.objects.filter(initiative__cluster=cluster).values_list("year", flat=True))
    years.update(ActualCost.objects.filter(initiative__cluster=cluster).values_list("year", flat=True))
    for from_year in CarryOver.objects.filter(member__cluster=cluster).values_list("from_year", flat=True):
        years.update((from_year, from_year + 1))
    for starts, ends in cluster.initiatives.values_list("starts_on", "ends_on"):
        years.update(range(starts.year, ends.year + 1))
    return sorted(years)


@dataclass(frozen=True)
class YearOverview:
    """The member × year overview of one year, with its totals."""

    year: int
    rows: list[selectors.MemberYear]

    @property
    def anchor(self) -> str:
        return f"overblik-{self.year}"

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(r, name) for r in self.rows), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        names = ("funds", "carried_in", "budgeted", "spent", "remaining", "carried_out")
        return {name: self._sum(name) for name in names}

    @property
    def overspent(self) -> list[selectors.MemberYear]:
        return [r for r in self.rows if r.overspent]


def has_figures(row: selectors.MemberYear) -> bool:
    return any((row.funds, row.carried_in, row.budgeted, row.spent, row.carried_out))


def overview(cluster: HealthCluster, years: Iterable[int]) -> list[YearOverview]:
    """The overview of each year that has any figures."""
    blocks = [YearOverview(year, selectors.cluster_year(cluster, year)) for year in years]
    return [block for block in blocks if any(has_figures(row) for row in block.rows)]


def report_links(cluster: HealthCluster) -> list[tuple[str, str]]:
    """Links to the report pages (built separately) that exist: (label, address)."""
    from klynge.web.templatetags.klynge_health import optional_url

    candidates = [
        (_("Pengestrømme (tabel)"), "health_money_flow"),
        (_("Konteringer (CSV)"), "health_postings_csv"),
        (_("Rapporter og bogføring"), "health_reports"),
    ]
    return [(label, url) for label, name in candidates if (url := optional_url(name, cluster.pk))]


# --- The list and a cluster's page ---------------------------------------------------------------------


@login_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    clusters = (
        access.health_clusters(user, Action.VIEW)
        .select_related("region")
        .annotate(
            member_count=Count("members", distinct=True),
            initiative_count=Count("initiatives", distinct=True),
        )
        .order_by("name")
    )
    section = "health" if access.health_clusters(user, Action.EDIT).exists() else "health_clusters"
    return render(
        request,
        "web/health/cluster_list.html",
        {"clusters": clusters, "section": section, "may_councils": _may_councils(user)},
    )


def _may_councils(user: Any) -> bool:
    """#11: an administrator or a region officer prepares and approves health councils."""
    return access.regions(user, Action.ADMINISTER).exists()


def _cluster_page(
    request: HttpRequest, cluster: HealthCluster, failed: Any = None, *, status: int = 200
) -> HttpResponse:
    """The cluster's page; ``failed`` is the bound form that was refused (shown with its errors)."""
    user = actor(request)
    members = members_of(cluster)
    years = years_of(cluster)
    editable = may_edit(user, cluster)
    # The tables' figures are read only when the page's kept parts are made (#12).
    population = SimpleLazyObject(
        lambda: {(p.member_id, p.year): p.count for p in Population.objects.filter(member__in=members)}
    )
    funds = SimpleLazyObject(
        lambda: {(f.member_id, f.year): f for f in CommonFund.objects.filter(member__in=members)}
    )
    this_year = timezone.localdate().year
    # #11: a council's predecessors, a cluster's successor council; linked where the user may see them
    visible = set(access.health_clusters(user, Action.VIEW).values_list("pk", flat=True))
    context: dict[str, Any] = {
        "cluster": cluster,
        "successor": cluster.successor,
        "successor_visible": cluster.successor_id in visible,
        "predecessors": [(c, c.pk in visible) for c in cluster.predecessors.order_by("name")],
        "members": members,
        "years": years,
        "population_rows": SimpleLazyObject(
            lambda: [(m, [population.get((m.pk, y)) for y in years]) for m in members]
        ),
        "funds_rows": SimpleLazyObject(lambda: [(m, [funds.get((m.pk, y)) for y in years]) for m in members]),
        "funds_totals": SimpleLazyObject(
            lambda: [sum((f.amount for (_m, y), f in funds.items() if y == year), ZERO) for year in years]
        ),
        "overview": kept("health-overview", lambda: overview(cluster, years), cluster.pk, *years),
        "carry_overs": CarryOver.objects.filter(member__in=members).select_related(
            "member__municipality", "member__region", "confirmed_by"
        ),
        "initiatives": cluster.initiatives.order_by("starts_on", "title"),
        "report_links": report_links(cluster),
        "may_edit": editable,
        "may_councils": _may_councils(user),
        "failed": failed,
        "section": "health" if editable else "health_clusters",
    }
    if editable:
        forms: dict[str, Any] = {
            "edit_form": HealthClusterEditForm(
                prefix="stamdata",
                initial={
                    "name": cluster.name,
                    "co_chair_region": cluster.co_chair_region,
                    "co_chair_municipality": cluster.co_chair_municipality,
                },
            ),
            "population_form": PopulationForm(
                prefix="befolkning", members=members, initial={"year": this_year}
            ),
            "funds_form": FundsForm(prefix="midler", members=members, initial={"year": this_year}),
            "distribute_form": DistributeForm(
                prefix="pulje", members=members, initial={"year": this_year, "key_type": "population"}
            ),
        }
        for name, form in forms.items():
            context[name] = failed if failed is not None and failed.prefix == form.prefix else form
    return render(request, "web/health/cluster_detail.html", context, status=status)


@login_required
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _cluster_page(request, health_cluster(request, pk))


def _editable(request: HttpRequest, pk: int) -> HealthCluster:
    """A cluster the user may see (404) and change (403)."""
    cluster = health_cluster(request, pk)
    access.require_health(actor(request), Action.EDIT, cluster)
    return cluster


def _done(request: HttpRequest, cluster: HealthCluster, text: str, anchor: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(f"{cluster_url(cluster)}#{anchor}")


def cluster_url(cluster: HealthCluster) -> str:
    from django.urls import reverse

    return reverse("health_cluster_detail", args=[cluster.pk])


@login_required
@require_POST
def cluster_update(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _editable(request, pk)
    form = HealthClusterEditForm(request.POST, prefix="stamdata")
    if form.is_valid():
        updated = form.call(
            services.cluster_update, actor=actor(request), cluster=cluster, **form.cleaned_data
        )
        if updated is not None:
            return _done(request, updated, _("Stamdata er gemt."), "stamdata")
    return _cluster_page(request, cluster, form)


@login_required
@require_POST
def population_set(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _editable(request, pk)
    form = PopulationForm(request.POST, prefix="befolkning", members=members_of(cluster))
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.population_set,
            actor=actor(request),
            member=form.member_obj,
            year=data["year"],
            count=data["count"],
        )
        if saved is not None:
            return _done(
                request,
                cluster,
                _("Indbyggertal for %(member)s %(year)s er gemt.")
                % {"member": saved.member.name, "year": saved.year},
                "medlemmer",
            )
    return _cluster_page(request, cluster, form)


@login_required
@require_POST
def funds_set(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _editable(request, pk)
    form = FundsForm(request.POST, prefix="midler", members=members_of(cluster))
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.funds_set,
            actor=actor(request),
            member=form.member_obj,
            year=data["year"],
            amount=data["amount"],
            note=data["note"],
        )
        if saved is not None:
            return _done(
                request,
                cluster,
                _("Fælles midler for %(member)s %(year)s er sat til %(amount)s kr.")
                % {"member": saved.member.name, "year": saved.year, "amount": amount_text(saved.amount)},
                "midler",
            )
    return _cluster_page(request, cluster, form)


@login_required
@require_POST
def funds_distribute(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _editable(request, pk)
    form = DistributeForm(request.POST, prefix="pulje", members=members_of(cluster))
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.funds_distribute,
            actor=actor(request),
            cluster=cluster,
            year=data["year"],
            pot=data["pot"],
            key_type=data["key_type"],
            percents=form.percents(),
        )
        if saved is not None:
            return _done(
                request,
                cluster,
                _("Puljen for %(year)s er fordelt mellem %(count)s medlemmer.")
                % {"year": data["year"], "count": len(saved)},
                "midler",
            )
    return _cluster_page(request, cluster, form)


# --- CSV import of actual costs ------------------------------------------------------------------------


@login_required
def cost_import(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _editable(request, pk)
    form = CostImportForm(request.POST or None, request.FILES or None)
    report: imports.CostImportReport | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            report = imports.CostImportReport(dry_run=form.cleaned_data["dry_run"])
            report.problems.append(
                imports.Problem(
                    None,
                    "",
                    _("Filen er for stor (%(size)s MB); den må højst fylde 5 MB. Del den op i flere filer.")
                    % {"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")},
                )
            )
        else:
            report = imports.costs_import(
                actor=actor(request), cluster=cluster, raw=upload.read(), dry_run=form.cleaned_data["dry_run"]
            )
        if report.saved:
            messages.success(
                request,
                _("%(count)s udgifter er importeret (i alt %(total)s kr.).")
                % {"count": len(report.rows), "total": amount_text(report.total)},
            )
    return render(
        request,
        "web/health/cost_import.html",
        {"cluster": cluster, "form": form, "report": report, "section": "health"},
    )


# --- The finance officer's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceMember:
    member: HealthMember
    rows: list[selectors.MemberYear]
    carry_overs: list[CarryOver]
    form: CarryOverForm
    council_form: CouncilCarryOverForm | None = None  # #11: when its cluster is succeeded by a council

    @property
    def anchor(self) -> str:
        return f"medlem-{self.member.pk}"

    @property
    def overspent(self) -> list[tuple[int, list[selectors.MemberYear]]]:
        return [(row.year, [row]) for row in self.rows if row.overspent]


def _finance_members(user: Any) -> list[HealthMember]:
    codes = access.organisations(user)
    if codes is not None and not codes:
        raise PermissionDenied(_("Siden er for kommunernes og regionernes økonomimedarbejdere."))
    members = HealthMember.objects.filter(cluster__in=access.health_clusters(user, Action.VIEW))
    if codes is not None:
        members = members.filter(Q(municipality__code__in=codes) | Q(region__code__in=codes))
    return list(
        members.select_related("cluster__successor", "municipality", "region").order_by(
            "cluster__name", "position"
        )
    )


def _require_own(user: Any, member: HealthMember) -> None:
    codes = access.organisations(user)
    if codes is not None and member.code not in codes:
        raise PermissionDenied(
            _("Kun %(member)s' økonomimedarbejder kan bekræfte videreførsel af dens midler.")
            % {"member": member.name}
        )


def _finance_page(request: HttpRequest, failed: Any = None, failed_pk: int = 0) -> HttpResponse:
    user = actor(request)
    members = _finance_members(user)
    years: dict[int, list[int]] = {}
    by_cluster_year: dict[tuple[int, int], list[selectors.MemberYear]] = {}
    entries = []
    carry = {
        m.pk: list(
            CarryOver.objects.filter(member=m).select_related("confirmed_by", "withdrawn_by", "into__cluster")
        )
        for m in members
    }
    last_year = timezone.localdate().year - 1
    for member in members:
        cluster = member.cluster
        if cluster.pk not in years:
            years[cluster.pk] = years_of(cluster)
        rows: list[selectors.MemberYear] = []
        for year in years[cluster.pk]:
            key = (cluster.pk, year)
            if key not in by_cluster_year:
                by_cluster_year[key] = selectors.cluster_year(cluster, year)
            rows.extend(r for r in by_cluster_year[key] if r.member.pk == member.pk and has_figures(r))
        form = (
            failed
            if failed is not None and failed_pk == member.pk and failed.prefix == f"co-{member.pk}"
            else CarryOverForm(prefix=f"co-{member.pk}", initial={"from_year": last_year})
        )
        council_form = None
        if cluster.successor_id is not None and cluster.successor.is_council:  # type: ignore[union-attr]
            prefix = f"sr-{member.pk}"
            council_form = (
                failed
                if failed is not None and failed.prefix == prefix
                else CouncilCarryOverForm(prefix=prefix)
            )
        entries.append(FinanceMember(member, rows, carry[member.pk], form, council_form))
    return render(
        request,
        "web/health/finance.html",
        {"entries": entries, "failed": failed, "section": "health_finance", "me": user},
    )


@login_required
def finance(request: HttpRequest) -> HttpResponse:
    return _finance_page(request)


@login_required
@require_POST
def carry_over_confirm(request: HttpRequest, member_pk: int) -> HttpResponse:
    user = actor(request)
    member = get_object_or_404(
        HealthMember.objects.select_related("cluster", "municipality", "region"),
        pk=member_pk,
        cluster__in=access.health_clusters(user, Action.VIEW),
    )
    _require_own(user, member)
    form = CarryOverForm(request.POST, prefix=f"co-{member.pk}")
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.carry_over_confirm,
            actor=user,
            member=member,
            from_year=data["from_year"],
            amount=data["amount"],
            note=data["note"],
        )
        if saved is not None:
            messages.success(
                request,
                _("Videreførsel af %(amount)s kr. fra %(year)s til %(next)s er bekræftet for %(member)s.")
                % {
                    "amount": amount_text(saved.amount),
                    "year": saved.from_year,
                    "next": saved.from_year + 1,
                    "member": member.name,
                },
            )
            return redirect("health_finance")
    return _finance_page(request, form, member.pk)


@login_required
@require_POST
def council_carry_over_confirm(request: HttpRequest, member_pk: int) -> HttpResponse:
    """#11: the member's finance officer confirms carrying its unused funds of the cluster's last
    year into its member of the successor health council."""
    user = actor(request)
    member = get_object_or_404(
        HealthMember.objects.select_related("cluster__successor", "municipality", "region"),
        pk=member_pk,
        cluster__in=access.health_clusters(user, Action.VIEW),
    )
    _require_own(user, member)
    form = CouncilCarryOverForm(request.POST, prefix=f"sr-{member.pk}")
    if form.is_valid():
        data = form.cleaned_data
        saved = form.call(
            services.council_carry_over_confirm,
            actor=user,
            member=member,
            amount=data["amount"],
            note=data["note"],
        )
        if saved is not None:
            messages.success(
                request,
                _(
                    "Videreførsel af %(amount)s kr. fra %(year)s til sundhedsrådet %(council)s er bekræftet for %(member)s."
                )
                % {
                    "amount": amount_text(saved.amount),
                    "year": saved.from_year,
                    "council": member.cluster.successor.name,  # type: ignore[union-attr]
                    "member": member.name,
                },
            )
            return redirect(reverse("health_finance") + f"#carry-{member.pk}")
    return _finance_page(request, form, member.pk)


@login_required
@require_POST
def carry_over_withdraw(request: HttpRequest, carry_pk: int) -> HttpResponse:
    """The finance officer who confirmed a carry-over withdraws it with a reason."""
    user = actor(request)
    carry = get_object_or_404(
        CarryOver.objects.select_related("member__cluster", "member__municipality", "member__region"),
        pk=carry_pk,
        member__cluster__in=access.health_clusters(user, Action.VIEW),
    )
    try:
        services.carry_over_withdraw(actor=user, carry_over=carry, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(reverse("health_finance") + f"#carry-{carry.member_id}")
    messages.success(
        request,
        _("Videreførslen af %(amount)s kr. fra %(year)s for %(member)s er trukket tilbage.")
        % {"amount": amount_text(carry.amount), "year": carry.from_year, "member": carry.member.name},
    )
    return redirect(reverse("health_finance") + f"#carry-{carry.member_id}")


def initiative_rows(initiatives: Iterable[Initiative]) -> list[dict[str, Any]]:
    """The initiatives' list rows: executing parties, budget total and what was spent."""
    rows: list[dict[str, Any]] = []
    for i in initiatives:
        rows.append(
            {
                "initiative": i,
                "executors": [p.member.name for p in i.parties.all() if p.executes],
                "budget": sum((line.amount for line in i.budget_lines.all()), ZERO),
                "spent": sum((c.amount for c in i.costs.all()), ZERO),
            }
        )
    return rows


@login_required
def postings_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """A cluster's postings as CSV: ``?medlem=<code>`` for one member; a finance officer gets only its
    own organisation's, the secretariat, SSU readers and administrators any member's."""
    from klynge.health.postings import postings_csv as make_csv

    user = actor(request)
    cluster = get_object_or_404(access.health_clusters(user, Action.VIEW), pk=pk)
    members = [
        m
        for m in cluster.members.select_related("municipality", "region")
        if access.can_see_postings_of(user, cluster, m.code) and request.GET.get("medlem", m.code) == m.code
    ]
    if not members:
        raise Http404(_("Du har ikke adgang til det medlems konteringer."))
    suffix = members[0].code if len(members) == 1 else cluster.external_id
    response = HttpResponse(make_csv(cluster, members), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="konteringer-{cluster.external_id}-{suffix}.csv"'
    return response
