"""Amounts as people type them in Danish: "1.234,50", "1234.50"; "520.000" is asked about."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klynge.core.money import MoneyError, ambiguous_thousands, format_dkk, from_danish, parse_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.234,50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1234.50", "1234.50"),
        ("1234", "1234.00"),
        ("0,5", "0.50"),
    ],
)
def test_danish_notation_is_read_as_a_dane_means_it(typed: str, amount: str) -> None:
    assert parse_amount(from_danish(typed)) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1.2345", "too_many_decimals"),
        ("12.34.5", "not_a_number"),
        ("1,234,50", "not_a_number"),
        ("520.000", "too_many_decimals"),
        ("1.234.567", "not_a_number"),
    ],
)
def test_what_cannot_be_an_amount_in_kroner_and_oere_is_still_refused(typed: str, reason: str) -> None:
    with pytest.raises(MoneyError, match=f"^{reason}$"):
        parse_amount(from_danish(typed))


@pytest.mark.parametrize(
    ("typed", "ambiguous"), [("520.000", True), ("1.234.567", True), ("100.5", False), ("1.234,50", False)]
)
def test_thousands_without_a_comma_are_recognised_as_ambiguous(typed: str, ambiguous: bool) -> None:
    assert ambiguous_thousands(typed) is ambiguous


@given(st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2))
def test_what_we_print_reads_back_as_the_same_amount(value: Decimal) -> None:
    assert parse_amount(from_danish(format_dkk(value))) == value
