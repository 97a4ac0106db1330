"""The payout engine at the edges the mutation tests found unguarded (issue #9 §7): days before the
first capacity record, a one-day stretch, a capacity recorded on the run date, a fee payable on its
joining day, a leaving on the run date, settled amounts of practices and clusters the facts no longer
name, memberships of clusters outside the scenario, a year without a rate between two runs, OK22
lines in JSON. Every amount by hand; OK18 with the example rate 1.000 kr. and the fee 10.000 kr."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from test_payout_rules import cluster, facts, member, paid, payout, practice, run

from klynge.core.payouts import (
    SettledKey,
    SettledState,
    deregistration_consequence,
    result_to_json,
    run_payouts,
    simulate,
)
from klynge.core.scenario import Cluster, Membership, Scheme
from klynge.core.schemes import OK18, OK22

D = dt.date
FEE = Decimal("10000.00")


def lines_of(result: object, cid: str = "K1") -> list[tuple[str, str, D, D, int | None, Decimal, str]]:
    found = payout(result, cid)  # type: ignore[arg-type]
    assert found is not None
    return [
        (x.kind, x.practice, x.period_from, x.period_to, x.capacities, x.amount, x.rule) for x in found.lines
    ]


def test_days_before_the_first_capacity_record_pay_nothing_and_the_fee_counts_no_capacity() -> None:
    # Member from 1 January 2019, but its capacities are known only from 1 July (2 capacities): the
    # first half year has no capacity (no line at all), the fee counts the capacities on the joining
    # day (none).
    scenario = facts(
        (cluster(),),
        (practice("100001", (D(2019, 7, 1), 2)),),
        (member("100001", "K1", D(2019, 1, 1)),),
    )
    (result,) = run(scenario, D(2019, 7, 10))
    assert lines_of(result) == [
        ("annual", "100001", D(2019, 7, 1), D(2019, 12, 31), 2, Decimal("1008.22"), "A6"),  # 2 × 184/365
    ]
    assert paid(result) == Decimal("1008.22")


def test_a_membership_of_one_day_is_paid_that_day() -> None:
    scenario = facts(
        (cluster(),), (practice(),), (member("100001", "K1", D(2019, 12, 31), left_recorded=None),)
    )
    (result,) = run(scenario, D(2020, 1, 2))
    # joined on 31 December: 1.000 × 1/365 = 2,74 for 2019, the fee, and 2020 in advance (A5: recorded
    # after the completion, eligible from 1 January 2020)
    assert [(k, first, last, amount, rule) for k, _p, first, last, _c, amount, rule in lines_of(result)] == [
        ("startup_fee", D(2019, 12, 31), D(2019, 12, 31), FEE, "A7"),
        ("annual", D(2019, 12, 31), D(2019, 12, 31), Decimal("2.74"), "A5"),
        ("annual", D(2020, 1, 1), D(2020, 12, 31), Decimal("1000.00"), "A5"),
    ]


def test_a_capacity_recorded_on_the_run_date_is_seen_by_that_run() -> None:
    scenario = facts(
        (cluster(),),
        (practice("100001", (D(2015, 1, 1), 1), (D(2019, 7, 1), 3, D(2019, 7, 10))),),
        (member("100001", "K1", D(2019, 1, 1)),),
    )
    _first, july = run(scenario, D(2019, 1, 10), D(2019, 7, 10))
    assert paid(july) == Decimal("1008.22")  # 2 more capacities × 1.000 × 184/365


def test_a_fee_registered_ahead_is_paid_by_the_first_run_on_or_after_the_joining_day() -> None:
    # Recorded 1 March (before the completion on 1 April: eligible from then), joins on 1 May.
    scenario = facts(
        (cluster(completed=D(2019, 4, 1)),),
        (practice(),),
        (member("100001", "K1", D(2019, 5, 1), recorded=D(2019, 3, 1)),),
    )
    april, may = run(scenario, D(2019, 4, 10), D(2019, 5, 10))
    assert [line[0] for line in lines_of(april)] == ["annual"]  # the year in advance, no fee yet
    assert lines_of(may) == [("startup_fee", "100001", D(2019, 5, 1), D(2019, 5, 1), 1, FEE, "A7")]


def test_a_kept_fee_shows_the_joining_day_even_when_the_leaving_is_known() -> None:
    # Completed only after the practice's leaving (after its anniversary) was recorded: the fee is
    # kept, and its line is the joining day, not the membership.
    scenario = facts(
        (cluster(completed=D(2020, 9, 1)),),
        (practice(),),
        (member("100001", "K1", D(2019, 1, 1), D(2020, 6, 1), left_recorded=D(2020, 3, 1)),),
    )
    (result,) = run(scenario, D(2020, 9, 10))
    assert lines_of(result)[0] == ("startup_fee", "100001", D(2019, 1, 1), D(2019, 1, 1), 1, FEE, "A7")


def test_a_leaving_registered_ahead_is_claimed_by_a_run_on_the_leaving_day() -> None:
    scenario = facts(
        (cluster(),),
        (practice(),),
        (member("100001", "K1", D(2019, 1, 1), D(2019, 9, 1), left_recorded=D(2019, 7, 1)),),
    )
    _first, before, on_the_day = run(scenario, D(2019, 1, 10), D(2019, 8, 31), D(2019, 9, 1))
    assert not before.claims
    assert [(c.practice, c.amount) for c in on_the_day.claims] == [("100001", FEE)]


def test_a_practice_back_with_fewer_capacities_repays_the_difference_with_both_lines() -> None:
    # 2 capacities when it joined, out from 1 June (before its anniversary), back the next day with 1.
    # The return is recorded after the completion (A5: eligible from 1 January 2020), and no run falls
    # between: the run of January 2020 sees the old fee of 20.000 repaid and the new one of 10.000
    # earned, one claim of 10.000 for the practice, with both lines.
    scenario = facts(
        (cluster(),),
        (practice("100001", (D(2015, 1, 1), 2), (D(2019, 3, 1), 1)),),
        (member("100001", "K1", D(2019, 1, 1), D(2019, 6, 1)), member("100001", "K1", D(2019, 6, 2))),
    )
    first, later = run(scenario, D(2019, 1, 10), D(2020, 1, 10))
    assert lines_of(first)[0][5] == 2 * FEE
    (claim,) = later.claims
    assert (claim.practice, claim.amount) == ("100001", FEE)
    assert [(x.kind, x.period_from, x.period_to, x.amount, x.rule) for x in claim.lines] == [
        ("startup_fee", D(2019, 1, 1), D(2019, 5, 31), 2 * FEE, "A7"),  # the repaid membership
        ("adjustment", D(2019, 6, 2), D(2019, 6, 2), -FEE, "A7"),  # less the fee it now earns
    ]
    # the return to the same cluster is no move (A8): its annual lines cite A5 (recorded late)
    rules = {x.rule for p in later.payouts for x in p.lines if x.kind == "annual"}
    assert rules == {"A5"}  # (the old membership's shorter 2019 is an adjustment line)


def test_settled_amounts_of_practices_and_clusters_the_facts_no_longer_name_are_claimed() -> None:
    # The database still holds a paid fee of a practice whose facts are gone, in a cluster the
    # scenario does not describe (another region's): nothing is payable, so it is claimed.
    gone = SettledKey("K9", "100009", "startup_fee", "2019-01-01")
    outcome = run_payouts(
        facts((cluster(),), (), ()), D(2020, 1, 10), SettledState.from_amounts([(gone, FEE)])
    )
    assert [(c.cluster, c.practice, c.amount) for c in outcome.result.claims] == [("K9", "100009", FEE)]
    assert outcome.changes == ((gone, -FEE),)
    assert outcome.settled.ore == {}


def test_what_a_run_settles_is_the_difference_per_key() -> None:
    scenario = facts((cluster(),), (practice(),), (member("100001", "K1", D(2019, 1, 1)),))
    first = run_payouts(scenario, D(2019, 1, 10))
    year = SettledKey("K1", "100001", "annual", "2019")
    fee = SettledKey("K1", "100001", "startup_fee", "2019-01-01")
    assert dict(first.changes) == {fee: FEE, year: Decimal("1000.00")}
    shorter = dataclasses.replace(
        scenario, memberships=(member("100001", "K1", D(2019, 1, 1), D(2020, 1, 1)),)
    )
    again = run_payouts(shorter, D(2019, 1, 10), first.settled)
    assert again.changes == ()  # left on 1 January 2020: 2019 is whole, the fee kept
    # policy "claim": the shorter year is claimed at once, so both keys are settled (1.000 × 181/365)
    earlier = facts(
        (cluster(),), (practice(),), (member("100001", "K1", D(2019, 1, 1), D(2019, 7, 1)),), policy="claim"
    )
    regulated = run_payouts(earlier, D(2019, 7, 10), first.settled)
    assert dict(regulated.changes) == {fee: -FEE, year: Decimal("495.89") - Decimal("1000.00")}


def test_a_membership_of_a_cluster_outside_the_scenario_is_passed_over_not_the_rest() -> None:
    scenario = facts(
        (cluster(),),
        (practice(),),
        (
            Membership("100001", "K9", D(2018, 1, 1), D(2019, 1, 1), D(2018, 1, 1), D(2019, 1, 1)),
            member("100001", "K1", D(2019, 1, 1)),
        ),
    )
    (result,) = run(scenario, D(2019, 1, 10))
    assert [line[0] for line in lines_of(result)] == ["startup_fee", "annual"]


def test_a_membership_that_began_before_any_scheme_earns_no_fee_and_is_paid_from_the_first_rate() -> None:
    scenario = facts(
        (cluster("K1", founded=D(2017, 1, 1), completed=D(2017, 1, 1)),),
        (practice(),),
        (member("100001", "K1", D(2017, 6, 1)),),
    )
    (result,) = run(scenario, D(2018, 1, 10))
    assert [(x[0], x[2], x[5]) for x in lines_of(result)] == [("annual", D(2018, 1, 1), Decimal("1000.00"))]


def test_a_practice_with_memberships_but_no_facts_of_its_own_is_paid_nothing() -> None:
    scenario = facts((cluster(),), (), (member("100001", "K1", D(2019, 1, 1)),))
    (result,) = run(scenario, D(2019, 1, 10))
    assert result.payouts == () and result.claims == ()


def test_a_year_without_a_rate_between_two_runs_does_not_stop_the_next_year() -> None:
    scheme = Scheme(
        "CAP", "capacity", D(2019, 1, 1), None, FEE, ((2019, Decimal("1000.00")), (2021, Decimal("1000.00")))
    )
    scenario = facts((cluster(),), (practice(),), (member("100001", "K1", D(2019, 1, 1)),), schemes=(scheme,))
    _first, later = run(scenario, D(2019, 1, 10), D(2021, 1, 10))
    found = payout(later)
    assert found is not None and [(x.period_from, x.amount) for x in found.lines] == [
        (D(2021, 1, 1), Decimal("1000.00"))
    ]


def test_a_later_fee_scheme_after_a_scheme_without_fee() -> None:
    # 2018 under a scheme without a startup fee, 2019 under one with: the second membership earns it.
    without = Scheme("A", "capacity", D(2018, 1, 1), D(2018, 12, 31), None, ((2018, Decimal("1000.00")),))
    with_fee = Scheme("B", "capacity", D(2019, 1, 1), None, FEE, ((2019, Decimal("1000.00")),))
    scenario = facts(
        (cluster("K1", founded=D(2018, 1, 1), completed=D(2018, 1, 1)), cluster("K2")),
        (practice(),),
        (
            member("100001", "K1", D(2018, 3, 1), D(2018, 9, 1)),
            member("100001", "K2", D(2019, 2, 1), recorded=D(2018, 12, 1)),
        ),
        schemes=(without, with_fee),
    )
    (result,) = run(scenario, D(2019, 2, 10))
    assert ("startup_fee", FEE) in [(x[0], x[5]) for x in lines_of(result, "K2")]


def test_ok22_lines_in_json_with_patients_a_move_and_a_count_recorded_after_the_count_date() -> None:
    # 100001 moves from K1 to K2 on 1 January 2025 (recorded then): K2's 2025 patient line cites A8.
    # 100002's first patient count starts after the count date: it is paid nothing.
    clusters = (
        Cluster("K1", "Klynge K1", "1081", "29403473", D(2022, 1, 1), D(2022, 1, 1)),
        Cluster("K2", "Klynge K2", "1081", "29403473", D(2022, 1, 1), D(2022, 1, 1)),
    )
    scenario = facts(
        clusters,
        (
            practice("100001", patients=((D(2022, 1, 1), 1000),)),
            practice("100002", patients=((D(2025, 2, 1), 500),)),
        ),
        (
            member("100001", "K1", D(2022, 1, 1), D(2025, 1, 1)),
            member("100001", "K2", D(2025, 1, 1), recorded=D(2022, 6, 1)),
            member("100002", "K2", D(2022, 1, 1)),
        ),
        schemes=(OK18, OK22),
    )
    document = result_to_json(simulate(dataclasses.replace(scenario, runs=(D(2025, 3, 10),))))
    (run_2025,) = document["runs"]
    k2 = [p for p in run_2025["payouts"] if p["cluster"] == "K2"]
    assert k2 == [
        {
            "cluster": "K2",
            "amount": "3650.00",
            "expected_arrival": ["2025-03-24", "2025-04-07"],
            "lines": [
                {
                    "kind": "annual",
                    "practice": "100001",
                    "from": "2025-01-01",
                    "to": "2025-12-31",
                    "days": None,
                    "capacities": None,
                    "rate": "3.65",
                    "amount": "3650.00",
                    "rule": "A8",
                    "patients": 1000,
                }
            ],
        }
    ]


def test_no_fee_is_repaid_for_a_practice_without_capacities() -> None:
    assert deregistration_consequence(D(2019, 1, 1), D(2019, 6, 1), 0, FEE) is None
    assert deregistration_consequence(D(2019, 1, 1), D(2019, 6, 1), 2, FEE) == 2 * FEE
    assert deregistration_consequence(D(2019, 1, 1), D(2020, 1, 1), 2, FEE) is None
    assert deregistration_consequence(D(2019, 1, 1), D(2019, 6, 1), 2, None) is None


def test_a_fee_paid_to_a_later_cluster_is_claimed_as_an_adjustment_once_an_earlier_kept_fee_shows() -> None:
    # K2 paid 100001's fee in January 2020; then a membership of K1 from June 2018 to 1 January 2020
    # (past its anniversary) is recorded late: the fee was K1's (A7). K2 repays only once the practice
    # has left it (1 May), and the claim reads as an adjustment of K2's key: K2's membership bears no fee.
    scenario = facts(
        (
            cluster("K1", founded=D(2018, 1, 1), completed=D(2018, 1, 1)),
            cluster("K2", completed=D(2020, 1, 1)),
        ),
        (practice(),),
        (
            member("100001", "K1", D(2018, 6, 1), D(2020, 1, 1), recorded=D(2020, 3, 1)),
            member("100001", "K2", D(2020, 1, 1), D(2020, 5, 1), left_recorded=D(2020, 5, 1)),
        ),
    )
    january, march, may = run(scenario, D(2020, 1, 10), D(2020, 3, 10), D(2020, 5, 10))
    assert ("startup_fee", FEE) in [(x[0], x[5]) for x in lines_of(january, "K2")]
    assert not [c for c in march.claims if c.cluster == "K2"]  # still a member of K2
    (claim,) = [c for c in may.claims if c.cluster == "K2"]
    assert [(x.kind, x.period_from, x.period_to, x.amount, x.rule) for x in claim.lines] == [
        ("adjustment", D(2020, 1, 1), D(2020, 1, 1), FEE, "A7")
    ]


def test_a_practice_whose_every_fact_is_recorded_between_two_runs_is_paid_by_the_second() -> None:
    scenario = facts(
        (cluster(completed=D(2019, 3, 1)),),
        (practice("100001", (D(2019, 2, 1), 1)),),
        (member("100001", "K1", D(2019, 2, 1)),),
    )
    before, after = run(scenario, D(2019, 1, 10), D(2019, 4, 10))
    assert before.payouts == ()
    assert paid(after) == FEE + Decimal("915.07")  # 1.000 × 334/365 (1 February - 31 December)
