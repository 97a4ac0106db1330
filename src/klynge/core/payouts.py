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
the years such a fact can change; a new year or a patient payment date adds that year for everyone.
A practice's visible memberships, capacities and patient counts are each reused until one of them
changes. The cyclic garbage collector is paused during a computation (no reference cycles are made)
and the working state is freed before it resumes. Lines are made with their slots set directly.
A large scenario (:data:`PARALLEL_MIN_MEMBERSHIPS`) is computed in two processes when two cores are
free and no other thread runs: the clusters are split in two halves (in id order), each computed from
every practice ever in one of its clusters and settling only its own; the forked half sends its runs
through a temporary file and they are put after this process's (the same result, see
:func:`simulate`). Measured with ``bin/bench`` on a shared 2-core machine (``docs/benchmarks.md``):
1.700 practices, 110 clusters, 8 years, 32 runs in ≈0,25 s; ten times that in ≈3 s; a hundred times
that in ≈26-30 s of runs with two processes (≈37 s in one) and 1,7 GB for both (the work is bound by
memory access, which grows faster than the data; the 20 s target for the whole 100 × simulate is not
met yet).
"""

from __future__ import annotations

import copyreg
import datetime as dt
import os
import pickle
import tempfile
import threading
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

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
    rate_ore: int
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
    # the sorted days on which a membership (its start or its end), a capacity, a patient count becomes
    # visible: what is visible of each kind changes only on its days
    member_days: tuple[int, ...]
    capacity_days: tuple[int, ...]
    patient_days: tuple[int, ...]


# What a trigger may change (bits): the startup fees, the capacity years, the patient years; ALL
# means everything of the practice (a membership became visible, eligible or ended).
STARTUP_SCOPE, CAPACITY_SCOPE, PATIENTS_SCOPE, ALL_SCOPE = 1, 2, 4, 8


class _Visible(NamedTuple):
    valid_until: int  # the next day a fact of the practice becomes visible: then this may differ
    members: tuple[tuple[_M, int | None, bool], ...]  # (membership, end or None, moved into)
    capacity_from: list[int]
    capacity_count: list[int]
    patient_from: list[int]
    patient_count: list[int]
    members_until: int  # the next day on which the members, the capacities, the patients may differ
    capacities_until: int
    patients_until: int


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
            # the startup fees (A7 needs both).
            scoped: set[tuple[int, int, int]] = set()
            for start, recorded, _count in caps:
                scoped.add((recorded, year_of(start), STARTUP_SCOPE | CAPACITY_SCOPE))
            for start, recorded, _count in pats:
                scoped.add((recorded, year_of(start), PATIENTS_SCOPE))
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
                tuple(sorted({r for _f, r, _c in pats})),
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


def _visible(pf: _PracticeFacts, day: int, old: _Visible | None = None) -> _Visible:
    """What of the practice is visible on ``day``; the parts of ``old`` (visible on an earlier day)
    that cannot have changed by ``day`` are reused."""
    if old is not None and old.members_until > day:
        members, members_until = old.members, old.members_until
    else:
        ms = [m for m in pf.memberships if m.recorded <= day]
        found = []
        for i, m in enumerate(ms):
            end = m.left if m.left is not None and (m.left_recorded or m.left) <= day else None
            if i + 1 < len(ms) and (end is None or ms[i + 1].joined < end):
                end = ms[i + 1].joined  # a later membership is visible: this one has ended (A8)
            moved = i > 0 and ms[i - 1].cluster != m.cluster
            found.append((m, end, moved))
        members, members_until = tuple(found), _next_day(pf.member_days, day)
    if old is not None and old.capacities_until > day:
        caps, caps_until = (old.capacity_from, old.capacity_count), old.capacities_until
    else:
        caps, caps_until = _timeline(pf.capacities, day), _next_day(pf.capacity_days, day)
    if old is not None and old.patients_until > day:
        pats, pats_until = (old.patient_from, old.patient_count), old.patients_until
    else:
        pats, pats_until = _timeline(pf.patients, day), _next_day(pf.patient_days, day)
    return _Visible(
        min(members_until, caps_until, pats_until),
        members,
        caps[0],
        caps[1],
        pats[0],
        pats[1],
        members_until,
        caps_until,
        pats_until,
    )


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
        if m.fee_ore is None or kept or m.completed is None or m.completed > day:
            continue
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
    for m, end, moved in vis.members:
        if not _eligible(m, day) or m.start > count_day or m.recorded > count_day:
            continue
        if end is not None and end <= count_day:
            continue
        patients = _count_on(vis.patient_from, vis.patient_count, count_day)
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


def _key_period(key: SettledKey) -> tuple[dt.date, dt.date]:
    if key.kind == ANNUAL:
        year = int(key.period)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    joined = dt.date.fromisoformat(key.period)
    return joined, joined


_DAYS: dict[int, dt.date] = {}  # ordinal → date, shared by the lines (dates are immutable)
_RATES: dict[int, Decimal] = {}  # øre → kroner for the few distinct rates


def _day(ordinal: int) -> dt.date:
    day = _DAYS.get(ordinal)
    if day is None:
        day = _DAYS[ordinal] = dt.date.fromordinal(ordinal)
    return day


_LINE_SETTERS = tuple(Line.__dict__[name].__set__ for name in Line.__slots__)
_SET_KIND, _SET_PRACTICE, _SET_FROM, _SET_TO, _SET_DAYS, _SET_CAPACITIES = _LINE_SETTERS[:6]
_SET_RATE, _SET_AMOUNT, _SET_RULE, _SET_PATIENTS, _SET_DAYS_IN_YEAR = _LINE_SETTERS[6:]
_new = object.__new__


def _new_line(
    kind: str,
    practice: str,
    period_from: dt.date,
    period_to: dt.date,
    days: int | None,
    capacities: int | None,
    rate: Decimal | None,
    amount: Decimal,
    rule: str,
    patients: int | None = None,
    days_in_year: int | None = None,
) -> Line:
    """``Line(...)`` without the frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field
    through a generic path): the slots are set directly, the result is the same (≈ 1,5 × faster; a
    large simulation makes a million lines)."""
    line = _new(Line)
    _SET_KIND(line, kind)
    _SET_PRACTICE(line, practice)
    _SET_FROM(line, period_from)
    _SET_TO(line, period_to)
    _SET_DAYS(line, days)
    _SET_CAPACITIES(line, capacities)
    _SET_RATE(line, rate)
    _SET_AMOUNT(line, amount)
    _SET_RULE(line, rule)
    _SET_PATIENTS(line, patients)
    _SET_DAYS_IN_YEAR(line, days_in_year)
    return line


def _line(spec: _Spec) -> Line:
    rate = _RATES.get(spec.rate_ore)
    if rate is None:
        rate = _RATES[spec.rate_ore] = _kroner(spec.rate_ore)
    return _new_line(
        spec.kind,
        spec.practice,
        _day(spec.first),
        _day(spec.last),
        spec.days,
        spec.capacities,
        rate,
        _kroner(spec.amount_ore),
        spec.rule,
        spec.patients,
        spec.days_in_year,
    )


def _adjustment(key: SettledKey, amount_ore: int, rule: str = "A9") -> Line:
    first, last = _key_period(key)
    return _new_line(ADJUSTMENT, key.practice, first, last, None, None, None, _kroner(amount_ore), rule)


def _line_order(key: SettledKey) -> tuple[str, int, str]:
    return key.practice, 0 if key.kind == STARTUP_FEE else 1, key.period


class _Book:
    """Payable and settled amounts per key, and the keys of each cluster where they differ."""

    def __init__(self, facts: _Facts, settled: Mapping[SettledKey, int], *, keep_specs: bool = False) -> None:
        self.facts = facts
        self.keep_specs = keep_specs  # else only the specs of open keys, which a run may show
        self.payable: dict[SettledKey, int] = {}
        self.specs: dict[SettledKey, tuple[_Spec, ...]] = {}
        self.settled: dict[SettledKey, int] = dict(settled)
        self.open: dict[str, set[SettledKey]] = defaultdict(set)
        self.chunks: dict[str, dict[int, tuple[SettledKey, ...]]] = defaultdict(dict)
        self.visible: dict[str, _Visible] = {}  # per practice, valid until its next trigger date
        for key in self.settled:
            self._mark(key)

    def _mark(self, key: SettledKey) -> None:
        open_keys = self.open[key.cluster]
        if self.payable.get(key, 0) != self.settled.get(key, 0):
            open_keys.add(key)
        else:
            open_keys.discard(key)

    def _set_chunk(self, practice: str, chunk_id: int, chunk: _Chunk) -> None:
        chunks = self.chunks[practice]
        old = chunks.get(chunk_id, ())
        if not chunk and not old:
            return
        payable, settled, all_specs = self.payable, self.settled, self.specs
        for key in old:
            if key not in chunk:
                del payable[key]
                all_specs.pop(key, None)
                self._mark(key)
        for key, (amount, specs) in chunk.items():
            payable[key] = amount
            open_keys = self.open[key[0]]
            if amount != settled.get(key, 0):
                open_keys.add(key)
                all_specs[key] = specs
            else:
                open_keys.discard(key)
                if self.keep_specs:
                    all_specs[key] = specs
                else:
                    all_specs.pop(key, None)
        if not chunk:
            del chunks[chunk_id]
        elif len(old) != len(chunk) or any(key not in chunk for key in old):
            chunks[chunk_id] = tuple(chunk)

    def _visible(self, pf: _PracticeFacts, day: int) -> _Visible:
        vis = self.visible.get(pf.number)
        if vis is None or vis.valid_until <= day:
            vis = self.visible[pf.number] = _visible(pf, day, vis)
        return vis

    def _recompute(self, pf: _PracticeFacts, day: int) -> None:
        """Recompute every chunk of the practice (startup fees and each year up to ``day``'s)."""
        vis = self._visible(pf, day)
        wanted = {STARTUP_CHUNK: _startup_chunk(pf, vis, day)}
        for year in _chunk_years(vis, day):
            wanted[year] = _year_chunk(self.facts, pf, vis, day, year)
        for chunk_id in list(self.chunks.get(pf.number, {})):
            if chunk_id not in wanted:
                self._set_chunk(pf.number, chunk_id, {})
        for chunk_id, chunk in wanted.items():
            self._set_chunk(pf.number, chunk_id, chunk)

    def _recompute_years(self, pf: _PracticeFacts, day: int, years: Iterable[int], *, scope: int = 0) -> None:
        """Recompute some years (and, with STARTUP_SCOPE, the startup fees) of a practice."""
        if not years and not scope & STARTUP_SCOPE:
            return
        vis = self._visible(pf, day)
        if not vis.members:
            return
        if scope & STARTUP_SCOPE:
            self._set_chunk(pf.number, STARTUP_CHUNK, _startup_chunk(pf, vis, day))
        for year in years:
            self._set_chunk(pf.number, year, _year_chunk(self.facts, pf, vis, day, year))

    def update(self, day: int, previous: int | None) -> None:
        """Bring payable up to ``day``; after ``previous`` only what can have changed since:
        the practices with a trigger date in between, and for all, the years begun in between and the
        patient years whose payment date was passed."""
        practices = self.facts.practices
        if previous is None or day < previous:
            for pf in practices.values():
                self._recompute(pf, day)
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
            pf = practices[number]
            if scope & ALL_SCOPE:
                self._recompute(pf, day)
                continue
            years = in_scope.get((from_year, scope))
            if years is None:
                years = in_scope[from_year, scope] = sorted(
                    global_years | self._years_in_scope(from_year, this_year, scope, day)
                )
            self._recompute_years(pf, day, years, scope=scope)
        if global_years:
            ordered = sorted(global_years)
            for number, pf in practices.items():
                if number not in triggered and pf.memberships:
                    self._recompute_years(pf, day, ordered)

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
        self, run_date: dt.date, owned: frozenset[str] | None = None
    ) -> tuple[RunResult, list[tuple[SettledKey, int]]]:
        """Settle every cluster with open keys (with ``owned``, only those clusters), in cluster order."""
        payouts: list[Payout] = []
        claims: list[Claim] = []
        carried: list[CarriedForward] = []
        changes: list[tuple[SettledKey, int]] = []
        clusters = [c for c, keys in self.open.items() if keys and (owned is None or c in owned)]
        for cluster in sorted(clusters):
            payout, cluster_claims, carry, settled_keys = self._settle_cluster(cluster, run_date)
            if payout is not None:
                payouts.append(payout)
            claims.extend(cluster_claims)
            if carry is not None:
                carried.append(carry)
            payable, settled, open_keys, specs = self.payable, self.settled, self.open[cluster], self.specs
            for key, delta in settled_keys:
                changes.append((key, delta))
                amount = payable.get(key)
                if amount is not None:
                    settled[key] = amount
                else:
                    settled.pop(key, None)
                open_keys.discard(key)
                if not self.keep_specs:
                    specs.pop(key, None)
        return RunResult(run_date, tuple(payouts), tuple(claims), tuple(carried)), changes

    def _settle_cluster(
        self, cluster: str, run_date: dt.date
    ) -> tuple[Payout | None, list[Claim], CarriedForward | None, list[tuple[SettledKey, int]]]:
        regulation, (fastest, slowest) = self.facts.policy.get(cluster, ("net", DEFAULT_PROCESSING_DAYS))
        payable_get, settled_get = self.payable.get, self.settled.get
        differences = [
            (key, payable_get(key, 0) - settled_get(key, 0))
            for key in sorted(self.open[cluster], key=_line_order)
        ]
        to_claim: dict[tuple[str, str], list[tuple[SettledKey, int]]] = defaultdict(list)
        pool: list[tuple[SettledKey, int]] = []
        for key, diff in differences:
            if diff == 0:
                continue
            if key.kind == STARTUP_FEE and diff < 0:
                to_claim[key.practice, STARTUP_FEE_REPAYMENT].append((key, diff))
            elif key.kind == ANNUAL and diff < 0 and regulation == "claim":
                to_claim[key.practice, ANNUAL_OVERPAYMENT].append((key, diff))
            else:
                pool.append((key, diff))
        settled_keys: list[tuple[SettledKey, int]] = []
        claims = []
        for (practice, reason), items in sorted(to_claim.items()):
            rule = "A7" if reason == STARTUP_FEE_REPAYMENT else "A9"
            claims.append(
                Claim(
                    cluster,
                    _kroner(-sum(diff for _k, diff in items)),
                    reason,
                    practice,
                    rule,
                    tuple(self._claim_line(key, -diff, rule) for key, diff in items),
                )
            )
            settled_keys.extend(items)
        total = sum(diff for _key, diff in pool)
        payout = carry = None
        if total > 0:
            lines: list[Line] = []
            for key, diff in pool:
                if diff < 0:
                    lines.append(_adjustment(key, diff))
                    continue
                lines.extend(_line(spec) for spec in self.specs.get(key, ()))
                already = self.settled.get(key, 0)
                if already:
                    lines.append(_adjustment(key, -already))
            arrival = (run_date + dt.timedelta(days=fastest), run_date + dt.timedelta(days=slowest))
            payout = Payout(cluster, _kroner(total), arrival, tuple(lines))
            settled_keys.extend(pool)
        elif total < 0:
            carry = CarriedForward(cluster, _kroner(-total))
        return payout, claims, carry, settled_keys

    def _claim_line(self, key: SettledKey, claimed: int, rule: str) -> Line:
        """A repaid startup fee shows the membership (joined to its last day) and the fee per capacity;
        any other claimed difference is an adjustment of the key's period."""
        specs = self.specs.get(key, ())
        if key.kind == STARTUP_FEE and specs and self.payable.get(key, 0) == 0:
            spec = specs[0]
            return Line(
                STARTUP_FEE,
                key.practice,
                dt.date.fromordinal(spec.first),
                dt.date.fromordinal(spec.last),
                None,
                None,
                _kroner(spec.rate_ore),
                _kroner(claimed),
                rule,
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
        book.update(run_date.toordinal(), None)
        result, changes = book.settle(run_date)
    return RunOutcome(
        result, SettledState(book.settled), tuple((key, _kroner(delta)) for key, delta in changes)
    )


PARALLEL_MIN_MEMBERSHIPS = 50_000  # below this (the web's upload limit is far below) one process


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
        return _simulate_part(scenario, None, None)
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
) -> list[RunResult]:
    """:func:`simulate` of the clusters ``owned`` (all with ``None``), from the facts of ``practices``:
    every practice that was ever in one of them, so that their keys are complete."""
    return list(_runs(scenario, practices, owned))


def _runs(
    scenario: Scenario, practices: frozenset[str] | None, owned: frozenset[str] | None
) -> Iterator[RunResult]:
    """The runs of :func:`_simulate_part`, one by one (the collector is paused until the last)."""
    with _cyclic_gc_paused():
        book = _Book(_Facts(scenario, practices), {})
        previous: int | None = None
        for run_date in scenario.runs:
            day = run_date.toordinal()
            book.update(day, previous)
            yield book.settle(run_date, owned)[0]
            previous = day
        del book  # freed now by reference counting, rather than scanned by the collector once resumed


def _halves(scenario: Scenario) -> list[tuple[frozenset[str], frozenset[str]]]:
    """The clusters in two halves of about the same number of memberships (in the order of their ids,
    the settlement order), each with the practices that were ever in one of its clusters (a practice
    that moved between the halves is computed in both; each half settles only its own clusters)."""
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
        if count * 2 >= total:
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


def _reduce_line(line: Line) -> tuple[Any, tuple[Any, ...]]:
    return _new_line, tuple(getattr(line, name) for name in Line.__slots__)


def _reduce_fields(value: Any) -> tuple[Any, tuple[Any, ...]]:
    return type(value), tuple(getattr(value, f.name) for f in fields(value))


def _simulate_forked(scenario: Scenario) -> list[RunResult]:
    """The second half of the clusters in a forked process, the first here, merged by cluster: the
    halves share no cluster, and each half's results are in cluster order, so the first half's come
    first. The forked process writes each run's results to an unnamed temporary file as soon as it has
    them (one pickle per run: its memory stays that of its working state) and exits; this process
    reads them once its own half is done. If the forked process fails, this one computes its half too."""
    (mine, my_clusters), (theirs, their_clusters) = _halves(scenario)
    with tempfile.TemporaryFile() as spool:
        pid = os.fork()
        if pid == 0:  # the child: compute, write, exit without running the parent's clean-up
            status = 1
            try:
                table: dict[type, Any] = dict(copyreg.dispatch_table)
                table[Line] = _reduce_line
                for cls in (Payout, Claim, CarriedForward, RunResult):
                    table[cls] = _reduce_fields
                for result in _runs(scenario, theirs, their_clusters):
                    pickler = pickle.Pickler(spool, pickle.HIGHEST_PROTOCOL)
                    pickler.dispatch_table = table
                    pickler.dump(result)
                    del result, pickler
                spool.flush()
                status = 0
            finally:
                os._exit(status)
        theirs_results: list[RunResult] | None = None
        try:
            ours = _simulate_part(scenario, mine, my_clusters)
        finally:  # also on an error here: the child is waited for
            _pid, status = os.waitpid(pid, 0)
        if status == 0:
            spool.seek(0)
            with _cyclic_gc_paused():
                try:
                    theirs_results = [pickle.load(spool) for _run in ours]  # noqa: S301 - our own child
                except Exception:  # the forked process failed: its half is computed here
                    theirs_results = None
    if theirs_results is None:
        theirs_results = _simulate_part(scenario, theirs, their_clusters)
    return [
        RunResult(
            a.date,
            a.payouts + b.payouts,
            a.claims + b.claims,
            a.carried_forward + b.carried_forward,
        )
        for a, b in zip(ours, theirs_results, strict=True)
    ]


def payable_at(scenario: Scenario, run_date: dt.date) -> tuple[Entitlement, ...]:
    """Everything the facts known at ``run_date`` make payable by then, per key with its lines
    (what a run on that date would settle against; keys with nothing payable are left out)."""
    with _cyclic_gc_paused():
        book = _Book(_Facts(scenario), {}, keep_specs=True)
        book.update(run_date.toordinal(), None)
    return tuple(
        Entitlement(key, _kroner(amount), tuple(_line(spec) for spec in book.specs[key] if spec.amount_ore))
        for key, amount in sorted(book.payable.items())
        if amount
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
                        "practice": c.practice,
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
