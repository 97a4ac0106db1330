"""Writing many rows at once on PostgreSQL (#12: a national year-end's 100.000 ledger entries).

Django's ``bulk_create`` and a multi-row ``INSERT … VALUES`` make the driver quote every value and
split a statement of thousands of placeholders in Python (psycopg's client-side binding), which cost
more than the database's own work. ``COPY … FROM STDIN`` sends the rows as they are; the ids are
drawn from the table's sequence first, so the caller knows them before writing (hash chains cover
ids). COPY fires the table's triggers as an INSERT does: the row triggers for each row, the statement
triggers once with all the rows in their transition tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def new_ids(table: str, count: int) -> list[int]:
    """``count`` new ids from ``table``'s id sequence, ascending (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Write ``rows`` (values for ``columns``, as the driver adapts them) into ``table`` with one COPY
    (PostgreSQL). Errors are raised as Django's database errors, as ``cursor.execute`` raises them."""
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
