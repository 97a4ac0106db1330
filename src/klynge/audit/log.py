"""Writing the audit trail. Called by service functions inside their transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from klynge.audit.models import AuditEntry


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
    return AuditEntry.objects.create(
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
