"""Reads of the registry shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol


class Dated(Protocol):
    valid_from: dt.date
    recorded_on: dt.date
    count: int


def count_on(records: Iterable[Dated], day: dt.date) -> int | None:
    """The value in effect on ``day``: the latest ``valid_from`` up to it, the latest record of that day."""
    eligible = [r for r in records if r.valid_from <= day]
    if not eligible:
        return None
    return max(eligible, key=lambda r: (r.valid_from, r.recorded_on)).count
