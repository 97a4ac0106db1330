"""The ledger's invariants, enforced by the database on PostgreSQL and SQLite.

1. Balance. PostgreSQL: a DEFERRABLE INITIALLY DEFERRED constraint trigger checks, at commit, that
   every entry touched has postings summing to zero and at least two of them. SQLite has no deferred
   triggers; the equivalent is the posting step: an entry is created unposted, its postings added,
   and the UPDATE that sets ``posted`` is refused unless the postings balance. Only posted entries
   count in balances and exports. PostgreSQL has the posting-step check too.
2. Append-only. Once posted, an entry and its postings can be neither updated nor deleted; postings
   cannot be added to a posted entry; an entry cannot be inserted already posted.
3. Gapless vouchers. A new entry's voucher number must be the ledger's highest + 1.

PostgreSQL's row triggers here were replaced by statement triggers checking the same rules once per
statement (migration 0008; 0007 dropped the deferred balance check). SQLite keeps these.
"""

from django.db import migrations

from klynge.common.dbsql import vendor_sql

E = "ledger_journalentry"
P = "ledger_posting"

SQLITE = [
    # 1. Balance at the posting step.
    f"""CREATE TRIGGER ledger_entry_balanced_when_posted BEFORE UPDATE OF posted ON {E}
    FOR EACH ROW WHEN NEW.posted = 1 AND OLD.posted = 0 AND (
        (SELECT COALESCE(SUM(amount), 0) FROM {P} WHERE entry_id = NEW.id) != 0
        OR (SELECT COUNT(*) FROM {P} WHERE entry_id = NEW.id) < 2)
    BEGIN SELECT RAISE(ABORT, 'ledger_unbalanced: postings of an entry must sum to zero'); END""",
    # 2. Append-only.
    f"""CREATE TRIGGER ledger_entry_not_inserted_posted BEFORE INSERT ON {E}
    FOR EACH ROW WHEN NEW.posted = 1
    BEGIN SELECT RAISE(ABORT, 'ledger_append_only: an entry is posted after its postings are added'); END""",
    f"""CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE ON {E}
    FOR EACH ROW WHEN OLD.posted = 1
    BEGIN SELECT RAISE(ABORT, 'ledger_append_only: a posted entry cannot change; reverse it'); END""",
    f"""CREATE TRIGGER ledger_entry_undeletable BEFORE DELETE ON {E}
    FOR EACH ROW WHEN OLD.posted = 1
    BEGIN SELECT RAISE(ABORT, 'ledger_append_only: a posted entry cannot be deleted; reverse it'); END""",
    f"""CREATE TRIGGER ledger_posting_insert_open_entry BEFORE INSERT ON {P}
    FOR EACH ROW WHEN (SELECT posted FROM {E} WHERE id = NEW.entry_id) = 1
    BEGIN SELECT RAISE(ABORT, 'ledger_append_only: no postings can be added to a posted entry'); END""",
    f"""CREATE TRIGGER ledger_posting_immutable BEFORE UPDATE ON {P}
    FOR EACH ROW WHEN (SELECT posted FROM {E} WHERE id = OLD.entry_id) = 1
        OR (SELECT posted FROM {E} WHERE id = NEW.entry_id) = 1
    BEGIN SELECT RAISE(ABORT, 'ledger_append_only: a posting of a posted entry cannot change'); END""",
    f"""CREATE TRIGGER ledger_posting_undeletable BEFORE DELETE ON {P}
    FOR EACH ROW WHEN (SELECT posted FROM {E} WHERE id = OLD.entry_id) = 1
    BEGIN SELECT RAISE(ABORT, 'ledger_append_only: a posting of a posted entry cannot be deleted'); END""",
    # 3. Gapless voucher numbers.
    f"""CREATE TRIGGER ledger_voucher_gapless BEFORE INSERT ON {E}
    FOR EACH ROW WHEN NEW.voucher_number != (
        SELECT COALESCE(MAX(voucher_number), 0) + 1 FROM {E} WHERE ledger_id = NEW.ledger_id)
    BEGIN SELECT RAISE(ABORT, 'ledger_voucher_gap: voucher numbers are consecutive per ledger'); END""",
]

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION ledger_check_balance(entry bigint, being_posted boolean) RETURNS void AS $$
DECLARE total bigint; n integer; is_posted boolean;
BEGIN
    SELECT posted INTO is_posted FROM {E} WHERE id = entry;
    IF NOT being_posted AND (is_posted IS NULL OR NOT is_posted) THEN RETURN; END IF;
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, n FROM {P} WHERE entry_id = entry;
    IF total <> 0 OR n < 2 THEN
        RAISE EXCEPTION 'ledger_unbalanced: entry % has postings summing to % øre in % lines', entry, total, n
            USING ERRCODE = 'check_violation';
    END IF;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.posted THEN
            RAISE EXCEPTION 'ledger_append_only: an entry is posted after its postings are added'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.voucher_number <> (SELECT COALESCE(MAX(voucher_number), 0) + 1 FROM {E} WHERE ledger_id = NEW.ledger_id) THEN
            RAISE EXCEPTION 'ledger_voucher_gap: voucher numbers are consecutive per ledger'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.posted THEN
            RAISE EXCEPTION 'ledger_append_only: a posted entry cannot change; reverse it'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.posted THEN PERFORM ledger_check_balance(NEW.id, true); END IF;
        RETURN NEW;
    ELSE
        IF OLD.posted THEN
            RAISE EXCEPTION 'ledger_append_only: a posted entry cannot be deleted; reverse it'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_posting_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND (SELECT posted FROM {E} WHERE id = OLD.entry_id) THEN
        RAISE EXCEPTION 'ledger_append_only: a posting of a posted entry cannot change or be deleted'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (SELECT posted FROM {E} WHERE id = NEW.entry_id) THEN
        RAISE EXCEPTION 'ledger_append_only: no postings can be added to a posted entry'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_deferred_balance() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = '{E}' THEN
        PERFORM ledger_check_balance(NEW.id, false);
    ELSE
        PERFORM ledger_check_balance(CASE WHEN TG_OP = 'DELETE' THEN OLD.entry_id ELSE NEW.entry_id END, false);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

POSTGRESQL = [
    PG_FUNCTIONS,
    f"CREATE TRIGGER ledger_entry_guard BEFORE INSERT OR UPDATE OR DELETE ON {E} FOR EACH ROW EXECUTE FUNCTION ledger_entry_guard()",
    f"CREATE TRIGGER ledger_posting_guard BEFORE INSERT OR UPDATE OR DELETE ON {P} FOR EACH ROW EXECUTE FUNCTION ledger_posting_guard()",
    f"""CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT OR UPDATE ON {E}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_deferred_balance()""",
    f"""CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT OR UPDATE OR DELETE ON {P}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_deferred_balance()""",
]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        vendor_sql(
            sqlite=SQLITE,
            postgresql=POSTGRESQL,
            reverse_sqlite=[
                f"DROP TRIGGER {name}"
                for name in (
                    "ledger_entry_balanced_when_posted",
                    "ledger_entry_not_inserted_posted",
                    "ledger_entry_immutable",
                    "ledger_entry_undeletable",
                    "ledger_posting_insert_open_entry",
                    "ledger_posting_immutable",
                    "ledger_posting_undeletable",
                    "ledger_voucher_gapless",
                )
            ],
            reverse_postgresql=[
                f"DROP TRIGGER ledger_entry_guard ON {E}",
                f"DROP TRIGGER ledger_posting_guard ON {P}",
                f"DROP TRIGGER ledger_entry_balanced ON {E}",
                f"DROP TRIGGER ledger_posting_balanced ON {P}",
                "DROP FUNCTION ledger_deferred_balance(), ledger_posting_guard(), ledger_entry_guard(), "
                "ledger_check_balance(bigint, boolean)",
            ],
        )
    ]
