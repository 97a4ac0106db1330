"""The shipped worked example (gp-cluster-basic) reproduces its expected result exactly (A1-A10)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from klynge.core.payouts import RunResult, SettledState, result_to_json, run_payouts, simulate
from klynge.core.scenario import Scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "examples"
D = dt.date


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(load("gp-cluster-basic.json"))


@pytest.fixture(scope="module")
def runs(scenario: Scenario) -> list[RunResult]:
    return simulate(scenario)


def amounts(run: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return (
        [(p["cluster"], p["amount"]) for p in run["payouts"]],
        [(c["cluster"], c["amount"]) for c in run["claims"]],
    )


def test_every_run_of_the_example_pays_and_claims_exactly_the_expected_amounts(runs: list[RunResult]) -> None:
    expected = load("gp-cluster-basic.expected.json")["runs"]
    got = result_to_json(runs)["runs"]
    assert [r["date"] for r in got] == [r["date"] for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert amounts(mine) == amounts(theirs), mine["date"]


def test_every_payout_and_claim_is_explained_to_the_ore_by_its_lines(runs: list[RunResult]) -> None:
    for run in runs:
        for payout in run.payouts:
            assert payout.lines
            assert sum(line.amount for line in payout.lines) == payout.amount
        for claim in run.claims:
            assert sum(line.amount for line in claim.lines) == claim.amount


def test_the_first_payout_is_the_startup_fee_and_the_rest_of_2018_from_the_founding_assembly(
    runs: list[RunResult],
) -> None:
    # K2 (founded 2018-11-01, completed 2018-12-10), practice 100004 with 3 capacities:
    # A7: 3 × 10.000 = 30.000,00; A2/A6: 3 × 1.000 × 61/365 (1 Nov - 31 Dec 2018) = 501,369… → 501,37.
    (payout,) = runs[0].payouts
    startup, annual = payout.lines
    assert (startup.kind, startup.capacities, startup.rate, startup.amount, startup.rule) == (
        "startup_fee",
        3,
        Decimal("10000.00"),
        Decimal("30000.00"),
        "A7",
    )
    assert (annual.period_from, annual.period_to, annual.days, annual.capacities) == (
        D(2018, 11, 1),
        D(2018, 12, 31),
        61,
        3,
    )
    assert (annual.amount, annual.rule) == (Decimal("501.37"), "A2")
    assert payout.expected_arrival == (D(2018, 12, 24), D(2019, 1, 7))  # Nordjylland: 14-28 days


def test_a_late_deregistration_is_claimed_and_its_annual_overpayment_netted_in_the_next_payout(
    runs: list[RunResult],
) -> None:
    # 100003 joined K1 2019-06-01 and left 2020-04-01 (recorded 2020-04-03), before its anniversary:
    # the 10.000 kr. fee is claimed (A7). 2020 was paid in advance (1.000,00) but only 91/366 is due
    # (248,63): -751,37 is carried forward and netted against K1's 2021 payout (A9, policy "net").
    april = runs[4]
    (claim,) = april.claims
    assert (claim.practice, claim.reason, claim.rule, claim.amount) == (
        "100003",
        "startup_fee_repayment",
        "A7",
        Decimal("10000.00"),
    )
    assert [(c.cluster, c.amount) for c in april.carried_forward] == [("K1", Decimal("751.37"))]
    netted = [line for line in runs[5].payouts[0].lines if line.kind == "adjustment"]
    assert [(line.practice, line.amount, line.rule) for line in netted] == [
        ("100003", Decimal("-751.37"), "A9")
    ]


def test_the_json_has_the_documented_shape_money_as_two_decimal_strings_and_iso_dates(
    runs: list[RunResult],
) -> None:
    document = result_to_json(runs)
    money = re.compile(r"-?[0-9]+\.[0-9]{2}")
    iso = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    for run in document["runs"]:
        assert iso.fullmatch(run["date"])
        for payout in run["payouts"]:
            assert set(payout) >= {"cluster", "amount", "expected_arrival", "lines"}
            assert money.fullmatch(payout["amount"]) and all(
                iso.fullmatch(d) for d in payout["expected_arrival"]
            )
            for line in payout["lines"]:
                assert set(line) >= {
                    "kind",
                    "practice",
                    "from",
                    "to",
                    "days",
                    "capacities",
                    "rate",
                    "amount",
                    "rule",
                }
                assert line["kind"] in {"startup_fee", "annual", "adjustment"}
                assert money.fullmatch(line["amount"]) and re.fullmatch(r"A[2-9]", line["rule"])
        for claim in run["claims"]:
            assert set(claim) >= {"cluster", "amount", "reason", "practice", "rule"}
            assert money.fullmatch(claim["amount"])
    json.dumps(document)  # plain JSON: no Decimal or date objects left


def test_simulating_equals_running_each_run_on_the_state_the_previous_runs_settled(
    scenario: Scenario, runs: list[RunResult]
) -> None:
    state = SettledState()
    for run_date, expected in zip(scenario.runs, runs, strict=True):
        outcome = run_payouts(scenario, run_date, state)
        assert outcome.result == expected
        state = outcome.settled
