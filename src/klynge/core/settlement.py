"""Settling a health cluster's initiatives between the executing and the paying members (brief §4).

Each executing member's cost is split by the initiative's key among its payers to the øre
(:func:`klynge.core.sharing.allocate`). A payer other than the executor pays its part to the executor
(a gross settlement, mellemkommunal/-regional afregning). Per member:

- ``income``  = the settlements it receives as executor;
- ``expense`` = the whole cost it carries out, plus the settlements it pays;
- ``net_frame_impact`` = expense − income = its own share of every cost.

The guide's example: M1 carries out 3 mio. for three equal members → M1 income 2,0 / expense 3,0 /
net 1,0; M2 and R expense 1,0 / net 1,0 each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from klynge.core.money import ZERO
from klynge.core.sharing import Key, allocate, weights_for


@dataclass(frozen=True)
class Member:
    id: str
    kind: str  # "municipality" | "region"
    code: str
    name: str
    population: int | None = None


@dataclass(frozen=True)
class Cost:
    executor: str
    year: int
    amount: Decimal


@dataclass(frozen=True)
class Initiative:
    id: str
    title: str
    function: str
    key: Key
    payers: tuple[str, ...]  # in the cluster's member order
    costs: tuple[Cost, ...]


@dataclass(frozen=True)
class Settlement:
    initiative: str
    year: int
    payer: str
    payee: str
    amount: Decimal
    function: str


@dataclass(frozen=True)
class MemberTotals:
    income: Decimal
    expense: Decimal

    @property
    def net_frame_impact(self) -> Decimal:
        return self.expense - self.income


@dataclass(frozen=True)
class Transfer:
    """A netted transfer: what ``payer`` owes ``payee`` once both directions are offset."""

    payer: str
    payee: str
    amount: Decimal


@dataclass(frozen=True)
class Posting:
    """One line a member books on the public chart of accounts (function, grouping, kind)."""

    member: str
    initiative: str
    year: int
    function: str
    kind: str
    amount: Decimal  # expense positive, income negative (as in the municipal accounts)
    counterparty: str
    text: str


@dataclass(frozen=True)
class Result:
    members: dict[str, MemberTotals]
    shares: tuple[tuple[str, str, int, str, Decimal], ...]  # (initiative, executor, year, member, share)
    settlements: tuple[Settlement, ...]
    netted: tuple[Transfer, ...]
    postings: tuple[Posting, ...]


# Kinds (arter) of the public chart: payments to / from municipalities and regions (brief §4: best
# reading 4.7/7.7 municipalities, 4.8/7.8 regions). Callers may pass their own from the stored chart.
PAYMENT_TO = {"municipality": "4.7", "region": "4.8"}
PAYMENT_FROM = {"municipality": "7.7", "region": "7.8"}
DEFAULT_EXPENSE_KIND = "4.0"


def settle(
    members: Sequence[Member],
    initiatives: Sequence[Initiative],
    *,
    year: int | None = None,
    expense_kind: str = DEFAULT_EXPENSE_KIND,
) -> Result:
    """Settle every cost of ``initiatives`` (of ``year`` only, when given)."""
    by_id = {m.id: m for m in members}
    order = {m.id: i for i, m in enumerate(members)}
    population = {m.id: m.population for m in members if m.population is not None}
    income: dict[str, Decimal] = defaultdict(lambda: ZERO)
    expense: dict[str, Decimal] = defaultdict(lambda: ZERO)
    shares: list[tuple[str, str, int, str, Decimal]] = []
    settlements: list[Settlement] = []
    postings: list[Posting] = []
    for initiative in initiatives:
        payers = sorted(initiative.payers, key=order.__getitem__)
        weights = weights_for(initiative.key, payers, population)
        for cost in initiative.costs:
            if year is not None and cost.year != year:
                continue
            parts = allocate(cost.amount, weights)
            expense[cost.executor] += cost.amount
            postings.append(
                Posting(
                    cost.executor,
                    initiative.id,
                    cost.year,
                    initiative.function,
                    expense_kind,
                    cost.amount,
                    "",
                    f"{initiative.title}: udgift",
                )
            )
            for payer in payers:
                part = parts[payer]
                shares.append((initiative.id, cost.executor, cost.year, payer, part))
                if payer == cost.executor or part == 0:
                    continue
                settlements.append(
                    Settlement(initiative.id, cost.year, payer, cost.executor, part, initiative.function)
                )
                income[cost.executor] += part
                expense[payer] += part
                payer_kind, payee_kind = by_id[payer].kind, by_id[cost.executor].kind
                postings.append(
                    Posting(
                        payer,
                        initiative.id,
                        cost.year,
                        initiative.function,
                        PAYMENT_TO[payee_kind],
                        part,
                        cost.executor,
                        f"{initiative.title}: betaling til {by_id[cost.executor].name}",
                    )
                )
                postings.append(
                    Posting(
                        cost.executor,
                        initiative.id,
                        cost.year,
                        initiative.function,
                        PAYMENT_FROM[payer_kind],
                        -part,
                        payer,
                        f"{initiative.title}: betaling fra {by_id[payer].name}",
                    )
                )
    totals = {m.id: MemberTotals(income[m.id], expense[m.id]) for m in members}
    return Result(totals, tuple(shares), tuple(settlements), net(settlements, order), tuple(postings))


def net(settlements: Sequence[Settlement], order: dict[str, int]) -> tuple[Transfer, ...]:
    """Offset the settlements between each pair of members into one transfer per pair."""
    balance: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for s in settlements:
        a, b = sorted((s.payer, s.payee), key=order.__getitem__)
        balance[(a, b)] += s.amount if s.payer == a else -s.amount
    transfers = []
    for (a, b), amount in sorted(balance.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])):
        if amount > 0:
            transfers.append(Transfer(a, b, amount))
        elif amount < 0:
            transfers.append(Transfer(b, a, -amount))
    return tuple(transfers)
