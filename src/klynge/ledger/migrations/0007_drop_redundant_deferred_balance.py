"""Drop PostgreSQL's deferred balance triggers (#12): they could never refuse anything.

They ran at commit for every inserted or updated entry and posting (4-5 times an entry, two queries
each) and checked only *posted* entries. But an entry is posted by the UPDATE that sets ``posted``,
whose BEFORE trigger (``ledger_entry_guard`` → ``ledger_check_balance(id, true)``) refuses it unless
its postings balance; after that, the guards refuse every insert, update and delete of the entry's
postings and of the entry itself. So a posted entry is balanced from the statement that posts it on,
and the deferred check always found it so. The posting-step check, the guards and SQLite's identical
triggers stay; ``tests/ledger`` still breaks each rule with raw SQL.

Posting 100.000 entries on PostgreSQL went from ≈ 295 s to the figure in docs/benchmarks.md.
"""

from django.db import migrations

from klynge.common.dbsql import vendor_sql

E = "ledger_journalentry"
P = "ledger_posting"


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_day_balance_covering_index")]

    operations = [
        vendor_sql(
            sqlite=[],
            postgresql=[
                f"DROP TRIGGER IF EXISTS ledger_entry_balanced ON {E}",
                f"DROP TRIGGER IF EXISTS ledger_posting_balanced ON {P}",
                "DROP FUNCTION IF EXISTS ledger_deferred_balance()",
            ],
            reverse_sqlite=[],
            reverse_postgresql=[
                """CREATE OR REPLACE FUNCTION ledger_deferred_balance() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'ledger_journalentry' THEN
        PERFORM ledger_check_balance(NEW.id, false);
    ELSE
        PERFORM ledger_check_balance(CASE WHEN TG_OP = 'DELETE' THEN OLD.entry_id ELSE NEW.entry_id END, false);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
                f"""CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT OR UPDATE ON {E}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_deferred_balance()""",
                f"""CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT OR UPDATE OR DELETE ON {P}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_deferred_balance()""",
            ],
        )
    ]
