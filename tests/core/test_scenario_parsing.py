"""Reading klynge-scenario/1: the example reads back exactly, and every bad case is listed by place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from klynge.core.scenario import ScenarioError, cvr_is_valid, parse_scenario, scenario_to_dict

EXAMPLE = json.loads(
    (
        Path(__file__).resolve().parents[3] / "shared" / "domain" / "examples" / "gp-cluster-basic.json"
    ).read_text("utf-8")
)


def test_the_example_reads_and_round_trips() -> None:
    scenario = parse_scenario(EXAMPLE)
    assert [c.id for c in scenario.clusters] == ["K1", "K2"]
    assert scenario.memberships[3].left_recorded.isoformat() == "2020-04-03"  # type: ignore[union-attr]
    assert scenario.memberships[0].recorded == scenario.memberships[0].joined  # recorded defaults to joined
    assert parse_scenario(scenario_to_dict(scenario)) == scenario


def broken(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    change(doc)
    return doc


CASES = [
    (lambda d: d["clusters"][0].update(cvr="29403474"), "clusters[0].cvr", "cvr"),
    (
        lambda d: d["practices"][1].update(provider_number="100001"),
        "practices[1].provider_number",
        "duplicate_practice",
    ),
    (lambda d: d["memberships"][0].update(practice="999999"), "memberships[0].practice", "unknown_practice"),
    (lambda d: d["memberships"][0].update(cluster="K9"), "memberships[0].cluster", "unknown_cluster"),
    (
        lambda d: d["practices"][0]["capacities"][0].update(count=0),
        "practices[0].capacities[0].count",
        "count_range",
    ),
    (lambda d: d["memberships"][1].update(left="2018-10-01"), "memberships[1].left", "left_not_after_joined"),
    (lambda d: d["memberships"][2].update(joined="2021-06-01"), "memberships[2].joined", "overlap"),
    (lambda d: d["memberships"][0].update(joined="2018-09-30"), "memberships[0].joined", "before_founded"),
    (lambda d: d["runs"].reverse(), "runs[1]", "runs_order"),
    (lambda d: d["memberships"][0].update(joined="2018-02-30"), "memberships[0].joined", "date"),
    (
        lambda d: d["schemes"][0]["annual_rates"].update({"2019": "1000.001"}),
        "schemes[0].annual_rates.2019",
        "amount_too_many_decimals",
    ),
    (
        lambda d: d["schemes"][0]["annual_rates"].update({"2019": 1000}),
        "schemes[0].annual_rates.2019",
        "amount_type",
    ),
    (lambda d: d["schemes"][0].update(valid_to="2022-06-30"), "schemes", "schemes_overlap"),
    (lambda d: d["clusters"].append(dict(d["clusters"][0])), "clusters[2].id", "duplicate_cluster"),
]


@pytest.mark.parametrize(("change", "path", "code"), CASES)
def test_each_bad_case_is_a_problem_at_its_place(change: Any, path: str, code: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(broken(change))
    found = {(p.path, p.code) for p in info.value.problems}
    assert (path, code) in found, found
    assert all(p.message_da and p.message_en for p in info.value.problems)


def test_every_problem_is_reported_at_once() -> None:
    def many(d: dict[str, Any]) -> None:
        d["clusters"][0]["cvr"] = "12345678"
        d["memberships"][0]["practice"] = "999999"
        d["practices"][2]["capacities"][0]["count"] = -1

    with pytest.raises(ScenarioError) as info:
        parse_scenario(broken(many))
    assert len(info.value.problems) >= 3


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        "klynge",
        42,
        {"format": "klynge-scenario/2"},
        {"format": "klynge-scenario/1", "clusters": {}},
        {"format": "klynge-scenario/1", "clusters": [[]], "practices": [None], "memberships": "x"},
        {
            "format": "klynge-scenario/1",
            "clusters": [{"id": ["x"], "name": "x" * 10_000, "founded_on": 20180101}],
            "practices": [],
            "memberships": [],
            "runs": [{"a": 1}],
        },
    ],
)
def test_hostile_documents_give_problems_never_crashes(doc: Any) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    assert info.value.problems


def test_cvr_modulus_11() -> None:
    assert cvr_is_valid("29403473") and not cvr_is_valid("29403474") and not cvr_is_valid("2940347")
