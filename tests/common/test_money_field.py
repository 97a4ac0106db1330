"""Money is integer øre in the database and Decimal kroner in code; sums never drift."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, models

from klynge.common.money import MoneyField
from klynge.core.money import MoneyError, format_dkk, parse_amount, round_ore


def test_money_field_stores_whole_ore_and_reads_back_decimal() -> None:
    field = MoneyField()
    assert field.get_prep_value(Decimal("1234.56")) == 123456
    assert field.from_db_value(123456, None, connection) == Decimal("1234.56")
    assert field.get_prep_value(Decimal("-0.01")) == -1


def test_money_field_refuses_fractions_of_an_ore_and_floats_and_reads_ints_as_kroner() -> None:
    field = MoneyField()
    with pytest.raises(MoneyError, match=r"^too_many_decimals$"):
        field.get_prep_value(Decimal("0.005"))
    with pytest.raises(TypeError, match="never float"):
        field.get_prep_value(0.1)
    assert field.get_prep_value(100) == 10000


def test_money_field_is_a_bigint_column() -> None:
    assert isinstance(MoneyField(), models.BigIntegerField)


def test_ten_thousand_small_amounts_sum_exactly_in_ore() -> None:
    field = MoneyField()
    total = sum(field.get_prep_value(Decimal("0.10")) or 0 for _ in range(10_000))
    assert field.from_db_value(total, None, connection) == Decimal("1000.00")


@pytest.mark.parametrize(("value", "expected"), [("0.005", "0.01"), ("0.0049", "0.00"), ("-0.005", "-0.01")])
def test_rounding_is_half_up_per_line(value: str, expected: str) -> None:
    assert round_ore(Decimal(value)) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "code"),
    [("1.001", "too_many_decimals"), ("-5", "negative"), ("abc", "not_a_number"), ("NaN", "not_a_number")],
)
def test_bad_amounts_are_refused_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(MoneyError, match=code):
        parse_amount(text)


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError, match=r"^float$"):
        parse_amount(0.1)  # type: ignore[arg-type]


def test_danish_format_groups_thousands_with_dots() -> None:
    assert format_dkk(Decimal("1234567.8")) == "1.234.567,80"
    assert format_dkk(Decimal("-5")) == "-5,00"
    assert format_dkk(Decimal("0")) == "0,00"
