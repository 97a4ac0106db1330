"""Money in the database: integer øre in the column, ``Decimal`` kroner in Python.

SQLite stores Django's DecimalField as a floating-point number and its sums drift, so every amount is
kept as a whole number of øre (BIGINT) and converted at the boundary.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Combinable

from klynge.core.money import ORE, from_ore, to_ore


class MoneyField(models.BigIntegerField):
    """An amount in kroner as ``Decimal`` with two decimals, stored as integer øre."""

    description = "Amount in DKK stored as integer øre"

    # Tell django-stubs that the attribute reads and writes Decimal kroner.
    _pyi_private_set_type: Decimal | int | str | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]

    def from_db_value(self, value: int | None, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None else from_ore(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value)).quantize(ORE)
        except ArithmeticError as exc:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from exc

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("MoneyField takes Decimal kroner, never float")
        return to_ore(Decimal(value) if isinstance(value, int) else Decimal(str(value)))

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return forms.DecimalField(max_digits=15, decimal_places=2, **kwargs)


def amount_text(value: Decimal) -> str:
    """An amount as a person reads it in the active language (#13): ``1.234,50`` on Danish pages (as
    :func:`klynge.core.money.format_dkk`), ``1,234.50`` on English ones; rounded to øre, half up. Files
    for machines and Danish documents (CSV, claim letters) keep :func:`format_dkk`."""
    from django.utils.translation import get_language

    from klynge.core.money import format_dkk, round_ore

    if not (get_language() or "da").startswith("en"):
        return format_dkk(round_ore(Decimal(value)))
    return f"{round_ore(Decimal(value)):,.2f}"
