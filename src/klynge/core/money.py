"""Money rules: ``Decimal`` kroner, rounded per line to øre, half up. Never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ORE = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """An amount that is not a valid sum of money (not a number, float, too many decimals)."""


def round_ore(value: Decimal) -> Decimal:
    """Round to whole øre, half up (A10)."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def parse_amount(text: str | Decimal | int, *, allow_negative: bool = False) -> Decimal:
    """Parse an amount given as a string with at most two decimals ("1000.00", "1000").

    Floats are refused: they cannot represent øre exactly. So is scientific notation ("1e5", "1E+5",
    ``Decimal("1E+5")``): nobody types an amount that way, and "1e5" is more likely a typing error.
    """
    if isinstance(text, float):
        raise MoneyError("float")
    if "e" in str(text).lower():
        raise MoneyError("scientific")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise MoneyError("not_a_number") from exc
    if not value.is_finite():
        raise MoneyError("not_a_number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyError("too_many_decimals")
    if value < 0 and not allow_negative:
        raise MoneyError("negative")
    return value.quantize(ORE)


_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")


def from_danish(text: str) -> str:
    """An amount as a person types it in Danish, as plain text for :func:`parse_amount`: spaces go and
    "1.234,50" → "1234.50"; "1234.50" stays. "520.000" is left alone (and refused as three decimals):
    it may be 520 thousand or a mistyped 520,000 — see :func:`ambiguous_thousands`."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    return text


def ambiguous_thousands(text: str) -> bool:
    """Whether ``text`` has dots only between groups of three digits and no comma ("520.000"): a
    person most likely meant thousands, but a wrong guess costs a factor of 1.000, so we ask."""
    return bool(_THOUSANDS.fullmatch(text.strip().replace(" ", "")))


def to_ore(value: Decimal) -> int:
    """Kroner to whole øre; refuses amounts that are not whole øre rather than rounding silently."""
    ore = value * 100
    if ore != ore.to_integral_value():
        raise MoneyError("too_many_decimals")
    return int(ore)


def from_ore(ore: int) -> Decimal:
    return (Decimal(ore) / 100).quantize(ORE)


def format_dkk(value: Decimal) -> str:
    """Danish format: 1.234.567,89 (thousands with dots, decimal comma)."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value).quantize(ORE):f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{'.'.join(groups) or '0'},{frac or '00'}"
