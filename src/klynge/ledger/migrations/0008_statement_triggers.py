"""PostgreSQL checks the ledger's rules once per statement instead of once per row (#12: 100.000 entries
in under a minute). The rules and their refusals stay the same; SQLite keeps its row triggers.

Posting a year-end's entries one row at a time cost PostgreSQL ≈ 9 trigger queries an entry: the
gapless-voucher MAX per inserted entry, a look-up of the entry per inserted posting, the balance check
and the running-balance upsert per posted entry, and the running-balance guard for each upserted row —
thousands of updates of the same few rows when a batch shares one date. ``entries_post`` now writes a
batch with one statement per table (multi-row INSERTs, one ``UPDATE … FROM (VALUES …)`` that posts
them all), and PostgreSQL's statement-level AFTER triggers with transition tables (``REFERENCING NEW
TABLE AS …``) check the statement's rows together. An AFTER statement trigger runs at the end of the
statement (not at commit); its error undoes the whole statement, as a BEFORE row trigger's does. COPY
fires them as an INSERT does (tests/ledger/test_ledger.py writes with COPY and is refused).

Ledger entries (``ledger_journalentry``):
- inserted: refused when inserted posted (row trigger with ``WHEN (NEW.posted)``: costs nothing
  otherwise); gapless vouchers per statement: the vouchers a statement inserts into a ledger must be
  exactly the ledger's highest before it + 1, + 2, …, + n (one row: highest + 1, as before; within
  one statement their order no longer matters — the row trigger refused the rows 3, 2 after 1, which
  leave the same numbers without a gap);
- updated or deleted: refused when posted (row triggers with ``WHEN (OLD.posted)``);
- posted (an UPDATE setting ``posted``): per statement, every entry it posts must have postings
  summing to zero and at least two of them, or the whole statement is refused (one unbalanced entry
  among 2.000 refuses the 2.000); then its postings are added to the running balances with one
  upsert per ledger, account and date, ``last_voucher`` = the statement's highest voucher there.

Postings (``ledger_posting``): an INSERT statement is refused when any of its rows belongs to a posted
entry (checked once per statement); UPDATE and DELETE keep the row trigger of migration 0002.

Running balances (``ledger_daybalance``) may now be written for several entries at once, so the guard
checks a range of vouchers instead of one: an inserted row must hold exactly the posted postings of its
ledger, account and date with voucher ≤ ``last_voucher``; an update must keep ledger, account and date,
raise ``last_voucher`` and add exactly the posted postings there with voucher in (old ``last_voucher``,
new ``last_voucher``]; no row is deleted. Sound as the one-voucher rule was: only the posting trigger
writes a row, it writes it whenever an entry with postings there is posted and ``last_voucher`` only
grows, so every posted posting of a row's account and date has a voucher ≤ its ``last_voucher`` and is
counted once; a forged write finds no uncounted posted postings in its range (the sum is NULL, not
its delta) and is refused, and an entry with a voucher ≤ ``last_voucher`` can no longer be posted there
(its upsert would not raise ``last_voucher``). The guard sums a range of vouchers of one ledger and
date, hence the new index on (ledger, date, voucher). SQLite keeps the one-voucher guard: its posting
trigger runs per row, so each write it makes adds one entry's postings (migration 0005).
"""

from importlib import import_module

from django.db import migrations

E = "ledger_journalentry"
P = "ledger_posting"
B = "ledger_daybalance"

# The rows a statement wrote to the running balances, each with the voucher range it claims to add:
# (after_v, upto], and whether it moved to another ledger, account or date or failed to raise
# last_voucher.
INSERTED = """SELECT id, ledger_id, account_id, date, amount AS delta, 0 AS after_v, last_voucher AS upto,
    false AS moved FROM inserted"""
UPDATED = """SELECT n.id, n.ledger_id, n.account_id, n.date, n.amount - o.amount AS delta,
    o.last_voucher AS after_v, n.last_voucher AS upto,
    (n.ledger_id <> o.ledger_id OR n.account_id <> o.account_id OR n.date <> o.date
        OR n.last_voucher <= o.last_voucher) AS moved
    FROM new_rows n JOIN old_rows o ON o.id = n.id"""

# True when a written row does not add exactly the posted postings of its ledger, account and date with
# voucher in its range. The posted postings of each ledger and date in the union of the rows' ranges
# are read once (entries by the index ledger_entry_ledger_date_voucher, their postings by entry_id) and
# then matched to the rows, not read again for each row. (A LATERAL subquery with OFFSET 0 is not
# flattened into a join: each is read through its index, never by scanning the whole table, whatever
# the planner guesses of a transition table's rows.)
DAYBALANCE_REFUSED = f"""EXISTS (
    WITH c AS MATERIALIZED ({{changed}}),
    span AS (SELECT ledger_id, date, MIN(after_v) AS lo, MAX(upto) AS hi FROM c GROUP BY ledger_id, date),
    postings AS MATERIALIZED (
        SELECT e.ledger_id, e.date, e.voucher_number, p.account_id, p.amount
        FROM span s
        CROSS JOIN LATERAL (SELECT id, ledger_id, date, voucher_number FROM {E}
            WHERE ledger_id = s.ledger_id AND date = s.date AND voucher_number > s.lo
                AND voucher_number <= s.hi AND posted OFFSET 0) e
        CROSS JOIN LATERAL (SELECT account_id, amount FROM {P} WHERE entry_id = e.id OFFSET 0) p),
    added AS (
        SELECT c.id, SUM(x.amount) AS amount
        FROM postings x
        JOIN c ON c.ledger_id = x.ledger_id AND c.date = x.date AND c.account_id = x.account_id
            AND x.voucher_number > c.after_v AND x.voucher_number <= c.upto
        GROUP BY c.id)
    SELECT 1 FROM c LEFT JOIN added a ON a.id = c.id WHERE c.moved OR a.amount IS DISTINCT FROM c.delta)"""

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION ledger_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_vouchers_gapless() RETURNS trigger AS $$
DECLARE r record;
BEGIN
    -- Per ledger: the statement's vouchers are lo..hi without a hole (they are distinct: unique index),
    -- the ledger had none above lo - 1 before (its highest below lo is lo - 1, none above hi).
    FOR r IN SELECT ledger_id, COUNT(*) AS n, MIN(voucher_number) AS lo, MAX(voucher_number) AS hi
             FROM inserted GROUP BY ledger_id LOOP
        IF r.hi - r.lo + 1 <> r.n
            OR r.lo - 1 <> (SELECT COALESCE(MAX(voucher_number), 0) FROM {E}
                            WHERE ledger_id = r.ledger_id AND voucher_number < r.lo)
            OR r.hi <> (SELECT MAX(voucher_number) FROM {E} WHERE ledger_id = r.ledger_id) THEN
            RAISE EXCEPTION 'ledger_voucher_gap: voucher numbers are consecutive per ledger'
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_postings_to_open_entries() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT entry_id FROM inserted) p
               WHERE (SELECT posted FROM {E} WHERE id = p.entry_id)) THEN
        RAISE EXCEPTION 'ledger_append_only: no postings can be added to a posted entry'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_entries_posted() RETURNS trigger AS $$
DECLARE bad record;
BEGIN
    -- The entries this statement posts (a posted entry cannot be updated: ledger_entry_immutable). Each
    -- entry's postings are read through the index on entry_id (a LATERAL with OFFSET 0 is not flattened
    -- into a join that could scan every posting).
    SELECT e.id, t.total, t.lines INTO bad
    FROM after_rows e JOIN before_rows o ON o.id = e.id,
        LATERAL (SELECT COALESCE(SUM(amount), 0) AS total, COUNT(*) AS lines FROM {P} WHERE entry_id = e.id) t
    WHERE e.posted AND NOT o.posted AND (t.total <> 0 OR t.lines < 2)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger_unbalanced: entry % has postings summing to % øre in % lines',
            bad.id, bad.total, bad.lines USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO {B} (ledger_id, account_id, date, amount, last_voucher)
        SELECT e.ledger_id, p.account_id, e.date, SUM(p.amount), MAX(e.voucher_number)
        FROM after_rows e JOIN before_rows o ON o.id = e.id,
            LATERAL (SELECT account_id, amount FROM {P} WHERE entry_id = e.id OFFSET 0) p
        WHERE e.posted AND NOT o.posted
        GROUP BY e.ledger_id, p.account_id, e.date
    ON CONFLICT (ledger_id, account_id, date)
    DO UPDATE SET amount = {B}.amount + excluded.amount, last_voucher = excluded.last_voucher;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

"""
# The running-balance guard for inserted and for updated rows: the same check of their voucher ranges.
PG_FUNCTIONS += "".join(
    f"""
CREATE OR REPLACE FUNCTION ledger_daybalance_{name}() RETURNS trigger AS $$
BEGIN
    IF {DAYBALANCE_REFUSED.format(changed=changed)} THEN
        RAISE EXCEPTION 'ledger_daybalance_guarded: written only when an entry is posted'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
    for name, changed in (("inserted", INSERTED), ("updated", UPDATED))
)

PG_TRIGGERS = [
    f"""CREATE TRIGGER ledger_entry_not_inserted_posted BEFORE INSERT ON {E}
        FOR EACH ROW WHEN (NEW.posted) EXECUTE FUNCTION
        ledger_refuse('ledger_append_only: an entry is posted after its postings are added')""",
    f"""CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE ON {E}
        FOR EACH ROW WHEN (OLD.posted) EXECUTE FUNCTION
        ledger_refuse('ledger_append_only: a posted entry cannot change; reverse it')""",
    f"""CREATE TRIGGER ledger_entry_undeletable BEFORE DELETE ON {E}
        FOR EACH ROW WHEN (OLD.posted) EXECUTE FUNCTION
        ledger_refuse('ledger_append_only: a posted entry cannot be deleted; reverse it')""",
    f"""CREATE TRIGGER ledger_voucher_gapless AFTER INSERT ON {E} REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_vouchers_gapless()""",
    f"""CREATE TRIGGER ledger_entries_posted AFTER UPDATE ON {E}
        REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_posted()""",
    f"""CREATE TRIGGER ledger_posting_guard BEFORE UPDATE OR DELETE ON {P}
        FOR EACH ROW EXECUTE FUNCTION ledger_posting_guard()""",
    f"""CREATE TRIGGER ledger_posting_insert_open_entry AFTER INSERT ON {P} REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_to_open_entries()""",
    f"""CREATE TRIGGER ledger_daybalance_undeletable BEFORE DELETE ON {B}
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse('ledger_daybalance_guarded: a balance cannot be deleted')""",
    f"""CREATE TRIGGER ledger_daybalance_insert_guard AFTER INSERT ON {B} REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_daybalance_inserted()""",
    f"""CREATE TRIGGER ledger_daybalance_update_guard AFTER UPDATE ON {B}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_daybalance_updated()""",
]

# The triggers and functions of migrations 0002 and 0005 this replaces (after 0007).
PG_DROP_OLD = [
    f"DROP TRIGGER ledger_entry_guard ON {E}",
    f"DROP TRIGGER ledger_posting_guard ON {P}",
    f"DROP TRIGGER ledger_daybalance_on_post ON {E}",
    f"DROP TRIGGER ledger_daybalance_guard ON {B}",
    "DROP FUNCTION ledger_entry_guard(), ledger_check_balance(bigint, boolean), ledger_daybalance_on_post(), "
    "ledger_daybalance_guard()",
]

INDEX = f"CREATE INDEX ledger_entry_ledger_date_voucher ON {E} (ledger_id, date, voucher_number)"


def _restore_old(apps, schema_editor):
    """Reverse: the row triggers of migrations 0002 and 0005 as they were after 0007."""
    if schema_editor.connection.vendor != "postgresql":
        return
    invariants = import_module("klynge.ledger.migrations.0002_ledger_invariants")
    day_balance = import_module("klynge.ledger.migrations.0005_day_balance")
    for name in (
        "ledger_daybalance_update_guard",
        "ledger_daybalance_insert_guard",
        "ledger_daybalance_undeletable",
    ):
        schema_editor.execute(f"DROP TRIGGER {name} ON {B}", params=None)
    for name in ("ledger_posting_insert_open_entry", "ledger_posting_guard"):
        schema_editor.execute(f"DROP TRIGGER {name} ON {P}", params=None)
    for name in (
        "ledger_entries_posted",
        "ledger_voucher_gapless",
        "ledger_entry_undeletable",
        "ledger_entry_immutable",
        "ledger_entry_not_inserted_posted",
    ):
        schema_editor.execute(f"DROP TRIGGER {name} ON {E}", params=None)
    schema_editor.execute(
        "DROP FUNCTION ledger_daybalance_updated(), ledger_daybalance_inserted(), ledger_entries_posted(), "
        "ledger_postings_to_open_entries(), ledger_vouchers_gapless(), ledger_refuse()",
        params=None,
    )
    schema_editor.execute("DROP INDEX ledger_entry_ledger_date_voucher", params=None)
    # 0002's functions (its deferred balance function, dropped by 0007, again dropped) and row triggers.
    schema_editor.execute(invariants.PG_FUNCTIONS, params=None)
    schema_editor.execute("DROP FUNCTION ledger_deferred_balance()", params=None)
    for statement in invariants.POSTGRESQL[1:3]:
        schema_editor.execute(statement, params=None)
    for statement in day_balance.POSTGRESQL[1:]:
        schema_editor.execute(statement, params=None)


def _apply(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps the row triggers of migrations 0002 and 0005
    for statement in [*PG_DROP_OLD, INDEX, PG_FUNCTIONS, *PG_TRIGGERS]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_drop_redundant_deferred_balance")]

    operations = [migrations.RunPython(_apply, _restore_old)]
