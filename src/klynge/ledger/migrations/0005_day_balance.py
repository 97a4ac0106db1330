"""Running balances kept by the ledger itself (issue #12): ``ledger_daybalance`` holds the sum of the
posted postings per ledger, account and date, so a trial balance reads a few thousand rows instead of
every posting.

The database keeps it, on PostgreSQL and SQLite alike:
1. When an entry is posted (its UPDATE of ``posted`` from false to true), a trigger adds its postings
   per account to the row of its ledger, account and date (an upsert) and records the entry's voucher
   number in ``last_voucher``. Postings of a posted entry never change (migration 0002), so the rows
   stay equal to the sums of the posted postings.
2. Nothing else can write the table: a row inserted must hold exactly the postings of the posted entry
   it names (``last_voucher``) on its account and date; an update must keep ledger, account and date,
   name a later voucher than before, and add exactly that posted entry's postings on the account; no
   row can be deleted. (The entry named has its own row written when it is posted, so no entry can be
   counted twice.)

Existing posted entries are summed into the table before its guards are created.

PostgreSQL since migration 0008: the posting trigger runs once per statement and adds all the entries it
posts per ledger, account and date, and the guard accepts a row adding the posted postings of a range
of vouchers (after the old ``last_voucher``, up to the new one). SQLite keeps the triggers here."""

import django.db.models.deletion
from django.db import migrations, models

import klynge.common.money
from klynge.common.dbsql import vendor_sql

E = "ledger_journalentry"
P = "ledger_posting"
B = "ledger_daybalance"

FILL = f"""INSERT INTO {B} (ledger_id, account_id, date, amount, last_voucher)
    SELECT e.ledger_id, p.account_id, e.date, SUM(p.amount), MAX(e.voucher_number)
    FROM {P} p JOIN {E} e ON e.id = p.entry_id WHERE e.posted
    GROUP BY e.ledger_id, p.account_id, e.date"""

# The postings of the posted entry a row names (ledger, voucher, date) on the row's account; NULL when
# no such posted entry exists or it has no posting on the account.
ENTRY_SUM = f"""(SELECT SUM(p.amount) FROM {P} p JOIN {E} e ON e.id = p.entry_id
    WHERE e.ledger_id = NEW.ledger_id AND e.voucher_number = NEW.last_voucher AND e.posted
        AND e.date = NEW.date AND p.account_id = NEW.account_id)"""

SQLITE = [
    FILL,
    f"""CREATE TRIGGER ledger_daybalance_on_post AFTER UPDATE OF posted ON {E}
    FOR EACH ROW WHEN NEW.posted = 1 AND OLD.posted = 0
    BEGIN
        INSERT INTO {B} (ledger_id, account_id, date, amount, last_voucher)
        SELECT NEW.ledger_id, account_id, NEW.date, SUM(amount), NEW.voucher_number
        FROM {P} WHERE entry_id = NEW.id GROUP BY account_id
        ON CONFLICT (ledger_id, account_id, date)
        DO UPDATE SET amount = amount + excluded.amount, last_voucher = excluded.last_voucher;
    END""",
    f"""CREATE TRIGGER ledger_daybalance_insert_guard BEFORE INSERT ON {B}
    FOR EACH ROW WHEN {ENTRY_SUM} IS NOT NEW.amount
    BEGIN SELECT RAISE(ABORT, 'ledger_daybalance_guarded: written only when an entry is posted'); END""",
    f"""CREATE TRIGGER ledger_daybalance_update_guard BEFORE UPDATE ON {B}
    FOR EACH ROW WHEN NEW.ledger_id != OLD.ledger_id OR NEW.account_id != OLD.account_id
        OR NEW.date != OLD.date OR NEW.last_voucher <= OLD.last_voucher
        OR {ENTRY_SUM} IS NOT NEW.amount - OLD.amount
    BEGIN SELECT RAISE(ABORT, 'ledger_daybalance_guarded: written only when an entry is posted'); END""",
    f"""CREATE TRIGGER ledger_daybalance_undeletable BEFORE DELETE ON {B}
    FOR EACH ROW
    BEGIN SELECT RAISE(ABORT, 'ledger_daybalance_guarded: a balance cannot be deleted'); END""",
]

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION ledger_daybalance_on_post() RETURNS trigger AS $$
BEGIN
    INSERT INTO {B} (ledger_id, account_id, date, amount, last_voucher)
    SELECT NEW.ledger_id, account_id, NEW.date, SUM(amount), NEW.voucher_number
    FROM {P} WHERE entry_id = NEW.id GROUP BY account_id
    ON CONFLICT (ledger_id, account_id, date)
    DO UPDATE SET amount = {B}.amount + excluded.amount, last_voucher = excluded.last_voucher;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_daybalance_guard() RETURNS trigger AS $$
DECLARE added bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger_daybalance_guarded: a balance cannot be deleted'
            USING ERRCODE = 'check_violation';
    END IF;
    added := {ENTRY_SUM};
    IF TG_OP = 'INSERT' THEN
        IF added IS DISTINCT FROM NEW.amount THEN
            RAISE EXCEPTION 'ledger_daybalance_guarded: written only when an entry is posted'
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.ledger_id <> OLD.ledger_id OR NEW.account_id <> OLD.account_id OR NEW.date <> OLD.date
            OR NEW.last_voucher <= OLD.last_voucher OR added IS DISTINCT FROM NEW.amount - OLD.amount THEN
        RAISE EXCEPTION 'ledger_daybalance_guarded: written only when an entry is posted'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

POSTGRESQL = [
    FILL,
    PG_FUNCTIONS,
    f"""CREATE TRIGGER ledger_daybalance_on_post AFTER UPDATE OF posted ON {E}
        FOR EACH ROW WHEN (NEW.posted AND NOT OLD.posted) EXECUTE FUNCTION ledger_daybalance_on_post()""",
    f"""CREATE TRIGGER ledger_daybalance_guard BEFORE INSERT OR UPDATE OR DELETE ON {B}
        FOR EACH ROW EXECUTE FUNCTION ledger_daybalance_guard()""",
]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_chain_posted_entries")]

    operations = [
        migrations.CreateModel(
            name="DayBalance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="dato")),
                ("amount", klynge.common.money.MoneyField(verbose_name="saldo")),
                ("last_voucher", models.PositiveIntegerField(verbose_name="seneste bilag")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="ledger.account"
                    ),
                ),
                (
                    "ledger",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="ledger.ledger"
                    ),
                ),
            ],
            options={
                "verbose_name": "dagssaldo",
                "verbose_name_plural": "dagssaldi",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ledger", "account", "date"), name="ledger_daybalance_unique"
                    )
                ],
            },
        ),
        vendor_sql(
            sqlite=SQLITE,
            postgresql=POSTGRESQL,
            reverse_sqlite=[
                f"DROP TRIGGER {name}"
                for name in (
                    "ledger_daybalance_on_post",
                    "ledger_daybalance_insert_guard",
                    "ledger_daybalance_update_guard",
                    "ledger_daybalance_undeletable",
                )
            ],
            reverse_postgresql=[
                f"DROP TRIGGER ledger_daybalance_on_post ON {E}",
                f"DROP TRIGGER ledger_daybalance_guard ON {B}",
                "DROP FUNCTION ledger_daybalance_on_post(), ledger_daybalance_guard()",
            ],
        ),
    ]
