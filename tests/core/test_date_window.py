"""The window of dates the product accepts (#9 §6), in the pure core: the window itself, the
``klynge-scenario/1`` reader refusing a date outside it with its place in the file, and amounts in
scientific notation refused."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from klynge.core.dates import DATE_MIN, MAX_YEARS_AHEAD, DateWindow, date_window
from klynge.core.money import MoneyError, from_danish, parse_amount
from klynge.core.scenario import ScenarioError, parse_scenario

D = dt.date
EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "gp-cluster-basic.json").read_text(
        "utf-8"
    )
)
WINDOW = date_window(D(2026, 12, 6))


def test_the_window_runs_from_2000_to_the_end_of_the_fifth_year_ahead() -> None:
    assert D(2000, 1, 1) == DATE_MIN
    assert MAX_YEARS_AHEAD == 5
    assert (WINDOW.first, WINDOW.last) == (D(2000, 1, 1), D(2031, 12, 31))
    assert WINDOW.da() == "mellem 1. januar 2000 og 31. december 2031"
    assert WINDOW.en() == "between 1 January 2000 and 31 December 2031"
    assert D(2000, 1, 1) in WINDOW and D(2031, 12, 31) in WINDOW
    assert D(1999, 12, 31) not in WINDOW and D(2032, 1, 1) not in WINDOW
    assert "2019-06-01" not in WINDOW  # only dates are in it
    assert list(WINDOW.years())[::31] == [2000, 2031]
    assert date_window(D(9999, 6, 1)).last == D(9999, 12, 31)  # never year 10000 itself


def test_the_window_follows_its_parameters_and_today() -> None:
    assert date_window(D(2030, 1, 1), first=D(2010, 1, 1), years_ahead=1) == DateWindow(
        D(2010, 1, 1), D(2031, 12, 31)
    )
    today = dt.datetime.now(dt.UTC).date()  # today in Denmark is at most a day off UTC's
    assert date_window().last.year - 5 in {today.year - 1, today.year, today.year + 1}
    assert date_window().last.month == 12 and date_window().last.day == 31


def problems(doc: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(doc, window=WINDOW)
    return {p.path: (p.code, p.message_da, p.message_en) for p in caught.value.problems}


def changed(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(EXAMPLE)
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["memberships"][0].update(joined="9999-12-31"), "memberships[0].joined"),
        (lambda d: d["memberships"][1].update(left="9999-12-31"), "memberships[1].left"),
        (lambda d: d["memberships"][1].update(left="2032-01-01"), "memberships[1].left"),
        (lambda d: d["memberships"][0].update(recorded="1999-12-31"), "memberships[0].recorded"),
        (lambda d: d["clusters"][0].update(founded_on="1999-12-31"), "clusters[0].founded_on"),
        (lambda d: d["clusters"][0].update(completed_on="9999-12-31"), "clusters[0].completed_on"),
        (
            lambda d: d["practices"][0]["capacities"][0].update({"from": "1990-01-01"}),
            "practices[0].capacities[0].from",
        ),
        (
            lambda d: d["practices"][0]["group1_patients"][0].update(recorded="9999-01-01"),
            "practices[0].group1_patients[0].recorded",
        ),
        (lambda d: d["schemes"][1].update(valid_to="9999-12-31"), "schemes[1].valid_to"),
        (lambda d: d["runs"].append("9999-12-31"), f"runs[{len(EXAMPLE['runs'])}]"),
    ],
)
def test_a_date_outside_the_window_is_refused_with_its_place_and_the_fix(change: Any, path: str) -> None:
    found = problems(changed(change))
    assert found[path][0] == "date_window"
    assert "datoen skal ligge mellem 1. januar 2000 og 31. december 2031; ret årstallet" in found[path][1]
    assert "the date must lie between 1 January 2000 and 31 December 2031" in found[path][2]


def test_the_bounds_of_the_window_are_accepted() -> None:
    doc = changed(
        lambda d: (
            d["clusters"][0].update(founded_on="2000-01-01"),
            d["memberships"][3].update(left="2031-12-31", left_recorded="2031-12-31"),
        )
    )
    scenario = parse_scenario(doc, window=WINDOW)
    assert scenario.clusters[0].founded_on == D(2000, 1, 1)
    assert scenario.memberships[3].left == D(2031, 12, 31)


def test_a_date_outside_a_narrower_window_is_refused_even_after_the_same_text_was_read() -> None:
    """The reader remembers dates it has read; only dates inside the window are remembered."""
    doc = changed(lambda d: d["memberships"][1].update(left="2020-04-01"))
    narrow = DateWindow(D(2000, 1, 1), D(2020, 3, 31))
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(doc, window=narrow)
    paths = {p.path for p in caught.value.problems if p.code == "date_window"}
    assert "memberships[1].left" in paths


def test_a_rate_for_a_year_outside_the_window_is_refused() -> None:
    found = problems(changed(lambda d: d["schemes"][1]["annual_rates"].update({"9999": "1.00"})))
    assert found["schemes[1].annual_rates.9999"][0] == "year_window"
    assert "mellem 2000 og 2031" in found["schemes[1].annual_rates.9999"][1]


def test_a_date_that_is_no_date_is_still_told_so() -> None:
    found = problems(changed(lambda d: d["memberships"][0].update(joined="10000-01-01")))
    assert found["memberships[0].joined"][0] == "date"


# --- Scientific notation ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e5", "1E5", "1E+5", "1e-2", Decimal("1E+5"), " 2.5e3 "])
def test_an_amount_in_scientific_notation_is_refused(value: Any) -> None:
    with pytest.raises(MoneyError, match=r"^scientific$"):
        parse_amount(value)


@pytest.mark.parametrize("typed", ["1e5", "1,5e3", "1.000e2"])
def test_a_danish_amount_in_scientific_notation_is_refused(typed: str) -> None:
    with pytest.raises(MoneyError, match=r"^scientific$"):
        parse_amount(from_danish(typed))


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "inf", "NaN", "sNaN", Decimal("Infinity")])
def test_infinity_and_nan_are_no_amounts(value: Any) -> None:
    with pytest.raises(MoneyError, match=r"^not_a_number$"):
        parse_amount(value)


@pytest.mark.parametrize("value", ["1e5", "1E+5", "Infinity", "NaN"])
def test_a_rate_in_a_scenario_file_in_scientific_notation_or_infinite_is_refused(value: str) -> None:
    found = problems(changed(lambda d: d["schemes"][0]["annual_rates"].update({"2019": value})))
    assert found["schemes[0].annual_rates.2019"][0] == "amount_not_a_number"


def test_whole_amounts_still_read() -> None:
    assert parse_amount(Decimal("100000")) == Decimal("100000.00")
    assert parse_amount(100000) == Decimal("100000.00")
    assert parse_amount(from_danish("100.000,00")) == Decimal("100000.00")
