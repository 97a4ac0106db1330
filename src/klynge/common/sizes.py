"""Sizes shown to people: a refused size and its limit in the same unit, never looking equal."""

from __future__ import annotations

from django.utils.formats import number_format

KB = 1024
MB = 1024 * 1024


def size_and_limit(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` in the limit's unit (MB or kB with one decimal and the active language's
    separator, bytes below 1 kB), with more decimals, or bytes, when one decimal would show a larger
    size as the limit."""
    if limit < KB:
        return f"{size} bytes", f"{limit} bytes"
    unit, name = (MB, "MB") if limit >= MB else (KB, "kB")
    for decimals in (1, 2, 3):
        shown = (
            number_format(size / unit, decimal_pos=decimals, use_l10n=True, force_grouping=True),
            number_format(limit / unit, decimal_pos=decimals, use_l10n=True, force_grouping=True),
        )
        if shown[0] != shown[1] or size == limit:
            return f"{shown[0]} {name}", f"{shown[1]} {name}"
    grouped = (number_format(n, use_l10n=True, force_grouping=True) for n in (size, limit))
    return tuple(f"{n} bytes" for n in grouped)  # type: ignore[return-value]
