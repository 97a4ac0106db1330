"""Statements: what a cluster is entitled to, was paid, was claimed, repaid and still owes, per year.

Selectors only (nothing is written). The year of a row is the year the money is *for*: an annual
amount's calendar year, a startup fee's joined date's year (:attr:`SettledAmount.period` starts with
it in both cases).

* **entitled**: what the facts known today make payable (:func:`klynge.core.payouts.payable_at`);
* **paid**: what released runs settled through payouts (adjustments netted in a payout included);
* **claimed**: what released runs claimed back (shown positive);
* **repaid**: what the cluster has paid on those claims, put on the claims' years oldest first;
* **outstanding** = claimed − repaid: what the cluster owes the region;
* **unsettled** = entitled − paid + claimed: what the next run would still settle (negative: an
  amount to be netted or claimed).

Sums are made in whole øre (int) and shown as ``Decimal`` kroner. A region's overview makes one
engine call and a few aggregate queries for all its clusters.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from klynge.core import payouts as engine
from klynge.core.money import from_ore, to_ore
from klynge.payouts import runs
from klynge.payouts.explain import day_text
from klynge.payouts.models import (
    CarriedForward,
    ClaimWriteOff,
    Payout,
    PayoutRun,
    Repayment,
    SettledAmount,
)
from klynge.registry.models import GpCluster, Region

RELEASED = PayoutRun.Status.RELEASED
NUMBER_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Figures:
    """The money of one year, one cluster or a total (kroner, two decimals)."""

    entitled: Decimal
    paid: Decimal
    claimed: Decimal
    repaid: Decimal
    written_off: Decimal = Decimal("0.00")  # approved write-offs of claims (#13)

    @property
    def outstanding(self) -> Decimal:
        """Claimed and neither repaid nor written off: what the cluster owes the region."""
        return self.claimed - self.repaid - self.written_off

    @property
    def unsettled(self) -> Decimal:
        """Entitled minus what released runs settled: what the next run would still settle."""
        return self.entitled - self.paid + self.claimed

    def amounts(self) -> tuple[Decimal, ...]:
        """The six figures in the order of the tables and workbooks."""
        return (self.entitled, self.paid, self.claimed, self.repaid, self.outstanding, self.unsettled)


@dataclass(frozen=True)
class YearRow:
    year: int
    figures: Figures


@dataclass(frozen=True)
class Statement:
    """A cluster's money per year, as known on ``today``."""

    cluster: GpCluster
    today: dt.date
    years: tuple[YearRow, ...]
    total: Figures


@dataclass(frozen=True)
class ClusterRow:
    cluster: GpCluster
    figures: Figures


@dataclass(frozen=True)
class Overview:
    """Every cluster of a region with its totals, as known on ``today``."""

    region: Region
    today: dt.date
    rows: tuple[ClusterRow, ...]
    total: Figures


# --- Collecting, in whole øre ---------------------------------------------------------------------

ENTITLED, PAID, CLAIMED, REPAID, WRITTEN_OFF = range(5)
_Years = dict[int, list[int]]  # year -> [entitled, paid, claimed, repaid, written off] in øre


def _year(period: str) -> int:
    """ "2019" (annual) and "2019-06-01" (startup fee, the joined date) are both for 2019."""
    return int(period[:4])


def _figures(ore: Sequence[int]) -> Figures:
    return Figures(*(from_ore(value) for value in ore))


def _sum(rows: Iterable[Sequence[int]]) -> Figures:
    total = [0, 0, 0, 0, 0]
    for row in rows:
        for i in range(5):
            total[i] += row[i]
    return _figures(total)


def _collect(
    clusters: QuerySet[GpCluster], today: dt.date, facts: runs.Facts | None = None
) -> tuple[list[GpCluster], dict[int, _Years]]:
    """Every figure of ``clusters`` per cluster (pk) and year: one engine call, three aggregates
    (``facts``: ``runs.facts_for(clusters)`` if read already)."""
    facts = facts if facts is not None else runs.facts_for(clusters)
    chosen = sorted(facts.clusters.values(), key=lambda c: (c.name, c.pk))
    pk_of = {external: c.pk for external, c in facts.clusters.items()}
    found: dict[int, _Years] = {c.pk: defaultdict(lambda: [0, 0, 0, 0, 0]) for c in chosen}

    for entitlement in engine.payable_at(facts.scenario, today):
        pk = pk_of.get(entitlement.key.cluster)
        if pk is not None:
            found[pk][_year(entitlement.key.period)][ENTITLED] += to_ore(entitlement.amount)

    ids = list(pk_of.values())
    released = SettledAmount.objects.filter(cluster_id__in=ids, run__status=RELEASED).order_by()
    for paid_row in (
        released.filter(payout__isnull=False).values("cluster_id", "period").annotate(total=Sum("amount"))
    ):
        found[paid_row["cluster_id"]][_year(paid_row["period"])][PAID] += to_ore(paid_row["total"])

    # Each claim's years, oldest first, so its repayments can be put on them in that order.
    claim_years: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for claim_row in (
        released.filter(claim__isnull=False)
        .values("cluster_id", "claim_id", "period")
        .annotate(total=Sum("amount"))
    ):
        claimed = -to_ore(claim_row["total"])
        year = _year(claim_row["period"])
        found[claim_row["cluster_id"]][year][CLAIMED] += claimed
        claim_years[claim_row["claim_id"]].append((year, claimed))

    repayments = (
        Repayment.objects.filter(claim__cluster_id__in=ids, claim__run__status=RELEASED)
        .order_by()
        .values("claim_id", "claim__cluster_id", "claim__run__run_date")
        .annotate(total=Sum("amount"))
    )
    repaid_of: dict[int, int] = {}
    for repaid_row in repayments:
        years = found[repaid_row["claim__cluster_id"]]
        left = to_ore(repaid_row["total"])
        parts = sorted(claim_years.get(repaid_row["claim_id"], []))
        for year, claimed in parts:
            share = min(left, claimed)
            years[year][REPAID] += share
            left -= share
        if left:  # more repaid than the claim's settled keys show (not expected): keep it visible
            year = parts[-1][0] if parts else repaid_row["claim__run__run_date"].year
            years[year][REPAID] += left
        repaid_of[repaid_row["claim_id"]] = to_ore(repaid_row["total"])

    # Approved write-offs (#13) take each claim's years after its repayments, oldest first.
    written = (
        ClaimWriteOff.objects.filter(
            claim__cluster_id__in=ids, claim__run__status=RELEASED, status=ClaimWriteOff.Status.APPROVED
        )
        .order_by()
        .values("claim_id", "claim__cluster_id", "claim__run__run_date")
        .annotate(total=Sum("amount"))
    )
    for written_row in written:
        years = found[written_row["claim__cluster_id"]]
        skip = repaid_of.get(written_row["claim_id"], 0)
        left = to_ore(written_row["total"])
        parts = sorted(claim_years.get(written_row["claim_id"], []))
        for year, claimed in parts:
            open_part = max(claimed - skip, 0)
            skip = max(skip - claimed, 0)
            share = min(left, open_part)
            years[year][WRITTEN_OFF] += share
            left -= share
        if left:
            year = parts[-1][0] if parts else written_row["claim__run__run_date"].year
            years[year][WRITTEN_OFF] += left
    return chosen, found


# --- The selectors --------------------------------------------------------------------------------


def cluster_statement(cluster: GpCluster, today: dt.date) -> Statement:
    """``cluster``'s money per year (the year the money is for) and in total, as known on ``today``."""
    _chosen, found = _collect(GpCluster.objects.filter(pk=cluster.pk), today)
    years = found.get(cluster.pk, {})
    rows = tuple(YearRow(year, _figures(years[year])) for year in sorted(years))
    return Statement(cluster, today, rows, _sum(years.values()))


def region_overview(region: Region, today: dt.date, *, facts: runs.Facts | None = None) -> Overview:
    """Every cluster of ``region`` with its totals, and the region's totals, as known on ``today``
    (``facts``: ``runs.facts_for`` of the region's clusters if read already)."""
    chosen, found = _collect(GpCluster.objects.filter(region=region), today, facts)
    rows = tuple(ClusterRow(c, _sum(found[c.pk].values())) for c in chosen)
    total = _sum(found[c.pk][year] for c in chosen for year in found[c.pk])
    return Overview(region, today, rows, total)


@dataclass(frozen=True)
class RunTotal:
    """What a region's released runs on one date paid and claimed."""

    run_date: dt.date
    paid: Decimal
    claimed: Decimal


def payouts_over_time(region: Region) -> list[RunTotal]:
    """The region's released payouts and claims per run date, oldest first (for the dashboard chart)."""
    paid: dict[dt.date, int] = defaultdict(int)
    claimed: dict[dt.date, int] = defaultdict(int)
    for day, payouts, claims in (
        PayoutRun.objects.filter(region=region, status=RELEASED)
        .order_by("run_date")
        .values_list("run_date", "total_payouts", "total_claims")
    ):
        paid[day] += to_ore(payouts)
        claimed[day] += to_ore(claims)
    return [RunTotal(day, from_ore(paid[day]), from_ore(claimed[day])) for day in sorted(paid)]


def _latest_runs(region: Region, depth: int = 0) -> list[int]:
    """The latest released run of ``region``; before its first, those of its predecessors (#11)."""
    last = (
        PayoutRun.objects.filter(region=region, status=RELEASED)
        .order_by("-run_date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if last is not None:
        return [last]
    if depth > 10:
        return []
    found: list[int] = []
    for predecessor in Region.objects.filter(successor=region).order_by("code"):
        found += _latest_runs(predecessor, depth + 1)
    return found


def carried_forward(region: Region) -> QuerySet[CarriedForward]:
    """The balances the region's latest released run left to net against its clusters' next payouts
    (A9, "net"); empty before the first released run.

    A successor of a merger (#11) before its own first run: the balances its predecessors' latest
    released runs left for the clusters that moved to it (a cluster's latest released run)."""
    last = PayoutRun.objects.filter(region=region, status=RELEASED).order_by("-run_date", "-pk").first()
    if last is not None:
        return (
            CarriedForward.objects.filter(run=last).select_related("run", "cluster").order_by("cluster__name")
        )
    inherited = _latest_runs(region)
    if not inherited:
        return CarriedForward.objects.none()
    return (
        CarriedForward.objects.filter(run__in=inherited, cluster__region=region)
        .select_related("run", "cluster")
        .order_by("cluster__name")
    )


def released_payouts(cluster: GpCluster) -> QuerySet[Payout]:
    """The cluster's payouts of released runs, newest first, with their lines."""
    return (
        Payout.objects.filter(cluster=cluster, run__status=RELEASED)
        .select_related("run")
        .prefetch_related("lines")
        .order_by("-run__run_date", "-pk")
    )


# --- Excel ----------------------------------------------------------------------------------------


def figure_headings() -> list[str]:
    return [
        _("Ret til"),
        _("Udbetalt"),
        _("Krævet tilbage"),
        _("Tilbagebetalt"),
        _("Udestående krav"),
        _("Ikke afregnet endnu"),
    ]


def _workbook(
    title: str, sheet: str, headings: list[str], rows: list[list[object]], widths: list[int]
) -> bytes:
    """One sheet: a bold title row, an empty row, a bold header row, the rows (the last is the total)."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(headings)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = NUMBER_FORMAT
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def statement_xlsx(statement: Statement) -> bytes:
    """The statement as an Excel workbook: title, header, one row per year, the total."""
    cluster = statement.cluster
    title = _("Økonomi for %(cluster)s (%(id)s) pr. %(date)s") % {
        "cluster": cluster.name,
        "id": cluster.external_id,
        "date": day_text(statement.today),
    }
    rows: list[list[object]] = [[row.year, *row.figures.amounts()] for row in statement.years]
    rows.append([_("I alt"), *statement.total.amounts()])
    return _workbook(title, _("Økonomi"), [_("År"), *figure_headings()], rows, [10] + [18] * 6)


def overview_xlsx(overview: Overview) -> bytes:
    """The region overview as an Excel workbook: title, header, one row per cluster, the total."""
    title = _("Klyngernes økonomi i %(region)s pr. %(date)s") % {
        "region": overview.region.name,
        "date": day_text(overview.today),
    }
    rows: list[list[object]] = [
        [row.cluster.name, row.cluster.external_id, row.cluster.get_status_display(), *row.figures.amounts()]
        for row in overview.rows
    ]
    rows.append([_("I alt"), "", "", *overview.total.amounts()])
    return _workbook(
        title,
        _("Oversigt"),
        [_("Klynge"), _("Klynge-id"), _("Status"), *figure_headings()],
        rows,
        [30, 12, 16] + [18] * 6,
    )
