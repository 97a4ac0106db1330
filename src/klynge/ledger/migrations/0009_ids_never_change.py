"""A ledger entry's and a running balance's id never change (#12, found in review).

PostgreSQL's statement triggers of migration 0008 match each updated row with its old version by id
(``JOIN old_rows o ON o.id = n.id``): an UPDATE that also changed the id left the row out of both
checks, so ``UPDATE ledger_journalentry SET id = id + 1000000, posted = true`` posted an entry with
no postings, and ``UPDATE ledger_daybalance SET id = …, amount = amount + 100`` changed a balance.
The row triggers before 0008 checked each row by itself and refused both. Refusing any change of
these ids (nothing in the application changes one) closes it, on both databases alike."""

from django.db import migrations

from klynge.common.dbsql import vendor_sql

E = "ledger_journalentry"
B = "ledger_daybalance"
MESSAGE = "ledger_append_only: an id never changes"

SQLITE = [
    f"""CREATE TRIGGER {table}_id_fixed BEFORE UPDATE OF id ON {table}
    FOR EACH ROW WHEN NEW.id != OLD.id
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for table in (E, B)
]
POSTGRESQL = [
    f"""CREATE TRIGGER {table}_id_fixed BEFORE UPDATE ON {table}
    FOR EACH ROW WHEN (NEW.id <> OLD.id) EXECUTE FUNCTION ledger_refuse('{MESSAGE}')"""
    for table in (E, B)
]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_statement_triggers")]

    operations = [
        vendor_sql(
            sqlite=SQLITE,
            postgresql=POSTGRESQL,
            reverse_sqlite=[f"DROP TRIGGER {table}_id_fixed" for table in (E, B)],
            reverse_postgresql=[f"DROP TRIGGER {table}_id_fixed ON {table}" for table in (E, B)],
        )
    ]
