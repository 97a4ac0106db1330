"""The readings of A7 and A9 that the brief made precise (issue #9), each on a small scenario of our own
and computed by hand, plus Hypothesis properties that state them for any registry.

OK18 with the example annual rate 1.000 kr. per capacity and the startup fee 10.000 kr. per capacity,
one capacity, every fact recorded on its own date unless a test says otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_payout_properties import FEW, money_flow, scenarios
from test_payout_rules import cluster, facts, member, paid, payout, practice, run

from klynge.core.payouts import ANNUAL_OVERPAYMENT, STARTUP_FEE_REPAYMENT, RunResult, simulate
from klynge.core.scenario import Membership, Scenario

D = dt.date
FEE = Decimal("10000.00")


def fee_lines(result: RunResult, cid: str) -> list[Decimal]:
    found = payout(result, cid)
    return [line.amount for line in found.lines if line.kind == "startup_fee"] if found else []


# --- A7: the fee belongs to the first membership that is ongoing or reached its anniversary ----------


def waiting_cluster_then_move(k1_completed: D | None) -> Scenario:
    """100001 is a member of K1 (founded 2019-01-01, completed ``k1_completed``) for 18 months, then
    moves to K2 (completed from the start) on 2020-07-01."""
    return facts(
        (cluster("K1", completed=k1_completed), cluster("K2")),
        (practice("100001"),),
        (
            member("100001", "K1", D(2019, 1, 1), D(2020, 7, 1)),
            member("100001", "K2", D(2020, 7, 1)),
        ),
    )


def test_a_fee_kept_in_a_cluster_still_waiting_for_completion_is_not_earned_again_in_the_next() -> None:
    # K1 is never completed: the practice stayed past its anniversary there, so the fee is K1's (owned,
    # never paid); K2 gets the annual money from 2021 (A8) but no second fee.
    *_, k2_first = run(waiting_cluster_then_move(None), D(2020, 7, 10), D(2021, 1, 10))
    assert fee_lines(k2_first, "K2") == []
    assert paid(k2_first, "K2") == Decimal("1502.73")  # 1.000 × 184/366 + 1.000 for 2021
    assert not k2_first.claims


def test_when_the_waiting_cluster_completes_it_gets_the_fee_and_the_new_cluster_is_never_claimed() -> None:
    # K1 completes on 2021-03-01, after the move: it is paid the fee and its 18 months; K2, which the
    # practice never left, is asked for nothing.
    runs = run(waiting_cluster_then_move(D(2021, 3, 1)), D(2021, 1, 10), D(2021, 3, 10), D(2022, 1, 10))
    assert fee_lines(runs[1], "K1") == [FEE]
    assert paid(runs[1], "K1") == FEE + Decimal("1000.00") + Decimal("497.27")  # 2019 + 1 Jan-30 Jun 2020
    assert all(claim.cluster != "K2" for result in runs for claim in result.claims)
    assert all(fee_lines(result, "K2") == [] for result in runs)


def test_a_fee_repaid_before_its_anniversary_may_be_earned_in_the_next_cluster() -> None:
    # 100001 leaves K1 after 6 months (before its anniversary) and joins K2: K1 repays, K2 earns it.
    scenario = facts(
        (cluster("K1"), cluster("K2")),
        (practice("100001"),),
        (
            member("100001", "K1", D(2019, 1, 1), D(2019, 7, 1)),
            member("100001", "K2", D(2019, 7, 1)),
        ),
    )
    first, moved, january = run(scenario, D(2019, 1, 10), D(2019, 7, 10), D(2020, 1, 10))
    assert fee_lines(first, "K1") == [FEE]
    assert [(c.cluster, c.reason, c.amount) for c in moved.claims] == [("K1", STARTUP_FEE_REPAYMENT, FEE)]
    assert fee_lines(january, "K2") == [FEE]


def test_no_fee_is_claimed_while_the_practice_is_still_a_member() -> None:
    # The leaving (before the anniversary) is recorded two months ahead: the fee is claimed only in the
    # first run after the practice has actually left.
    scenario = facts(
        (cluster("K1"),),
        (practice("100001"),),
        (member("100001", "K1", D(2019, 1, 1), D(2019, 9, 1), left_recorded=D(2019, 7, 1)),),
    )
    first, announced, gone = run(scenario, D(2019, 1, 10), D(2019, 7, 10), D(2019, 9, 10))
    assert fee_lines(first, "K1") == [FEE]
    assert not announced.claims
    (claim,) = gone.claims
    assert (claim.reason, claim.practice, claim.amount) == (STARTUP_FEE_REPAYMENT, "100001", FEE)


# --- A9: re-joining the same cluster -------------------------------------------------------------------


def rejoin(back: D, *, recorded: D) -> Scenario:
    """100001 joins K1 on 2019-01-01 and leaves on 2019-06-01 (before its anniversary), recorded on
    ``recorded``, and comes back on ``back``, recorded then too."""
    return facts(
        (cluster("K1"),),
        (practice("100001"),),
        (
            member("100001", "K1", D(2019, 1, 1), D(2019, 6, 1), left_recorded=recorded),
            member("100001", "K1", back, recorded=recorded),
        ),
    )


def test_a_practice_back_in_the_same_cluster_is_neither_paid_a_new_fee_nor_claimed_the_old_one() -> None:
    # Out 1 June, back 1 August, both recorded on 1 December (after the completion: A5 makes the new
    # membership eligible from 1 January 2020). The run of 10 January 2020 sees the old fee repayable
    # and the new one payable: the sum per practice and cluster is 0, neither paid nor claimed.
    first, january = run(rejoin(D(2019, 8, 1), recorded=D(2019, 12, 1)), D(2019, 1, 10), D(2020, 1, 10))
    assert fee_lines(first, "K1") == [FEE]
    assert not january.claims
    assert all(line.kind != "startup_fee" or line.amount == 0 for p in january.payouts for line in p.lines)
    # 2019: 1 Jan-31 May (151 days, 413,70) and 1 Aug-31 Dec (153 days, 419,18) instead of the 1.000
    # paid in advance, and 2020 in advance: 413,70 + 419,18 - 1.000 + 1.000 = 832,88
    assert paid(january) == Decimal("413.70") + Decimal("419.18") - Decimal("1000.00") + Decimal("1000.00")


def test_a_practice_that_left_is_claimed_and_paid_again_when_its_return_becomes_payable() -> None:
    # The same, recorded as it happens: on 10 August the practice has left and its return is not
    # eligible before 1 January (A5), so the old fee is claimed then and the new one paid in January:
    # never both in one run.
    scenario = facts(
        (cluster("K1"),),
        (practice("100001"),),
        (member("100001", "K1", D(2019, 1, 1), D(2019, 6, 1)), member("100001", "K1", D(2019, 8, 1))),
    )
    _first, back, january = run(scenario, D(2019, 1, 10), D(2019, 8, 10), D(2020, 1, 10))
    assert [(c.reason, c.amount) for c in back.claims] == [(STARTUP_FEE_REPAYMENT, FEE)]
    assert fee_lines(back, "K1") == []
    assert fee_lines(january, "K1") == [FEE]
    assert not january.claims


# --- A9: policy "claim", one annual total per cluster and run --------------------------------------------


def two_practices(policy: str) -> Scenario:
    """K1 from 2019 with 100001 and 100002. In July 2019 100001's leaving on 1 July is recorded (2019
    was paid in advance: 1.000 - 1.000 × 181/365 = 504,11 too much) and 100002's capacities go from 1
    to 3 from 1 July (2 × 1.000 × 184/365 = 1.008,22 more)."""
    return facts(
        (cluster("K1"),),
        (
            practice("100001"),
            practice("100002", (D(2015, 1, 1), 1), (D(2019, 7, 1), 3)),
        ),
        (
            member("100001", "K1", D(2019, 1, 1), D(2019, 7, 1)),
            member("100002", "K1", D(2019, 1, 1)),
        ),
        policy=policy,
    )


def test_policy_claim_pays_a_positive_annual_total_and_shows_the_negative_keys_as_adjustments() -> None:
    _first, july = run(two_practices("claim"), D(2019, 1, 10), D(2019, 7, 10))
    # 100001 also repays its fee (A7, per practice); the annual total 1.008,22 - 504,11 = 504,11 is paid
    assert [(c.reason, c.practice, c.amount) for c in july.claims] == [(STARTUP_FEE_REPAYMENT, "100001", FEE)]
    found = payout(july)
    assert found is not None and found.amount == Decimal("504.11")
    adjustments = [(line.practice, line.amount) for line in found.lines if line.kind == "adjustment"]
    # 100001's key went down (shown as an adjustment); 100002's is shown in full less what it was paid
    assert adjustments == [("100001", Decimal("-504.11")), ("100002", Decimal("-1000.00"))]
    assert sum(line.amount for line in found.lines) == found.amount


def test_policy_claim_raises_one_annual_claim_for_a_negative_total() -> None:
    # Only the leaving: the annual total is -504,11, one claim on the cluster, no payout at all.
    scenario = dataclasses.replace(two_practices("claim"), practices=(practice("100001"), practice("100002")))
    _first, july = run(scenario, D(2019, 1, 10), D(2019, 7, 10))
    annual = [c for c in july.claims if c.reason == ANNUAL_OVERPAYMENT]
    assert [(c.practice, c.amount, c.rule) for c in annual] == [("", Decimal("504.11"), "A9")]
    assert [(line.practice, line.amount) for line in annual[0].lines] == [("100001", Decimal("504.11"))]
    assert payout(july) is None


def test_policy_net_nets_the_same_total() -> None:
    _first, july = run(two_practices("net"), D(2019, 1, 10), D(2019, 7, 10))
    assert paid(july) == Decimal("504.11")
    assert [c.reason for c in july.claims] == [STARTUP_FEE_REPAYMENT]


# --- Properties ---------------------------------------------------------------------------------------


def left_by(scenario: Scenario, when: D) -> set[tuple[str, str]]:
    """(practice, cluster) of the memberships that a run on ``when`` knows to have ended by that day
    (A9: a membership ends at its recorded ``left`` or when the practice's next recorded membership
    begins)."""
    by_practice: dict[str, list[Membership]] = defaultdict(list)
    for m in scenario.memberships:
        if m.recorded <= when:
            by_practice[m.practice].append(m)
    found = set()
    for number, ms in by_practice.items():
        ms.sort(key=lambda m: m.joined)
        for i, m in enumerate(ms):
            end = m.left if m.left is not None and (m.left_recorded or m.left) <= when else None
            if i + 1 < len(ms) and (end is None or ms[i + 1].joined < end):
                end = ms[i + 1].joined
            if end is not None and end <= when:
                found.add((number, m.cluster))
    return found


@FEW
@given(scenarios())
def test_no_cluster_is_both_paid_and_claimed_annual_money_in_one_run(scenario: Scenario) -> None:
    for result in simulate(scenario):
        annual_claims = [c.cluster for c in result.claims if c.reason == ANNUAL_OVERPAYMENT]
        assert len(annual_claims) == len(set(annual_claims))  # one per cluster and run
        for p in result.payouts:
            if p.cluster in annual_claims:
                assert all(line.kind == "startup_fee" for line in p.lines), (result.date, p)
        fee_claims = {(c.cluster, c.practice) for c in result.claims if c.reason == STARTUP_FEE_REPAYMENT}
        for p in result.payouts:  # nor one practice's fee
            paid_fees = {(p.cluster, line.practice) for line in p.lines if line.kind == "startup_fee"}
            assert not paid_fees & fee_claims, (result.date, p)


@FEW
@given(scenarios())
def test_no_fee_is_claimed_from_a_cluster_the_practice_has_not_left(scenario: Scenario) -> None:
    for result in simulate(scenario):
        left = left_by(scenario, result.date)
        for claim in result.claims:
            if claim.reason == STARTUP_FEE_REPAYMENT:
                assert (claim.practice, claim.cluster) in left, (result.date, claim)


def per_cluster(results: list[RunResult]) -> dict[str, Decimal]:
    flows: dict[str, Decimal] = defaultdict(Decimal)
    for result in results:
        for p in result.payouts:
            flows[p.cluster] += p.amount
        for c in result.claims:
            flows[c.cluster] -= c.amount
    for c in results[-1].carried_forward:
        flows[c.cluster] -= c.amount
    return {cluster: amount for cluster, amount in flows.items() if amount}


@FEW
@given(scenarios(), st.data())
def test_moving_a_completion_later_only_delays_payments(scenario: Scenario, data: Any) -> None:
    completed = [c for c in scenario.clusters if c.completed_on is not None]
    if not completed:
        return
    chosen = data.draw(st.sampled_from(completed))
    later = chosen.completed_on + dt.timedelta(days=data.draw(st.integers(1, 400)))  # type: ignore[operator]
    # A5 reads the completion date for each membership's eligibility: keep every membership on the same
    # side of it (none recorded between the two dates), so that moving it only delays.
    if any(
        m.cluster == chosen.id and chosen.completed_on < m.recorded <= later  # type: ignore[operator]
        for m in scenario.memberships
    ):
        return
    moved = dataclasses.replace(
        scenario,
        clusters=tuple(
            dataclasses.replace(c, completed_on=later) if c.id == chosen.id else c for c in scenario.clusters
        ),
    )
    before, after = simulate(scenario), simulate(moved)
    # nothing is paid to the cluster before its (later) completion ...
    for result in after:
        if result.date < later:
            assert payout(result, chosen.id) is None
    # ... and once every fact is known and every membership eligible, the money is the same.
    assert per_cluster(after) == per_cluster(before)
    assert money_flow(after) == money_flow(before)
