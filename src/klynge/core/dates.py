"""The window of dates the product accepts (issue #9 §6).

A date far outside the years the product is about — a year-9999 join date, a founding assembly in
1900 — is a typing error, and one that breaks what follows (``date(year + 1, 1, 1)`` fails in year
9999). Every date read from a person or a file must lie in the window: from :data:`DATE_MIN` to 31
December of the year :data:`MAX_YEARS_AHEAD` years after today. The shell reads the two from the
settings ``KLYNGE_DATE_MIN`` and ``KLYNGE_DATE_MAX_YEARS_AHEAD`` (:mod:`klynge.common.dates`); the
pure core takes the window as a parameter and defaults to these values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DATE_MIN = dt.date(2000, 1, 1)
MAX_YEARS_AHEAD = 5
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_da(day: dt.date) -> str:
    """``1. januar 2000``."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def long_en(day: dt.date) -> str:
    """``1 January 2000``."""
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The dates from ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    def years(self) -> range:
        """The calendar years the window touches."""
        return range(self.first.year, self.last.year + 1)

    def da(self) -> str:
        """``mellem 1. januar 2000 og 31. december 2031``."""
        return f"mellem {long_da(self.first)} og {long_da(self.last)}"

    def en(self) -> str:
        """``between 1 January 2000 and 31 December 2031``."""
        return f"between {long_en(self.first)} and {long_en(self.last)}"


def date_window(
    today: dt.date | None = None, *, first: dt.date = DATE_MIN, years_ahead: int = MAX_YEARS_AHEAD
) -> DateWindow:
    """The window on ``today`` (default: today in Denmark): ``first`` to 31 December of the year
    ``years_ahead`` after today's."""
    today = today or dt.datetime.now(COPENHAGEN).date()
    return DateWindow(first, dt.date(min(today.year + years_ahead, dt.MAXYEAR), 12, 31))
