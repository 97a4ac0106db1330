"""Splitting by key to the øre, rule by rule, with exact øre (issue #9: tests that notice a wrong øre)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from klynge.core.sharing import Key, SharingKeyError, allocate, weights_for

D = Decimal


def test_the_leftover_ore_goes_to_the_largest_remainder_not_the_largest_share() -> None:
    # 10 øre at 72:28 → exact 7,2 and 2,8 øre; floors 7 and 2, the one øre left goes to B (remainder ,8)
    # although A has the larger share.
    assert allocate(D("0.10"), [("A", D(72)), ("B", D(28))]) == {"A": D("0.07"), "B": D("0.03")}


def test_two_leftover_ore_go_to_the_two_largest_remainders_in_that_order() -> None:
    # 100 øre at 1:1:1:1:1:1:1 → 14,285… each: floors 98, two øre left, to the first two members.
    parts = allocate(D("1.00"), [(f"M{i}", D(1)) for i in range(7)])
    assert list(parts.values()) == [D("0.15"), D("0.15")] + [D("0.14")] * 5
    # 0,05 at 10:25:65 → 0,5 / 1,25 / 3,25 øre: floors 0+1+3, one øre left to A (remainder ,5).
    assert allocate(D("0.05"), [("A", D(10)), ("B", D(25)), ("C", D(65))]) == {
        "A": D("0.01"),
        "B": D("0.01"),
        "C": D("0.03"),
    }


def test_equal_remainders_go_to_the_member_listed_first_whatever_its_name() -> None:
    assert allocate(D("0.01"), [("Z", D(1)), ("A", D(1))]) == {"Z": D("0.01"), "A": D("0.00")}


def test_a_whole_total_is_split_exactly_with_no_leftover() -> None:
    assert allocate(D("3000000.00"), [("M1", D(1)), ("M2", D(1)), ("R", D(1))]) == {
        "M1": D("1000000.00"),
        "M2": D("1000000.00"),
        "R": D("1000000.00"),
    }
    assert allocate(D("0.00"), [("A", D(1)), ("B", D(0))]) == {"A": D("0.00"), "B": D("0.00")}


def test_a_member_with_weight_zero_gets_nothing_even_of_the_leftover() -> None:
    assert allocate(D("0.01"), [("A", D(0)), ("B", D(1)), ("C", D(1))]) == {
        "A": D("0.00"),
        "B": D("0.01"),
        "C": D("0.00"),
    }


@pytest.mark.parametrize(
    ("total", "weights", "code", "text"),
    [
        (D("-0.01"), [("A", D(1))], "bad_total", "bad_total: -0.01"),
        (D("1.005"), [("A", D(1))], "bad_total", "bad_total: 1.005"),
        (D("1.00"), [], "no_members", "no_members"),
        (D("1.00"), [("A", D(1)), ("B", D(-1))], "negative_weight", "negative_weight"),
        (D("1.00"), [("A", D(0)), ("B", D(0))], "zero_weights", "zero_weights"),
    ],
)
def test_what_cannot_be_split_is_refused_with_its_code(
    total: Decimal, weights: list[tuple[str, Decimal]], code: str, text: str
) -> None:
    with pytest.raises(SharingKeyError, match=f"^{text}$") as info:
        allocate(total, weights)
    assert info.value.code == code
    assert info.value.detail == text.partition(": ")[2]


def test_an_error_without_detail_has_an_empty_detail() -> None:
    error = SharingKeyError("no_members")
    assert (str(error), error.code, error.detail) == ("no_members", "no_members", "")


def test_equal_key_weighs_every_member_one() -> None:
    assert weights_for(Key("equal"), ["B", "A"], {}) == [("B", D(1)), ("A", D(1))]


def test_population_key_weighs_by_population_in_member_order() -> None:
    assert weights_for(Key("population"), ["B", "A"], {"A": 3, "B": 0}) == [("B", D(0)), ("A", D(3))]


def test_population_key_names_every_member_without_a_population() -> None:
    with pytest.raises(SharingKeyError, match=r"^population_missing: B, C$") as info:
        weights_for(Key("population"), ["A", "B", "C"], {"A": 1})
    assert (info.value.code, info.value.detail) == ("population_missing", "B, C")


def test_a_member_missing_from_a_percent_key_pays_nothing() -> None:
    key = Key("percent", (("A", D("100")),))
    weights = weights_for(key, ["A", "B"], {})
    assert weights == [("A", D(100)), ("B", D(0))]
    assert allocate(D("99.99"), weights) == {"A": D("99.99"), "B": D("0.00")}


def test_percent_key_weights_follow_the_members_order_not_the_keys() -> None:
    key = Key("percent", (("B", D("0.5")), ("A", D("99.5"))))
    assert weights_for(key, ["A", "B"], {}) == [("A", D("99.5")), ("B", D("0.5"))]


def test_a_share_of_zero_percent_is_allowed() -> None:
    key = Key("percent", (("A", D("0")), ("B", D("100"))))
    assert weights_for(key, ["A", "B"], {}) == [("A", D(0)), ("B", D(100))]


@pytest.mark.parametrize(
    ("key", "code", "detail"),
    [
        (Key("percent", (("A", D(50)), ("X", D(25)), ("W", D(25)))), "unknown_member", "W, X"),
        (Key("percent", (("A", D(101)), ("B", D(-1)))), "negative_share", ""),
        (Key("percent", (("A", D("33.33")), ("B", D("66.66")))), "percent_sum", "99.99"),
        (Key("percent", ()), "percent_sum", "0"),
        (Key("weekday"), "unknown_key_type", "weekday"),
    ],
)
def test_an_unusable_key_is_refused_with_its_code_and_detail(key: Key, code: str, detail: str) -> None:
    with pytest.raises(SharingKeyError, match=f"^{code}") as info:
        weights_for(key, ["A", "B"], {})
    assert (info.value.code, info.value.detail) == (code, detail)
    assert str(info.value) == (f"{code}: {detail}" if detail else code)
