"""Migration operations whose SQL differs per database vendor.

Invariants that must never break (no overlapping memberships, balanced postings, ...) are enforced by
the database itself. PostgreSQL and SQLite say so in different SQL; one migration carries both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def vendor_sql(
    *,
    sqlite: Sequence[str],
    postgresql: Sequence[str],
    reverse_sqlite: Sequence[str] = (),
    reverse_postgresql: Sequence[str] = (),
) -> migrations.RunPython:
    """A ``RunPython`` operation running the statements written for the connection's vendor."""

    def run(statements: dict[str, Sequence[str]]) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            vendor = schema_editor.connection.vendor
            if vendor not in statements:
                raise NotImplementedError(f"No SQL for database vendor {vendor!r}")
            for statement in statements[vendor]:
                schema_editor.execute(statement, params=None)

        return apply

    return migrations.RunPython(
        run({"sqlite": sqlite, "postgresql": postgresql}),
        run({"sqlite": reverse_sqlite, "postgresql": reverse_postgresql}),
    )
