"""Reading health clusters: the settlement of the stored facts (through the pure core), and each
member's funds, budget, spending and what is left, per year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from klynge.core import settlement as core
from klynge.core.sharing import Key, allocate, weights_for
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    CarryOver,
    CommonFund,
    HealthCluster,
    HealthMember,
    Initiative,
    Population,
    SettlementLine,
    SettlementPosting,
)

ZERO = Decimal("0.00")


def _counts(rows: Iterable[tuple[int, int, int]], year: int) -> dict[int, tuple[int, int]]:
    found: dict[int, tuple[int, int]] = {}
    for member_id, at, count in sorted(rows, key=lambda r: r[1]):
        if at <= year:
            found[member_id] = (count, at)
    return found


def population_of(cluster: HealthCluster, year: int) -> dict[int, tuple[int, int]]:
    """Per member id: (count, the year it is for) — the population of ``year`` itself, or, until that
    is entered, the latest earlier year's. Never a later year's: a year is settled with the facts
    known for it, so entering next year's population does not move this year's figures."""
    rows = Population.objects.filter(member__cluster=cluster, year__lte=year)
    return _counts(rows.values_list("member_id", "year", "count"), year)


def _core_members(members: Sequence[HealthMember], counts: dict[int, tuple[int, int]]) -> list[core.Member]:
    return [
        core.Member(str(m.pk), m.kind, m.code, m.name, counts[m.pk][0] if m.pk in counts else None)
        for m in members
    ]


def _members(cluster: HealthCluster, year: int) -> list[core.Member]:
    """The cluster's members in order, with the population of ``year`` (see :func:`population_of`)."""
    members = list(cluster.members.select_related("municipality", "region"))
    return _core_members(members, population_of(cluster, year))


def key_of(initiative: Initiative) -> Key:
    if initiative.key_type != "percent":
        return Key(initiative.key_type)
    return Key(
        "percent",
        tuple(
            (str(p.member_id), p.percent)
            for p in initiative.parties.all()
            if p.pays and p.percent is not None
        ),
    )


def core_initiative(initiative: Initiative, costs: Iterable[ActualCost] | None = None) -> core.Initiative:
    parties = list(initiative.parties.all())
    return core.Initiative(
        id=str(initiative.pk),
        title=initiative.title,
        function=initiative.function.code,
        key=key_of(initiative),
        payers=tuple(str(p.member_id) for p in parties if p.pays),
        costs=tuple(
            core.Cost(str(c.executor_id), c.year, c.amount)
            for c in (costs if costs is not None else initiative.costs.all())
        ),
    )


@dataclass(frozen=True)
class YearSettlement:
    """One year's settlement of a health cluster: every member's postings, and what follows from them.

    ``posting`` is the voucher it was read from when the year is posted (and not reversed);
    otherwise it is computed from that year's facts. ``missing_regional`` names the municipal
    functions whose regional function code an administrator has not entered yet, where a region
    has postings (their function is left empty and the year cannot be posted)."""

    year: int
    postings: tuple[core.Posting, ...]
    posting: SettlementPosting | None
    missing_regional: tuple[str, ...]


def active_postings(cluster: HealthCluster) -> dict[int, SettlementPosting]:
    """The cluster's posted years (not reversed) → their posting, with the voucher's lines."""
    return {
        p.year: p
        for p in SettlementPosting.objects.filter(cluster=cluster, reversal_entry__isnull=True)
        .select_related("entry", "posted_by", "reversal_requested_by")
        .prefetch_related(
            Prefetch("lines", queryset=SettlementLine.objects.select_related("line").order_by("id"))
        )
    }


@dataclass(frozen=True)
class _Facts:
    """Everything a cluster's settlements are computed from, read once (a fixed number of queries
    however many years)."""

    members: list[HealthMember]
    population: list[tuple[int, int, int]]  # (member id, year, count)
    initiatives: list[Initiative]  # with function, parties and costs
    posted: dict[int, SettlementPosting]


def _facts(cluster: HealthCluster) -> _Facts:
    return _Facts(
        members=list(cluster.members.select_related("municipality", "region")),
        population=list(
            Population.objects.filter(member__cluster=cluster).values_list("member_id", "year", "count")
        ),
        initiatives=list(cluster.initiatives.select_related("function").prefetch_related("parties", "costs")),
        posted=active_postings(cluster),
    )


def _from_voucher(posting: SettlementPosting) -> tuple[core.Posting, ...] | None:
    lines = list(posting.lines.all())
    if not lines:
        return None  # posted before the lines were recorded (its facts are frozen: compute them)
    return tuple(
        core.Posting(
            str(line.member_id),
            str(line.initiative_id),
            posting.year,
            line.function,
            line.kind,
            line.line.amount,
            str(line.counterparty_id or ""),
            line.line.text,
        )
        for line in lines
    )


def _computed(facts: _Facts, year: int) -> tuple[tuple[core.Posting, ...], tuple[str, ...]]:
    members = _core_members(facts.members, _counts(facts.population, year))
    initiatives = [(i, [c for c in i.costs.all() if c.year == year]) for i in facts.initiatives]
    chosen = [(i, costs) for i, costs in initiatives if costs]
    result = core.settle(members, [core_initiative(i, costs) for i, costs in chosen], year=year)
    regional = {i.function.code: i.function.regional_code for i, _costs in chosen}
    kinds = {m.id: m.kind for m in members}
    missing: set[str] = set()
    postings = []
    for p in result.postings:
        if kinds[p.member] == HealthMember.Kind.REGION:
            if not regional[p.function]:
                missing.add(p.function)
            p = replace(p, function=regional[p.function])
        postings.append(p)
    return tuple(postings), tuple(sorted(missing))


def _year(facts: _Facts, year: int) -> YearSettlement:
    posting = facts.posted.get(year)
    if posting is not None:
        read = _from_voucher(posting)
        if read is not None:
            return YearSettlement(year, read, posting, ())
    postings, missing = _computed(facts, year)
    return YearSettlement(year, postings, posting, missing)


def year_settlement(cluster: HealthCluster, year: int) -> YearSettlement:
    """THE settlement of ``year``: read from its voucher when the year is posted, else computed from
    that year's facts (that year's population, the initiatives' keys and parties, that year's costs).
    Every page, file and report reads a year's figures from here; "all years" is the sum of the
    years (:func:`settlement`)."""
    return _year(_facts(cluster), year)


def _years(facts: _Facts) -> list[int]:
    return sorted({c.year for i in facts.initiatives for c in i.costs.all()} | set(facts.posted))


def settlement_years(cluster: HealthCluster) -> list[int]:
    """The years with actual costs or a posted settlement."""
    return _years(_facts(cluster))


def result_of(members: Sequence[core.Member], postings: Iterable[core.Posting]) -> core.Result:
    """The settlement's figures from its postings: each member's income (payments from the others) and
    expense (its own costs and its payments to the executing members), the gross settlements and the
    netted transfers. Computed and posted years go through this one function, so they read alike."""
    order = {m.id: i for i, m in enumerate(members)}
    income: dict[str, Decimal] = defaultdict(lambda: ZERO)
    expense: dict[str, Decimal] = defaultdict(lambda: ZERO)
    received: dict[tuple[str, str, int], Decimal] = defaultdict(lambda: ZERO)
    costs: dict[tuple[str, str, int], Decimal] = defaultdict(lambda: ZERO)
    settlements: list[core.Settlement] = []
    shares: list[tuple[str, str, int, str, Decimal]] = []
    chosen = tuple(postings)
    for p in chosen:
        if not p.counterparty:  # the executing member's whole cost
            expense[p.member] += p.amount
            costs[(p.initiative, p.member, p.year)] += p.amount
        elif p.amount > 0:  # a payer's payment to the executing member
            expense[p.member] += p.amount
            received[(p.initiative, p.counterparty, p.year)] += p.amount
            settlements.append(
                core.Settlement(p.initiative, p.year, p.member, p.counterparty, p.amount, p.function)
            )
            shares.append((p.initiative, p.counterparty, p.year, p.member, p.amount))
        else:  # the executing member's income from a payer
            income[p.member] -= p.amount
    for (initiative, executor, year), cost in costs.items():
        own = cost - received[(initiative, executor, year)]
        if own:
            shares.append((initiative, executor, year, executor, own))
    totals = {m.id: core.MemberTotals(income[m.id], expense[m.id]) for m in members}
    return core.Result(totals, tuple(shares), tuple(settlements), core.net(settlements, order), chosen)


def settlement(
    cluster: HealthCluster, *, year: int | None = None, initiatives: QuerySet[Initiative] | None = None
) -> core.Result:
    """The settlement of ``year`` (or of every year: the sum of the years), of ``initiatives`` (or all),
    each year as :func:`year_settlement` has it."""
    facts = _facts(cluster)
    years = [year] if year is not None else _years(facts)
    chosen = {str(pk) for pk in initiatives.values_list("pk", flat=True)} if initiatives is not None else None
    postings = [
        p for y in years for p in _year(facts, y).postings if chosen is None or p.initiative in chosen
    ]
    return result_of(_core_members(facts.members, {}), postings)


@dataclass(frozen=True)
class MemberYear:
    member: HealthMember
    year: int
    funds: Decimal  # its share of the common funds
    carried_in: Decimal  # carried over from the year before
    budgeted: Decimal  # its share of the budget lines of the year
    spent: Decimal  # its share of the actual costs of the year
    carried_out: Decimal  # carried over to the next year

    @property
    def available(self) -> Decimal:
        return self.funds + self.carried_in

    @property
    def remaining(self) -> Decimal:
        """What is left of the year's funds after spending (before carrying anything over)."""
        return self.available - self.spent

    @property
    def overspent(self) -> bool:
        return self.spent > self.available or self.budgeted > self.available


def _budget_shares(
    initiatives: Iterable[Initiative], members: list[core.Member], totals: dict[int, Decimal]
) -> dict[str, Decimal]:
    """Each member's share of the budget: per initiative, the total of its budget lines (of the year)
    split by the initiative's key — on the total, not line by line, so the shares add up to the
    budget (three lines of 1 mio. split three ways are 1.000.000,00 each, not 999.999,99)."""
    population = {m.id: m.population for m in members if m.population is not None}
    order = {m.id: i for i, m in enumerate(members)}
    shares: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for initiative in initiatives:
        total = totals.get(initiative.pk)
        payers = sorted((str(p.member_id) for p in initiative.parties.all() if p.pays), key=order.__getitem__)
        if total is None or not payers:
            continue
        for member, part in allocate(total, weights_for(key_of(initiative), payers, population)).items():
            shares[member] += part
    return shares


def cluster_year(cluster: HealthCluster, year: int) -> list[MemberYear]:
    """Per member of ``cluster``: common funds, carried in and out, budgeted, spent, for ``year``.

    ``spent`` is the member's net frame impact in :func:`year_settlement` (its own share of every cost
    of the year), so the annual report, the pages and the ledger read the same figure."""
    members = list(cluster.members.select_related("municipality", "region"))
    core_members = _members(cluster, year)
    budget_totals = {
        row["initiative_id"]: row["total"]
        for row in BudgetLine.objects.filter(initiative__cluster=cluster, year=year)
        .values("initiative_id")
        .annotate(total=Sum("amount"))
    }
    initiatives = list(cluster.initiatives.filter(pk__in=budget_totals).prefetch_related("parties"))
    budgeted = _budget_shares(initiatives, core_members, budget_totals)
    settled = result_of(core_members, year_settlement(cluster, year).postings)
    funds = dict(CommonFund.objects.filter(member__in=members, year=year).values_list("member_id", "amount"))
    # carried out of ``year`` (into the member's own next year or into its successor council), and
    # carried into ``year``: its own carry-over of the year before, or (#11) a predecessor cluster's
    # member's carry-over into this council member (``into``), confirmed by its finance officer
    carried_out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    carried_in: dict[int, Decimal] = defaultdict(lambda: ZERO)
    active = CarryOver.objects.filter(withdrawn_at__isnull=True)
    for c in active.filter(member__in=members, from_year__in=[year - 1, year]):
        if c.from_year == year:
            carried_out[c.member_id] += c.amount
        elif c.into_id is None:
            carried_in[c.member_id] += c.amount
    for c in active.filter(into__in=members, from_year=year - 1):
        carried_in[c.into_id] += c.amount  # type: ignore[index]
    return [
        MemberYear(
            member=m,
            year=year,
            funds=funds.get(m.pk, ZERO),
            carried_in=carried_in[m.pk],
            budgeted=budgeted.get(str(m.pk), ZERO),
            spent=settled.members[str(m.pk)].net_frame_impact,
            carried_out=carried_out[m.pk],
        )
        for m in members
    ]


def member_year(member: HealthMember, year: int) -> MemberYear:
    return next(row for row in cluster_year(member.cluster, year) if row.member.pk == member.pk)


def initiative_budget_total(initiative: Initiative) -> Decimal:
    return initiative.budget_lines.aggregate(total=Sum("amount"))["total"] or ZERO
