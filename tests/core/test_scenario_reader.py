"""The fast paths of the klynge-scenario/1 reader give what the careful path would, and only fall back
to it when something is missing or malformed (issue #9: a fast path that silently falls back more often
would go unnoticed by the results alone, so its own answers are checked here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from klynge.core import scenario
from klynge.core.dates import DateWindow
from klynge.core.scenario import (
    Dated,
    Scenario,
    ScenarioError,
    Scheme,
    _Reader,
    parse_scenario,
    scenario_to_dict,
)

D = dt.date
WINDOW = DateWindow(D(2000, 1, 1), D(2031, 12, 31))


def test_quick_day_reads_dates_in_the_window_and_remembers_them() -> None:
    r = _Reader(WINDOW)
    assert r.quick_day("2019-06-01") == D(2019, 6, 1)
    assert r._dates == {"2019-06-01": D(2019, 6, 1)}
    assert r.quick_day("2019-06-01") is r.quick_day("2019-06-01")  # the remembered (shared) date
    assert r.known_day("2019-06-01") == D(2019, 6, 1)
    assert r.known_day("2019-06-02") == D(2019, 6, 2)  # not remembered yet: read
    assert r.quick_day("2000-01-01") == D(2000, 1, 1)
    assert r.quick_day("2031-12-31") == D(2031, 12, 31)
    for bad in ("1999-12-31", "2032-01-01", "2019-02-29", "2019-6-1", "20190601", 20190601, None, ["x"]):
        assert r.quick_day(bad) is None, bad
        assert r.known_day(bad) is None, bad
    assert set(r._dates) == {"2019-06-01", "2019-06-02", "2000-01-01", "2031-12-31"}


def test_quick_day_remembers_at_most_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario, "MAX_CACHED_DATES", 2)
    r = _Reader(WINDOW)
    for day in ("2019-01-01", "2019-01-02", "2019-01-03"):
        assert r.quick_day(day) == D.fromisoformat(day)
    assert set(r._dates) == {"2019-01-01", "2019-01-02"}


def membership(**fields: Any) -> dict[str, Any]:
    return {"practice": "100001", "cluster": "K1", "joined": "2019-01-01"} | fields


@pytest.mark.parametrize(
    ("obj", "quick"),
    [
        (membership(), ("100001", "K1", D(2019, 1, 1), None, D(2019, 1, 1), None)),
        (
            membership(left="2020-01-01", recorded="2019-02-01", left_recorded="2020-01-05"),
            ("100001", "K1", D(2019, 1, 1), D(2020, 1, 1), D(2019, 2, 1), D(2020, 1, 5)),
        ),
        (
            membership(left="2020-01-01"),
            ("100001", "K1", D(2019, 1, 1), D(2020, 1, 1), D(2019, 1, 1), D(2020, 1, 1)),
        ),
        (
            membership(practice="p" * 200, cluster="c" * 200, left=None, recorded=None),
            ("p" * 200, "c" * 200, D(2019, 1, 1), None, D(2019, 1, 1), None),
        ),
    ],
)
def test_a_well_formed_membership_is_read_on_the_fast_path(
    obj: dict[str, Any], quick: tuple[Any, ...]
) -> None:
    assert _Reader(WINDOW).quick_membership(obj) == quick


@pytest.mark.parametrize(
    "obj",
    [
        membership(practice=None),
        membership(cluster=None),
        membership(practice=""),
        membership(cluster=""),
        membership(practice=100001),
        membership(cluster=["K1"]),
        membership(practice="p" * 201),
        membership(cluster="c" * 201),
        membership(joined=None),
        membership(joined="2019-13-01"),
        membership(left="2020-13-01"),
        membership(recorded="x"),
        membership(left_recorded="2020-01-05"),  # without left
        membership(left="2020-01-01", left_recorded="x"),
    ],
)
def test_anything_missing_or_malformed_leaves_the_fast_path(obj: dict[str, Any]) -> None:
    assert _Reader(WINDOW).quick_membership(obj) is None


def test_dated_values_on_the_fast_and_the_careful_path_agree() -> None:
    r = _Reader(WINDOW)
    raw = [
        {"from": "2019-01-01", "count": 1},
        {"from": "2019-01-01", "count": 50, "recorded": "2019-02-01"},
        {"from": "2019-01-01", "count": 2, "recorded": "2019-01-01"},  # a duplicate: careful path
    ]
    assert r.dated({"capacities": raw}, "capacities", "p", minimum=1, maximum=50) == (
        Dated(D(2019, 1, 1), 1, D(2019, 1, 1)),
        Dated(D(2019, 1, 1), 2, D(2019, 1, 1)),
        Dated(D(2019, 1, 1), 50, D(2019, 2, 1)),
    )
    assert [(p.path, p.code) for p in r.c.problems] == [("p.capacities[2]", "duplicate")]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x" * 40, "x" * 40),
        ("x" * 41, "x" * 40 + "…"),
        (10**30 - 1, str(10**30 - 1)),
        (10**30, "(et meget stort tal / a huge number)"),
        (-(10**30) + 1, str(-(10**30) + 1)),
        (-(10**30), "(et meget stort tal / a huge number)"),
        (None, "null"),
        (True, "true"),
        (1.5, "(kommatal / decimal number)"),
        ({}, "{...}"),
        ([], "[...]"),
    ],
)
def test_values_are_shown_short_and_safe(value: Any, shown: str) -> None:
    assert scenario._show(value) == shown


def test_a_value_of_an_unexpected_type_is_shown_by_at_most_20_characters_of_its_type() -> None:
    class AVeryLongTypeNameForAValue:
        pass

    assert scenario._show(AVeryLongTypeNameForAValue()) == "AVeryLongTypeNameFor"


@pytest.mark.parametrize(("value", "count"), [(1, 1), (50, 50), (0, None), (51, None)])
def test_counts_on_the_careful_path_include_both_bounds(value: int, count: int | None) -> None:
    r = _Reader(WINDOW)
    assert r.count({"count": value}, "count", "p", minimum=1, maximum=50) == count
    assert bool(r.c.problems) is (count is None)


def test_a_malformed_value_is_reported_and_the_values_after_it_still_read() -> None:
    r = _Reader(WINDOW)
    raw: list[Any] = [
        1,
        {"from": ["2019-01-01"], "count": 1},
        {"from": "2019-01-01", "count": 1, "recorded": ["2019-01-01"]},
        {"from": "2019-13-01", "count": 1, "recorded": "2019-01-01"},
        {"from": "2019-02-01", "count": 1},
    ]
    # a malformed recorded date is reported, and the value is kept as recorded on its from date
    assert r.dated({"capacities": raw}, "capacities", "p", minimum=1, maximum=50) == (
        Dated(D(2019, 1, 1), 1, D(2019, 1, 1)),
        Dated(D(2019, 2, 1), 1, D(2019, 2, 1)),
    )
    assert [(p.path, p.code) for p in r.c.problems] == [
        ("p.capacities[0]", "type"),
        ("p.capacities[1].from", "date"),
        ("p.capacities[2].recorded", "date"),
        ("p.capacities[3].from", "date"),
    ]


def scheme(code: str, start: str, end: str | None) -> dict[str, Any]:
    return {"code": code, "basis": "capacity", "valid_from": start, "valid_to": end}


def document(**parts: Any) -> dict[str, Any]:
    return {"format": "klynge-scenario/1", "clusters": [], "practices": [], "memberships": []} | parts


def test_a_scheme_of_one_day_is_valid_and_the_next_may_start_the_day_after() -> None:
    doc = document(schemes=[scheme("A", "2020-01-01", "2020-01-01"), scheme("B", "2020-01-02", None)])
    assert [(s.code, s.valid_from, s.valid_to) for s in parse_scenario(doc, window=WINDOW).schemes] == [
        ("A", D(2020, 1, 1), D(2020, 1, 1)),
        ("B", D(2020, 1, 2), None),
    ]


def test_a_scheme_starting_on_the_last_day_of_another_overlaps_it() -> None:
    doc = document(schemes=[scheme("A", "2020-01-01", "2020-06-30"), scheme("B", "2020-06-30", None)])
    with pytest.raises(ScenarioError, match=r"^schemes: Schemes A and B overlap"):
        parse_scenario(doc, window=WINDOW)


def test_a_duplicate_cluster_names_where_the_first_one_is() -> None:
    cluster = {"id": "K1", "name": "N", "region": "1081", "founded_on": "2019-01-01"}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(document(clusters=[cluster, cluster]), window=WINDOW)
    assert [(p.path, p.message_en) for p in info.value.problems] == [
        ("clusters[1].id", "Cluster id K1 also appears in clusters[0].")
    ]


def test_overlaps_are_found_in_date_order_whatever_the_order_in_the_file() -> None:
    doc = document(
        clusters=[
            {"id": "K1", "name": "N", "region": "1081", "founded_on": "2018-01-01"},
            {"id": "K2", "name": "S", "region": "1081", "founded_on": "2018-01-01"},
        ],
        practices=[{"provider_number": "100001", "name": "P"}],
        memberships=[
            {"practice": "100001", "cluster": "K2", "joined": "2021-01-01"},
            {"practice": "100001", "cluster": "K1", "joined": "2019-01-01", "left": "2022-01-01"},
        ],
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, window=WINDOW)
    assert [(p.path, p.code, p.message_en) for p in info.value.problems] == [
        (
            "memberships[0].joined",
            "overlap",
            "Practice 100001 is already in K1 on this day; a practice can be in only one cluster at a time.",
        )
    ]


def test_a_scheme_made_in_code_with_only_a_count_date_is_written_without_dates() -> None:
    made = Scheme("X", "capacity", D(2020, 1, 1), None, None, (), count_date=(1, 31))
    written = scenario_to_dict(Scenario((made,), (), (), (), (), ()))["schemes"][0]
    assert "count_date" not in written
    assert "payment_date" not in written
