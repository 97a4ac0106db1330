"""The payout engine for GP-cluster funds (brief §3, rules A1-A10). Standard library only.

A run on date D computes, from the facts *recorded* by D, what is **payable** by D, per
:class:`SettledKey` = cluster × practice × kind × period (``annual`` funds per calendar year, the
``startup_fee`` per membership, keyed by its ``joined`` date), and settles the difference to what
earlier runs settled (A9). The settled state is an explicit immutable value (:class:`SettledState`):
:func:`run_payouts` takes it and returns the new one, so the Django app can persist runs and feed the
settled totals back from its database; :func:`simulate` chains the runs of a scenario.

Rules as implemented
--------------------
* **A1** Nothing is payable for a cluster before its ``completed_on`` (completion must be ≤ D).
* **A2** A member's entitlement starts at ``max(joined, founded_on)``; a first payout is retroactive.
* **A5** A membership recorded on or before the completion date is *eligible* from the completion date;
  one recorded later from 1 January of the year after it was recorded. Only eligible memberships are
  payable; once eligible they are paid retroactively from their start.
* **A6** Capacity basis: for each eligible membership the days from its start to
  ``min(left, 31 Dec of D's year)``, split into calendar years and constant-capacity stretches; each
  stretch pays ``rate × capacities × days / days in that year`` (days after D in D's year included:
  the year is paid in advance). Patients basis (OK22): for year Y,
  a run on or after Y's payment date pays, for each eligible membership that covers Y's count date and
  was recorded by it, ``rate × group-1 patients on the count date`` (no proration, no startup fee).
* **A7** Startup fee: fee per capacity (the scheme in force on ``joined``) × capacities on ``joined``,
  once per practice, to the cluster it joins. It is payable once the membership is eligible and has
  begun (``joined`` ≤ D). If ``left`` is before :func:`startup_fee_anniversary` the payable fee is 0,
  so a fee already paid becomes a repayment claim. A practice whose fee was repaid may earn one in its
  next membership; one whose fee was kept never earns another.
* **A8** A move is a leave plus a join; both follow from the rules above, and since a practice is in at
  most one cluster on any day no day is paid twice.
* **A9** Per cluster and key, ``payable − settled``. A negative startup-fee difference is claimed at
  once (``startup_fee_repayment``, one claim per practice). Annual differences: with policy ``"claim"``
  positive ones are paid and negative ones claimed (``annual_overpayment``, per practice); with policy
  ``"net"`` (the default) the positive startup-fee differences and all annual differences of the
  cluster are added up, and only a positive total is paid, with the negative differences shown as
  ``adjustment`` lines. A negative total is paid nothing and carried forward (reported as
  :class:`CarriedForward`): the keys stay unsettled and are netted against the cluster's next payout
  (a total of exactly 0 also leaves them open). Running the same run twice pays nothing the second
  time.
* **A10** Each line (membership × calendar year × constant-capacity stretch) is rounded half up to
  øre; totals are sums of lines. The engine computes in whole øre with exact integer arithmetic,
  which equals Decimal half-up rounding of ``rate × capacities × days / days_in_year``.

Interpretations (the worked example ``gp-cluster-basic`` is reproduced exactly with them)
-----------------------------------------------------------------------------------------
The example agrees with the brief throughout; checked by hand, e.g. K2 on 2018-12-10: 3 × 10.000 (A7)
+ 3 × 1.000 × 61/365 (1 Nov - 31 Dec 2018, A2) = 30.501,37; K1 on 2020-04-15: 100003 left on
2020-04-01 (recorded 04-03), before its anniversary: the fee 10.000 is claimed, and 2020's 1.000 paid
in advance shrinks to 1.000 × 91/366 = 248,63, so -751,37 is carried forward and netted on 2021-01-15
(3.000 - 751,37 = 2.248,63); OK22 on 2022-03-15: K1 4.800 × 1,12 - 504,11 still to net = 4.871,89.

* Visibility: a membership exists for a run only from its ``recorded`` date, its ``left`` only from
  ``left_recorded``; a dated value only from its ``recorded`` date; the latest recorded value for the
  same ``from`` date wins. If a later membership of the same practice is visible while the earlier
  one's ``left`` is not yet, the earlier one is taken to end when the later one begins.
* A fee counts as *kept* (blocking later fees) once its cluster is completed by D and the membership
  did not end before its anniversary; a membership of a cluster that is never completed earns nothing
  and blocks nothing.
* "Eligible" in the patients rule is the A5 eligibility at the run date.
* A year belongs to the scheme in force on its 1 January (:class:`~klynge.core.schemes.SchemeTable`);
  a year without a rate is paid by the first run after the rate is entered.
* Line rules: ``A7`` startup fee; annual lines ``A8`` for the membership a practice moved into, else
  ``A5`` for a membership recorded after completion, else ``A2`` for a stretch starting before the
  completion date (retroactive to the founding assembly), else ``A6``; ``adjustment`` lines ``A9``.
* Startup fees take part in netting (policy ``"net"``): netting is against the cluster's *payouts*.

Performance: the facts are indexed once per practice (ordinals, sorted, bisect); money is whole øre
(int) until a :class:`Line` is made. :func:`simulate` recomputes a practice only on its trigger days
(a fact became visible, a membership became eligible or began, its cluster was completed), and only
the years such a fact can change; a new year or a patient payment date adds that year for everyone
(so a patient count recorded before that date needs no trigger). Everything the book holds about a
practice lies together (:class:`_PracticeBook`): what of its facts is visible (memberships and
capacities, each brought up to date only when one of its kind became visible; a patient count is
looked up when a patient year is computed) and one entry per key (payable, settled, the specs of its
lines) in a list per chunk (its startup fees, a calendar year); a cluster's open entries are a set of
those objects, so no run looks a key up in a dictionary of a million keys. A run is settled into
drafts (plain tuples) and its :class:`Line` objects are made from them with their slots set directly.
The cyclic garbage collector is paused during a computation (no reference cycles are made) and the
working state is freed before it resumes. A large scenario (:data:`PARALLEL_MIN_MEMBERSHIPS`) is
computed in two processes when two cores are free and no other thread runs: the clusters are split
in two parts (in id order), each computed from every practice ever in one of its clusters and settling
only its own; the forked part sends its runs' drafts through a temporary file, announcing each through
a pipe, and this process makes their results, reading while the forked part still computes, and puts
them after its own (the same result, see :func:`simulate`). Measured with ``bin/bench`` on a shared
2-core machine (``docs/benchmarks.md``): 1.700 practices, 110 clusters, 8 years, 32 runs in ≈0,13 s;
ten times that in ≈1,7 s; a hundred times that in ≈11 s of runs with two processes (≈20 s in one),
1,5 GB for both.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import tempfile
import threading
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from klynge.core.money import ORE, to_ore
from klynge.core.scenario import Dated, Scenario
from klynge.core.scenario import cyclic_gc_paused as _cyclic_gc_paused
from klynge.core.schemes import SchemeTable

STARTUP_FEE = "startup_fee"
ANNUAL = "annual"
ADJUSTMENT = "adjustment"
STARTUP_FEE_REPAYMENT = "startup_fee_repayment"
ANNUAL_OVERPAYMENT = "annual_overpayment"
DEFAULT_PROCESSING_DAYS = (14, 28)


_CENT = Decimal("0.01")


def _kroner(ore: int) -> Decimal:
    """Whole øre as kroner with two decimals (exact, as :func:`klynge.core.money.from_ore`, but faster:
    the product of two exact decimals has the exponent -2 of the cent)."""
    return Decimal(ore) * _CENT


# --- Public values --------------------------------------------------------------------------------


class SettledKey(NamedTuple):
    """What is settled separately: cluster × practice × kind × period.

    ``kind`` is ``"startup_fee"`` (``period`` = the membership's ``joined`` date, ISO) or ``"annual"``
    (``period`` = the calendar year, ``"2019"``).
    """

    cluster: str
    practice: str
    kind: str
    period: str


@dataclass(frozen=True, slots=True)
class Line:
    """One explanation line of a payout or claim; the lines of a payout sum to its amount."""

    kind: str  # "startup_fee" | "annual" | "adjustment"
    practice: str
    period_from: dt.date
    period_to: dt.date
    days: int | None
    capacities: int | None
    rate: Decimal | None
    amount: Decimal
    rule: str  # "A2" .. "A9"
    patients: int | None = None
    days_in_year: int | None = None


@dataclass(frozen=True, slots=True)
class Payout:
    cluster: str
    amount: Decimal
    expected_arrival: tuple[dt.date, dt.date]
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Claim:
    cluster: str
    amount: Decimal
    reason: str  # "startup_fee_repayment" | "annual_overpayment"
    practice: str
    rule: str  # "A7" | "A9"
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class CarriedForward:
    """A cluster's negative annual balance left to net against its next payouts (A9, policy "net")."""

    cluster: str
    amount: Decimal  # positive: the amount still to be netted


@dataclass(frozen=True)
class RunResult:
    date: dt.date
    payouts: tuple[Payout, ...]
    claims: tuple[Claim, ...]
    carried_forward: tuple[CarriedForward, ...] = ()


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What the facts known at a date make payable for one key, with the lines that make it."""

    key: SettledKey
    amount: Decimal
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class SettledState:
    """What earlier runs settled, per :class:`SettledKey`, in whole øre (zero entries are dropped).

    Immutable; build it from the database with :meth:`from_amounts` (repeated keys are added up).
    """

    ore: Mapping[SettledKey, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ore", MappingProxyType({k: v for k, v in self.ore.items() if v}))

    @classmethod
    def from_amounts(cls, amounts: Iterable[tuple[SettledKey, Decimal]]) -> SettledState:
        total: dict[SettledKey, int] = defaultdict(int)
        for key, amount in amounts:
            total[SettledKey(*key)] += to_ore(amount)
        return cls(total)

    def amount(self, key: SettledKey) -> Decimal:
        return _kroner(self.ore.get(key, 0))

    def amounts(self) -> dict[SettledKey, Decimal]:
        return {key: _kroner(value) for key, value in self.ore.items()}

    def total(self, cluster: str | None = None) -> Decimal:
        return _kroner(sum(v for k, v in self.ore.items() if cluster is None or k.cluster == cluster))


@dataclass(frozen=True)
class RunOutcome:
    """One run: its result, the settled state after it, and what it settled per key (the change)."""

    result: RunResult
    settled: SettledState
    changes: tuple[tuple[SettledKey, Decimal], ...]


# --- Helpers for the UI ---------------------------------------------------------------------------


def startup_fee_anniversary(joined: dt.date) -> dt.date:
    """The first anniversary of ``joined``: the first day on which leaving no longer repays the fee (A7).

    A practice that joined on 29 February has its anniversary on 1 March of the next (common) year:
    on that day it has been a member for a whole year (29 February to 28 February).
    """
    try:
        return joined.replace(year=joined.year + 1)
    except ValueError:  # 29 February
        return dt.date(joined.year + 1, 3, 1)


def deregistration_consequence(
    joined: dt.date, left: dt.date, capacities: int, fee_per_capacity: Decimal | None
) -> Decimal | None:
    """The startup fee to repay under A7 when a practice that joined on ``joined`` leaves on ``left``
    (its first day no longer a member) with ``capacities`` on the day it joined, or ``None`` when
    nothing is repaid: it stayed at least a year, there is no fee (OK22) or no capacity."""
    if fee_per_capacity is None or capacities <= 0 or left >= startup_fee_anniversary(joined):
        return None
    return (fee_per_capacity * capacities).quantize(ORE)


# --- The facts, indexed ---------------------------------------------------------------------------


class _M(NamedTuple):
    """A membership in ordinals, with what the rules need precomputed."""

    cluster: str
    joined: int
    left: int | None
    recorded: int
    left_recorded: int | None
    start: int  # A2: max(joined, founded_on)
    completed: int | None  # the cluster's completion (A1)
    eligible_from: int | None  # A5; None when the cluster is not completed
    late: bool  # recorded after completion (A5)
    fee_ore: int | None  # A7: the startup fee per capacity of the scheme in force on joined
    anniversary: int
    joined_iso: str


class _Year(NamedTuple):
    year: int
    basis: str
    rate_ore: int
    first: int  # 1 January
    last: int  # 31 December
    days: int
    count_day: int  # patients basis: the count date (ordinal), else 0
    payment_day: int  # patients basis: the payment date (ordinal), else 0
    period: str  # the year as the period of its keys ("2019"), one shared string


class _Spec(NamedTuple):
    """A payable line before it becomes a :class:`Line` (ordinals, øre)."""

    kind: str
    practice: str
    first: int
    last: int
    days: int | None
    days_in_year: int | None
    capacities: int | None
    patients: int | None
    rate_ore: int | None  # None: an adjustment
    amount_ore: int
    rule: str


_Records = tuple[tuple[int, int, int], ...]  # (from, recorded, count), sorted

# ``tuple.__new__(SettledKey, (...))`` builds a named tuple without the Python-level ``__new__`` that
# NamedTuple generates: the hot loops make millions of keys and specs.
_tuple = tuple.__new__


class _PracticeFacts(NamedTuple):
    number: str
    memberships: tuple[_M, ...]
    capacities: _Records
    patients: _Records
    # the sorted days on which a membership (its start or its end), a capacity becomes visible: what
    # is visible of each kind changes only on its days (patient counts are looked up as needed)
    member_days: tuple[int, ...]
    capacity_days: tuple[int, ...]


# What a trigger may change (bits): the startup fees, the capacity years, the patient years; ALL
# means everything of the practice (a membership became visible, eligible or ended).
STARTUP_SCOPE, CAPACITY_SCOPE, PATIENTS_SCOPE, ALL_SCOPE = 1, 2, 4, 8


NEVER = dt.date.max.toordinal() + 1


def _records(values: Iterable[Dated]) -> _Records:
    return tuple(sorted((v.valid_from.toordinal(), v.recorded.toordinal(), v.count) for v in values))


def _timeline(records: _Records, day: int) -> tuple[list[int], list[int]]:
    """The values visible on ``day``: per ``from`` date the latest recorded one, with a value equal to
    the one before it dropped, so that each point starts a new constant stretch (A10 rounds per
    constant-capacity stretch: a repeated count must not split one)."""
    latest: dict[int, int] = {}
    for start, recorded, count in records:  # sorted by (from, recorded): later records win
        if recorded <= day:
            latest[start] = count
    froms: list[int] = []
    counts: list[int] = []
    for start, count in latest.items():  # insertion order is the order of ``from``
        if not counts or counts[-1] != count:
            froms.append(start)
            counts.append(count)
    return froms, counts


def _count_on(froms: list[int], counts: list[int], day: int) -> int:
    i = bisect_right(froms, day) - 1
    return counts[i] if i >= 0 else 0


class _Facts:
    """The scenario's facts indexed once: per practice, per cluster, per year."""

    def __init__(self, scenario: Scenario, only: frozenset[str] | None = None) -> None:
        """Index ``scenario``; with ``only``, just those practices (and their memberships)."""
        self.table = SchemeTable(scenario.schemes)
        clusters = {c.id: c for c in scenario.clusters}
        policies = {r.code: r for r in scenario.regions}
        self.policy: dict[str, tuple[str, tuple[int, int]]] = {}
        for c in scenario.clusters:
            region = policies.get(c.region)
            self.policy[c.id] = (
                (region.annual_regulation, region.processing_days)
                if region is not None
                else ("net", DEFAULT_PROCESSING_DAYS)
            )
        self._years: dict[int, _Year | None] = {}
        self._rate_years = sorted(
            {year for scheme in scenario.schemes for year, _rate in scheme.annual_rates}
        )
        self._first_payment: dict[int, int] = {}
        by_practice: dict[str, list[_M]] = defaultdict(list)
        fees: dict[dt.date, tuple[int | None, int, str]] = {}  # joined -> (fee in øre, anniversary, ISO)
        for fact in scenario.memberships:
            cluster = clusters.get(fact.cluster)
            if cluster is None or (only is not None and fact.practice not in only):
                continue
            completed = cluster.completed_on.toordinal() if cluster.completed_on else None
            recorded = fact.recorded.toordinal()
            late = completed is not None and recorded > completed
            if completed is None:
                eligible_from = None
            elif late:
                eligible_from = dt.date(fact.recorded.year + 1, 1, 1).toordinal()
            else:
                eligible_from = completed
            joined_facts = fees.get(fact.joined)
            if joined_facts is None:
                scheme = self.table.on(fact.joined)
                fee = scheme.startup_fee_per_capacity if scheme is not None else None
                joined_facts = fees[fact.joined] = (
                    to_ore(fee) if fee is not None else None,
                    startup_fee_anniversary(fact.joined).toordinal(),
                    fact.joined.isoformat(),
                )
            fee_ore, anniversary, joined_iso = joined_facts
            left_recorded = fact.left_recorded or fact.left
            by_practice[fact.practice].append(
                _tuple(
                    _M,
                    (
                        fact.cluster,
                        fact.joined.toordinal(),
                        fact.left.toordinal() if fact.left else None,
                        recorded,
                        left_recorded.toordinal() if left_recorded else None,
                        max(fact.joined, cluster.founded_on).toordinal(),
                        completed,
                        eligible_from,
                        late,
                        fee_ore,
                        anniversary,
                        joined_iso,
                    ),
                )
            )
        practices = {
            p.provider_number: p for p in scenario.practices if only is None or p.provider_number in only
        }
        years: dict[int, int] = {}

        def year_of(ordinal: int) -> int:
            year = years.get(ordinal)
            if year is None:
                year = years[ordinal] = dt.date.fromordinal(ordinal).year
            return year

        self.practices: dict[str, _PracticeFacts] = {}
        self._by_day: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        # In the order of the file (the objects lie in memory in that order; results do not depend on
        # it), then practices known only from memberships.
        for number in [*practices, *sorted(set(by_practice) - set(practices))]:
            ms = tuple(
                sorted(
                    by_practice.get(number, ()),
                    key=lambda m: (m.joined, m.cluster, m.recorded, m.left or 0, m.left_recorded or 0),
                )
            )
            practice = practices.get(number)
            caps = _records(practice.capacities) if practice else ()
            pats = _records(practice.group1_patients) if practice else ()
            # The days on which what is payable for the practice may change, with what may change:
            # a capacity value changes its startup fees and capacity years from its own year, a patient
            # count the patient years from its year; a membership that becomes visible, eligible or
            # ends changes everything; the day a membership begins or its cluster is completed, only
            # the startup fees (A7 needs both). Nothing is payable to a practice without memberships.
            scoped: set[tuple[int, int, int]] = set()
            for start, recorded, _count in caps if ms else ():
                scoped.add((recorded, year_of(start), STARTUP_SCOPE | CAPACITY_SCOPE))
            for start, recorded, _count in pats if ms else ():
                # A patient year is computed for every practice when its payment date has passed
                # (:meth:`_Book.update`), so a count recorded before the payment date of the first
                # patient year it can change (its own year or a later one) needs no trigger of its own.
                from_year = year_of(start)
                if recorded >= self._first_payment_day(from_year):
                    scoped.add((recorded, from_year, PATIENTS_SCOPE))
            for m in ms:
                for day in (m.recorded, m.left_recorded, m.eligible_from):
                    if day is not None:
                        scoped.add((day, 0, ALL_SCOPE))
                for day in (m.joined, m.completed):
                    if day is not None:
                        scoped.add((day, dt.MAXYEAR, STARTUP_SCOPE))
            for day, year, scope in scoped:
                self._by_day[day].append((number, year, scope))
            member_days = {m.recorded for m in ms} | {
                m.left_recorded for m in ms if m.left_recorded is not None
            }
            self.practices[number] = _PracticeFacts(
                number,
                ms,
                caps,
                pats,
                tuple(sorted(member_days)),
                tuple(sorted({r for _f, r, _c in caps})),
            )
        self._days = sorted(self._by_day)
        self.order = {number: i for i, number in enumerate(self.practices)}

    def triggered(self, after: int, upto: int) -> dict[str, tuple[int, int]]:
        """Practices with a trigger day in ``(after, upto]``, each with the first year that may have
        changed and the scope bits of what may have."""
        found: dict[str, tuple[int, int]] = {}
        for i in range(bisect_right(self._days, after), bisect_right(self._days, upto)):
            for number, year, scope in self._by_day[self._days[i]]:
                if number in found:
                    old_year, old_scope = found[number]
                    found[number] = (min(old_year, year), old_scope | scope)
                else:
                    found[number] = (year, scope)
        return found

    def _first_payment_day(self, from_year: int) -> int:
        """The payment date of the first patient year from ``from_year`` on (:data:`NEVER` without one;
        the payment dates of later years are later)."""
        day = self._first_payment.get(from_year)
        if day is None:
            day = NEVER
            for year in self._rate_years:  # only a year with a rate has a rule
                rule = self.year(year) if year >= from_year else None
                if rule is not None and rule.basis == "patients":
                    day = rule.payment_day
                    break
            self._first_payment[from_year] = day
        return day

    def year(self, year: int) -> _Year | None:
        """The scheme rule of a year, or ``None`` without a scheme or a rate for it."""
        if year not in self._years:
            scheme = self.table.for_year(year)
            rate = dict(scheme.annual_rates).get(year) if scheme is not None else None
            if scheme is None or rate is None:
                self._years[year] = None
            else:
                first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
                count = payment = 0
                if scheme.basis == "patients" and scheme.count_date and scheme.payment_date:
                    count = dt.date(year, *scheme.count_date).toordinal()
                    payment = dt.date(year, *scheme.payment_date).toordinal()
                elif scheme.basis == "patients":
                    self._years[year] = None
                    return None
                self._years[year] = _Year(
                    year, scheme.basis, to_ore(rate), first, last, last - first + 1, count, payment, str(year)
                )
        return self._years[year]


# --- What is payable at a date --------------------------------------------------------------------

_Chunk = dict[SettledKey, tuple[int, tuple[_Spec, ...]]]
STARTUP_CHUNK = 0  # chunk ids: 0 for the startup fees of a practice, else the calendar year


def _next_day(days: tuple[int, ...], day: int) -> int:
    i = bisect_right(days, day)
    return days[i] if i < len(days) else NEVER


class _Visible:
    """What of a practice's memberships and capacities is visible on the day it was last brought up to
    (:meth:`bring_to`), kept per practice and updated in place: each part only once a fact of its kind
    has become visible since (its ``*_until`` day). Patient counts are not kept: a patient year needs
    only the count on its count date (:func:`_value_on`)."""

    __slots__ = (
        "capacities_until",
        "capacity_count",
        "capacity_from",
        "members",
        "members_until",
        "valid_until",
    )

    def __init__(self) -> None:
        self.valid_until = -1  # the next day a fact of the practice becomes visible: then this may differ
        self.members: tuple[tuple[_M, int | None, bool], ...] = ()  # (membership, end or None, moved into)
        self.members_until = -1
        self.capacity_from: list[int] = []  # the capacity timeline (_timeline)
        self.capacity_count: list[int] = []
        self.capacities_until = -1

    def bring_to(self, pf: _PracticeFacts, day: int) -> None:
        """What is visible on ``day`` (not before the day it was last brought to)."""
        if self.members_until <= day:
            ms = [m for m in pf.memberships if m.recorded <= day]
            found = []
            for i, m in enumerate(ms):
                end = m.left if m.left is not None and (m.left_recorded or m.left) <= day else None
                if i + 1 < len(ms) and (end is None or ms[i + 1].joined < end):
                    end = ms[i + 1].joined  # a later membership is visible: this one has ended (A8)
                moved = i > 0 and ms[i - 1].cluster != m.cluster
                found.append((m, end, moved))
            self.members, self.members_until = tuple(found), _next_day(pf.member_days, day)
        if self.capacities_until <= day:
            self.capacity_from, self.capacity_count = _timeline(pf.capacities, day)
            self.capacities_until = _next_day(pf.capacity_days, day)
        self.valid_until = min(self.members_until, self.capacities_until)


def _value_on(records: _Records, visible_on: int, day: int) -> int:
    """The count on ``day`` as known on ``visible_on``: of the records visible then, the latest
    recorded one with the latest ``from`` not after ``day`` (0 without one). The same as
    ``_count_on(*_timeline(records, visible_on), day)``, without building the timeline."""
    value = 0
    for start, recorded, count in records:  # sorted by (from, recorded)
        if start > day:
            break
        if recorded <= visible_on:
            value = count
    return value


def _eligible(m: _M, day: int) -> bool:
    return m.eligible_from is not None and m.eligible_from <= day


def _annual_rule(m: _M, moved: bool, first: int) -> str:
    if moved:
        return "A8"
    if m.late:
        return "A5"
    if m.completed is not None and first < m.completed:
        return "A2"
    return "A6"


def _add(chunk: _Chunk, key: SettledKey, amount: int, specs: tuple[_Spec, ...]) -> None:
    if key in chunk:
        old_amount, old_specs = chunk[key]
        chunk[key] = (old_amount + amount, old_specs + specs)
    else:
        chunk[key] = (amount, specs)


def _startup_chunk(pf: _PracticeFacts, vis: _Visible, day: int) -> _Chunk:
    """A7 for one practice: at most one kept fee; a repaid one (left before the anniversary) is 0."""
    chunk: _Chunk = {}
    kept = False
    for m, end, _moved in vis.members:
        if m.fee_ore is None or kept:
            continue
        # The fee belongs to the first membership that is ongoing or reached its anniversary, whether
        # or not its cluster is completed (completion only delays the payment); one known to end
        # before its anniversary is repaid (payable 0; a paid fee is claimed once the practice has
        # left the cluster, see _Book._settle_cluster).
        repaid = end is not None and end < m.anniversary
        kept = not repaid
        if not _eligible(m, day) or m.joined > day:
            continue
        key = _tuple(SettledKey, (m.cluster, pf.number, STARTUP_FEE, m.joined_iso))
        capacities = _count_on(vis.capacity_from, vis.capacity_count, m.joined)
        amount = 0 if repaid else m.fee_ore * capacities
        # A repaid fee keeps a line of 0 kr. whose period is the membership: it explains the claim.
        last = end - 1 if repaid and end is not None else m.joined
        spec = _tuple(
            _Spec,
            (STARTUP_FEE, pf.number, m.joined, last, None, None, capacities, None, m.fee_ore, amount, "A7"),
        )
        _add(chunk, key, amount, (spec,))
    return chunk


def _capacity_chunk(pf: _PracticeFacts, vis: _Visible, day: int, year: _Year) -> _Chunk:
    """A6, capacity basis: day-prorated lines per membership × constant-capacity stretch of the year."""
    chunk: _Chunk = {}
    froms, counts = vis.capacity_from, vis.capacity_count
    period = year.period
    for m, end, moved in vis.members:
        if not _eligible(m, day):
            continue
        first = max(m.start, year.first)
        last = year.last if end is None else min(end - 1, year.last)
        if first > last:
            continue
        specs = []
        total = 0
        i = bisect_right(froms, first) - 1
        while first <= last:
            capacities = counts[i] if i >= 0 else 0
            stop = min(last, froms[i + 1] - 1) if i + 1 < len(froms) else last
            if capacities > 0:
                days = stop - first + 1
                amount, rest = divmod(year.rate_ore * capacities * days, year.days)
                if 2 * rest >= year.days:  # A10: half up
                    amount += 1
                total += amount
                specs.append(
                    _tuple(
                        _Spec,
                        (
                            ANNUAL,
                            pf.number,
                            first,
                            stop,
                            days,
                            year.days,
                            capacities,
                            None,
                            year.rate_ore,
                            amount,
                            _annual_rule(m, moved, first),
                        ),
                    )
                )
            first = stop + 1
            i += 1
        if specs:
            _add(chunk, _tuple(SettledKey, (m.cluster, pf.number, ANNUAL, period)), total, tuple(specs))
    return chunk


def _patients_chunk(pf: _PracticeFacts, vis: _Visible, day: int, year: _Year) -> _Chunk:
    """OK22: rate × group-1 patients on the count date, for memberships covering and recorded by it."""
    chunk: _Chunk = {}
    if day < year.payment_day:
        return chunk
    count_day = year.count_day
    patients = -1  # not looked up yet
    for m, end, moved in vis.members:
        if not _eligible(m, day) or m.start > count_day or m.recorded > count_day:
            continue
        if end is not None and end <= count_day:
            continue
        if patients < 0:
            patients = _value_on(pf.patients, day, count_day)
        if patients <= 0:
            continue
        amount = year.rate_ore * patients
        spec = _tuple(
            _Spec,
            (
                ANNUAL,
                pf.number,
                year.first,
                year.last,
                None,
                None,
                None,
                patients,
                year.rate_ore,
                amount,
                _annual_rule(m, moved, count_day),
            ),
        )
        key = _tuple(SettledKey, (m.cluster, pf.number, ANNUAL, year.period))
        _add(chunk, key, amount, (spec,))
    return chunk


def _year_chunk(facts: _Facts, pf: _PracticeFacts, vis: _Visible, day: int, year: int) -> _Chunk:
    rule = facts.year(year)
    if rule is None:
        return {}
    if rule.basis == "patients":
        return _patients_chunk(pf, vis, day, rule)
    return _capacity_chunk(pf, vis, day, rule)


def _chunk_years(vis: _Visible, day: int) -> range:
    starts = [m.start for m, _end, _moved in vis.members if _eligible(m, day)]
    if not starts:
        return range(0)
    return range(dt.date.fromordinal(min(starts)).year, dt.date.fromordinal(day).year + 1)


# --- Settlement -----------------------------------------------------------------------------------
#
# A run is first settled into *drafts*: plain tuples of strings and integers, whose lines are the
# payable specs themselves (an adjustment or a repaid startup fee is a spec too, with ``rate_ore``
# ``None`` for an adjustment). :func:`_run_result` makes them the public values (:class:`Line` with
# dates and Decimal kroner). A forked half of :func:`simulate` sends its drafts, which pickle fast,
# instead of the results, and the parent makes the results of both halves.

# (kind, practice, first, last, days, days_in_year, capacities, patients, rate_ore, amount_ore, rule):
# the fields of a _Spec, also as a plain tuple after pickling
_SpecValues = tuple[str, str, int, int, int | None, int | None, int | None, int | None, int | None, int, str]
# (cluster, amount in øre, expected arrival (ordinals), lines)
_PayoutDraft = tuple[str, int, tuple[int, int], tuple[_SpecValues, ...]]
# (cluster, amount in øre, reason, practice, rule, lines)
_ClaimDraft = tuple[str, int, str, str, str, tuple[_SpecValues, ...]]
# (run date (ordinal), payouts, claims, carried forward as (cluster, amount in øre))
_RunDraft = tuple[int, tuple[_PayoutDraft, ...], tuple[_ClaimDraft, ...], tuple[tuple[str, int], ...]]


def _key_period(key: SettledKey) -> tuple[int, int]:
    """The period of a key, as ordinals: its calendar year, or its membership's ``joined`` day."""
    if key.kind == ANNUAL:
        year = int(key.period)
        return dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
    joined = dt.date.fromisoformat(key.period).toordinal()
    return joined, joined


def _adjustment(key: SettledKey, amount_ore: int, rule: str = "A9") -> _Spec:
    """An adjustment line of a key's period (A9, or the rule of a claim)."""
    first, last = _key_period(key)
    return _tuple(
        _Spec, (ADJUSTMENT, key.practice, first, last, None, None, None, None, None, amount_ore, rule)
    )


_DAYS: dict[int, dt.date] = {}  # ordinal → date, shared by the lines (dates are immutable)
_RATES: dict[int, Decimal] = {}  # øre → kroner for the few distinct rates


def _day(ordinal: int) -> dt.date:
    day = _DAYS.get(ordinal)
    if day is None:
        day = _DAYS[ordinal] = dt.date.fromordinal(ordinal)
    return day


class _LineBuilder:
    """A mutable twin of :class:`Line` (the same slots, in the same order) to make lines fast.

    ``Line(...)`` goes through the frozen dataclass's ``__init__``, one ``object.__setattr__`` per field
    by a generic path; a large simulation makes over a million lines. A builder sets its slots with
    plain attribute assignments and is then turned into a :class:`Line` by assigning ``__class__``,
    which Python allows between classes of the same layout (same base, same slots). The result is a
    real ``Line``, equal to and indistinguishable from one made by ``Line(...)`` (≈ 4 × faster)."""

    __slots__ = Line.__slots__

    def __init__(
        self,
        kind: str,
        practice: str,
        period_from: dt.date,
        period_to: dt.date,
        days: int | None,
        capacities: int | None,
        rate: Decimal | None,
        amount: Decimal,
        rule: str,
        patients: int | None,
        days_in_year: int | None,
    ) -> None:
        self.kind = kind
        self.practice = practice
        self.period_from = period_from
        self.period_to = period_to
        self.days = days
        self.capacities = capacities
        self.rate = rate
        self.amount = amount
        self.rule = rule
        self.patients = patients
        self.days_in_year = days_in_year


def _line(spec: _SpecValues) -> Line:
    """The :class:`Line` of a spec (a :class:`_Spec` or its plain tuple)."""
    kind, practice, first, last, days, days_in_year, capacities, patients, rate_ore, amount_ore, rule = spec
    if rate_ore is None:
        rate = None
    else:
        rate = _RATES.get(rate_ore)
        if rate is None:
            rate = _RATES[rate_ore] = _kroner(rate_ore)
    days_map = _DAYS  # looked up here first: a call of _day per date costs ≈ 0,2 s at 100 ×
    period_from = days_map.get(first) or _day(first)
    period_to = days_map.get(last) or _day(last)
    line: Any = _LineBuilder(
        kind,
        practice,
        period_from,
        period_to,
        days,
        capacities,
        rate,
        _kroner(amount_ore),
        rule,
        patients,
        days_in_year,
    )
    line.__class__ = Line  # see _LineBuilder
    return line


def _run_result(draft: _RunDraft) -> RunResult:
    """The public result of a settled run."""
    day, payouts, claims, carried = draft
    return RunResult(
        _day(day),
        tuple(
            Payout(
                cluster,
                _kroner(amount),
                (_day(fastest), _day(slowest)),
                tuple([_line(spec) for spec in lines]),
            )
            for cluster, amount, (fastest, slowest), lines in payouts
        ),
        tuple(
            Claim(cluster, _kroner(amount), reason, practice, rule, tuple([_line(spec) for spec in lines]))
            for cluster, amount, reason, practice, rule, lines in claims
        ),
        tuple(CarriedForward(cluster, _kroner(amount)) for cluster, amount in carried),
    )


def _plain(lines: tuple[_SpecValues, ...]) -> tuple[_SpecValues, ...]:
    """Specs as plain tuples: a named tuple pickles through a Python call, a tuple does not."""
    return cast("tuple[_SpecValues, ...]", tuple(map(tuple, lines)))


def _plain_run(draft: _RunDraft) -> _RunDraft:
    """A run's draft with its specs as plain tuples (to be pickled)."""
    day, payouts, claims, carried = draft
    return (
        day,
        tuple((c, amount, arrival, _plain(lines)) for c, amount, arrival, lines in payouts),
        tuple((c, amount, reason, p, rule, _plain(lines)) for c, amount, reason, p, rule, lines in claims),
        carried,
    )


def _line_order(key: SettledKey) -> tuple[str, int, str]:
    return key.practice, 0 if key.kind == STARTUP_FEE else 1, key.period


def _chunk_id(key: SettledKey) -> int:
    """The chunk a key belongs to: 0 for a startup fee, the year for an annual key; a key the engine
    never computes (another kind, a period that is not a year) gets -1 and is only ever settled."""
    if key.kind == STARTUP_FEE:
        return STARTUP_CHUNK
    if key.kind == ANNUAL:
        try:
            return int(key.period)
        except ValueError:
            return -1
    return -1


class _Entry:
    """The state of one :class:`SettledKey`: what the facts make payable now (``payable``, in øre, with
    the ``specs`` of the lines that make it) and what earlier runs settled (``settled``, in øre).

    The key is *open* (its cluster's run has something to settle) exactly when ``payable != settled``;
    the open entries of a cluster are in ``_Book.open``. The specs are kept only while the key is open
    (a run shows them) unless the book keeps them all (:func:`payable_at`).
    """

    __slots__ = ("key", "payable", "settled", "specs")

    def __init__(self, key: SettledKey, payable: int, settled: int, specs: tuple[_Spec, ...]) -> None:
        self.key = key
        self.payable = payable
        self.settled = settled
        self.specs = specs


def _entry_order(entry: _Entry) -> tuple[str, int, str]:
    """:func:`_line_order` of the entry's key (in one call: the runs sort a million entries)."""
    key = entry.key
    return key.practice, 0 if key.kind == STARTUP_FEE else 1, key.period


class _PracticeBook:
    """Everything the book holds for one practice, together (instead of in dictionaries of a million
    keys, where each key's amounts lay in scattered places): its facts, what of them was visible on the
    last day it was computed, and its entries per *chunk* — the unit the engine recomputes:
    :data:`STARTUP_CHUNK` for its startup fees, a calendar year for that year's annual keys (one per
    cluster it was in that year). A chunk's list holds the entries of every key computed for it the
    last time and of every key still settled in it; one with nothing payable and nothing settled is
    dropped when the chunk is next recomputed."""

    __slots__ = ("chunks", "facts", "visible")

    def __init__(self, facts: _PracticeFacts | None) -> None:
        self.facts = facts  # None: a practice known only from the settled state given to the book
        self.visible = _Visible()
        self.chunks: dict[int, list[_Entry]] = {}


class _Book:
    """Payable and settled amounts per key, kept per practice (:class:`_PracticeBook`), and the open
    entries of each cluster (where they differ: what its next settlement looks at)."""

    def __init__(self, facts: _Facts, settled: Mapping[SettledKey, int], *, keep_specs: bool = False) -> None:
        self.facts = facts
        self.keep_specs = keep_specs  # else only the specs of open keys, which a run may show
        self.books: dict[str, _PracticeBook] = {
            number: _PracticeBook(pf) for number, pf in facts.practices.items()
        }
        # the books of the practices with memberships, in the order of the facts (memory locality)
        self.member_books = [book for book in self.books.values() if book.facts and book.facts.memberships]
        self.open: dict[str, set[_Entry]] = defaultdict(set)
        for key, amount in settled.items():
            book = self.books.get(key.practice)
            if book is None:
                book = self.books[key.practice] = _PracticeBook(None)
            entry = _Entry(key, 0, amount, ())
            book.chunks.setdefault(_chunk_id(key), []).append(entry)
            if amount:
                self.open[key.cluster].add(entry)

    def entries(self) -> Iterator[_Entry]:
        """Every entry, practice by practice."""
        for book in self.books.values():
            for entries in book.chunks.values():
                yield from entries

    def settled_ore(self) -> dict[SettledKey, int]:
        """What is settled per key (non-zero amounts only)."""
        return {entry.key: entry.settled for entry in self.entries() if entry.settled}

    def _set_chunk(self, book: _PracticeBook, chunk_id: int, chunk: _Chunk) -> None:
        """Make the entries of a chunk what ``chunk`` (just computed) says is payable, and mark them
        open or not."""
        old = book.chunks.get(chunk_id)
        keep_specs = self.keep_specs
        if not old:  # the common case: a chunk computed for the first time, nothing settled in it
            if not chunk:
                return
            new_entries = []
            for key, (amount, specs) in chunk.items():
                entry = _Entry(key, amount, 0, specs if amount or keep_specs else ())
                new_entries.append(entry)
                if amount:
                    self.open[key[0]].add(entry)
            book.chunks[chunk_id] = new_entries
            return
        entries: list[_Entry] = []
        matched = 0
        for entry in old:
            found = chunk.get(entry.key)
            if found is None:  # no longer payable
                entry.payable = 0
                entry.specs = ()
                if entry.settled:  # a claim or a netting to come: the entry stays, open
                    self.open[entry.key[0]].add(entry)
                    entries.append(entry)
                else:
                    self.open[entry.key[0]].discard(entry)
                continue
            matched += 1
            amount, specs = found
            entry.payable = amount
            if amount != entry.settled:
                self.open[entry.key[0]].add(entry)
                entry.specs = specs
            else:
                self.open[entry.key[0]].discard(entry)
                entry.specs = specs if keep_specs else ()
            entries.append(entry)
        if matched < len(chunk):  # keys new to the chunk
            known = {entry.key for entry in old}
            for key, (amount, specs) in chunk.items():
                if key not in known:
                    entry = _Entry(key, amount, 0, specs if amount or keep_specs else ())
                    entries.append(entry)
                    if amount:
                        self.open[key[0]].add(entry)
        if entries:
            book.chunks[chunk_id] = entries
        else:
            del book.chunks[chunk_id]

    def _visible(self, book: _PracticeBook, pf: _PracticeFacts, day: int) -> _Visible:
        vis = book.visible
        if vis.valid_until <= day:
            vis.bring_to(pf, day)
        return vis

    def _recompute(self, book: _PracticeBook, pf: _PracticeFacts, day: int) -> None:
        """Recompute every chunk of the practice (startup fees and each year up to ``day``'s)."""
        vis = self._visible(book, pf, day)
        wanted = {STARTUP_CHUNK: _startup_chunk(pf, vis, day)}
        for year in _chunk_years(vis, day):
            wanted[year] = _year_chunk(self.facts, pf, vis, day, year)
        for chunk_id in list(book.chunks):
            if chunk_id not in wanted:
                self._set_chunk(book, chunk_id, {})
        for chunk_id, chunk in wanted.items():
            self._set_chunk(book, chunk_id, chunk)

    def _recompute_years(
        self, book: _PracticeBook, pf: _PracticeFacts, day: int, years: Iterable[int], *, scope: int = 0
    ) -> None:
        """Recompute some years (and, with STARTUP_SCOPE, the startup fees) of a practice."""
        if not years and not scope & STARTUP_SCOPE:
            return
        vis = self._visible(book, pf, day)
        if not vis.members:
            return
        if scope & STARTUP_SCOPE:
            self._set_chunk(book, STARTUP_CHUNK, _startup_chunk(pf, vis, day))
        for year in years:
            self._set_chunk(book, year, _year_chunk(self.facts, pf, vis, day, year))

    def update(self, day: int, previous: int | None) -> None:
        """Bring payable up to ``day``; after ``previous`` only what can have changed since:
        the practices with a trigger date in between, and for all, the years begun in between and the
        patient years whose payment date was passed."""
        books = self.books
        if previous is None or day < previous:
            for book in books.values():
                if book.facts is not None:
                    self._recompute(book, book.facts, day)
            return
        this_year = dt.date.fromordinal(day).year
        last_year = dt.date.fromordinal(previous).year
        global_years = set()
        for year in range(last_year, this_year + 1):
            rule = self.facts.year(year)
            if rule is None:
                continue
            if rule.basis == "patients":
                if previous < rule.payment_day <= day:
                    global_years.add(year)
            elif year > last_year:
                global_years.add(year)
        triggered = self.facts.triggered(previous, day)
        in_scope: dict[tuple[int, int], list[int]] = {}  # (from year, scope) -> the years to recompute
        for number in sorted(triggered, key=self.facts.order.__getitem__):
            from_year, scope = triggered[number]
            book = books[number]
            pf = book.facts
            assert pf is not None  # a triggered practice has facts
            if scope & ALL_SCOPE:
                self._recompute(book, pf, day)
                continue
            years = in_scope.get((from_year, scope))
            if years is None:
                years = in_scope[from_year, scope] = sorted(
                    global_years | self._years_in_scope(from_year, this_year, scope, day)
                )
            self._recompute_years(book, pf, day, years, scope=scope)
        if global_years:
            ordered = sorted(global_years)
            for book in self.member_books:
                pf = book.facts
                assert pf is not None
                if pf.number not in triggered:
                    self._recompute_years(book, pf, day, ordered)

    def _years_in_scope(self, from_year: int, this_year: int, scope: int, day: int) -> set[int]:
        """The years from ``from_year`` that a trigger of ``scope`` may change by ``day``."""
        years = set()
        for year in range(from_year, this_year + 1):
            rule = self.facts.year(year)
            if rule is None:
                continue
            if rule.basis == "patients":
                if scope & PATIENTS_SCOPE and rule.payment_day <= day:
                    years.add(year)
            elif scope & CAPACITY_SCOPE:
                years.add(year)
        return years

    def settle(
        self,
        day: int,
        owned: frozenset[str] | None = None,
        changes: list[tuple[SettledKey, int]] | None = None,
    ) -> _RunDraft:
        """Settle every cluster with open keys (with ``owned``, only those clusters), in cluster order:
        the run's draft (:func:`_run_result` makes its result); what it settled per key is appended to
        ``changes`` if given."""
        payouts: list[_PayoutDraft] = []
        claims: list[_ClaimDraft] = []
        carried: list[tuple[str, int]] = []
        keep_specs = self.keep_specs
        clusters = [c for c, entries in self.open.items() if entries and (owned is None or c in owned)]
        for cluster in sorted(clusters):
            open_entries = self.open[cluster]
            payout, cluster_claims, carry, settled_entries = self._settle_cluster(
                cluster, sorted(open_entries, key=_entry_order), day
            )
            if payout is not None:
                payouts.append(payout)
            claims.extend(cluster_claims)
            if carry is not None:
                carried.append(carry)
            for entry, delta in settled_entries:
                if changes is not None:
                    changes.append((entry.key, delta))
                entry.settled = entry.payable
                open_entries.discard(entry)
                if not keep_specs:
                    entry.specs = ()
        return day, tuple(payouts), tuple(claims), tuple(carried)

    def _has_left(self, practice: str, cluster: str, day: int) -> bool:
        """Whether a membership of the practice in the cluster has ended by ``day``, as far as the run
        knows (a practice known only from the settled state has left)."""
        book = self.books.get(practice)
        if book is None or book.facts is None:
            return True
        vis = self._visible(book, book.facts, day)
        return any(m.cluster == cluster and end is not None and end <= day for m, end, _moved in vis.members)

    def _settle_cluster(
        self, cluster: str, entries: list[_Entry], day: int
    ) -> tuple[_PayoutDraft | None, list[_ClaimDraft], tuple[str, int] | None, list[tuple[_Entry, int]]]:
        """The payout, claims and carried balance of one cluster from its open ``entries`` (in line
        order), with the entries it settles and by how much (nothing is changed here)."""
        regulation, (fastest, slowest) = self.facts.policy.get(cluster, ("net", DEFAULT_PROCESSING_DAYS))
        fees: dict[str, list[tuple[_Entry, int]]] = defaultdict(list)  # per practice
        annual: list[tuple[_Entry, int]] = []
        for entry in entries:
            diff = entry.payable - entry.settled
            if diff == 0:
                continue
            if entry.key.kind == STARTUP_FEE:
                fees[entry.key.practice].append((entry, diff))
            else:
                annual.append((entry, diff))
        settled_entries: list[tuple[_Entry, int]] = []
        claims: list[_ClaimDraft] = []
        # A9: startup fees are settled per practice and cluster (the sum of its memberships' fees in
        # the cluster): a positive difference is paid, a negative one is one claim for the practice,
        # raised only once the practice has left the cluster (A7: a cluster is never asked to repay a
        # fee of a practice that has not left it: a leaving announced ahead waits for its day).
        pool: list[tuple[_Entry, int]] = []
        for practice in sorted(fees):
            items = fees[practice]
            difference = sum(diff for _entry, diff in items)
            if difference > 0:
                pool.extend(items)
            elif difference < 0 and self._has_left(practice, cluster, day):
                claims.append(
                    (
                        cluster,
                        -difference,
                        STARTUP_FEE_REPAYMENT,
                        practice,
                        "A7",
                        tuple(_claim_line(entry, -diff, "A7") for entry, diff in items),
                    )
                )
                settled_entries.extend(items)
        # A9: annual amounts are settled as one total per cluster. Policy "claim": a negative total is
        # one annual claim on the cluster, its lines itemising the practices and years; policy "net":
        # it is netted against what the cluster is paid now (its fees) and in the next runs.
        annual_total = sum(diff for _entry, diff in annual)
        if regulation == "claim" and annual_total < 0:
            claims.append(
                (
                    cluster,
                    -annual_total,
                    ANNUAL_OVERPAYMENT,
                    "",
                    "A9",
                    tuple(_claim_line(entry, -diff, "A9") for entry, diff in annual),
                )
            )
            settled_entries.extend(annual)
        elif regulation != "claim" or annual_total > 0:
            pool.extend(annual)
        total = sum(diff for _entry, diff in pool)
        payout = carry = None
        if total > 0:
            lines: list[_SpecValues] = []
            for entry, diff in pool:
                if diff < 0:
                    lines.append(_adjustment(entry.key, diff))
                    continue
                lines.extend(entry.specs)
                if entry.settled:
                    lines.append(_adjustment(entry.key, -entry.settled))
            payout = (cluster, total, (day + fastest, day + slowest), tuple(lines))
            settled_entries.extend(pool)
        elif total < 0:
            carry = (cluster, -total)
        return payout, claims, carry, settled_entries


def _claim_line(entry: _Entry, claimed: int, rule: str) -> _Spec:
    """A repaid startup fee shows the membership (joined to its last day) and the fee per capacity;
    any other claimed difference is an adjustment of the key's period."""
    key, specs = entry.key, entry.specs
    if key.kind == STARTUP_FEE and specs and entry.payable == 0:
        spec = specs[0]
        return _tuple(
            _Spec,
            (
                STARTUP_FEE,
                key.practice,
                spec.first,
                spec.last,
                None,
                None,
                None,
                None,
                spec.rate_ore,
                claimed,
                rule,
            ),
        )
    return _adjustment(key, claimed, rule)


# --- The public API -------------------------------------------------------------------------------


def run_payouts(scenario: Scenario, run_date: dt.date, settled: SettledState | None = None) -> RunOutcome:
    """Compute ONE run on ``run_date`` from the facts recorded by then and what was ``settled`` before.

    ``scenario.runs`` is ignored. Returns the run's payouts and claims, the new settled state and the
    change per key (what this run settled), for the caller to persist.
    """
    with _cyclic_gc_paused():
        book = _Book(_Facts(scenario), (settled or SettledState()).ore)
        day = run_date.toordinal()
        book.update(day, None)
        changes: list[tuple[SettledKey, int]] = []
        draft = book.settle(day, None, changes)
        result = _run_result(draft)
    return RunOutcome(
        result, SettledState(book.settled_ore()), tuple((key, _kroner(delta)) for key, delta in changes)
    )


PARALLEL_MIN_MEMBERSHIPS = 50_000  # below this (the web's upload limit is far below) one process
# The share of the memberships computed by the forked process: a little more than half, because this
# process afterwards makes the forked half's results from its drafts (≈ 1 s at 100 ×), while the forked
# process only writes them.
FORKED_SHARE = 0.54


def simulate(scenario: Scenario, *, workers: int | None = None) -> list[RunResult]:
    """Compute every run of ``scenario.runs`` in order, each seeing only the facts recorded by its date
    and what the earlier runs settled (the result equals chaining :func:`run_payouts`).

    ``workers``: 1 computes in this process; 2 splits the clusters in two halves and computes one half
    in a forked process (the same result, merged by cluster). ``None`` (the default) uses two only for
    a large scenario (:data:`PARALLEL_MIN_MEMBERSHIPS`) when two cores are free to this process, it can
    fork and runs no other thread; otherwise one.
    """
    if workers is None:
        workers = 2 if _may_fork(scenario) else 1
    if workers <= 1 or not hasattr(os, "fork"):
        return [_run_result(draft) for draft in _simulate_part(scenario, None, None)]
    return _simulate_forked(scenario)


def _may_fork(scenario: Scenario) -> bool:
    if len(scenario.memberships) < PARALLEL_MIN_MEMBERSHIPS or not hasattr(os, "fork"):
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return (
        cores >= 2 and threading.active_count() == 1 and threading.current_thread() is threading.main_thread()
    )


def _simulate_part(
    scenario: Scenario, practices: frozenset[str] | None, owned: frozenset[str] | None
) -> Iterator[_RunDraft]:
    """:func:`simulate` of the clusters ``owned`` (all with ``None``), from the facts of ``practices``
    (every practice that was ever in one of them, so that their keys are complete): the drafts of the
    runs, one by one (the collector is paused until the last)."""
    with _cyclic_gc_paused():
        book = _Book(_Facts(scenario, practices), {})
        previous: int | None = None
        for run_date in scenario.runs:
            day = run_date.toordinal()
            book.update(day, previous)
            yield book.settle(day, owned)
            previous = day
        del book  # freed now by reference counting, rather than scanned by the collector once resumed


def _halves(scenario: Scenario, first_share: float = 0.5) -> list[tuple[frozenset[str], frozenset[str]]]:
    """The clusters in two parts, the first with about ``first_share`` of the memberships (in the order
    of their ids, the settlement order), each with the practices that were ever in one of its clusters
    (a practice that moved between the parts is computed in both; each settles only its own clusters)."""
    known = {c.id for c in scenario.clusters}
    per_cluster: dict[str, set[str]] = defaultdict(set)
    for m in scenario.memberships:
        if m.cluster in known:
            per_cluster[m.cluster].add(m.practice)
    ids = sorted(per_cluster)
    total = sum(len(per_cluster[c]) for c in ids)
    first: list[str] = []
    count = 0
    for cluster in ids:
        if count >= total * first_share:
            break
        first.append(cluster)
        count += len(per_cluster[cluster])
    parts = []
    for clusters in (first, ids[len(first) :]):
        practices: set[str] = set()
        for cluster in clusters:
            practices |= per_cluster[cluster]
        parts.append((frozenset(practices), frozenset(clusters)))
    return parts


def _simulate_forked(scenario: Scenario) -> list[RunResult]:
    """The second part of the clusters in a forked process, the first here, merged by cluster: the
    parts share no cluster, and each part's results are in cluster order, so the first part's come
    first.

    The forked process appends each run's draft (one pickle of plain tuples per run: its memory stays
    that of its working state) to an unnamed temporary file as soon as it has it, announces its size
    through a pipe, and exits when done. This process, once its own part is done, takes the forked
    process's runs as they are announced (reading at its own offsets with ``os.pread``: the file's
    offset is shared with the writer) and makes their results — so it reads the earlier runs while
    the forked process still computes the last ones. If the forked process fails, this one computes
    its part too."""
    with _cyclic_gc_paused():  # else the collector scans the whole scenario while the sets grow
        (mine, my_clusters), (theirs, their_clusters) = _halves(scenario, 1 - FORKED_SHARE)
    with tempfile.TemporaryFile() as spool:
        announcements, announce = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, write, exit without running the parent's clean-up
            status = 1
            try:
                os.close(announcements)
                for draft in _simulate_part(scenario, theirs, their_clusters):
                    spool.write(pickle.dumps(_plain_run(draft), pickle.HIGHEST_PROTOCOL))
                    spool.flush()
                    os.write(announce, spool.tell().to_bytes(8, "little"))  # where this run ends
                    del draft
                status = 0
            finally:
                os._exit(status)
        os.close(announce)
        theirs_results: list[RunResult] | None = None
        try:
            ours = [_run_result(draft) for draft in _simulate_part(scenario, mine, my_clusters)]
            theirs_results = _read_runs(announcements, spool.fileno(), len(ours))
        finally:  # also on an error here: the child is waited for
            os.close(announcements)
            _pid, status = os.waitpid(pid, 0)
        if status != 0:
            theirs_results = None
    if theirs_results is None:  # the forked process failed: its part is computed here
        theirs_results = [_run_result(draft) for draft in _simulate_part(scenario, theirs, their_clusters)]
    return [
        RunResult(
            a.date,
            a.payouts + b.payouts,
            a.claims + b.claims,
            a.carried_forward + b.carried_forward,
        )
        for a, b in zip(ours, theirs_results, strict=True)
    ]


def _read_runs(announcements: int, spool: int, count: int) -> list[RunResult] | None:
    """The results of the ``count`` runs the forked process of :func:`_simulate_forked` writes to the
    file ``spool``, each read once announced; ``None`` if the process ended (or wrote) short of them."""
    results = []
    start = 0
    with _cyclic_gc_paused():
        for _run in range(count):
            announced = b""
            while len(announced) < 8:  # blocks until the forked process has written the next run
                more = os.read(announcements, 8 - len(announced))
                if not more:  # it exited without writing every run
                    return None
                announced += more
            end = int.from_bytes(announced, "little")
            data = b""
            while start + len(data) < end:
                more = os.pread(spool, end - start - len(data), start + len(data))
                if not more:
                    return None
                data += more
            try:
                draft = pickle.loads(data)  # noqa: S301 - written by our own forked process
            except Exception:
                return None
            results.append(_run_result(draft))
            start = end
    return results


def payable_at(scenario: Scenario, run_date: dt.date) -> tuple[Entitlement, ...]:
    """Everything the facts known at ``run_date`` make payable by then, per key with its lines
    (what a run on that date would settle against; keys with nothing payable are left out)."""
    with _cyclic_gc_paused():
        book = _Book(_Facts(scenario), {}, keep_specs=True)
        book.update(run_date.toordinal(), None)
        return tuple(
            Entitlement(
                entry.key,
                _kroner(entry.payable),
                tuple(_line(spec) for spec in entry.specs if spec.amount_ore),
            )
            for entry in sorted(book.entries(), key=attrgetter("key"))
            if entry.payable
        )


# --- JSON (exchange-format.md, ``klynge simulate --json``) -----------------------------------------


def _money(value: Decimal) -> str:
    """ "1234.56": the engine's amounts are whole øre already, so this only formats."""
    return f"{value:.2f}"


def _line_json(line: Line) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": line.kind,
        "practice": line.practice,
        "from": line.period_from.isoformat(),
        "to": line.period_to.isoformat(),
        "days": line.days,
        "capacities": line.capacities,
        "rate": _money(line.rate) if line.rate is not None else None,
        "amount": _money(line.amount),
        "rule": line.rule,
    }
    if line.patients is not None:
        data["patients"] = line.patients
    if line.days_in_year is not None:
        data["days_in_year"] = line.days_in_year
    return data


def result_to_json(runs: Iterable[RunResult]) -> dict[str, Any]:
    """The ``klynge simulate --json`` document: money as strings with two decimals, dates ISO.

    Beyond the format: claims carry their ``lines``, lines may carry ``patients`` and ``days_in_year``,
    and each run lists ``carried_forward`` balances still to be netted.
    """
    return {
        "runs": [
            {
                "date": run.date.isoformat(),
                "payouts": [
                    {
                        "cluster": p.cluster,
                        "amount": _money(p.amount),
                        "expected_arrival": [d.isoformat() for d in p.expected_arrival],
                        "lines": [_line_json(line) for line in p.lines],
                    }
                    for p in run.payouts
                ],
                "claims": [
                    {
                        "cluster": c.cluster,
                        "amount": _money(c.amount),
                        "reason": c.reason,
                        "practice": c.practice or None,  # an annual claim is the whole cluster's
                        "rule": c.rule,
                        "lines": [_line_json(line) for line in c.lines],
                    }
                    for c in run.claims
                ],
                "carried_forward": [
                    {"cluster": c.cluster, "amount": _money(c.amount)} for c in run.carried_forward
                ],
            }
            for run in runs
        ]
    }


__all__ = [
    "ADJUSTMENT",
    "ANNUAL",
    "ANNUAL_OVERPAYMENT",
    "STARTUP_FEE",
    "STARTUP_FEE_REPAYMENT",
    "CarriedForward",
    "Claim",
    "Entitlement",
    "Line",
    "Payout",
    "RunOutcome",
    "RunResult",
    "SettledKey",
    "SettledState",
    "deregistration_consequence",
    "payable_at",
    "result_to_json",
    "run_payouts",
    "simulate",
    "startup_fee_anniversary",
]
