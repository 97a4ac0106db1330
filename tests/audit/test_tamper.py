"""Records nobody can quietly change: the audit trail and the ledger are hash-chained, the database
refuses changing or deleting audit entries, and ``klynge verify`` names the first record changed behind
the database's back (raw SQL after dropping the guarding trigger, recreated after)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from klynge.audit.log import record
from klynge.audit.models import AuditEntry
from klynge.common import hashchain
from klynge.ledger import services
from klynge.ledger.models import Account, JournalEntry, Ledger
from klynge.ledger.services import Line

D = dt.date
AUDIT_SQL = import_module("klynge.audit.migrations.0003_append_only")
LEDGER_SQL = import_module("klynge.ledger.migrations.0002_ledger_invariants")
LEDGER_TABLES = ("ledger_journalentry", "ledger_posting")


@contextmanager
def guards_lifted() -> Iterator[Any]:
    """Drop the append-only triggers of the audit trail and the ledger; recreate them afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            statements = [*AUDIT_SQL.SQLITE, *LEDGER_SQL.SQLITE]
            names = [s.split("TRIGGER ", 1)[1].split()[0] for s in statements]
            for name in names:
                cursor.execute(f"DROP TRIGGER {name}")
            yield cursor
            for statement in statements:
                cursor.execute(statement)
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute("DROP TRIGGER audit_entry_guard ON audit_auditentry")
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield cursor
            cursor.execute(AUDIT_SQL.POSTGRESQL[1])
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def verify() -> str:
    out = StringIO()
    call_command("verify", stdout=out)
    return out.getvalue()


def verify_fails() -> str:
    with pytest.raises(CommandError) as info:
        verify()
    assert info.value.returncode == 1
    return str(info.value)


@pytest.fixture
def ledger(db: Any) -> Ledger:
    for code, name, kind in [("5110", "Klyngemidler", "expense"), ("1010", "Bank", "asset")]:
        Account.objects.create(code=code, name=name, kind=kind)
    return services.ledger_get_or_create(code="GP-TEST", name="Testregnskab")


def pay(ledger: Ledger, actor: Any, amount: str = "100.00") -> JournalEntry:
    return services.entry_post(
        actor=actor,
        ledger=ledger,
        date=D(2020, 1, 15),
        text="Udbetaling K1",
        lines=[Line("5110", Decimal(amount), party="K1"), Line("1010", -Decimal(amount))],
    )


@pytest.fixture
def history(ledger: Ledger, admin_user: Any, cluster: Any) -> list[JournalEntry]:
    """Audit entries (the cluster's creation, three postings) and three posted entries."""
    return [pay(ledger, admin_user, amount) for amount in ("100.00", "250.50", "0.01")]


def test_every_audit_entry_and_posted_entry_carries_the_hash_of_its_content_and_of_the_one_before(
    history: list[JournalEntry],
) -> None:
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) >= 4
    assert entries[0].previous_hash == hashchain.GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.previous_hash == before.hash and len(after.hash or "") == 64
    first, second, third = (JournalEntry.objects.get(pk=e.pk) for e in history)
    assert first.previous_hash == "" and second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_verify_passes_with_a_one_line_summary(history: list[JournalEntry]) -> None:
    output = verify()
    assert output.count("\n") == 1
    assert output.startswith("Alt stemmer:") and "3 bilag, regnskaber: 1;" in output


def test_the_database_refuses_to_change_or_delete_an_audit_entry(history: list[JournalEntry]) -> None:
    entry = AuditEntry.objects.order_by("id").first()
    assert entry is not None
    for statement in (
        "UPDATE audit_auditentry SET summary = 'intet skete' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic():
            connection.cursor().execute(statement, [entry.pk])
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="intet skete")
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_an_audit_entry_changed_with_raw_sql_is_named_by_verify(history: list[JournalEntry]) -> None:
    target = AuditEntry.objects.order_by("id")[1]
    with guards_lifted() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = 'intet at se her' WHERE id = %s", [target.pk])
    message = verify_fails()
    assert f"audit_auditentry id={target.pk}:" in message and "indholdet passer ikke" in message
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic():
        AuditEntry.objects.filter(pk=target.pk).update(summary="igen")  # the trigger is back


def test_an_audit_entry_whose_hash_was_recomputed_breaks_the_next_ones_link(
    history: list[JournalEntry],
) -> None:
    target, following = AuditEntry.objects.order_by("id")[1:3]
    target.summary = "omskrevet"
    forged = hashchain.digest(target.previous_hash or "", import_module("klynge.audit.log").content(target))
    with guards_lifted() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = %s, hash = %s WHERE id = %s",
            ["omskrevet", forged, target.pk],
        )
    assert f"audit_auditentry id={following.pk}: forrige hash" in verify_fails()


def test_a_deleted_audit_entry_is_named_by_verify_at_the_entry_after_it(
    history: list[JournalEntry],
) -> None:
    target, following = AuditEntry.objects.order_by("id")[1:3]
    with guards_lifted() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])
    assert f"audit_auditentry id={following.pk}: forrige hash" in verify_fails()


def test_a_posting_changed_with_raw_sql_is_named_by_verify(history: list[JournalEntry]) -> None:
    entry = history[1]
    debit, credit = entry.postings.order_by("id")
    with guards_lifted() as cursor:  # still balanced: only the hash can tell
        cursor.execute("UPDATE ledger_posting SET amount = amount + 100 WHERE id = %s", [debit.pk])
        cursor.execute("UPDATE ledger_posting SET amount = amount - 100 WHERE id = %s", [credit.pk])
    message = verify_fails()
    assert f"ledger_journalentry id={entry.pk}: GP-TEST bilag 2:" in message and "hash" in message


def test_an_entry_changed_with_raw_sql_is_named_by_verify(history: list[JournalEntry]) -> None:
    entry = history[0]
    with guards_lifted() as cursor:
        cursor.execute("UPDATE ledger_journalentry SET date = '2020-01-16' WHERE id = %s", [entry.pk])
    assert f"ledger_journalentry id={entry.pk}: GP-TEST bilag 1:" in verify_fails()


def test_an_unbalanced_entry_is_named_by_verify(history: list[JournalEntry]) -> None:
    entry = history[2]
    with guards_lifted() as cursor:
        cursor.execute(
            "UPDATE ledger_posting SET amount = amount + 1 WHERE id = %s", [entry.postings.first().pk]
        )
    assert "GP-TEST bilag 3: posteringerne giver 1 øre i 2 linjer" in verify_fails()


def test_a_posting_moved_to_another_entry_is_named_at_the_entry_it_joined(
    history: list[JournalEntry],
) -> None:
    """verify reads entries and postings side by side (#12: bounded memory); a posting moved to an
    earlier entry must still be counted with the entry it now belongs to, and an entry left with no
    postings is named too."""
    moved = history[2].postings.order_by("id").first()
    with guards_lifted() as cursor:
        cursor.execute("UPDATE ledger_posting SET entry_id = %s WHERE id = %s", [history[1].pk, moved.pk])
    message = verify_fails()
    assert f"ledger_journalentry id={history[1].pk}: GP-TEST bilag 2: posteringerne giver" in message
    assert "i 3 linjer" in message
    with guards_lifted() as cursor:
        cursor.execute("DELETE FROM ledger_posting WHERE entry_id = %s", [history[1].pk])
    assert "GP-TEST bilag 2: posteringerne giver 0 øre i 0 linjer" in verify_fails()


def test_a_deleted_entry_leaves_a_gap_in_the_voucher_sequence_that_verify_names(
    history: list[JournalEntry],
) -> None:
    with guards_lifted() as cursor:
        cursor.execute("DELETE FROM ledger_posting WHERE entry_id = %s", [history[1].pk])
        cursor.execute("DELETE FROM ledger_journalentry WHERE id = %s", [history[1].pk])
    message = verify_fails()
    assert f"ledger_journalentry id={history[2].pk}: GP-TEST bilag 3: bilagsnummeret skulle være 2" in message


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_chain_in_turn(ledger_flushable: None, region: Any, admin_user: Any) -> None:
    barrier = threading.Barrier(6)

    def write(i: int) -> None:
        try:
            barrier.wait()
            for n in range(5):
                with transaction.atomic():
                    record(actor=admin_user, action="test", summary=f"{i}-{n}", obj=region)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEntry.objects.filter(action="test").count() == 30
    assert verify().startswith("Alt stemmer:")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's snapshot isolation")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_verify_reads_one_moment_on_postgresql_while_others_post(
    ledger_flushable: None, region: Any, admin_user: Any
) -> None:
    """Entries and postings are read by two cursors side by side: outside a caller's transaction
    verify runs in one read-only REPEATABLE READ transaction, so both see the same moment."""
    from django.test.utils import CaptureQueriesContext

    from klynge.audit.verify import verify as check

    record_outside = transaction.atomic()(record)
    record_outside(actor=admin_user, action="test", summary="one", obj=region)
    with CaptureQueriesContext(connection) as queries:
        assert check().ok
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] != "BEGIN"]
    assert statements[0] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
    assert len(statements) > 2
