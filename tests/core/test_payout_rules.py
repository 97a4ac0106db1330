"""One small worked example per payout rule (brief §3, A1-A10 and OK22), each computed by hand.

Unless a test says otherwise: OK18 with the example annual rate 1.000 kr. per capacity and the startup
fee 10.000 kr. per capacity; a fact is recorded on its own date; region policy "net".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal

import pytest

from klynge.core.payouts import (
    Payout,
    RunResult,
    SettledState,
    deregistration_consequence,
    payable_at,
    run_payouts,
    simulate,
    startup_fee_anniversary,
)
from klynge.core.scenario import Cluster, Dated, Membership, Practice, RegionPolicy, Scenario, Scheme
from klynge.core.schemes import OK18, OK22

D = dt.date
Cap = tuple[D, int] | tuple[D, int, D]


def cluster(cid: str = "K1", founded: D = D(2019, 1, 1), completed: D | None = D(2019, 1, 1)) -> Cluster:
    return Cluster(cid, f"Klynge {cid}", "1081", "29403473", founded, completed)


def dated(values: tuple[Cap, ...]) -> tuple[Dated, ...]:
    return tuple(Dated(v[0], v[1], v[2] if len(v) == 3 else v[0]) for v in values)


def practice(number: str = "100001", *caps: Cap, patients: tuple[Cap, ...] = ()) -> Practice:
    return Practice(number, f"Praksis {number}", dated(caps or ((D(2015, 1, 1), 1),)), dated(patients))


def member(
    number: str,
    cid: str,
    joined: D,
    left: D | None = None,
    *,
    recorded: D | None = None,
    left_recorded: D | None = None,
) -> Membership:
    return Membership(number, cid, joined, left, recorded or joined, left_recorded or left)


def facts(
    clusters: tuple[Cluster, ...],
    practices: tuple[Practice, ...],
    memberships: tuple[Membership, ...],
    *,
    schemes: tuple[Scheme, ...] = (OK18,),
    policy: str = "net",
) -> Scenario:
    region = RegionPolicy("1081", "Region Nordjylland", policy, (14, 28))
    return Scenario(schemes, (region,), clusters, practices, memberships, ())


def run(scenario: Scenario, *dates: D) -> list[RunResult]:
    return simulate(dataclasses.replace(scenario, runs=dates))


def payout(result: RunResult, cid: str = "K1") -> Payout | None:
    return next((p for p in result.payouts if p.cluster == cid), None)


def paid(result: RunResult, cid: str = "K1") -> Decimal:
    found = payout(result, cid)
    return found.amount if found else Decimal("0.00")


def is_empty(result: RunResult) -> bool:
    return not result.payouts and not result.claims


# --- A1 completion, A2 cut-off date ---------------------------------------------------------------


def test_nothing_is_paid_before_completion_and_the_first_payout_is_retroactive_to_the_founding_assembly() -> (
    None
):
    # Founded 2019-03-01, completed 2019-09-01. A7: 1 × 10.000; A2/A6: 1.000 × 306/365 (1 Mar - 31 Dec)
    # = 838,356… → 838,36.
    scenario = facts(
        (cluster(founded=D(2019, 3, 1), completed=D(2019, 9, 1)),),
        (practice(),),
        (member("100001", "K1", D(2019, 3, 1)),),
    )
    before, on_completion = run(scenario, D(2019, 8, 31), D(2019, 9, 1))
    assert is_empty(before)
    assert paid(on_completion) == Decimal("10838.36")
    annual = [line for line in payout(on_completion).lines if line.kind == "annual"]  # type: ignore[union-attr]
    assert [(a.period_from, a.days, a.amount, a.rule) for a in annual] == [
        (D(2019, 3, 1), 306, Decimal("838.36"), "A2")
    ]


def test_a_member_that_joined_before_the_founding_assembly_is_entitled_from_the_assembly() -> None:
    # The reader refuses such a membership; the engine still never pays before founded_on (A2).
    scenario = facts(
        (cluster(founded=D(2019, 3, 1), completed=D(2019, 3, 1)),),
        (practice(),),
        (member("100001", "K1", D(2019, 1, 1)),),
    )
    (entitlement,) = [e for e in payable_at(scenario, D(2019, 3, 10)) if e.key.kind == "annual"]
    assert entitlement.lines[0].period_from == D(2019, 3, 1)


def test_a_cluster_that_is_never_completed_gets_nothing() -> None:
    scenario = facts((cluster(completed=None),), (practice(),), (member("100001", "K1", D(2019, 1, 1)),))
    assert all(is_empty(r) for r in run(scenario, D(2019, 2, 1), D(2020, 1, 15), D(2021, 6, 1)))
    assert payable_at(scenario, D(2021, 6, 1)) == ()


# --- A5 new practices after completion ------------------------------------------------------------


def test_a_practice_registered_after_completion_is_paid_from_the_next_first_of_january_retroactively() -> (
    None
):
    # Completed 2019-02-01; 100002 joined 2019-05-01, recorded 2019-05-03 → eligible 2020-01-01.
    # The first run of 2020 pays 10.000 + 1.000 × 245/365 (1 May - 31 Dec 2019: 671,23) + 1.000 (2020).
    scenario = facts(
        (cluster(completed=D(2019, 2, 1)),),
        (practice("100001"), practice("100002")),
        (
            member("100001", "K1", D(2019, 1, 1), recorded=D(2019, 2, 1)),  # recorded on completion: in time
            member("100002", "K1", D(2019, 5, 1), recorded=D(2019, 5, 3)),
        ),
    )
    completion, june, new_years_eve, january = run(
        scenario, D(2019, 2, 1), D(2019, 6, 1), D(2019, 12, 31), D(2020, 1, 2)
    )
    assert paid(completion) == Decimal("11000.00")  # 100001: fee + all of 2019
    assert is_empty(june) and is_empty(new_years_eve)
    lines = [line for line in payout(january).lines if line.practice == "100002"]  # type: ignore[union-attr]
    assert [(line.kind, line.amount, line.rule) for line in lines] == [
        ("startup_fee", Decimal("10000.00"), "A7"),
        ("annual", Decimal("671.23"), "A5"),
        ("annual", Decimal("1000.00"), "A5"),
    ]
    assert paid(january) == Decimal("11671.23") + Decimal("1000.00")  # and 100001's 2020


# --- A6 annual funds ------------------------------------------------------------------------------


def test_a_capacity_change_within_the_year_splits_it_into_stretches_each_at_its_capacities() -> None:
    # 2 capacities, 3 from 2019-07-01 (known in advance): 2.000 × 181/365 = 991,78 and
    # 3.000 × 184/365 = 1.512,33; fee 2 × 10.000 (capacities on the day it joined).
    scenario = facts(
        (cluster(),),
        (practice("100001", (D(2015, 1, 1), 2), (D(2019, 7, 1), 3, D(2019, 1, 1))),),
        (member("100001", "K1", D(2019, 1, 1)),),
    )
    (result,) = run(scenario, D(2019, 1, 10))
    lines = payout(result).lines  # type: ignore[union-attr]
    assert [
        (line.period_from, line.period_to, line.days, line.capacities, line.amount) for line in lines[1:]
    ] == [
        (D(2019, 1, 1), D(2019, 6, 30), 181, 2, Decimal("991.78")),
        (D(2019, 7, 1), D(2019, 12, 31), 184, 3, Decimal("1512.33")),
    ]
    assert lines[0].amount == Decimal("20000.00")
    assert paid(result) == Decimal("22504.11")


def test_a_leap_year_is_prorated_by_366_days() -> None:
    # Member 2020-01-01 until 2020-03-01 (announced in advance): 60 days of 366 → 1.000 × 60/366 = 163,93.
    # Leaving before the anniversary, the fee is never due, so it is never paid.
    scenario = facts(
        (cluster(founded=D(2020, 1, 1), completed=D(2020, 1, 1)),),
        (practice(),),
        (member("100001", "K1", D(2020, 1, 1), D(2020, 3, 1), left_recorded=D(2020, 1, 1)),),
    )
    (result,) = run(scenario, D(2020, 1, 10))
    (line,) = payout(result).lines  # type: ignore[union-attr]
    assert (line.days, line.days_in_year, line.amount) == (60, 366, Decimal("163.93"))


def test_a_capacity_change_recorded_late_is_picked_up_and_regulated_by_the_next_run() -> None:
    # 1 capacity; 2 from 2019-04-01, recorded only 2019-08-01. January pays 1.000 for 2019; September
    # finds 1.000 × 90/365 (246,58) + 2.000 × 275/365 (1.506,85) = 1.753,43 due: pays 753,43.
    scenario = facts(
        (cluster(),),
        (practice("100001", (D(2015, 1, 1), 1), (D(2019, 4, 1), 2, D(2019, 8, 1))),),
        (member("100001", "K1", D(2019, 1, 1)),),
    )
    january, july, september = run(scenario, D(2019, 1, 10), D(2019, 7, 31), D(2019, 9, 1))
    assert paid(january) == Decimal("11000.00")
    assert is_empty(july)
    assert paid(september) == Decimal("753.43")
    assert [(line.kind, line.amount) for line in payout(september).lines] == [  # type: ignore[union-attr]
        ("annual", Decimal("246.58")),
        ("annual", Decimal("1506.85")),
        ("adjustment", Decimal("-1000.00")),
    ]


def test_annual_funds_use_each_years_rate() -> None:
    rates = ((2019, Decimal("1000.00")), (2020, Decimal("1200.00")))
    scheme = dataclasses.replace(OK18, annual_rates=rates)
    scenario = facts((cluster(),), (practice(),), (member("100001", "K1", D(2019, 1, 1)),), schemes=(scheme,))
    _first, second = run(scenario, D(2019, 1, 10), D(2020, 1, 10))
    assert paid(second) == Decimal("1200.00")


# --- A7 startup fee -------------------------------------------------------------------------------


def test_practice_leaving_before_first_anniversary_repays_startup_fee() -> None:
    # 2 capacities, joined 2019-03-01, left 2020-02-29 (anniversary 2020-03-01): the 20.000 is claimed;
    # the same run pays 2020's funds for 1 Jan - 28 Feb: 2.000 × 59/366 = 322,40.
    scenario = facts(
        (cluster(founded=D(2019, 3, 1), completed=D(2019, 3, 1)),),
        (practice("100001", (D(2015, 1, 1), 2)),),
        (member("100001", "K1", D(2019, 3, 1), D(2020, 2, 29)),),
    )
    joined, left = run(scenario, D(2019, 3, 10), D(2020, 3, 10))
    assert paid(joined) == Decimal("21676.71")  # 20.000 + 2.000 × 306/365
    (claim,) = left.claims
    assert (claim.cluster, claim.practice, claim.amount) == ("K1", "100001", Decimal("20000.00"))
    assert (claim.reason, claim.rule) == ("startup_fee_repayment", "A7")
    assert (claim.lines[0].period_from, claim.lines[0].period_to) == (D(2019, 3, 1), D(2020, 2, 28))
    assert paid(left) == Decimal("322.40")


def test_practice_leaving_on_its_first_anniversary_keeps_the_startup_fee() -> None:
    scenario = facts(
        (cluster(founded=D(2019, 3, 1), completed=D(2019, 3, 1)),),
        (practice(),),
        (member("100001", "K1", D(2019, 3, 1), D(2020, 3, 1)),),
    )
    joined, left = run(scenario, D(2019, 3, 10), D(2020, 3, 10))
    assert any(line.kind == "startup_fee" for line in payout(joined).lines)  # type: ignore[union-attr]
    assert not left.claims


@pytest.mark.parametrize(("left", "repaid"), [(D(2021, 2, 28), True), (D(2021, 3, 1), False)])
def test_a_practice_that_joined_on_29_february_keeps_its_fee_only_from_1_march(left: D, repaid: bool) -> None:
    scenario = facts(
        (cluster(founded=D(2020, 1, 1), completed=D(2020, 2, 29)),),
        (practice(),),
        (member("100001", "K1", D(2020, 2, 29), left, left_recorded=D(2021, 1, 1)),),
    )
    joined, known, gone = run(scenario, D(2020, 3, 10), D(2021, 1, 10), D(2021, 3, 10))
    assert payout(joined).lines[0].amount == Decimal("10000.00")  # type: ignore[union-attr]
    assert not known.claims  # the leaving is known, but the practice is still a member: no claim yet
    assert [c.amount for c in gone.claims] == ([Decimal("10000.00")] if repaid else [])


def test_the_anniversary_of_a_29_february_join_is_1_march() -> None:
    assert startup_fee_anniversary(D(2020, 2, 29)) == D(2021, 3, 1)
    assert startup_fee_anniversary(D(2019, 6, 1)) == D(2020, 6, 1)
    assert startup_fee_anniversary(D(2023, 2, 28)) == D(2024, 2, 28)


def test_deregistration_consequence_is_the_fee_for_every_capacity_or_none() -> None:
    fee = Decimal("10000.00")
    assert deregistration_consequence(D(2019, 6, 1), D(2020, 5, 31), 3, fee) == Decimal("30000.00")
    assert deregistration_consequence(D(2019, 6, 1), D(2020, 6, 1), 3, fee) is None  # a whole year
    assert deregistration_consequence(D(2020, 2, 29), D(2021, 2, 28), 1, fee) == Decimal("10000.00")
    assert deregistration_consequence(D(2020, 2, 29), D(2021, 3, 1), 1, fee) is None
    assert deregistration_consequence(D(2022, 6, 1), D(2022, 9, 1), 2, None) is None  # OK22: no fee


def test_a_repaid_fee_may_be_earned_again_in_the_next_cluster_but_a_kept_fee_never() -> None:
    # 100001 leaves K1 after 5 months (fee repaid) and earns a fee in K2; 100002 stays 17 months (fee
    # kept) and earns none in K2. Both moves are paid by K2 from 2020 (A5/A8).
    scenario = facts(
        (cluster("K1"), cluster("K2")),
        (practice("100001"), practice("100002")),
        (
            member("100001", "K1", D(2019, 1, 1), D(2019, 6, 1)),
            member("100001", "K2", D(2019, 6, 1)),
            member("100002", "K1", D(2019, 1, 1), D(2020, 6, 1)),
            member("100002", "K2", D(2020, 6, 1)),
        ),
    )
    fees = {
        (e.key.cluster, e.key.practice): e.amount
        for e in payable_at(scenario, D(2021, 1, 10))
        if e.key.kind == "startup_fee" and e.amount
    }
    assert fees == {("K2", "100001"): Decimal("10000.00"), ("K1", "100002"): Decimal("10000.00")}


# --- A8 moves -------------------------------------------------------------------------------------


def move(policy: str = "net", *, stayer: bool = False) -> Scenario:
    """100001 in K1 from 2019, moves to K2 on 2020-07-01 (recorded that day); maybe a stayer in K1."""
    practices = (practice("100001"), practice("100009")) if stayer else (practice("100001"),)
    memberships = [
        member("100001", "K1", D(2019, 1, 1), D(2020, 7, 1)),
        member("100001", "K2", D(2020, 7, 1)),
    ]
    if stayer:
        memberships.append(member("100009", "K1", D(2019, 1, 1)))
    return facts((cluster("K1"), cluster("K2")), practices, tuple(memberships), policy=policy)


def test_a_moving_practice_is_paid_by_the_receiving_cluster_from_the_next_year_and_regulated_in_the_leaving_one() -> (
    None
):
    # K1 was paid all of 2020 in January; after the move only 1 Jan - 30 Jun is due there
    # (1.000 × 182/366 = 497,27): -502,73 is carried forward. K2 gets nothing until 2021, then
    # 1 Jul - 31 Dec 2020 (1.000 × 184/366 = 502,73) and 2021 (1.000), and no second fee.
    _first, january, july, next_january = run(
        move(), D(2019, 1, 10), D(2020, 1, 10), D(2020, 7, 10), D(2021, 1, 10)
    )
    assert paid(january, "K1") == Decimal("1000.00")
    assert is_empty(july)
    assert [(c.cluster, c.amount) for c in july.carried_forward] == [("K1", Decimal("502.73"))]
    k2 = payout(next_january, "K2")
    assert k2 is not None and k2.amount == Decimal("1502.73")
    assert {line.rule for line in k2.lines} == {"A8"}
    assert all(line.kind == "annual" for line in k2.lines)
    paid_for_2020 = [e.amount for e in payable_at(move(), D(2021, 1, 10)) if e.key.period == "2020"]
    assert sum(paid_for_2020) == Decimal("1000.00")  # 497,27 + 502,73: no day paid twice


def test_repeated_moves_pay_every_day_once_and_only_the_last_kept_fee() -> None:
    # K1 Jan-Mar, K2 Apr-Aug, K3 from September 2019: the first two fees are repaid (left within a
    # year), the third is kept; every day of 2019 is paid exactly once.
    scenario = facts(
        (cluster("K1"), cluster("K2"), cluster("K3")),
        (practice(),),
        (
            member("100001", "K1", D(2019, 1, 1), D(2019, 4, 1)),
            member("100001", "K2", D(2019, 4, 1), D(2019, 9, 1)),
            member("100001", "K3", D(2019, 9, 1)),
        ),
    )
    entitled = payable_at(scenario, D(2020, 1, 10))
    spans = sorted(
        (line.period_from, line.period_to, e.key.cluster)
        for e in entitled
        if e.key.period == "2019"
        for line in e.lines
    )
    assert [s[2] for s in spans] == ["K1", "K2", "K3"]
    for (_a, end, _c), (start, _b, _d) in itertools.pairwise(spans):
        assert start == end + dt.timedelta(days=1)
    assert sum((s[1] - s[0]).days + 1 for s in spans) == 365
    fees = [(e.key.cluster, e.amount) for e in entitled if e.key.kind == "startup_fee"]
    assert fees == [("K3", Decimal("10000.00"))]


# --- A9 settlement of differences -----------------------------------------------------------------


def test_with_policy_net_an_annual_overpayment_is_netted_against_the_next_payout() -> None:
    # 100009 stays in K1: its 2021 funds (1.000) are reduced by the -502,73 of 100001's move.
    *_, next_january = run(
        move("net", stayer=True), D(2019, 1, 10), D(2020, 1, 10), D(2020, 7, 10), D(2021, 1, 10)
    )
    k1 = payout(next_january, "K1")
    assert k1 is not None and k1.amount == Decimal("497.27")
    assert [
        (line.kind, line.practice, line.amount, line.rule) for line in k1.lines if line.kind == "adjustment"
    ] == [("adjustment", "100001", Decimal("-502.73"), "A9")]
    assert not next_january.claims


def test_with_policy_claim_an_annual_overpayment_is_claimed_at_once() -> None:
    *_, july, next_january = run(
        move("claim", stayer=True), D(2019, 1, 10), D(2020, 1, 10), D(2020, 7, 10), D(2021, 1, 10)
    )
    (claim,) = july.claims
    assert (claim.cluster, claim.practice, claim.amount) == ("K1", "", Decimal("502.73"))
    assert (claim.reason, claim.rule) == ("annual_overpayment", "A9")
    assert not july.carried_forward
    assert paid(next_january, "K1") == Decimal("1000.00")  # nothing left to net


def test_running_the_same_run_twice_pays_nothing_the_second_time() -> None:
    scenario = move(stayer=True)
    first = run_payouts(scenario, D(2020, 1, 10))
    again = run_payouts(scenario, D(2020, 1, 10), first.settled)
    assert first.result.payouts
    assert is_empty(again.result) and again.changes == ()
    assert again.settled == first.settled


def test_the_settled_state_can_be_rebuilt_from_stored_amounts() -> None:
    scenario = move(stayer=True)
    first = run_payouts(scenario, D(2020, 1, 10))
    stored = [(tuple(key), amount) for key, amount in first.changes]  # as a database would give them
    rebuilt = SettledState.from_amounts(stored)  # type: ignore[arg-type]
    assert rebuilt == first.settled
    assert is_empty(run_payouts(scenario, D(2020, 1, 10), rebuilt).result)


# --- A10 rounding ---------------------------------------------------------------------------------


def test_each_line_is_rounded_half_up_to_ore_and_the_total_is_the_sum_of_the_rounded_lines() -> None:
    # Rate 1.000,01; 1 capacity 1 Jan - 1 Jul 2020 (183 of 366 days): 500,005 → 500,01 (half up, not
    # to even); 3 capacities 2 Jul - 31 Dec (183 days): 1.500,015 → 1.500,02. Total 2.000,03, where
    # rounding the exact sum (2.000,02) would lose an øre.
    scheme = Scheme("X", "capacity", D(2020, 1, 1), None, None, ((2020, Decimal("1000.01")),))
    scenario = facts(
        (cluster(founded=D(2020, 1, 1), completed=D(2020, 1, 1)),),
        (practice("100001", (D(2015, 1, 1), 1), (D(2020, 7, 2), 3, D(2015, 1, 1))),),
        (member("100001", "K1", D(2020, 1, 1)),),
        schemes=(scheme,),
    )
    (result,) = run(scenario, D(2020, 1, 10))
    assert [line.amount for line in payout(result).lines] == [Decimal("500.01"), Decimal("1500.02")]  # type: ignore[union-attr]
    assert paid(result) == Decimal("2000.03")


def test_a_capacity_record_repeating_the_same_count_does_not_split_the_stretch() -> None:
    # 3 capacities, "3 from 2019-05-31" registered again; member 1 Jan - 25 Dec 2019 (359 days, leaving
    # announced in advance, so no fee). One stretch: 3.000 × 359/365 = 2.950,684… → 2.950,68; split at
    # 31 May it would be 1.232,88 + 1.717,81 = 2.950,69.
    scenario = facts(
        (cluster(),),
        (practice("100001", (D(2015, 1, 1), 3), (D(2019, 5, 31), 3)),),
        (member("100001", "K1", D(2019, 1, 1), D(2019, 12, 26), left_recorded=D(2019, 1, 1)),),
    )
    (result,) = run(scenario, D(2019, 1, 10))
    assert [(line.days, line.amount) for line in payout(result).lines] == [(359, Decimal("2950.68"))]  # type: ignore[union-attr]


# --- OK22: per group-1 patient --------------------------------------------------------------------


def test_ok22_pays_the_rate_times_group1_patients_on_the_count_date_from_the_payment_date() -> None:
    # 100001 (4.800 patients) is counted for 2022: 4.800 × 1,12 = 5.376,00 from 1 March. 100002 joined
    # after the count date and 100003 was recorded after it: not counted for 2022, no startup fee
    # (OK22 has none). A count corrected later (5.000, recorded 2022-04-01) is regulated: +224,00.
    # 2023 (2,32 kr.): 5.000 + 2.100 + 1.000 patients = 18.792,00.
    scenario = facts(
        (cluster(founded=D(2021, 1, 1), completed=D(2021, 1, 1)),),
        (
            practice("100001", patients=((D(2022, 1, 1), 4800), (D(2022, 1, 1), 5000, D(2022, 4, 1)))),
            practice("100002", patients=((D(2022, 1, 1), 2100),)),
            practice("100003", patients=((D(2022, 1, 1), 1000),)),
        ),
        (
            member("100001", "K1", D(2021, 1, 1)),
            member("100002", "K1", D(2022, 2, 1)),
            member("100003", "K1", D(2022, 1, 10), recorded=D(2022, 2, 5)),
        ),
        schemes=(OK18, OK22),
    )
    first, february, march, may, next_march = run(
        scenario, D(2021, 1, 10), D(2022, 2, 15), D(2022, 3, 1), D(2022, 5, 1), D(2023, 3, 1)
    )
    assert paid(first) == Decimal("11000.00")  # OK18 for 2021: fee + 1 capacity
    assert is_empty(february)
    (line,) = payout(march).lines  # type: ignore[union-attr]
    assert (line.practice, line.patients, line.rate, line.amount, line.days) == (
        "100001",
        4800,
        Decimal("1.12"),
        Decimal("5376.00"),
        None,
    )
    assert paid(may) == Decimal("224.00")
    assert paid(next_march) == Decimal("18792.00")
    assert not any(line.kind == "startup_fee" for line in payout(next_march).lines)  # type: ignore[union-attr]
