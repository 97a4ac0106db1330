"""Hash chains that make the audit trail and the ledger tamper-evident.

Each record stores ``previous_hash`` (the hash of the record before it in its chain, ``""`` for the
first) and ``hash`` = SHA-256 of ``previous_hash`` followed by the record's canonical content: JSON
with sorted keys and no spaces, amounts as integer øre, dates and times as ISO 8601 (times in UTC,
to the microsecond). Changing, removing or reordering a record breaks its own hash or the next
record's ``previous_hash``; ``klynge verify`` walks every chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = ""


def canonical(content: Any) -> str:
    """The one serialisation hashed: JSON, keys sorted, no whitespace, non-ASCII kept."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(previous_hash: str, content: Any) -> str:
    return hashlib.sha256((previous_hash + canonical(content)).encode("utf-8")).hexdigest()


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def iso_time(value: dt.datetime | None) -> str | None:
    """A moment in UTC to the microsecond (as both databases store it)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat(timespec="microseconds")


def json_normal(value: Any) -> Any:
    """``value`` as it reads back from a JSON column (tuples become lists, keys strings)."""
    return None if value is None else json.loads(json.dumps(value))
