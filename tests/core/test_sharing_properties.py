"""Allocation by key to the øre: largest remainder, ties by member order (brief §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klynge.core.sharing import Key, SharingKeyError, allocate, weights_for

amounts = st.integers(min_value=0, max_value=10**12).map(lambda ore: Decimal(ore) / 100)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(
    lambda w: sum(w) > 0
)


@settings(max_examples=300)
@given(total=amounts, weights=weight_lists)
def test_parts_always_sum_to_the_whole_and_are_never_negative(total: Decimal, weights: list[int]) -> None:
    parts = allocate(total, [(f"M{i}", Decimal(w)) for i, w in enumerate(weights)])
    assert sum(parts.values()) == total
    assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in parts.values())


@settings(max_examples=200)
@given(total=amounts, n=st.integers(min_value=1, max_value=12))
def test_equal_inputs_give_equal_parts_up_to_one_ore_earlier_members_first(total: Decimal, n: int) -> None:
    parts = list(allocate(total, [(f"M{i}", Decimal(1)) for i in range(n)]).values())
    assert max(parts) - min(parts) <= Decimal("0.01")
    assert parts == sorted(parts, reverse=True)


@settings(max_examples=200)
@given(total=amounts, weights=weight_lists)
def test_each_part_is_within_one_ore_of_its_exact_share(total: Decimal, weights: list[int]) -> None:
    parts = allocate(total, [(f"M{i}", Decimal(w)) for i, w in enumerate(weights)])
    for i, w in enumerate(weights):
        exact = total * w / sum(weights)
        assert abs(parts[f"M{i}"] - exact) < Decimal("0.01")


def test_one_krone_split_three_ways_gives_the_extra_ore_to_the_first_member() -> None:
    assert allocate(Decimal("1.00"), [("A", Decimal(1)), ("B", Decimal(1)), ("C", Decimal(1))]) == {
        "A": Decimal("0.34"),
        "B": Decimal("0.33"),
        "C": Decimal("0.33"),
    }


def test_largest_remainder_wins_over_member_order() -> None:
    # 0.10 split 1:2 → exact 0.0333… and 0.0666…; floors 3 and 6 øre, the last øre goes to B (remainder .67).
    assert allocate(Decimal("0.10"), [("A", Decimal(1)), ("B", Decimal(2))]) == {
        "A": Decimal("0.03"),
        "B": Decimal("0.07"),
    }


def test_percent_key_must_sum_to_exactly_one_hundred() -> None:
    with pytest.raises(SharingKeyError) as info:
        weights_for(
            Key("percent", (("A", Decimal("33.33")), ("B", Decimal("33.33")), ("C", Decimal("33.33")))),
            ["A", "B", "C"],
            {},
        )
    assert info.value.code == "percent_sum"


def test_population_key_weighs_by_population() -> None:
    weights = weights_for(Key("population"), ["A", "B"], {"A": 30_000, "B": 10_000})
    assert allocate(Decimal("100.00"), weights) == {"A": Decimal("75.00"), "B": Decimal("25.00")}


def test_negative_or_fractional_totals_are_refused() -> None:
    with pytest.raises(SharingKeyError, match=r"^bad_total: -1.00$"):
        allocate(Decimal("-1.00"), [("A", Decimal(1))])
    with pytest.raises(SharingKeyError, match=r"^bad_total: 0.001$"):
        allocate(Decimal("0.001"), [("A", Decimal(1))])
