"""Template helpers for the health-cluster pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from klynge.common.money import amount_text

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args: Any) -> str:
    """The address of the page ``name``, or "" when no such page exists (yet): pages built elsewhere
    (the reports) are linked only once they are there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def number(value: Any) -> str:
    """A quantity in Danish format without currency, whole numbers without decimals: 37,5 timer → "37,50",
    800 → "800"."""
    from decimal import Decimal

    if value is None or value == "":
        return ""
    return amount_text(Decimal(str(value))).removesuffix(",00").removesuffix(".00")
