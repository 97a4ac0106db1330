"""The payout engine for GP-cluster funds (brief §3). Standard library only.

The rules themselves, A1-A10 and OK22, are in :mod:`klynge.core.payout_rules`, one function each with
the brief's sentence beside it. This module indexes the facts, asks the rules what is **payable** and
keeps the books of what was **settled**.

A run on date D computes, from the facts *recorded* by D, what is payable by D per :class:`SettledKey`
= cluster × practice × kind × period (``annual`` funds per calendar year; the ``startup_fee`` per
membership, keyed by its ``joined`` date), and settles the difference to what earlier runs settled,
cluster by cluster (A9, :func:`~klynge.core.payout_rules.a9_settle_cluster`). The settled state is an
immutable value (:class:`SettledState`): :func:`run_payouts` takes it and returns the new one, so the
application persists runs and feeds the settled totals back from its database; :func:`simulate`
chains the runs of a scenario; :func:`payable_at` shows what a run would settle against.

Choices where the brief leaves room (the worked example ``gp-cluster-basic`` is reproduced with them)
---------------------------------------------------------------------------------------------------
* Visibility: a membership exists for a run from its ``recorded`` date, its ``left`` from
  ``left_recorded``; a dated value (capacities, patients) from its ``recorded`` date, and of two values
  for the same ``from`` date the later recorded wins.
* A year belongs to the scheme in force on its 1 January (:class:`~klynge.core.schemes.SchemeTable`);
  a year without a rate is paid by the first run after the rate is entered.
* Which rule a line cites: ``A7`` a startup fee; an annual line ``A8`` for a membership the practice
  moved into, else ``A5`` for one recorded after the completion, else ``A2`` for a stretch before the
  completion date (retroactive to the founding assembly), else ``A6``; ``adjustment`` lines ``A9``.
* Startup fees take part in netting under policy ``net``: the region pays what the cluster is owed on
  balance.

How it is kept fast (a national scenario, 1.700 practices and 32 runs, in about 0,1 s)
-------------------------------------------------------------------------------------
What is payable for a practice changes only on its own *change days* (a fact of it became visible, a
membership began or became eligible, its cluster was completed) and when a year begins or a patient
year's payment date passes. :func:`simulate` therefore recomputes a practice on its change days, and
only the new year for everyone else. What is payable and settled is kept per practice, in *chunks*
(its startup fees; each calendar year), and each cluster keeps the set of its *open* entries (payable
≠ settled): a run looks only at those. Money is whole øre (``int``) until a :class:`Line` is made.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from types import MappingProxyType
from typing import Any, NamedTuple

from klynge.core.money import ORE, to_ore
from klynge.core.payout_rules import (
    FeeMembership,
    a1_completed,
    a2_entitlement_start,
    a3_expected_arrival,
    a5_eligible_from,
    a5_recorded_after_completion,
    a6_annual_amount,
    a6_last_day_paid,
    a7_anniversary,
    a7_fee_bearing,
    a7_payable,
    a7_startup_fee,
    a8_moved_into,
    a9_membership_ends,
    a9_settle_cluster,
    ok22_patient_amount,
    ok22_pays,
)
from klynge.core.scenario import Dated, Scenario, cyclic_gc_paused
from klynge.core.schemes import SchemeTable

STARTUP_FEE = "startup_fee"
ANNUAL = "annual"
ADJUSTMENT = "adjustment"
STARTUP_FEE_REPAYMENT = "startup_fee_repayment"
ANNUAL_OVERPAYMENT = "annual_overpayment"
DEFAULT_POLICY = ("net", (14, 28))  # a cluster whose region the scenario does not describe
EVERYTHING, FEES_ONLY = 0, dt.MAXYEAR + 1  # what a change day may change: from this year on

_CENT = Decimal("0.01")


def _kroner(ore: int) -> Decimal:
    """Whole øre as kroner with two decimals (exact)."""
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
    """A repayment claim: one per practice for startup fees (A7), or one per cluster and run for
    annual money under policy ``claim`` (A9; then ``practice`` is ``""``)."""

    cluster: str
    amount: Decimal
    reason: str  # "startup_fee_repayment" | "annual_overpayment"
    practice: str
    rule: str  # "A7" | "A9"
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class CarriedForward:
    """A cluster's negative balance left to net against its next payouts (A9, policy "net")."""

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


# --- Helpers for the pages -------------------------------------------------------------------------

startup_fee_anniversary = a7_anniversary


def deregistration_consequence(
    joined: dt.date, left: dt.date, capacities: int, fee_per_capacity: Decimal | None
) -> Decimal | None:
    """The startup fee to repay under A7 when a practice that joined on ``joined`` leaves on ``left``
    (its first day no longer a member) with ``capacities`` on the day it joined, or ``None`` when
    nothing is repaid: it stayed at least a year, there is no fee (OK22) or no capacity."""
    if fee_per_capacity is None or capacities <= 0 or left >= a7_anniversary(joined):
        return None
    return (fee_per_capacity * capacities).quantize(ORE)


# --- The facts, indexed ---------------------------------------------------------------------------


class _Membership(NamedTuple):
    """A membership in ordinals, with what the rules need worked out once."""

    cluster: str
    joined: int
    left: int | None
    recorded: int
    left_recorded: int | None
    start: int  # A2
    completed: int | None  # the cluster's completion (A1)
    eligible_from: int | None  # A5
    late: bool  # recorded after the completion (A5)
    fee_ore: int | None  # A7: the fee per capacity of the scheme in force on ``joined`` (None: none)
    anniversary: int  # A7
    joined_iso: str


class _Year(NamedTuple):
    """The scheme's rule for one calendar year."""

    basis: str  # "capacity" | "patients"
    rate_ore: int
    first: int  # 1 January
    last: int  # 31 December
    days: int
    count_day: int  # patients basis: the count date, else 0
    payment_day: int  # patients basis: the payment date, else 0
    period: str  # "2019"


class _Timeline(NamedTuple):
    """Dated values as known on a day: each ``froms[i]`` starts a stretch of ``counts[i]``."""

    froms: list[int]
    counts: list[int]

    def on(self, day: int) -> int:
        i = bisect_right(self.froms, day) - 1
        return self.counts[i] if i >= 0 else 0


_Records = tuple[tuple[int, int, int], ...]  # (from, recorded, count), sorted


def _records(values: Iterable[Dated]) -> _Records:
    return tuple(sorted((v.valid_from.toordinal(), v.recorded.toordinal(), v.count) for v in values))


def _timeline(records: _Records, day: int) -> _Timeline:
    """The values known on ``day``: per ``from`` date the latest recorded one; a value equal to the one
    before it is dropped, so that each point starts a new constant stretch (A10 rounds per stretch)."""
    latest: dict[int, int] = {}
    for start, recorded, count in records:  # sorted by (from, recorded): later records win
        if recorded <= day:
            latest[start] = count
    timeline = _Timeline([], [])
    for start, count in latest.items():
        if not timeline.counts or timeline.counts[-1] != count:
            timeline.froms.append(start)
            timeline.counts.append(count)
    return timeline


def _value_on(records: _Records, known_on: int, day: int) -> int:
    """The count on ``day`` as known on ``known_on`` (0 without one): ``_timeline(...).on(day)``
    without building the timeline."""
    value = 0
    for start, recorded, count in records:  # sorted by (from, recorded)
        if start > day:
            break
        if recorded <= known_on:
            value = count
    return value


class _Practice(NamedTuple):
    number: str
    memberships: tuple[_Membership, ...]  # in the order they began
    capacities: _Records
    patients: _Records
    # the days on which what a run knows of its memberships and capacities changes (a membership,
    # its leaving or a capacity was recorded): between two of them, _known and _timeline are the same
    known_days: tuple[int, ...]


class _Known(NamedTuple):
    """A membership as a run on some day knows it."""

    m: _Membership
    end: int | None  # A9: its first day no longer a member, as far as the run knows
    moved: bool  # A8: the practice came straight from another cluster
    fee: bool | None  # A7: bears the startup fee and keeps it (True), is repaid (False), or none


def _known(practice: _Practice, day: int) -> list[_Known]:
    """The practice's memberships recorded by ``day``, each with its end as the run knows it (A9)."""
    ms = [m for m in practice.memberships if m.recorded <= day]
    ends = [
        seen.end
        for seen in a9_membership_ends(((m.cluster, m.joined, m.left, m.left_recorded) for m in ms), day)
    ]
    bearing = a7_fee_bearing(
        FeeMembership(m.fee_ore is not None, end, m.anniversary) for m, end in zip(ms, ends, strict=True)
    )
    known = []
    previous: str | None = None
    for m, end, fee in zip(ms, ends, bearing, strict=True):
        known.append(_Known(m, end, a8_moved_into(previous, m.cluster), fee))
        previous = m.cluster
    return known


def _month_day(year: int, month_day: tuple[int, int]) -> dt.date:
    """A scheme's yearly date in ``year``; 29 February is 28 February in a common year (the files and
    the database refuse it, a scheme made in code need not)."""
    month, day = month_day
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, month, 28)


class _Facts:
    """The scenario's facts indexed once: per practice, per cluster (its region's policy), per year, and
    the days on which what is payable for a practice may change."""

    def __init__(self, scenario: Scenario) -> None:
        self.table = SchemeTable(scenario.schemes)
        regions = {r.code: (r.annual_regulation, r.processing_days) for r in scenario.regions}
        clusters = {c.id: c for c in scenario.clusters}
        self.policy = {c.id: regions.get(c.region, DEFAULT_POLICY) for c in scenario.clusters}
        self._years: dict[int, _Year | None] = {}
        self._first_payment: dict[int, int] = {}
        by_practice: dict[str, list[_Membership]] = defaultdict(list)
        for fact in scenario.memberships:
            cluster = clusters.get(fact.cluster)
            if cluster is None:
                continue
            scheme = self.table.on(fact.joined)
            fee = scheme.startup_fee_per_capacity if scheme is not None else None
            eligible_from = a5_eligible_from(fact.recorded, cluster.completed_on)
            left_recorded = fact.left_recorded or fact.left
            by_practice[fact.practice].append(
                _Membership(
                    fact.cluster,
                    fact.joined.toordinal(),
                    fact.left.toordinal() if fact.left else None,
                    fact.recorded.toordinal(),
                    left_recorded.toordinal() if left_recorded else None,
                    a2_entitlement_start(fact.joined, cluster.founded_on).toordinal(),
                    cluster.completed_on.toordinal() if cluster.completed_on else None,
                    eligible_from.toordinal() if eligible_from else None,
                    a5_recorded_after_completion(fact.recorded, cluster.completed_on),
                    to_ore(fee) if fee is not None else None,
                    a7_anniversary(fact.joined).toordinal(),
                    fact.joined.isoformat(),
                )
            )
        practices = {p.provider_number: p for p in scenario.practices}
        self.practices: dict[str, _Practice] = {}
        self._changes: dict[int, dict[str, int]] = defaultdict(dict)
        for number in sorted(set(practices) | set(by_practice)):
            ms = tuple(
                sorted(
                    by_practice.get(number, ()),
                    key=lambda m: (m.joined, m.cluster, m.recorded, m.left or 0, m.left_recorded or 0),
                )
            )
            facts = practices.get(number)
            capacities = _records(facts.capacities) if facts else ()
            known_days = {m.recorded for m in ms} | {m.left_recorded for m in ms if m.left_recorded}
            practice = _Practice(
                number,
                ms,
                capacities,
                _records(facts.group1_patients) if facts else (),
                tuple(sorted(known_days | {recorded for _f, recorded, _c in capacities})),
            )
            self.practices[number] = practice
            if not ms:  # nothing is ever payable to a practice without memberships
                continue
            # The change days of the practice, each with the first year it may change: a dated value
            # changes the years from its own (and a capacity the startup fees); the day a membership
            # begins only the startup fees (A7: payable once joined); a membership that becomes
            # visible, ends or becomes eligible everything.
            changes: dict[int, int] = {}

            def change(day: int | None, from_year: int, changes: dict[int, int] = changes) -> None:
                if day is not None:
                    changes[day] = min(changes.get(day, FEES_ONLY), from_year)

            for start, recorded, _count in practice.capacities:
                change(recorded, dt.date.fromordinal(start).year)
            for start, recorded, _count in practice.patients:
                # a patient year is computed for everyone on its payment date (years_due): a count
                # recorded before the first payment date it can matter to needs no change day
                from_year = dt.date.fromordinal(start).year
                if recorded >= self._first_payment_day(from_year):
                    change(recorded, from_year)
            for m in ms:
                change(m.joined, FEES_ONLY)
                for day in (m.recorded, m.left_recorded, m.eligible_from):
                    change(day, EVERYTHING)
            for day, from_year in changes.items():
                self._changes[day][number] = from_year
        self._change_days = sorted(self._changes)

    def changed(self, after: int, upto: int) -> dict[str, int]:
        """The practices with a change day in ``(after, upto]``, each with the first year that may have
        changed (:data:`EVERYTHING`: all of it; :data:`FEES_ONLY`: only its startup fees)."""
        found: dict[str, int] = {}
        days = self._change_days
        for i in range(bisect_right(days, after), bisect_right(days, upto)):
            for number, from_year in self._changes[days[i]].items():
                found[number] = min(found.get(number, FEES_ONLY), from_year)
        return found

    def _first_payment_day(self, from_year: int) -> int:
        """The payment date of the first patient year from ``from_year`` on (after every date without
        one; a later year's payment date is later)."""
        if from_year not in self._first_payment:
            self._first_payment[from_year] = dt.date.max.toordinal()
            for year in sorted(y for scheme in self.table.schemes for y, _rate in scheme.annual_rates):
                rule = self.year(year) if year >= from_year else None
                if rule is not None and rule.basis == "patients":
                    self._first_payment[from_year] = rule.payment_day
                    break
        return self._first_payment[from_year]

    def year(self, year: int) -> _Year | None:
        """The scheme's rule of a year, or ``None`` without a scheme or a rate for it."""
        if year not in self._years:
            self._years[year] = self._year(year)
        return self._years[year]

    def _year(self, year: int) -> _Year | None:
        scheme = self.table.for_year(year)
        rate = dict(scheme.annual_rates).get(year) if scheme is not None else None
        if scheme is None or rate is None:
            return None
        first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
        count = payment = 0
        if scheme.basis == "patients":
            if not (scheme.count_date and scheme.payment_date):
                return None
            count = _month_day(year, scheme.count_date).toordinal()
            payment = _month_day(year, scheme.payment_date).toordinal()
        return _Year(scheme.basis, to_ore(rate), first, last, last - first + 1, count, payment, str(year))

    def years_due(self, after: int, upto: int) -> list[int]:
        """The years whose payable may change for every practice in ``(after, upto]``: a capacity year
        that began (paid in advance, A6) or a patient year whose payment date passed (OK22)."""
        first_year, last_year = dt.date.fromordinal(after).year, dt.date.fromordinal(upto).year
        due = []
        for year in range(first_year, last_year + 1):
            rule = self.year(year)
            if rule is None:
                continue
            began = rule.basis == "capacity" and year > first_year
            paid = rule.basis == "patients" and after < rule.payment_day <= upto
            if began or paid:
                due.append(year)
        return due


# --- What is payable for one practice on a day ------------------------------------------------------


class _Spec(NamedTuple):
    """A line before it becomes a :class:`Line` (ordinals, øre); ``rate_ore`` None: an adjustment."""

    kind: str
    practice: str
    first: int
    last: int
    days: int | None
    days_in_year: int | None
    capacities: int | None
    patients: int | None
    rate_ore: int | None
    amount_ore: int
    rule: str


_Chunk = dict[SettledKey, tuple[int, tuple[_Spec, ...]]]  # key -> (payable øre, its lines)
STARTUP_CHUNK = 0  # the chunk of a practice's startup fees; a year's chunk is the year


def _add(chunk: _Chunk, key: SettledKey, amount: int, specs: tuple[_Spec, ...]) -> None:
    old_amount, old_specs = chunk.get(key, (0, ()))
    chunk[key] = (old_amount + amount, old_specs + specs)


def _line_rule(m: _Membership, moved: bool, first: int) -> str:
    """Which rule an annual line cites (see the module's choices)."""
    if moved:
        return "A8"
    if m.late:
        return "A5"
    if m.completed is not None and first < m.completed:
        return "A2"
    return "A6"


def _eligible(m: _Membership, day: int) -> bool:
    """A1 and A5: the membership's cluster is completed and the membership is eligible by ``day``."""
    return a1_completed(m.completed, day) and m.eligible_from is not None and m.eligible_from <= day


def _startup_fees(practice: _Practice, known: list[_Known], capacities: _Timeline, day: int) -> _Chunk:
    """A7: the startup fee of the fee-bearing membership, and a repaid fee (0) for each one before it."""
    chunk: _Chunk = {}
    for m, end, _moved, bears in known:
        if bears is None or m.fee_ore is None:
            continue
        if not a7_payable(eligible_from=m.eligible_from, joined=m.joined, day=day):
            continue
        repaid = not bears
        count = capacities.on(m.joined)
        amount = a7_startup_fee(m.fee_ore, count, repaid=repaid)
        # a repaid fee keeps a line of 0 kr. over the membership: it explains the claim
        last = end - 1 if repaid and end is not None else m.joined
        spec = _Spec(
            STARTUP_FEE, practice.number, m.joined, last, None, None, count, None, m.fee_ore, amount, "A7"
        )
        _add(chunk, SettledKey(m.cluster, practice.number, STARTUP_FEE, m.joined_iso), amount, (spec,))
    return chunk


def _capacity_year(
    practice: _Practice, known: list[_Known], capacities: _Timeline, day: int, year: _Year
) -> _Chunk:
    """A6 (capacity basis): day-prorated lines per membership × constant-capacity stretch of the year."""
    chunk: _Chunk = {}
    froms, counts = capacities
    for m, end, moved, _fee in known:
        if not _eligible(m, day):
            continue
        first = max(m.start, year.first)
        last = a6_last_day_paid(end, year.last)
        specs = []
        i = bisect_right(froms, first) - 1
        while first <= last:
            count = counts[i] if i >= 0 else 0
            stop = min(last, froms[i + 1] - 1) if i + 1 < len(froms) else last
            if count > 0:
                days = stop - first + 1
                amount = a6_annual_amount(year.rate_ore, count, days, year.days)
                rule = _line_rule(m, moved, first)
                specs.append(
                    _Spec(
                        ANNUAL,
                        practice.number,
                        first,
                        stop,
                        days,
                        year.days,
                        count,
                        None,
                        year.rate_ore,
                        amount,
                        rule,
                    )
                )
            first = stop + 1
            i += 1
        if specs:
            key = SettledKey(m.cluster, practice.number, ANNUAL, year.period)
            _add(chunk, key, sum(s.amount_ore for s in specs), tuple(specs))
    return chunk


def _patient_year(practice: _Practice, known: list[_Known], day: int, year: _Year) -> _Chunk:
    """OK22 (patients basis): the rate × group-1 patients on the count date, once a year."""
    chunk: _Chunk = {}
    for m, end, moved, _fee in known:
        if not _eligible(m, day) or not ok22_pays(
            start=m.start,
            end=end,
            recorded=m.recorded,
            count_day=year.count_day,
            payment_day=year.payment_day,
            day=day,
        ):
            continue
        patients = _value_on(practice.patients, day, year.count_day)
        if patients <= 0:
            continue
        amount = ok22_patient_amount(year.rate_ore, patients)
        rule = _line_rule(m, moved, year.count_day)
        spec = _Spec(
            ANNUAL,
            practice.number,
            year.first,
            year.last,
            None,
            None,
            None,
            patients,
            year.rate_ore,
            amount,
            rule,
        )
        _add(chunk, SettledKey(m.cluster, practice.number, ANNUAL, year.period), amount, (spec,))
    return chunk


class _Payable:
    """What is payable for one practice on one day, chunk by chunk (the facts known that day)."""

    def __init__(
        self, facts: _Facts, practice: _Practice, day: int, known: list[_Known], capacities: _Timeline
    ) -> None:
        self.facts, self.practice, self.day = facts, practice, day
        self.known = known  # _known(practice, day)
        self.capacities = capacities  # _timeline(practice.capacities, day)

    def chunks(self) -> dict[int, _Chunk]:
        """Every chunk: the startup fees and each of :meth:`years`."""
        chunks = {STARTUP_CHUNK: self.startup_fees()}
        for year in self.years():
            chunks[year] = self.year(year)
        return chunks

    def years(self) -> range:
        """The years with something payable: from the first eligible membership's start to the run's
        year (A6 pays the run's year in advance)."""
        starts = [k.m.start for k in self.known if _eligible(k.m, self.day)]
        if not starts:
            return range(0)
        return range(dt.date.fromordinal(min(starts)).year, dt.date.fromordinal(self.day).year + 1)

    def startup_fees(self) -> _Chunk:
        return _startup_fees(self.practice, self.known, self.capacities, self.day)

    def year(self, year: int) -> _Chunk:
        rule = self.facts.year(year)
        if rule is None:
            return {}
        if rule.basis == "patients":
            return _patient_year(self.practice, self.known, self.day, rule)
        return _capacity_year(self.practice, self.known, self.capacities, self.day, rule)


# --- The books: payable and settled per key ---------------------------------------------------------


class _Entry:
    """One key's state: what is payable now (øre, with its lines ``specs``) and what was settled."""

    __slots__ = ("key", "payable", "settled", "specs")

    def __init__(
        self, key: SettledKey, payable: int = 0, settled: int = 0, specs: tuple[_Spec, ...] = ()
    ) -> None:
        self.key = key
        self.payable = payable
        self.settled = settled
        self.specs = specs

    def order(self) -> tuple[str, int, str]:
        """Line order: by practice, its startup fees first, then its years."""
        key = self.key
        return key.practice, 0 if key.kind == STARTUP_FEE else 1, key.period


def _chunk_of(key: SettledKey) -> int:
    """The chunk of a key; a key the engine never computes (another kind or period) gets -1."""
    if key.kind == STARTUP_FEE:
        return STARTUP_CHUNK
    if key.kind == ANNUAL and key.period.isdigit():
        return int(key.period)
    return -1


class _Book:
    """Per practice and chunk, the entries of its keys; per cluster, the set of its open entries
    (payable ≠ settled): what its next settlement looks at."""

    def __init__(self, facts: _Facts, settled: Mapping[SettledKey, int]) -> None:
        self.facts = facts
        self.chunks: dict[str, dict[int, dict[SettledKey, _Entry]]] = defaultdict(dict)
        self.open: dict[str, set[_Entry]] = defaultdict(set)
        self._known: dict[str, tuple[int, list[_Known], _Timeline]] = {}
        for key, amount in settled.items():
            entry = _Entry(key, settled=amount)
            self.chunks[key.practice].setdefault(_chunk_of(key), {})[key] = entry
            self._mark(entry)

    def _mark(self, entry: _Entry) -> None:
        if entry.payable != entry.settled:
            self.open[entry.key.cluster].add(entry)
        else:
            self.open[entry.key.cluster].discard(entry)

    def _set(self, number: str, chunk_id: int, payable: _Chunk) -> None:
        """Make a chunk's entries what ``payable`` (just computed) says."""
        chunks = self.chunks[number]
        entries = chunks.get(chunk_id)
        if entries is None:  # the common case: a chunk computed for the first time, nothing settled
            if payable:
                entries = chunks[chunk_id] = {}
                for key, (amount, specs) in payable.items():
                    entries[key] = entry = _Entry(key, amount, 0, specs)
                    if amount:
                        self.open[key.cluster].add(entry)
            return
        emptied = False
        for key, entry in entries.items():
            if key not in payable:
                entry.payable, entry.specs = 0, ()
                self._mark(entry)
                emptied = emptied or not entry.settled
        for key, (amount, specs) in payable.items():
            found = entries.get(key)
            if found is None:
                found = entries[key] = _Entry(key)
            elif found.payable == amount:  # unchanged: only the lines may read differently
                found.specs = specs
                continue
            found.payable, found.specs = amount, specs
            self._mark(found)
            emptied = emptied or not (amount or found.settled)
        if emptied:  # drop the entries with nothing payable and nothing settled
            kept = {key: e for key, e in entries.items() if e.payable or e.settled}
            if kept:
                chunks[chunk_id] = kept
            else:
                del chunks[chunk_id]

    def _payable(self, number: str, day: int) -> _Payable:
        """What is payable for a practice on ``day``, from what the run knows of it (kept from one
        call to the next while no fact of it was recorded in between)."""
        practice = self.facts.practices[number]
        epoch = bisect_right(practice.known_days, day)
        cached = self._known.get(number)
        if cached is None or cached[0] != epoch:
            cached = self._known[number] = (epoch, _known(practice, day), _timeline(practice.capacities, day))
        return _Payable(self.facts, practice, day, cached[1], cached[2])

    def recompute(self, number: str, day: int) -> None:
        """Everything payable for one practice on ``day``."""
        payable = self._payable(number, day).chunks()
        for chunk_id in list(self.chunks[number]):
            if chunk_id not in payable:
                self._set(number, chunk_id, {})
        for chunk_id, chunk in payable.items():
            self._set(number, chunk_id, chunk)

    def recompute_years(self, number: str, day: int, from_year: int | None, due: list[int]) -> None:
        """Some of what is payable for one practice on ``day``: the years ``due`` and, with
        ``from_year``, its startup fees and its years from ``from_year`` on."""
        payable = self._payable(number, day)
        if not payable.known:
            return
        years = set(due)
        if from_year is not None:
            self._set(number, STARTUP_CHUNK, payable.startup_fees())
            years.update(year for year in payable.years() if year >= from_year)
        for year in sorted(years):
            self._set(number, year, payable.year(year))

    def update(self, day: int, previous: int | None) -> None:
        """Bring what is payable up to ``day``: everything, or after the run of ``previous`` only what
        may have changed since: the practices with a change day (what it may change) and, for every
        practice, the years due (a year began, a patient year's payment date passed)."""
        practices = self.facts.practices
        if previous is None or day < previous:
            for number, practice in practices.items():
                if practice.memberships:
                    self.recompute(number, day)
            return
        changed = self.facts.changed(previous, day)
        due = self.facts.years_due(previous, day)
        for number, from_year in changed.items():
            if from_year == EVERYTHING:
                self.recompute(number, day)
            else:
                self.recompute_years(number, day, from_year, due)
        if due:
            for number, practice in practices.items():
                if practice.memberships and number not in changed:
                    self.recompute_years(number, day, None, due)

    def entries(self) -> Iterator[_Entry]:
        for chunks in self.chunks.values():
            for entries in chunks.values():
                yield from entries.values()

    def settled_ore(self) -> dict[SettledKey, int]:
        return {entry.key: entry.settled for entry in self.entries() if entry.settled}

    def _has_left(self, number: str, cluster: str, day: int) -> bool:
        """Whether a membership of the practice in the cluster has ended by ``day`` as far as the run
        knows (a practice known only from the settled state has left)."""
        practice = self.facts.practices.get(number)
        if practice is None:
            return True
        return any(
            k.m.cluster == cluster and k.end is not None and k.end <= day for k in _known(practice, day)
        )

    def settle(self, day: int, changes: list[tuple[SettledKey, int]] | None = None) -> RunResult:
        """Settle every cluster with open entries, in cluster order (A9); what was settled per key is
        appended to ``changes`` if given."""
        payouts: list[Payout] = []
        claims: list[Claim] = []
        carried: list[CarriedForward] = []
        for cluster in sorted(c for c, entries in self.open.items() if entries):
            entries = sorted((e for e in self.open[cluster] if e.payable != e.settled), key=_Entry.order)
            policy, processing_days = self.facts.policy.get(cluster, DEFAULT_POLICY)
            fees: dict[str, int] = defaultdict(int)
            annual_total = 0
            for e in entries:
                if e.key.kind == STARTUP_FEE:
                    fees[e.key.practice] += e.payable - e.settled
                else:
                    annual_total += e.payable - e.settled
            decision = a9_settle_cluster(
                fees, annual_total, policy, partial(self._has_left, cluster=cluster, day=day)
            )
            settled: list[_Entry] = []
            if decision.payout:
                paid_fees = set(decision.fees_paid)
                in_payout = [
                    e
                    for e in entries
                    if (
                        e.key.practice in paid_fees
                        if e.key.kind == STARTUP_FEE
                        else decision.annual == "payout"
                    )
                ]
                fastest, slowest = a3_expected_arrival(day, processing_days)
                lines = [_line(spec) for e in in_payout for spec in _payout_specs(e)]
                payouts.append(
                    Payout(cluster, _kroner(decision.payout), (_date(fastest), _date(slowest)), tuple(lines))
                )
                settled += in_payout
            for practice in decision.fees_claimed:
                items = [e for e in entries if e.key.kind == STARTUP_FEE and e.key.practice == practice]
                claims.append(_claim(cluster, STARTUP_FEE_REPAYMENT, practice, "A7", items))
                settled += items
            if decision.annual == "claim":
                items = [e for e in entries if e.key.kind != STARTUP_FEE]
                claims.append(_claim(cluster, ANNUAL_OVERPAYMENT, "", "A9", items))
                settled += items
            if decision.carried:
                carried.append(CarriedForward(cluster, _kroner(decision.carried)))
            for e in settled:
                if changes is not None:
                    changes.append((e.key, e.payable - e.settled))
                e.settled = e.payable
                self._mark(e)
        return RunResult(_date(day), tuple(payouts), tuple(claims), tuple(carried))


# --- Lines ------------------------------------------------------------------------------------------


def _date(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def _adjustment(key: SettledKey, amount_ore: int, rule: str = "A9") -> _Spec:
    """An adjustment line over the key's period (its calendar year, or its membership's first day)."""
    if key.kind == ANNUAL and key.period.isdigit():
        year = int(key.period)
        first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
    else:
        first = last = dt.date.fromisoformat(key.period).toordinal()
    return _Spec(ADJUSTMENT, key.practice, first, last, None, None, None, None, None, amount_ore, rule)


def _payout_specs(entry: _Entry) -> list[_Spec]:
    """A key's lines in a payout: what is payable, less what was settled before (an adjustment); a
    key that went down is one adjustment line (A9)."""
    diff = entry.payable - entry.settled
    if diff < 0:
        return [_adjustment(entry.key, diff)]
    specs = list(entry.specs)
    if entry.settled:
        specs.append(_adjustment(entry.key, -entry.settled))
    return specs


def _claim_spec(entry: _Entry, claimed: int, rule: str) -> _Spec:
    """A repaid startup fee shows the membership (joined to its last day) and the fee per capacity;
    any other claimed difference is an adjustment of the key's period."""
    key, specs = entry.key, entry.specs
    if key.kind == STARTUP_FEE and specs and entry.payable == 0:
        spec = specs[0]
        return _Spec(
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
        )
    return _adjustment(key, claimed, rule)


def _claim(cluster: str, reason: str, practice: str, rule: str, entries: list[_Entry]) -> Claim:
    amount = sum(e.settled - e.payable for e in entries)
    lines = tuple(_line(_claim_spec(e, e.settled - e.payable, rule)) for e in entries)
    return Claim(cluster, _kroner(amount), reason, practice, rule, lines)


def _line(spec: _Spec) -> Line:
    rate = _kroner(spec.rate_ore) if spec.rate_ore is not None else None
    return Line(
        spec.kind,
        spec.practice,
        _date(spec.first),
        _date(spec.last),
        spec.days,
        spec.capacities,
        rate,
        _kroner(spec.amount_ore),
        spec.rule,
        spec.patients,
        spec.days_in_year,
    )


# --- The public API -------------------------------------------------------------------------------


def run_payouts(scenario: Scenario, run_date: dt.date, settled: SettledState | None = None) -> RunOutcome:
    """Compute ONE run on ``run_date`` from the facts recorded by then and what was ``settled`` before.

    ``scenario.runs`` is ignored. Returns the run's payouts and claims, the new settled state and the
    change per key (what this run settled), for the caller to persist.
    """
    with cyclic_gc_paused():
        book = _Book(_Facts(scenario), (settled or SettledState()).ore)
        day = run_date.toordinal()
        book.update(day, None)
        changes: list[tuple[SettledKey, int]] = []
        result = book.settle(day, changes)
    return RunOutcome(
        result, SettledState(book.settled_ore()), tuple((key, _kroner(delta)) for key, delta in changes)
    )


def simulate(scenario: Scenario) -> list[RunResult]:
    """Compute every run of ``scenario.runs`` in order, each seeing only the facts recorded by its date
    and what the earlier runs settled (the same as chaining :func:`run_payouts`)."""
    with cyclic_gc_paused():
        book = _Book(_Facts(scenario), {})
        results = []
        previous: int | None = None
        for run_date in scenario.runs:
            day = run_date.toordinal()
            book.update(day, previous)
            results.append(book.settle(day))
            previous = day
    return results


def payable_at(scenario: Scenario, run_date: dt.date) -> tuple[Entitlement, ...]:
    """Everything the facts known at ``run_date`` make payable by then, per key with its lines
    (what a run on that date would settle against; keys with nothing payable are left out)."""
    with cyclic_gc_paused():
        book = _Book(_Facts(scenario), {})
        book.update(run_date.toordinal(), None)
        return tuple(
            Entitlement(
                entry.key,
                _kroner(entry.payable),
                tuple(_line(spec) for spec in entry.specs if spec.amount_ore),
            )
            for entry in sorted(book.entries(), key=lambda e: e.key)
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

    Beyond the format: claims carry their ``lines`` (an annual claim has ``"practice": null``), lines
    may carry ``patients`` and ``days_in_year``, and each run lists ``carried_forward`` balances still
    to be netted.
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
                        "practice": c.practice or None,
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
