"""The ``klynge simulate --json`` document of a small scenario, every key of every run written out by
hand: payouts with their lines, a startup-fee claim with the membership's line, one annual claim on
the cluster (policy ``claim``), a netted balance carried forward (policy ``net``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from test_payout_rules import cluster, facts, member, practice

from klynge.core.payouts import SettledKey, SettledState, result_to_json, simulate

D = dt.date


def two_practices(policy: str) -> object:
    """K1 from 2019 (completed then): 100001 with 2 capacities leaves on 1 July 2019 (recorded that
    day), 100002 with 1 capacity stays."""
    return facts(
        (cluster("K1"),),
        (practice("100001", (D(2015, 1, 1), 2)), practice("100002")),
        (member("100001", "K1", D(2019, 1, 1), D(2019, 7, 1)), member("100002", "K1", D(2019, 1, 1))),
        policy=policy,
    )


def line(
    kind: str, number: str, first: str, last: str, amount: str, rule: str, **more: object
) -> dict[str, object]:
    return {
        "kind": kind,
        "practice": number,
        "from": first,
        "to": last,
        "days": more.get("days"),
        "capacities": more.get("capacities"),
        "rate": more.get("rate"),
        "amount": amount,
        "rule": rule,
        **({"days_in_year": more["days_in_year"]} if "days_in_year" in more else {}),
    }


FIRST_RUN = {
    "date": "2019-01-10",
    "payouts": [
        {
            "cluster": "K1",
            "amount": "33000.00",
            "expected_arrival": ["2019-01-24", "2019-02-07"],
            "lines": [
                line("startup_fee", "100001", "2019-01-01", "2019-01-01", "20000.00", "A7", capacities=2, rate="10000.00"),
                line(
                    "annual", "100001", "2019-01-01", "2019-12-31", "2000.00", "A6",
                    days=365, capacities=2, rate="1000.00", days_in_year=365,
                ),
                line("startup_fee", "100002", "2019-01-01", "2019-01-01", "10000.00", "A7", capacities=1, rate="10000.00"),
                line(
                    "annual", "100002", "2019-01-01", "2019-12-31", "1000.00", "A6",
                    days=365, capacities=1, rate="1000.00", days_in_year=365,
                ),
            ],
        }
    ],
    "claims": [],
    "carried_forward": [],
}  # fmt: skip

FEE_CLAIM = {
    "cluster": "K1",
    "amount": "20000.00",
    "reason": "startup_fee_repayment",
    "practice": "100001",
    "rule": "A7",
    # the repaid fee shows the membership, joined to its last day, and the fee per capacity
    "lines": [line("startup_fee", "100001", "2019-01-01", "2019-06-30", "20000.00", "A7", rate="10000.00")],
}


def test_policy_claim_in_json_a_fee_claim_and_one_annual_claim_on_the_cluster() -> None:
    runs = simulate(dataclasses.replace(two_practices("claim"), runs=(D(2019, 1, 10), D(2019, 7, 10))))  # type: ignore[type-var]
    # 100001's 2019 is now 1 January - 30 June: 2 × 1.000 × 181/365 = 991,78 of the 2.000 paid
    assert result_to_json(runs) == {
        "runs": [
            FIRST_RUN,
            {
                "date": "2019-07-10",
                "payouts": [],
                "claims": [
                    FEE_CLAIM,
                    {
                        "cluster": "K1",
                        "amount": "1008.22",
                        "reason": "annual_overpayment",
                        "practice": None,
                        "rule": "A9",
                        "lines": [line("adjustment", "100001", "2019-01-01", "2019-12-31", "1008.22", "A9")],
                    },
                ],
                "carried_forward": [],
            },
        ]
    }


def test_policy_net_in_json_the_same_overpayment_carried_forward_and_netted_in_january() -> None:
    scenario = dataclasses.replace(
        two_practices("net"), runs=(D(2019, 1, 10), D(2019, 7, 10), D(2020, 1, 10))
    )  # type: ignore[type-var]
    first, july, january = result_to_json(simulate(scenario))["runs"]  # type: ignore[arg-type]
    assert first == FIRST_RUN
    assert july == {"date": "2019-07-10", "payouts": [], "claims": [FEE_CLAIM], "carried_forward": [
        {"cluster": "K1", "amount": "1008.22"}
    ]}  # fmt: skip
    # 2020 for 100002 (1.000) does not cover what 2019 overpaid for 100001 (1.008,22): nothing is paid,
    # 8,22 is still carried forward
    assert january == {
        "date": "2020-01-10",
        "payouts": [],
        "claims": [],
        "carried_forward": [{"cluster": "K1", "amount": "8.22"}],
    }


def test_the_settled_state_reads_amounts_and_totals_per_cluster() -> None:
    k1_fee = SettledKey("K1", "100001", "startup_fee", "2019-01-01")
    k1_year = SettledKey("K1", "100001", "annual", "2019")
    k2_year = SettledKey("K2", "100002", "annual", "2019")
    state = SettledState.from_amounts(
        [(k1_fee, Decimal("20000.00")), (k1_year, Decimal("991.78")), (k1_year, Decimal("0.01")), (k2_year, Decimal("-5.50"))]
    )  # fmt: skip
    assert state.amount(k1_year) == Decimal("991.79")  # repeated keys are added up
    assert state.amount(SettledKey("K9", "1", "annual", "2019")) == Decimal("0.00")
    assert state.total("K1") == Decimal("20991.79")
    assert state.total("K2") == Decimal("-5.50")
    assert state.total() == Decimal("20986.29")
    assert state.amounts() == {
        k1_fee: Decimal("20000.00"),
        k1_year: Decimal("991.79"),
        k2_year: Decimal("-5.50"),
    }
    assert SettledState({k1_fee: 0, k1_year: 5}).ore == {k1_year: 5}  # zero entries are dropped
