"""Funding schemes as data (brief §3, "Other schemes"): the shipped OK18 and OK22 defaults, and which
scheme a year or a day belongs to.

The rules change with each collective agreement, so a scheme is a :class:`~klynge.core.scenario.Scheme`
value with a validity period, not code:

* **OK18** (capacity basis, the FAQ's scheme): startup fee 10.000 kr. per capacity (A7) and annual
  funds per capacity per year, day-prorated (A6). The OK18 annual rate is *not public*; the shipped
  1.000,00 kr. is the worked example's value and is flagged in :data:`EXAMPLE_RATES` so that no screen
  or report presents it as official.
* **OK22** (patients basis): per registered group-1 patient, once a year, counted on 31 January and
  paid on 1 March; no startup fee. Public rates (kiap.dk): 1,12 / 2,32 / 3,55 / 3,65 kr. for
  2022-2025.

A year uses the scheme in force on its 1 January; when none is in force then, the first scheme that
starts during the year (schemes never overlap, which :func:`klynge.core.scenario.parse_scenario`
checks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from klynge.core.scenario import Scheme

OK18 = Scheme(
    code="OK18",
    basis="capacity",
    valid_from=dt.date(2018, 1, 1),
    valid_to=dt.date(2021, 12, 31),
    startup_fee_per_capacity=Decimal("10000.00"),
    annual_rates=tuple((year, Decimal("1000.00")) for year in range(2018, 2022)),
)
"""OK18. The annual rate is an EXAMPLE value (see :data:`EXAMPLE_RATES`), not the official one."""

OK22 = Scheme(
    code="OK22",
    basis="patients",
    valid_from=dt.date(2022, 1, 1),
    valid_to=None,
    startup_fee_per_capacity=None,
    annual_rates=(
        (2022, Decimal("1.12")),
        (2023, Decimal("2.32")),
        (2024, Decimal("3.55")),
        (2025, Decimal("3.65")),
    ),
    count_date=(1, 31),
    payment_date=(3, 1),
)
"""OK22 with the public per-patient rates for 2022-2025 (kiap.dk)."""

DEFAULT_SCHEMES: tuple[Scheme, ...] = (OK18, OK22)

EXAMPLE_RATES: frozenset[tuple[str, int]] = frozenset(("OK18", year) for year in range(2018, 2022))
"""(scheme code, year) of shipped rates that are example values, not official: show them as such."""


def rate_is_example(code: str, year: int) -> bool:
    return (code, year) in EXAMPLE_RATES


class SchemeTable:
    """Looks up the scheme of a year or a day; built once, then O(1) per year."""

    def __init__(self, schemes: Iterable[Scheme]) -> None:
        self.schemes = tuple(sorted(schemes, key=lambda s: s.valid_from))
        self._by_year: dict[int, Scheme | None] = {}

    def on(self, day: dt.date) -> Scheme | None:
        """The scheme in force on ``day``."""
        for scheme in self.schemes:
            if scheme.valid_from <= day and (scheme.valid_to is None or day <= scheme.valid_to):
                return scheme
        return None

    def for_year(self, year: int) -> Scheme | None:
        """The scheme a year belongs to: the one in force on 1 January, else the first starting in it."""
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            return None
        if year not in self._by_year:
            found = self.on(dt.date(year, 1, 1))
            if found is None:
                found = next((s for s in self.schemes if s.valid_from.year == year), None)
            self._by_year[year] = found
        return self._by_year[year]
