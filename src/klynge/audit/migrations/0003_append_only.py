"""The audit trail becomes append-only and tamper-evident.

1. Entries written before the hash chain are chained in id order (data migration).
2. The database refuses UPDATE and DELETE of an audit entry (PostgreSQL: a trigger function; SQLite:
   two triggers). TRUNCATE is a table owner's act, not a row change; tests flush that way on
   PostgreSQL (and drop the SQLite delete trigger for their flush, tests/conftest.py).
"""

from django.db import migrations

from klynge.common import hashchain
from klynge.common.dbsql import vendor_sql

A = "audit_auditentry"

SQLITE = [
    f"""CREATE TRIGGER audit_entry_immutable BEFORE UPDATE ON {A}
    BEGIN SELECT RAISE(ABORT, 'audit_append_only: an audit entry cannot change'); END""",
    f"""CREATE TRIGGER audit_entry_undeletable BEFORE DELETE ON {A}
    BEGIN SELECT RAISE(ABORT, 'audit_append_only: an audit entry cannot be deleted'); END""",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_append_only: an audit entry cannot be %',
        CASE WHEN TG_OP = 'UPDATE' THEN 'changed' ELSE 'deleted' END
        USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql""",
    f"CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON {A} FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()",
]


def chain_existing(apps, schema_editor):
    from klynge.audit.log import content

    AuditEntry = apps.get_model("audit", "AuditEntry")
    previous = hashchain.GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator():
        entry.previous_hash = previous
        entry.hash = previous = hashchain.digest(previous, content(entry))
        AuditEntry.objects.filter(pk=entry.pk).update(previous_hash=entry.previous_hash, hash=entry.hash)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_hash_chain"),
        # Its data migration writes audit entries; they are chained here with the others.
        ("registry", "0005_dates_in_window"),
    ]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        vendor_sql(
            sqlite=SQLITE,
            postgresql=POSTGRESQL,
            reverse_sqlite=["DROP TRIGGER audit_entry_immutable", "DROP TRIGGER audit_entry_undeletable"],
            reverse_postgresql=[
                f"DROP TRIGGER audit_entry_guard ON {A}",
                "DROP FUNCTION audit_entry_guard()",
            ],
        ),
    ]
