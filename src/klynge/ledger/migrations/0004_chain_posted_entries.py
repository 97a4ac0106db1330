"""Posted entries written before the hash chain are chained, per ledger in voucher order.

Posted entries are append-only, so the guard triggers are lifted for this one UPDATE of the two new
columns and restored in the same transaction (SQLite: dropped and recreated from migration 0002;
PostgreSQL: disabled and enabled again, the deferred balance check with them)."""

from importlib import import_module

from django.db import migrations

from klynge.common import hashchain

E = "ledger_journalentry"
SQLITE_GUARD = "ledger_entry_immutable"
PG_TRIGGERS = ("ledger_entry_guard", "ledger_entry_balanced")


def chain_posted(apps, schema_editor):
    from klynge.ledger.services import entry_content

    JournalEntry = apps.get_model("ledger", "JournalEntry")
    Posting = apps.get_model("ledger", "Posting")
    entries = JournalEntry.objects.filter(posted=True, hash__isnull=True)
    if not entries.exists():
        return
    vendor = schema_editor.connection.vendor
    invariants = import_module("klynge.ledger.migrations.0002_ledger_invariants")
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER {SQLITE_GUARD}")
    else:
        # Deferred checks (foreign keys, balance) run now, so ALTER TABLE finds no pending events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in PG_TRIGGERS:
            schema_editor.execute(f"ALTER TABLE {E} DISABLE TRIGGER {name}")
    for ledger_id in entries.values_list("ledger_id", flat=True).distinct():
        previous = hashchain.GENESIS
        for entry in JournalEntry.objects.filter(ledger_id=ledger_id, posted=True).order_by("voucher_number"):
            postings = list(Posting.objects.filter(entry_id=entry.pk).order_by("id"))
            entry.hash = hashchain.digest(previous, entry_content(entry, postings))
            JournalEntry.objects.filter(pk=entry.pk).update(previous_hash=previous, hash=entry.hash)
            previous = entry.hash
    if vendor == "sqlite":
        for statement in invariants.SQLITE:
            if f"TRIGGER {SQLITE_GUARD} " in statement:
                schema_editor.execute(statement)
    else:
        for name in PG_TRIGGERS:
            schema_editor.execute(f"ALTER TABLE {E} ENABLE TRIGGER {name}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_entry_hash")]

    operations = [migrations.RunPython(chain_posted, migrations.RunPython.noop)]
