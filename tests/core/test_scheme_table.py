"""Which funding scheme a day or a year belongs to, at the edges (issue #9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from klynge.core.scenario import Scheme
from klynge.core.schemes import DEFAULT_SCHEMES, EXAMPLE_RATES, OK18, OK22, SchemeTable, rate_is_example

D = dt.date


def scheme(code: str, start: dt.date, end: dt.date | None) -> Scheme:
    return Scheme(code, "capacity", start, end, None, ())


# A starts mid-2020 and ends on 30 June 2021; B starts the next day; C starts in 2030, after a gap.
A = scheme("A", D(2020, 7, 1), D(2021, 6, 30))
B = scheme("B", D(2021, 7, 1), D(2029, 12, 31))
C = scheme("C", D(2030, 3, 1), None)
TABLE = SchemeTable([C, A, B])


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (D(2020, 6, 30), None),
        (D(2020, 7, 1), "A"),  # first day
        (D(2021, 6, 30), "A"),  # last day
        (D(2021, 7, 1), "B"),
        (D(2029, 12, 31), "B"),
        (D(2030, 1, 1), None),
        (D(2030, 2, 28), None),
        (D(2030, 3, 1), "C"),
        (D(9999, 12, 31), "C"),  # open-ended
    ],
)
def test_the_scheme_in_force_on_a_day_includes_its_first_and_last_day(day: dt.date, code: str | None) -> None:
    found = TABLE.on(day)
    assert (found.code if found else None) == code


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (2019, None),
        (2020, "A"),  # none in force on 1 January: the first that starts during the year
        (2021, "A"),  # in force on 1 January (B starts on 1 July)
        (2022, "B"),
        (2029, "B"),
        (2030, "C"),  # none on 1 January or 1 February; C starts on 1 March
        (2031, "C"),
        (dt.MINYEAR - 1, None),
        (dt.MAXYEAR + 1, None),
    ],
)
def test_a_year_belongs_to_the_scheme_in_force_on_1_january(year: int, code: str | None) -> None:
    found = TABLE.for_year(year)
    assert (found.code if found else None) == code


def test_a_year_starting_on_1_january_is_not_looked_up_on_another_day() -> None:
    # X ends on 31 January; Y starts on 1 February: the year is X's.
    x = scheme("X", D(2018, 1, 1), D(2024, 1, 31))
    y = scheme("Y", D(2024, 2, 1), None)
    table = SchemeTable([y, x])
    assert table.for_year(2024) is x
    assert table.for_year(2025) is y
    # asked again, the remembered answer is the same
    assert table.for_year(2024) is x
    # P ends on 1 January, Q starts on 2 January: the year is P's.
    p = scheme("P", D(2018, 1, 1), D(2024, 1, 1))
    q = scheme("Q", D(2024, 1, 2), None)
    assert SchemeTable([p, q]).for_year(2024) is p


def test_the_first_and_last_representable_years_are_looked_up() -> None:
    always = scheme("ALL", D(dt.MINYEAR, 1, 1), None)
    table = SchemeTable([always])
    assert table.for_year(dt.MINYEAR) is always
    assert table.for_year(dt.MAXYEAR) is always


def test_the_first_scheme_starting_in_the_year_wins_when_two_start_in_it() -> None:
    early = scheme("E", D(2020, 3, 1), D(2020, 5, 31))
    late = scheme("L", D(2020, 6, 1), None)
    table = SchemeTable([late, early])
    assert table.schemes == (early, late)
    assert table.for_year(2020) is early
    assert table.for_year(2021) is late
    assert SchemeTable([]).for_year(2020) is None
    assert SchemeTable([]).on(D(2020, 1, 1)) is None


def test_the_shipped_schemes_and_which_of_their_rates_are_examples() -> None:
    assert DEFAULT_SCHEMES == (OK18, OK22)
    assert (
        Scheme(
            "OK18",
            "capacity",
            D(2018, 1, 1),
            D(2021, 12, 31),
            Decimal("10000.00"),
            tuple((year, Decimal("1000.00")) for year in (2018, 2019, 2020, 2021)),
        )
        == OK18
    )
    assert (
        Scheme(
            "OK22",
            "patients",
            D(2022, 1, 1),
            None,
            None,
            (
                (2022, Decimal("1.12")),
                (2023, Decimal("2.32")),
                (2024, Decimal("3.55")),
                (2025, Decimal("3.65")),
            ),
            count_date=(1, 31),
            payment_date=(3, 1),
        )
        == OK22
    )
    assert {("OK18", 2018), ("OK18", 2019), ("OK18", 2020), ("OK18", 2021)} == EXAMPLE_RATES
    assert rate_is_example("OK18", 2021)
    assert not rate_is_example("OK18", 2022)
    assert not rate_is_example("OK22", 2022)
    table = SchemeTable(DEFAULT_SCHEMES)
    assert [table.for_year(y) for y in (2017, 2018, 2021, 2022, 2040)] == [None, OK18, OK18, OK22, OK22]
