"""Properties of the payout engine over random registries (Hypothesis): idempotent runs, lines that
explain every amount, order-independence of facts, no day paid twice, and money conservation against
an independent, day-by-day computation of the entitlement."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klynge.core.payouts import RunResult, SettledState, payable_at, run_payouts, simulate
from klynge.core.scenario import Cluster, Dated, Membership, Practice, RegionPolicy, Scenario, Scheme

D = dt.date
BASE = D(2018, 1, 1)
FINAL_RUN = D(2025, 1, 15)  # after every recorded date the strategy makes, and after every A5 1 January
FEW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

rates = st.sampled_from(["1000.00", "999.99", "1234.57", "0.01", "1500.50"]).map(Decimal)


def day(offset: int) -> D:
    return BASE + dt.timedelta(days=offset)


@st.composite
def schemes(draw: Any) -> tuple[Scheme, ...]:
    fee = draw(st.sampled_from([Decimal("10000.00"), Decimal("2500.55")]))
    if draw(st.booleans()):  # capacity basis throughout
        years = tuple((y, draw(rates)) for y in range(2018, 2026))
        return (Scheme("CAP", "capacity", D(2018, 1, 1), None, fee, years),)
    capacity = tuple((y, draw(rates)) for y in range(2018, 2022))
    patients = tuple(
        (y, draw(st.sampled_from([Decimal("1.12"), Decimal("2.32"), Decimal("3.55")])))
        for y in range(2022, 2026)
    )
    return (
        Scheme("OK18", "capacity", D(2018, 1, 1), D(2021, 12, 31), fee, capacity),
        Scheme("OK22", "patients", D(2022, 1, 1), None, None, patients, (1, 31), (3, 1)),
    )


@st.composite
def dated_values(draw: Any, low: int, high: int, first: D) -> tuple[Dated, ...]:
    values = [Dated(first, draw(st.integers(low, high)), first)]
    seen = {(first, first)}
    for _ in range(draw(st.integers(0, 2))):
        start = day(draw(st.integers(0, 5 * 365)))
        recorded = start + dt.timedelta(days=draw(st.integers(-60, 400)))
        if (start, recorded) not in seen:
            seen.add((start, recorded))
            values.append(Dated(start, draw(st.integers(low, high)), recorded))
    return tuple(values)


@st.composite
def scenarios(draw: Any) -> Scenario:
    clusters = []
    for i in range(draw(st.integers(1, 3))):
        founded = day(draw(st.integers(0, 500)))
        completed = (
            None if draw(st.integers(0, 9)) == 0 else founded + dt.timedelta(days=draw(st.integers(0, 300)))
        )
        clusters.append(Cluster(f"K{i}", f"Klynge {i}", f"R{i % 2}", "29403473", founded, completed))
    practices, memberships = [], []
    for i in range(draw(st.integers(1, 4))):
        number = f"{100001 + i}"
        practices.append(
            Practice(
                number,
                f"Praksis {i}",
                draw(dated_values(1, 4, D(2015, 1, 1))),
                draw(dated_values(0, 5000, D(2022, 1, 1))),
            )
        )
        bounds = sorted(set(draw(st.lists(st.integers(0, 5 * 365), min_size=1, max_size=4))))
        ongoing = draw(st.booleans())
        for j, start in enumerate(bounds):
            end = bounds[j + 1] if j + 1 < len(bounds) else None
            if end is None and not ongoing:
                break
            open_clusters = [c for c in clusters if c.founded_on <= day(start)]
            if not open_clusters or draw(st.integers(0, 4)) == 0:  # no cluster yet, or a gap
                continue
            joined, left = day(start), day(end) if end is not None else None
            recorded = joined + dt.timedelta(days=draw(st.integers(-60, 400)))
            left_recorded = left + dt.timedelta(days=draw(st.integers(-60, 400))) if left else None
            memberships.append(
                Membership(
                    number, draw(st.sampled_from(open_clusters)).id, joined, left, recorded, left_recorded
                )
            )
    regions = tuple(
        RegionPolicy(f"R{i}", f"Region {i}", draw(st.sampled_from(["net", "claim"])), (14, 28))
        for i in range(2)
    )
    runs = sorted(set(draw(st.lists(st.integers(0, 5 * 365 + 400), min_size=1, max_size=6))))
    return Scenario(
        draw(schemes()),
        regions,
        tuple(clusters),
        tuple(practices),
        tuple(memberships),
        (*(day(r) for r in runs), FINAL_RUN),
    )


# --- An independent computation of what the facts make due (all known, all eligible) -----------------


def round_ore(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def value_on(values: tuple[Dated, ...], when: D) -> int:
    known = [v for v in values if v.valid_from <= when]
    return max(known, key=lambda v: (v.valid_from, v.recorded)).count if known else 0


def scheme_of(scenario: Scenario, year: int) -> Scheme:
    (scheme,) = [
        s
        for s in scenario.schemes
        if s.valid_from.year <= year and (s.valid_to is None or year <= s.valid_to.year)
    ]
    return scheme


def entitlement(scenario: Scenario, until: D) -> Decimal:
    """A7, A6 and OK22 computed day by day from the facts, every fact known and every membership eligible."""
    clusters = {c.id: c for c in scenario.clusters}
    practices = {p.provider_number: p for p in scenario.practices}
    by_practice = defaultdict(list)
    for m in scenario.memberships:
        by_practice[m.practice].append(m)
    total = Decimal(0)
    for number, memberships in by_practice.items():
        practice = practices[number]
        fee_kept = False
        for m in sorted(memberships, key=lambda m: m.joined):
            paid = clusters[m.cluster].completed_on is not None  # else the fee is only owned (A7)
            # A7: the fee belongs to the first membership that is ongoing or reached its anniversary,
            # completed or not
            fee = next(
                s
                for s in scenario.schemes
                if s.valid_from <= m.joined and (s.valid_to is None or m.joined <= s.valid_to)
            ).startup_fee_per_capacity
            if fee is not None and not fee_kept:
                anniversary = (
                    D(m.joined.year + 1, m.joined.month, m.joined.day)
                    if (m.joined.month, m.joined.day) != (2, 29)
                    else D(m.joined.year + 1, 3, 1)
                )
                if m.left is None or m.left >= anniversary:
                    fee_kept = True
                    if paid:
                        total += fee * value_on(practice.capacities, m.joined)
            if not paid:
                continue
            # A6: group the days by (year, capacities) into stretches, round each
            start = max(m.joined, clusters[m.cluster].founded_on)
            last = (
                min(m.left - dt.timedelta(days=1), D(until.year, 12, 31)) if m.left else D(until.year, 12, 31)
            )
            stretches: dict[tuple[int, int, int], int] = defaultdict(int)
            when, previous = start, None
            stretch = 0
            while when <= last:
                key = (when.year, value_on(practice.capacities, when))
                if key != previous:
                    stretch += 1
                    previous = key
                if scheme_of(scenario, when.year).basis == "capacity":
                    stretches[(*key, stretch)] += 1
                when += dt.timedelta(days=1)
            for (year, capacities, _n), days in stretches.items():
                rate = dict(scheme_of(scenario, year).annual_rates)[year]
                days_in_year = (D(year, 12, 31) - D(year, 1, 1)).days + 1
                total += round_ore(rate * capacities * days / days_in_year)
            # OK22
            for year in range(2022, until.year + 1):
                scheme = scheme_of(scenario, year)
                if scheme.basis != "patients" or until < D(year, 3, 1):
                    continue
                count_day = D(year, 1, 31)
                if start <= count_day and (m.left is None or count_day < m.left) and m.recorded <= count_day:
                    total += dict(scheme.annual_rates)[year] * value_on(practice.group1_patients, count_day)
    return total


# --- Properties -----------------------------------------------------------------------------------


def money_flow(results: list[RunResult]) -> Decimal:
    """Paid minus claimed minus what the last run still carries forward to net."""
    paid = sum((p.amount for r in results for p in r.payouts), Decimal(0))
    claimed = sum((c.amount for r in results for c in r.claims), Decimal(0))
    carried = sum((c.amount for c in results[-1].carried_forward), Decimal(0))
    return paid - claimed - carried


@FEW
@given(scenarios())
def test_once_every_change_is_recorded_paid_minus_claimed_equals_the_entitlement_from_the_facts(
    scenario: Scenario,
) -> None:
    results = simulate(scenario)
    assert money_flow(results) == entitlement(scenario, FINAL_RUN)


@FEW
@given(scenarios())
def test_after_every_run_paid_minus_claimed_equals_what_the_known_facts_make_payable(
    scenario: Scenario,
) -> None:
    results = simulate(scenario)
    state = SettledState()
    for i, run in enumerate(results):
        payable = payable_at(scenario, run.date)
        state = run_payouts(scenario, run.date, state).settled
        due = sum((e.amount for e in payable), Decimal(0))
        assert money_flow(results[: i + 1]) == due - held_back(payable, state), run.date


def held_back(payable: tuple[Any, ...], settled: SettledState) -> Decimal:
    """Startup fees that became repayable while the practice is still (or again) a member of the
    cluster: A7 claims them only once it has left (a negative per practice-and-cluster difference)."""
    difference: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in payable:
        if e.key.kind == "startup_fee":
            difference[e.key.cluster, e.key.practice] += e.amount
    for key, amount in settled.amounts().items():
        if key.kind == "startup_fee":
            difference[key.cluster, key.practice] -= amount
    return sum((d for d in difference.values() if d < 0), Decimal(0))


@FEW
@given(scenarios())
def test_every_payout_and_claim_is_the_sum_of_its_lines_and_above_zero(scenario: Scenario) -> None:
    for run in simulate(scenario):
        for payout in run.payouts:
            assert payout.amount > 0 and sum(line.amount for line in payout.lines) == payout.amount
            assert payout.expected_arrival == (
                run.date + dt.timedelta(days=14),
                run.date + dt.timedelta(days=28),
            )
        for claim in run.claims:
            assert claim.amount > 0 and sum(line.amount for line in claim.lines) == claim.amount


@FEW
@given(scenarios())
def test_running_each_run_date_twice_pays_nothing_the_second_time_and_equals_the_simulation(
    scenario: Scenario,
) -> None:
    state = SettledState()
    chained = []
    for run_date in scenario.runs:
        first = run_payouts(scenario, run_date, state)
        again = run_payouts(scenario, run_date, first.settled)
        assert not again.result.payouts and not again.result.claims
        assert again.settled == first.settled
        chained.append(first.result)
        state = first.settled
    assert chained == simulate(scenario)


@FEW
@given(scenarios(), st.randoms(use_true_random=False))
def test_permuting_the_order_of_the_facts_changes_nothing(scenario: Scenario, rnd: random.Random) -> None:
    def shuffled(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(rnd.sample(items, len(items)))

    permuted = dataclasses.replace(
        scenario,
        schemes=shuffled(scenario.schemes),
        regions=shuffled(scenario.regions),
        clusters=shuffled(scenario.clusters),
        practices=shuffled(
            tuple(
                dataclasses.replace(
                    p, capacities=shuffled(p.capacities), group1_patients=shuffled(p.group1_patients)
                )
                for p in scenario.practices
            )
        ),
        memberships=shuffled(scenario.memberships),
    )
    assert simulate(permuted) == simulate(scenario)


@FEW
@given(scenarios())
def test_no_day_of_a_practice_is_paid_twice_across_clusters(scenario: Scenario) -> None:
    for run_date in scenario.runs:
        days: dict[str, list[tuple[D, D]]] = defaultdict(list)
        for e in payable_at(scenario, run_date):
            for line in e.lines:
                if line.kind == "annual" and line.days is not None:
                    days[line.practice].append((line.period_from, line.period_to))
        for spans in days.values():
            spans.sort()
            for (_start, end), (next_start, _end) in itertools.pairwise(spans):
                assert next_start > end, (run_date, spans)
