"""The audit trail as CSV for administrators (#10): every entry in the order it was written, with the
hashes that chain it (``klynge verify`` checks them), streamed so the file may be of any length."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from klynge.audit.models import AuditEntry

HEADER = (
    "id",
    "tidspunkt",
    "udfoert_af",
    "handling",
    "beskrivelse",
    "objekttype",
    "objekt_id",
    "region",
    "klynge",
    "foer",
    "efter",
    "forrige_hash",
    "hash",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


class _Line:
    """A file-like object that hands back what csv.writer writes (one row at a time)."""

    def write(self, text: str) -> str:
        return text


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv() -> Iterator[str]:
    """The header and one line per audit entry, oldest first (semicolon-separated, as Danish
    spreadsheets expect; times in Danish local time, ISO 8601)."""
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff" + writer.writerow(HEADER)  # the byte-order mark makes Excel read UTF-8
    entries = (
        AuditEntry.objects.order_by("id")
        .values_list(
            "id",
            "at",
            "actor__username",
            "action",
            "summary",
            "object_type",
            "object_id",
            "region__code",
            "gp_cluster__external_id",
            "before",
            "after",
            "previous_hash",
            "hash",
        )
        .iterator(chunk_size=2000)
    )
    for (
        pk,
        at,
        username,
        action,
        summary,
        kind,
        object_id,
        region,
        cluster,
        before,
        after,
        prev,
        digest,
    ) in entries:
        yield writer.writerow(
            (
                pk,
                timezone.localtime(at).isoformat(),
                _cell(username),
                _cell(action),
                _cell(summary),
                kind,
                _cell(object_id),
                region or "",
                _cell(cluster),
                _cell(_json(before)),
                _cell(_json(after)),
                prev or "",
                digest or "",
            )
        )
