"""Writing the audit trail. Called by service functions inside their transaction.

:func:`record` (and :func:`record_many` for bulk imports) is the only writer: it takes the chain's
lock, reads the last entry's hash and stores the new entry with its own (:mod:`klynge.common.hashchain`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from klynge.audit.models import AuditEntry
from klynge.common import hashchain
from klynge.common.bulk import copy_rows, new_ids

# Any constant key: one advisory lock (PostgreSQL) serialises the writers of the audit chain.
AUDIT_CHAIN_LOCK = 0x6B6C796E6765_01
_recorded_at: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("recorded_at", default=None)


def lock_chain() -> None:
    """Take the audit chain's lock until the transaction ends, so concurrent writers chain in turn.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialised
    (``transaction_mode=IMMEDIATE``). Services that lock other rows and then audit take this first
    (``ledger.entry_post``) so the two locks are always taken in the same order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


@contextmanager
def recorded_at(moment: dt.datetime) -> Iterator[None]:
    """Entries recorded inside carry ``moment`` as their time (the demo's history, built today)."""
    token = _recorded_at.set(moment)
    try:
        yield
    finally:
        _recorded_at.reset(token)


def content(entry: AuditEntry) -> dict[str, Any]:
    """What an entry's hash covers: every field but the id and the hashes."""
    return {
        "at": hashchain.iso_time(entry.at),
        "actor": entry.actor_id,
        "action": entry.action,
        "summary": entry.summary,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "region": entry.region_id,
        "gp_cluster": entry.gp_cluster_id,
        "before": entry.before,
        "after": entry.after,
    }


def _chain(entries: Sequence[AuditEntry]) -> None:
    lock_chain()
    previous = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or hashchain.GENESIS
    moment = _recorded_at.get()
    for entry in entries:
        if moment is not None:
            entry.at = moment
        entry.before = hashchain.json_normal(entry.before)
        entry.after = hashchain.json_normal(entry.after)
        entry.previous_hash = previous
        entry.hash = previous = hashchain.digest(previous, content(entry))


def record_many(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Write unsaved entries (a bulk import's) in order, chained. Inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must be called inside the service's transaction")
    for entry in entries:
        entry.summary = entry.summary[:500]
        if entry.at is None:
            entry.at = timezone.now()
    _chain(entries)
    if connection.vendor != "postgresql":
        return AuditEntry.objects.bulk_create(entries)
    # PostgreSQL: one COPY, the ids drawn first in the chain's order (what bulk_create does, without the
    # driver quoting every value in Python: #12, a year-end's 100.000 entries audited).
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    columns = ["id"] + [str(f.column) for f in fields]
    for entry, pk in zip(entries, new_ids(AuditEntry._meta.db_table, len(entries)), strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias
    copy_rows(
        AuditEntry._meta.db_table,
        columns,
        [(e.pk, *(f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields)) for e in entries],
    )
    return list(entries)


def snapshot(obj: models.Model | None, fields: list[str] | None = None) -> dict[str, Any] | None:
    """The model's concrete field values as JSON-safe data (dates ISO, Decimal as string)."""
    if obj is None:
        return None
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if isinstance(field, models.FileField):
            value: Any = getattr(obj, field.attname).name
        else:
            value = getattr(obj, field.attname)
        data[field.attname] = _jsonable(value)
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def record(
    *,
    actor: Any,
    action: str,
    summary: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region: Any = None,
    gp_cluster: Any = None,
) -> AuditEntry:
    """Write one audit entry. Must run inside the service's atomic block."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        summary=summary[:500],
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        region=region,
        gp_cluster=gp_cluster,
        before=before,
        after=after,
    )
    _chain([entry])
    entry.save(force_insert=True)
    return entry
