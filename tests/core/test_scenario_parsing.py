"""Reading klynge-scenario/1: the example reads back exactly, and every bad case is listed by place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klynge.core.scenario import ScenarioError, cvr_is_valid, parse_scenario, scenario_to_dict

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "gp-cluster-basic.json").read_text(
        "utf-8"
    )
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


MORE_CASES = [
    (
        lambda d: d["practices"][0]["group1_patients"][0].update(count=-1),
        "practices[0].group1_patients[0].count",
        "count_range",
    ),
    (lambda d: d["clusters"][0].pop("founded_on"), "clusters[0].founded_on", "missing"),
    (lambda d: d["memberships"][1].pop("joined"), "memberships[1].joined", "missing"),
    (lambda d: d.pop("practices"), "practices", "missing"),
    (
        lambda d: d["schemes"][0].update(startup_fee_per_capacity="-10000.00"),
        "schemes[0].startup_fee_per_capacity",
        "amount_negative",
    ),
    (
        lambda d: d["schemes"][0]["annual_rates"].update({"2019": "1e3"}),
        "schemes[0].annual_rates.2019",
        "amount_not_a_number",
    ),
    (
        lambda d: d["memberships"][0].update(left_recorded="2020-01-01"),
        "memberships[0].left_recorded",
        "left_recorded_without_left",
    ),
    (lambda d: d["memberships"][0].update(joined="2019-W01-1"), "memberships[0].joined", "date"),
    (lambda d: d["runs"].append("2022-13-01"), "runs[9]", "date"),
    (lambda d: d["regions"][0].update(name=["Nord"]), "regions[0].name", "type"),
    (lambda d: d["clusters"][0].update(id="K1\n"), "clusters[0].id", "format"),
    (
        lambda d: d["practices"][0].update(capacities={"from": "2015-01-01"}),
        "practices[0].capacities",
        "type",
    ),
    (lambda d: d["memberships"].append(["100001", "K1"]), "memberships[5]", "type"),
]


@pytest.mark.parametrize(("change", "path", "code"), MORE_CASES)
def test_more_bad_cases_are_problems_at_their_place(change: Any, path: str, code: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(broken(change))
    assert (path, code) in {(p.path, p.code) for p in info.value.problems}


def test_a_membership_overlapping_a_long_earlier_one_is_found_even_behind_a_shorter_one() -> None:
    # 100001 is in K1 from 2018-10-01 without end; two later memberships both overlap it.
    def overlapping(d: dict[str, Any]) -> None:
        d["memberships"] += [
            {"practice": "100001", "cluster": "K2", "joined": "2019-01-01", "left": "2019-02-01"},
            {"practice": "100001", "cluster": "K2", "joined": "2019-03-01"},
        ]

    with pytest.raises(ScenarioError) as info:
        parse_scenario(broken(overlapping))
    found = {(p.path, p.code) for p in info.value.problems}
    assert {("memberships[5].joined", "overlap"), ("memberships[6].joined", "overlap")} <= found


def deeply_nested() -> list[Any]:
    outer: list[Any] = []
    inner = outer
    for _ in range(50_000):
        inner.append([])
        inner = inner[0]
    return outer


HOSTILE_VALUES = [
    10**5000,
    -(10**5000),
    1.5,
    True,
    None,
    "x" * 1_000_000,
    {"a": [1]},
    [[["x"]]],
    "２０１９-01-01",
]
PLACES = [
    ("format",),
    ("clusters", 0, "founded_on"),
    ("clusters", 0, "id"),
    ("clusters", 0, "cvr"),
    ("regions", 0, "name"),
    ("regions", 0, "policy"),
    ("practices", 0, "capacities", 0, "count"),
    ("practices", 0, "provider_number"),
    ("memberships", 0, "joined"),
    ("memberships", 0, "left"),
    ("memberships", 0, "practice"),
    ("schemes", 0, "annual_rates", "2019"),
    ("schemes", 1, "count_date"),
    ("runs", 0),
    ("clusters",),
    ("memberships", 0),
]


@pytest.mark.parametrize("place", PLACES, ids=lambda p: ".".join(map(str, p)))
def test_hostile_values_anywhere_give_problems_never_another_exception(place: tuple[Any, ...]) -> None:
    for value in [*HOSTILE_VALUES, deeply_nested()]:
        doc = copy.deepcopy(EXAMPLE)
        target = doc
        for step in place[:-1]:
            target = target[step]
        target[place[-1]] = value
        try:
            parse_scenario(doc)
        except ScenarioError as exc:
            assert all(len(p.message_da) < 500 and len(p.message_en) < 500 for p in exc.problems)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.sampled_from(["2019-01-01", "1000.00", "K1", "100001"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_value_put_anywhere_in_the_example_is_read_or_refused_with_problems(data: st.DataObject) -> None:
    doc = copy.deepcopy(EXAMPLE)
    target: Any = doc
    path: list[Any] = []
    while isinstance(target, dict | list) and target and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(target) if isinstance(target, dict) else range(len(target))))
        path.append(key)
        if not isinstance(target[key], dict | list):
            break
        target = target[key]
    value = data.draw(json_values)
    if isinstance(target, dict):
        target[path[-1] if path and path[-1] in target else "extra"] = value
    elif isinstance(target, list) and target:
        target[0] = value
    try:
        scenario = parse_scenario(doc)
    except ScenarioError as exc:
        assert exc.problems and all(p.message_da and p.message_en for p in exc.problems)
    else:
        assert parse_scenario(scenario_to_dict(scenario)) == scenario
