"""The window of dates the product accepts, read from the settings; one validator for every path.

``KLYNGE_DATE_MIN`` (default 2000-01-01) to 31 December of the year ``KLYNGE_DATE_MAX_YEARS_AHEAD``
(default 5) years after today (:mod:`klynge.core.dates`). Services, forms, API and imports check
dates with :func:`clean_date` / :func:`date_errors`; the database's CHECK constraints hold a fixed,
wider window (:data:`DB_DATE_MIN` to :data:`DB_DATE_MAX`), because a constraint cannot read today's
date. The settings can narrow the window but never widen it past the database's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from klynge.core.dates import DATE_MIN, MAX_YEARS_AHEAD, DateWindow, date_window, long_da, long_en

DB_DATE_MIN = dt.date(2000, 1, 1)
DB_DATE_MAX = dt.date(2100, 12, 31)


def db_window(field: str, *, nullable: bool = False) -> Q:
    """The condition of a CHECK constraint keeping ``field`` between :data:`DB_DATE_MIN` and
    :data:`DB_DATE_MAX` (or empty, when ``nullable``)."""
    inside = Q(**{f"{field}__gte": DB_DATE_MIN, f"{field}__lte": DB_DATE_MAX})
    return inside | Q(**{f"{field}__isnull": True}) if nullable else inside


def window(today: dt.date | None = None) -> DateWindow:
    """The window on ``today`` (default: today in the product's time zone)."""
    first = getattr(settings, "KLYNGE_DATE_MIN", DATE_MIN)
    ahead = getattr(settings, "KLYNGE_DATE_MAX_YEARS_AHEAD", MAX_YEARS_AHEAD)
    found = date_window(today or timezone.localdate(), first=max(first, DB_DATE_MIN), years_ahead=ahead)
    return DateWindow(found.first, min(found.last, DB_DATE_MAX))


def long_date(day: dt.date) -> str:
    """``1. januar 2000`` (Danish) or ``1 January 2000`` (English), in the active language: THE human
    date of the product (#13), the same text as ``{{ day|date }}`` in a template (``DATE_FORMAT`` of
    :mod:`klynge.formats`). Use it for every date a person reads; ISO only where a machine reads."""
    return long_en(day) if (get_language() or "da").startswith("en") else long_da(day)


def long_datetime(moment: dt.datetime) -> str:
    """``1. juni 2019 14:05`` (Danish) or ``1 June 2019, 14:05`` (English), in the product's time zone:
    the ``DATETIME_FORMAT`` of :mod:`klynge.formats`, as ``{{ moment|date:"DATETIME_FORMAT" }}``."""
    return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "DATETIME_FORMAT")


def _typed(value: dt.date) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def window_message(label: Any, value: dt.date | None = None, span: DateWindow | None = None) -> str:
    """``Indtrådt: datoen skal ligge mellem 1. januar 2000 og 31. december 2031 (du skrev 31.12.9999).``"""
    span = span or window()
    params = {"label": label, "first": long_date(span.first), "last": long_date(span.last)}
    if value is None:
        return _("%(label)s: datoen skal ligge mellem %(first)s og %(last)s.") % params
    return _(
        "%(label)s: datoen skal ligge mellem %(first)s og %(last)s (du skrev %(value)s). Ret årstallet."
    ) % {**params, "value": _typed(value)}


def date_errors(
    checks: Iterable[tuple[str, Any, dt.date | None]], span: DateWindow | None = None
) -> dict[str, list[str]]:
    """The refusals of the dates outside the window: ``checks`` are (field, label, date or None)."""
    span = span or window()
    return {
        field: [window_message(label, value, span)]
        for field, label, value in checks
        if value is not None and value not in span
    }


def clean_date(value: dt.date | None, *, field: str, label: Any) -> dt.date | None:
    """``value`` if it lies in the window (``None`` passes); else ``ValidationError({field: ...})``."""
    errors = date_errors([(field, label, value)])
    if errors:
        raise ValidationError(errors, code="date_window")
    return value


def window_validator(label: Any) -> Callable[[Any], None]:
    """A form field's validator refusing a date outside the window, naming the field by ``label``."""

    def validate(value: Any) -> None:
        if isinstance(value, dt.date) and value not in window():
            raise ValidationError(window_message(label, value), code="date_window")

    return validate
