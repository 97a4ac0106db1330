"""Settlement between executing and paying members, and the klynge-health/1 format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klynge.core.health import parse_health, result_to_json
from klynge.core.problems import ProblemsError
from klynge.core.settlement import Cost, Initiative, Member, settle
from klynge.core.sharing import Key

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "examples"


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_the_guides_example_comes_out_exactly() -> None:
    scenario = parse_health(load("health-cluster-guide.json"), known_functions={"4.62.88"})
    out = result_to_json(settle(scenario.members, scenario.initiatives))
    expected = load("health-cluster-guide.expected.json")
    assert out["members"] == expected["members"]
    assert [
        {k: s[k] for k in ("payer", "payee", "amount", "function")} for s in out["settlements"]
    ] == expected["settlements"]


def test_postings_mirror_each_other_to_municipalities_and_regions() -> None:
    scenario = parse_health(load("health-cluster-guide.json"))
    result = settle(scenario.members, scenario.initiatives)
    kinds = {(p.member, p.kind): p.amount for p in result.postings}
    assert kinds[("M2", "4.7")] == Decimal("1000000.00")  # paying municipality pays a municipality
    assert kinds[("R", "4.7")] == Decimal("1000000.00")  # the region pays a municipality too
    assert kinds[("M1", "7.7")] == Decimal("-1000000.00")  # income from a municipality
    assert kinds[("M1", "7.8")] == Decimal("-1000000.00")  # income from a region
    assert sum(p.amount for p in result.postings if p.kind[0] in "47" and p.kind != "4.0") == 0


MEMBERS = (
    Member("A", "municipality", "101", "A", 50_000),
    Member("B", "municipality", "147", "B", 30_000),
    Member("R", "region", "1084", "R", 80_000),
)


@settings(max_examples=150)
@given(
    costs=st.lists(
        st.tuples(st.sampled_from(["A", "B", "R"]), st.integers(2022, 2025), st.integers(0, 10**10)),
        min_size=1,
        max_size=6,
    ),
    key=st.sampled_from(
        [
            Key("equal"),
            Key("population"),
            Key("percent", (("A", Decimal("50.00")), ("B", Decimal("33.34")), ("R", Decimal("16.66")))),
        ]
    ),
)
def test_every_members_net_frame_impact_is_its_own_share_and_income_equals_settlements(
    costs: list[tuple[str, int, int]], key: Key
) -> None:
    initiative = Initiative(
        "I", "T", "4.62.88", key, ("A", "B", "R"), tuple(Cost(e, y, Decimal(o) / 100) for e, y, o in costs)
    )
    result = settle(MEMBERS, [initiative])
    own: dict[str, Decimal] = {"A": Decimal(0), "B": Decimal(0), "R": Decimal(0)}
    for _ini, _executor, _year, member, share in result.shares:
        own[member] += share
    for member, totals in result.members.items():
        assert totals.net_frame_impact == own[member]
    assert sum(t.income for t in result.members.values()) == sum(s.amount for s in result.settlements)
    assert sum(own.values()) == sum(Decimal(o) / 100 for _e, _y, o in costs)


def test_netting_offsets_settlements_between_a_pair() -> None:
    initiative = Initiative(
        "I",
        "T",
        "4.62.88",
        Key("equal"),
        ("A", "B"),
        (Cost("A", 2023, Decimal("100.00")), Cost("B", 2023, Decimal("30.00"))),
    )
    result = settle(MEMBERS[:2], [initiative])
    assert [(t.payer, t.payee, t.amount) for t in result.netted] == [("B", "A", Decimal("35.00"))]


def test_year_filter_settles_only_that_year() -> None:
    initiative = Initiative(
        "I",
        "T",
        "4.62.88",
        Key("equal"),
        ("A", "B"),
        (Cost("A", 2023, Decimal("100.00")), Cost("A", 2024, Decimal("50.00"))),
    )
    assert settle(MEMBERS[:2], [initiative], year=2024).members["A"].expense == Decimal("50.00")


def bad(**changes: Any) -> dict[str, Any]:
    doc = load("health-cluster-guide.json")
    ini = doc["initiatives"][0]
    for key, value in changes.items():
        ini[key] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "path", "code"),
    [
        (
            bad(key={"type": "percent", "shares": {"M1": "33.33", "M2": "33.33", "R": "33.33"}}),
            "initiatives[0].key.shares",
            "percent_sum",
        ),
        (bad(function="9.99.99"), "initiatives[0].function", "unknown_function"),
        (
            bad(costs=[{"executor": "M1", "year": 2023, "amount": "10.001"}]),
            "initiatives[0].costs[0].amount",
            "amount_decimals",
        ),
        (
            bad(costs=[{"executor": "M1", "year": 2023, "amount": "-5.00"}]),
            "initiatives[0].costs[0].amount",
            "amount_negative",
        ),
        (
            bad(costs=[{"executor": "M1", "year": 2023, "amount": 5.5}]),
            "initiatives[0].costs[0].amount",
            "amount_type",
        ),
        (
            bad(costs=[{"executor": "X9", "year": 2023, "amount": "5.00"}]),
            "initiatives[0].costs[0].executor",
            "unknown_member",
        ),
        (
            bad(costs=[{"executor": "M1", "year": 2023, "amount": "99999999999.00"}]),
            "initiatives[0].costs[0].amount",
            "amount_absurd",
        ),
        (bad(payers=["M1", "Z"]), "initiatives[0].payers[1]", "unknown_member"),
    ],
)
def test_bad_health_input_is_refused_with_the_place_and_reason(doc: Any, path: str, code: str) -> None:
    with pytest.raises(ProblemsError) as info:
        parse_health(doc, known_functions={"4.62.88"})
    assert (path, code) in {(p.path, p.code) for p in info.value.problems}
    assert all(p.message_da and p.message_en for p in info.value.problems)


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        "x",
        {"format": "klynge-health/1", "cluster": [], "initiatives": {}},
        {"format": "nope"},
        {"format": "klynge-health/1", "cluster": {"members": [1, {"id": []}]}},
    ],
)
def test_hostile_health_documents_give_problems_not_crashes(doc: Any) -> None:
    with pytest.raises(ProblemsError) as info:
        parse_health(doc)
    assert info.value.problems
