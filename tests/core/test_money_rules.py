"""Money rules to the øre: parsing, rounding, øre conversion and Danish formatting (issue #9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from klynge.core.money import (
    ORE,
    ZERO,
    MoneyError,
    ambiguous_thousands,
    format_dkk,
    from_danish,
    from_ore,
    parse_amount,
    round_ore,
    to_ore,
)

D = Decimal


def test_the_constants_are_one_ore_and_zero_kroner_with_two_decimals() -> None:
    assert (str(ORE), str(ZERO)) == ("0.01", "0.00")


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.005", "0.01"),  # half up
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero
        ("2.675", "2.68"),
        ("1.994999", "1.99"),
        ("7", "7.00"),
    ],
)
def test_rounding_is_to_whole_ore_half_up(value: str, rounded: str) -> None:
    assert str(round_ore(D(value))) == rounded


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1000", "1000.00"),
        ("  12.5 ", "12.50"),
        ("0.01", "0.01"),
        ("0", "0.00"),
        (D("3.1"), "3.10"),
        (7, "7.00"),
    ],
)
def test_an_amount_is_read_with_two_decimals(text: str | Decimal | int, amount: str) -> None:
    assert str(parse_amount(text)) == amount


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (0.5, "float"),
        ("abc", "not_a_number"),
        ("", "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("1.001", "too_many_decimals"),
        ("-0.01", "negative"),
        (-1, "negative"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_its_reason(text: object, reason: str) -> None:
    with pytest.raises(MoneyError, match=f"^{reason}$"):
        parse_amount(text)  # type: ignore[arg-type]


def test_negative_amounts_only_when_allowed_and_zero_always() -> None:
    assert parse_amount("-0.01", allow_negative=True) == D("-0.01")
    assert parse_amount("-12", allow_negative=True) == D("-12.00")
    assert parse_amount("0.00") == ZERO
    assert parse_amount("0.99") == D("0.99")
    assert parse_amount("1.10") == D("1.10")


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("1.234,50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),  # a no-break space, as spreadsheets write it
        (" 12,5 ", "12.5"),
        ("1234.50", "1234.50"),
        ("520.000", "520.000"),
    ],
)
def test_danish_notation_becomes_plain_text(typed: str, plain: str) -> None:
    assert from_danish(typed) == plain


@pytest.mark.parametrize(
    ("typed", "ambiguous"),
    [
        ("520.000", True),
        ("-1.000", True),
        ("1. 000", True),  # spaces are left out first
        ("1 234.567", False),
        ("1234.567", False),
        ("1.23", False),
        ("1.000,00", False),
        ("1000", False),
    ],
)
def test_dots_between_groups_of_three_are_ambiguous(typed: str, ambiguous: bool) -> None:
    assert ambiguous_thousands(typed) is ambiguous


def test_kroner_to_ore_and_back() -> None:
    assert to_ore(D("1234.56")) == 123456
    assert to_ore(D("-0.01")) == -1
    assert to_ore(D("5")) == 500
    assert from_ore(123456) == D("1234.56")
    assert str(from_ore(5)) == "0.05"
    assert str(from_ore(-100)) == "-1.00"


def test_a_fraction_of_an_ore_is_not_rounded_away() -> None:
    with pytest.raises(MoneyError, match=r"^too_many_decimals$"):
        to_ore(D("0.005"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0", "0,00"),
        ("0.5", "0,50"),
        ("-0.01", "-0,01"),
        ("999.99", "999,99"),
        ("1000", "1.000,00"),
        ("-1234567.89", "-1.234.567,89"),
        ("100000", "100.000,00"),
        ("1234.5", "1.234,50"),
    ],
)
def test_danish_format_groups_thousands_with_dots(value: str, text: str) -> None:
    assert format_dkk(D(value)) == text
