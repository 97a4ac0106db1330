"""The engine survives any date in the window (#9 §6): a ``klynge-scenario/1`` document whose every
date is drawn from 2000-01-01 to 31 December five years ahead is read by
:func:`klynge.core.scenario.parse_scenario` and run by :func:`klynge.core.payouts.run_payouts`
without an exception — the first and the last day of the window, 29 February, a cluster founded on
the last day, a membership recorded after the window's last 1 January (A5 moves it to the next year),
years with no rate. Money is never negative in a payout and the lines explain every amount.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klynge.core.dates import date_window
from klynge.core.payouts import SettledState, payable_at, result_to_json, run_payouts
from klynge.core.scenario import ScenarioError, parse_scenario

D = dt.date
WINDOW = date_window(D(2026, 12, 6))  # 2000-01-01 .. 2031-12-31
EDGES = [WINDOW.first, WINDOW.last, D(2000, 2, 29), D(2028, 2, 29), D(2031, 1, 1), D(2030, 12, 31)]
days = st.one_of(st.sampled_from(EDGES), st.dates(WINDOW.first, WINDOW.last))
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def iso(day: dt.date) -> str:
    return day.isoformat()


@st.composite
def schemes(draw: Any) -> list[dict[str, Any]]:
    """A capacity scheme then a patient scheme, split at a drawn year; some years have no rate."""
    years = list(WINDOW.years())
    split = draw(st.sampled_from(years[1:]))
    rated = draw(st.sets(st.sampled_from(years), min_size=0, max_size=len(years)))
    rate = draw(st.sampled_from(["1000.00", "0.01", "1234.57"]))
    return [
        {
            "code": "CAP",
            "basis": "capacity",
            "valid_from": iso(WINDOW.first),
            "valid_to": iso(D(split - 1, 12, 31)),
            "startup_fee_per_capacity": "10000.00",
            "annual_rates": {str(y): rate for y in sorted(rated) if y < split},
        },
        {
            "code": "PAT",
            "basis": "patients",
            "valid_from": iso(D(split, 1, 1)),
            "valid_to": None,
            "count_date": draw(st.sampled_from(["01-31", "02-28", "12-31", "01-01"])),
            "payment_date": draw(st.sampled_from(["03-01", "12-31", "01-01"])),
            "annual_rates": {str(y): "3.65" for y in sorted(rated) if y >= split},
        },
    ]


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    clusters = []
    for i in range(draw(st.integers(1, 2))):
        founded = draw(days)
        completed = draw(st.one_of(st.none(), days.filter(lambda d, f=founded: d >= f)))
        clusters.append(
            {
                "id": f"K{i}",
                "name": f"Klynge {i}",
                "region": "1081",
                "cvr": "29403473",
                "founded_on": iso(founded),
                "completed_on": iso(completed) if completed else None,
            }
        )
    practices, memberships = [], []
    for p in range(draw(st.integers(1, 3))):
        number = f"{100001 + p}"
        values = lambda low, high: st.lists(  # noqa: E731
            st.fixed_dictionaries(
                {"from": days.map(iso), "count": st.integers(low, high), "recorded": days.map(iso)}
            ),
            max_size=3,
            unique_by=lambda v: (v["from"], v["recorded"]),
        )
        practices.append(
            {
                "provider_number": number,
                "name": f"Praksis {p}",
                "capacities": draw(values(1, 4)),
                "group1_patients": draw(values(0, 5000)),
            }
        )
        # memberships one after the other, each in a drawn cluster, from its founding day on
        start = WINDOW.first
        for _ in range(draw(st.integers(0, 3))):
            cluster = draw(st.sampled_from(clusters))
            earliest = max(start, D.fromisoformat(cluster["founded_on"]))
            if earliest > WINDOW.last:
                break
            joined = draw(st.dates(earliest, WINDOW.last))
            left = None
            if joined < WINDOW.last and draw(st.booleans()):
                left = draw(st.dates(joined + dt.timedelta(days=1), WINDOW.last))
            item: dict[str, Any] = {
                "practice": number,
                "cluster": cluster["id"],
                "joined": iso(joined),
                "left": iso(left) if left else None,
                "recorded": iso(draw(days)),
            }
            if left:
                item["left_recorded"] = iso(draw(days))
            memberships.append(item)
            if left is None:
                break
            start = left
    runs = sorted(draw(st.sets(days, min_size=1, max_size=4)))
    return {
        "format": "klynge-scenario/1",
        "schemes": draw(schemes()),
        "regions": [
            {
                "code": "1081",
                "name": "Nord",
                "policy": {"annual_regulation": draw(st.sampled_from(["net", "claim"]))},
            }
        ],
        "clusters": clusters,
        "practices": practices,
        "memberships": memberships,
        "runs": [iso(d) for d in runs],
    }


@EXAMPLES
@given(documents())
def test_the_engine_survives_any_date_in_the_window(document: dict[str, Any]) -> None:
    scenario = parse_scenario(document, window=WINDOW)
    settled = SettledState()
    results = []
    for day in scenario.runs:
        outcome = run_payouts(scenario, day, settled)
        settled = outcome.settled
        results.append(outcome.result)
        for payout in outcome.result.payouts:
            assert payout.amount > 0
            assert sum((line.amount for line in payout.lines), Decimal(0)) == payout.amount
    assert len(result_to_json(results)["runs"]) == len(scenario.runs)
    payable_at(scenario, WINDOW.last)


LAST = iso(WINDOW.last)
LAST_DAY: dict[str, Any] = {
    "format": "klynge-scenario/1",
    "schemes": [
        {
            "code": "PAT",
            "basis": "patients",
            "valid_from": iso(WINDOW.first),
            "valid_to": None,
            "count_date": "12-31",
            "payment_date": "12-31",
            "annual_rates": {str(WINDOW.last.year): "3.65"},
        }
    ],
    "clusters": [
        {
            "id": "K1",
            "name": "K",
            "region": "1081",
            "cvr": "29403473",
            "founded_on": LAST,
            "completed_on": LAST,
        }
    ],
    "practices": [
        {
            "provider_number": "100001",
            "name": "P",
            "capacities": [{"from": LAST, "count": 1}],
            "group1_patients": [{"from": LAST, "count": 1000}],
        }
    ],
    "memberships": [{"practice": "100001", "cluster": "K1", "joined": LAST, "recorded": LAST}],
    "runs": [LAST],
}


def test_the_last_day_of_the_window_everywhere_is_survived() -> None:
    """Every date on the window's last day (a late membership's A5 year is the year after it)."""
    scenario = parse_scenario(LAST_DAY, window=WINDOW)
    result = run_payouts(scenario, WINDOW.last).result
    assert [p.amount for p in result.payouts] == [Decimal("3650.00")]


def test_a_patient_scheme_counting_on_29_february_is_refused_when_read() -> None:
    """29 February is no day of every year: the engine would ask for ``date(2001, 2, 29)``."""
    document = copy.deepcopy(LAST_DAY)
    document["schemes"][0]["count_date"] = "02-29"
    document["schemes"][0]["payment_date"] = "02-29"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(document, window=WINDOW)
    assert {(p.path, p.code) for p in caught.value.problems} == {
        ("schemes[0].count_date", "month_day"),
        ("schemes[0].payment_date", "month_day"),
    }
    assert "(ikke 02-29)" in caught.value.problems[0].message_da


def test_a_29_february_count_date_in_a_scheme_made_in_code_counts_on_28_february_in_a_common_year() -> None:
    document = json.loads(json.dumps(LAST_DAY).replace(LAST, "2029-01-01"))
    document["schemes"][0]["annual_rates"] = {"2029": "3.65", "2030": "3.65"}
    scenario = parse_scenario(document, window=WINDOW)
    scheme = dataclasses.replace(scenario.schemes[0], count_date=(2, 29))
    outcome = run_payouts(dataclasses.replace(scenario, schemes=(scheme,)), D(2030, 6, 1))
    lines = [line for p in outcome.result.payouts for line in p.lines]
    assert lines and {(line.period_from, line.period_to) for line in lines} <= {
        (D(2029, 1, 1), D(2029, 12, 31)),
        (D(2030, 1, 1), D(2030, 12, 31)),
    }
