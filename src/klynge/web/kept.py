"""Figures the pages compute from all the facts (the engine's runs, a health cluster's year overview),
kept in Django's cache until the next recorded change (#12).

Every change of the facts, rates, runs, repayments and health figures is one service call that writes
one entry in the append-only audit trail, so the trail's newest entry names the state of the data: a
figure computed at that state is right until a newer entry exists. The key also holds the day (the
figures are as of today) and the language (some carry translated words). The cache is Django's
default, one per process: a worker computes a figure once per change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language

from klynge.audit.models import AuditEntry

T = TypeVar("T")
SECONDS = 3600  # the longest a figure is kept (a newer change ends it at once)


def recorded_version() -> int:
    """The newest entry of the audit trail (0 before the first)."""
    return AuditEntry.objects.aggregate(newest=Max("pk"))["newest"] or 0


def kept(name: str, compute: Callable[[], T], *parts: object) -> T:
    """``compute()``, or what it gave at the same state of the data, day and language."""
    key = ":".join(
        [
            "klynge",
            name,
            *map(str, parts),
            timezone.localdate().isoformat(),
            get_language() or "",
            str(recorded_version()),
        ]
    )
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, SECONDS)
    return found
