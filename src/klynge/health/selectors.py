"""Reading health clusters: the settlement of the stored facts (through the pure core), and each
member's funds, budget, spending and what is left, per year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

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
)

ZERO = Decimal("0.00")


def _members(cluster: HealthCluster, year: int | None) -> list[core.Member]:
    """The cluster's members in order, with the population of ``year`` (or the latest known)."""
    members = list(cluster.members.select_related("municipality", "region"))
    counts: dict[int, int] = {}
    for p in Population.objects.filter(member__in=members).order_by("year"):
        if year is None or p.year <= year or p.member_id not in counts:
            counts[p.member_id] = p.count
    return [core.Member(str(m.pk), m.kind, m.code, m.name, counts.get(m.pk)) for m in members]


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


def settlement(
    cluster: HealthCluster, *, year: int | None = None, initiatives: QuerySet[Initiative] | None = None
) -> core.Result:
    """The settlement of the actual costs (of ``year``, of ``initiatives``) by the pure core."""
    chosen = (
        (initiatives if initiatives is not None else cluster.initiatives.all())
        .select_related("function")
        .prefetch_related("parties", "costs")
    )
    return core.settle(_members(cluster, year), [core_initiative(i) for i in chosen], year=year)


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


def _shares(
    initiatives: Iterable[Initiative],
    members: list[core.Member],
    amounts: dict[int, list[tuple[str, Decimal]]],
) -> dict[str, Decimal]:
    """Each member's share of the amounts (per initiative: [(executor, amount)]) by the initiative's key."""
    population = {m.id: m.population for m in members if m.population is not None}
    order = {m.id: i for i, m in enumerate(members)}
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for initiative in initiatives:
        payers = sorted((str(p.member_id) for p in initiative.parties.all() if p.pays), key=order.__getitem__)
        if not payers:
            continue
        weights = weights_for(key_of(initiative), payers, population)
        for _executor, amount in amounts.get(initiative.pk, []):
            for member, part in allocate(amount, weights).items():
                totals[member] += part
    return totals


def cluster_year(cluster: HealthCluster, year: int) -> list[MemberYear]:
    """Per member of ``cluster``: common funds, carried in and out, budgeted, spent, for ``year``."""
    members = list(cluster.members.select_related("municipality", "region"))
    core_members = _members(cluster, year)
    initiatives = list(cluster.initiatives.prefetch_related("parties"))
    budget: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for line in BudgetLine.objects.filter(initiative__cluster=cluster, year=year):
        budget[line.initiative_id].append((str(line.executor_id), line.amount))
    costs: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for cost in ActualCost.objects.filter(initiative__cluster=cluster, year=year):
        costs[cost.initiative_id].append((str(cost.executor_id), cost.amount))
    budgeted = _shares(initiatives, core_members, budget)
    spent = _shares(initiatives, core_members, costs)
    funds = dict(CommonFund.objects.filter(member__in=members, year=year).values_list("member_id", "amount"))
    carried = {
        (c.member_id, c.from_year): c.amount
        for c in CarryOver.objects.filter(member__in=members, from_year__in=[year - 1, year])
    }
    return [
        MemberYear(
            member=m,
            year=year,
            funds=funds.get(m.pk, ZERO),
            carried_in=carried.get((m.pk, year - 1), ZERO),
            budgeted=budgeted.get(str(m.pk), ZERO),
            spent=spent.get(str(m.pk), ZERO),
            carried_out=carried.get((m.pk, year), ZERO),
        )
        for m in members
    ]


def member_year(member: HealthMember, year: int) -> MemberYear:
    return next(row for row in cluster_year(member.cluster, year) if row.member.pk == member.pk)


def initiative_budget_total(initiative: Initiative) -> Decimal:
    return initiative.budget_lines.aggregate(total=Sum("amount"))["total"] or ZERO
