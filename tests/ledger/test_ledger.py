"""The ledger's rules, through the services and — bypassing the ORM — against the database itself."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from klynge.audit.models import AuditEntry
from klynge.common.bulk import copy_rows
from klynge.ledger import export, selectors, services
from klynge.ledger.models import Account, JournalEntry, Ledger, Posting
from klynge.ledger.services import Line

D = dt.date


@pytest.fixture
def ledger(db: Any) -> Ledger:
    for code, name, kind in [
        ("5110", "Klyngemidler", "expense"),
        ("2110", "Skyldige klyngemidler", "liability"),
        ("1010", "Bank", "asset"),
    ]:
        Account.objects.create(code=code, name=name, kind=kind)
    return services.ledger_get_or_create(code="1081", name="Region Nordjylland, klyngemidler")


def pay(ledger: Ledger, actor: Any, amount: str, day: dt.date = D(2020, 1, 15)) -> JournalEntry:
    return services.entry_post(
        actor=actor,
        ledger=ledger,
        date=day,
        text="Udbetaling K1",
        lines=[Line("5110", Decimal(amount), party="K1"), Line("1010", -Decimal(amount))],
    )


def test_posting_a_balanced_entry_takes_the_next_voucher_number_and_is_audited(
    ledger: Ledger, admin_user: Any
) -> None:
    first = pay(ledger, admin_user, "14586.30")
    second = pay(ledger, admin_user, "0.01")
    assert (first.voucher_number, second.voucher_number) == (1, 2)
    assert selectors.balances(ledger) == {"1010": Decimal("-14586.31"), "5110": Decimal("14586.31")}
    assert AuditEntry.objects.filter(action="ledger.post", actor=admin_user).count() == 2


def test_an_unbalanced_entry_is_refused_with_the_difference_and_nothing_is_written(
    ledger: Ledger, admin_user: Any
) -> None:
    with pytest.raises(ValidationError) as info:
        services.entry_post(
            actor=admin_user,
            ledger=ledger,
            date=D(2020, 1, 1),
            text="x",
            lines=[Line("5110", Decimal("10.00")), Line("1010", Decimal("-9.99"))],
        )
    assert "0,01" in info.value.message_dict["lines"][0]
    assert not JournalEntry.objects.exists()


def test_an_unknown_account_is_refused(ledger: Ledger, admin_user: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.entry_post(
            actor=admin_user,
            ledger=ledger,
            date=D(2020, 1, 1),
            text="x",
            lines=[Line("9999", Decimal("1.00")), Line("1010", Decimal("-1.00"))],
        )
    assert "9999" in info.value.message_dict["lines"][0]


def test_a_correction_is_a_reversal_and_an_entry_is_reversed_only_once(
    ledger: Ledger, admin_user: Any
) -> None:
    entry = pay(ledger, admin_user, "100.00")
    reversal = services.entry_reverse(actor=admin_user, entry=entry, date=D(2020, 2, 1))
    assert reversal.reverses == entry and reversal.voucher_number == 2
    assert selectors.balances(ledger) == {"1010": Decimal("0.00"), "5110": Decimal("0.00")}
    entry.refresh_from_db()
    with pytest.raises(ValidationError, match="Bilag 1 er allerede tilbageført"):
        services.entry_reverse(actor=admin_user, entry=entry, date=D(2020, 2, 2))


# --- The database refuses, whatever the application does ---------------------------------------------


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params: list[Any], *, immediate: bool = False) -> str:
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        raw(sql, params)
        if immediate and connection.vendor == "postgresql":
            raw("SET CONSTRAINTS ALL IMMEDIATE", [])
    return str(info.value)


def open_entry(ledger: Ledger, number: int) -> int:
    raw(
        "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id, posted, created_at)"
        " VALUES (%s, %s, '2020-01-01', 'raw', '', '', %s, CURRENT_TIMESTAMP)",
        [ledger.pk, number, False],
    )
    return JournalEntry.objects.get(ledger=ledger, voucher_number=number).pk


def add_posting(entry_id: int, account: str, ore: int) -> None:
    raw(
        "INSERT INTO ledger_posting (entry_id, account_id, amount, party, text) VALUES (%s, %s, %s, '', '')",
        [entry_id, Account.objects.get(code=account).pk, ore],
    )


def test_database_refuses_to_post_an_unbalanced_entry(ledger: Ledger) -> None:
    entry_id = open_entry(ledger, 1)
    add_posting(entry_id, "5110", 1000)
    add_posting(entry_id, "1010", -999)
    message = refused(
        "UPDATE ledger_journalentry SET posted = %s WHERE id = %s", [True, entry_id], immediate=True
    )
    assert "ledger_unbalanced" in message


def test_database_refuses_an_entry_with_a_single_posting(ledger: Ledger) -> None:
    entry_id = open_entry(ledger, 1)
    add_posting(entry_id, "5110", 0 + 1)
    assert "ledger_unbalanced" in refused(
        "UPDATE ledger_journalentry SET posted = %s WHERE id = %s", [True, entry_id]
    )


def test_database_refuses_an_entry_inserted_already_posted(ledger: Ledger) -> None:
    message = refused(
        "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id, posted, created_at)"
        " VALUES (%s, 1, '2020-01-01', 'raw', '', '', %s, CURRENT_TIMESTAMP)",
        [ledger.pk, True],
    )
    assert "ledger_append_only" in message


def test_database_refuses_to_change_or_delete_a_posted_posting(ledger: Ledger, admin_user: Any) -> None:
    entry = pay(ledger, admin_user, "100.00")
    posting = Posting.objects.filter(entry=entry).first()
    assert posting is not None
    assert "ledger_append_only" in refused("UPDATE ledger_posting SET amount = 1 WHERE id = %s", [posting.pk])
    assert "ledger_append_only" in refused("DELETE FROM ledger_posting WHERE id = %s", [posting.pk])
    assert "ledger_append_only" in refused(
        "UPDATE ledger_journalentry SET text = 'x' WHERE id = %s", [entry.pk]
    )
    assert "ledger_append_only" in refused("DELETE FROM ledger_journalentry WHERE id = %s", [entry.pk])
    message = refused(
        "INSERT INTO ledger_posting (entry_id, account_id, amount, party, text) VALUES (%s, %s, 5, '', '')",
        [entry.pk, posting.account_id],
    )
    assert "ledger_append_only" in message
    assert selectors.balances(ledger)["5110"] == Decimal("100.00")


def test_database_refuses_a_gap_in_voucher_numbers(ledger: Ledger, admin_user: Any) -> None:
    pay(ledger, admin_user, "1.00")
    message = refused(
        "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id, posted, created_at)"
        " VALUES (%s, 3, '2020-01-01', 'raw', '', '', %s, CURRENT_TIMESTAMP)",
        [ledger.pk, False],
    )
    assert "ledger_voucher_gap" in message


def test_database_refuses_a_zero_posting(ledger: Ledger) -> None:
    entry_id = open_entry(ledger, 1)
    with pytest.raises(DatabaseError, match="posting_amount_not_zero"), transaction.atomic():
        add_posting(entry_id, "5110", 0)


# --- Exports --------------------------------------------------------------------------------------


def test_beancount_export_opens_every_account_and_lists_every_voucher(
    ledger: Ledger, admin_user: Any
) -> None:
    pay(ledger, admin_user, "14586.30")
    text = export.to_beancount(ledger)
    assert "2020-01-15 open Expenses:K5110 DKK" in text
    assert "Expenses:K5110  14586.30 DKK" in text and "Assets:K1010  -14586.30 DKK" in text
    assert 'voucher: "1081-1"' in text


@pytest.mark.skipif(shutil.which("hledger") is None, reason="hledger is installed by bin/setup --browser")
def test_hledger_reads_the_export_and_agrees_with_every_balance(
    ledger: Ledger, admin_user: Any, tmp_path: Path
) -> None:
    pay(ledger, admin_user, "14586.30")
    pay(ledger, admin_user, "3000.00", D(2020, 2, 1))
    services.entry_post(
        actor=admin_user,
        ledger=ledger,
        date=D(2020, 4, 15),
        text='Krav; K1 "retur"',
        lines=[
            Line("1010", Decimal("10000.00")),
            Line("2110", Decimal("-0.01")),
            Line("5110", Decimal("-9999.99")),
        ],
    )
    journal = tmp_path / "ledger.journal"
    journal.write_text(export.to_hledger(ledger), encoding="utf-8")
    out = subprocess.run(
        ["hledger", "-f", str(journal), "balance", "--flat", "--no-total", "-O", "csv"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    from_hledger = {}
    for row in out.strip().splitlines()[1:]:
        account, amount = (cell.strip('"') for cell in row.split('","'))
        from_hledger[account] = Decimal(amount.replace(" DKK", "").replace(".", "").replace(",", "."))
    expected = {
        export.account_name(Account.objects.get(code=code)): amount
        for code, amount in selectors.balances(ledger).items()
    }
    assert from_hledger == expected


# --- Statements that write many rows at once (PostgreSQL checks them per statement, #12) ------------


def test_database_refuses_a_whole_update_posting_one_unbalanced_entry_among_balanced_ones(
    ledger: Ledger,
) -> None:
    ids = [open_entry(ledger, number) for number in (1, 2, 3)]
    for entry_id in ids:
        add_posting(entry_id, "5110", 1000)
        add_posting(entry_id, "1010", -1000 if entry_id != ids[1] else -999)
    message = refused(
        "UPDATE ledger_journalentry SET posted = %s WHERE ledger_id = %s", [True, ledger.pk], immediate=True
    )
    assert "ledger_unbalanced" in message
    assert not JournalEntry.objects.filter(posted=True).exists()  # not even the balanced ones
    lone = open_entry(ledger, 4)  # one posting only, posted with balanced ones
    add_posting(lone, "5110", 1)
    raw("DELETE FROM ledger_posting WHERE entry_id = %s AND amount = -999", [ids[1]])
    add_posting(ids[1], "1010", -1000)
    assert "ledger_unbalanced" in refused(
        "UPDATE ledger_journalentry SET posted = %s WHERE ledger_id = %s", [True, ledger.pk]
    )
    raw("UPDATE ledger_journalentry SET posted = %s WHERE id IN (%s, %s, %s)", [True, *ids])
    assert JournalEntry.objects.filter(posted=True).count() == 3
    assert selectors.balances(ledger) == {"1010": Decimal("-30.00"), "5110": Decimal("30.00")}


INSERT_ENTRIES = (
    "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id, posted,"
    " created_at) VALUES "
)


def entries_sql(ledger: Ledger, numbers: list[int]) -> tuple[str, list[Any]]:
    values = ", ".join(["(%s, %s, '2020-01-01', 'raw', '', '', %s, CURRENT_TIMESTAMP)"] * len(numbers))
    return INSERT_ENTRIES + values, [value for n in numbers for value in (ledger.pk, n, False)]


def test_database_refuses_a_multi_row_insert_with_a_gap_in_voucher_numbers(
    ledger: Ledger, admin_user: Any
) -> None:
    pay(ledger, admin_user, "1.00")
    for numbers in ([2, 4], [3, 4], [2, 3, 5], [5]):
        assert "ledger_voucher_gap" in refused(*entries_sql(ledger, numbers))
    raw(*entries_sql(ledger, [2, 3, 4]))
    assert list(JournalEntry.objects.values_list("voucher_number", flat=True)) == [1, 2, 3, 4]


def test_database_refuses_a_multi_row_insert_of_postings_when_one_entry_is_posted(
    ledger: Ledger, admin_user: Any
) -> None:
    posted = pay(ledger, admin_user, "1.00")
    open_id = open_entry(ledger, 2)
    account = Account.objects.get(code="5110").pk
    message = refused(
        "INSERT INTO ledger_posting (entry_id, account_id, amount, party, text)"
        " VALUES (%s, %s, 5, '', ''), (%s, %s, 5, '', '')",
        [open_id, account, posted.pk, account],
    )
    assert "ledger_append_only" in message
    assert not Posting.objects.filter(entry_id=open_id).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_database_checks_rows_written_with_copy(ledger: Ledger, admin_user: Any) -> None:
    posted = pay(ledger, admin_user, "1.00")
    account = Account.objects.get(code="5110").pk
    entry_columns = (
        "ledger_id",
        "voucher_number",
        "date",
        "text",
        "source",
        "source_id",
        "posted",
        "created_at",
    )
    for table, columns, rows, rule in [
        (
            "ledger_posting",
            ("entry_id", "account_id", "amount", "party", "text"),
            [(posted.pk, account, 5, "", "")],
            "ledger_append_only",
        ),
        (
            "ledger_journalentry",
            entry_columns,
            [(ledger.pk, 3, D(2020, 1, 1), "x", "", "", False, posted.created_at)],
            "ledger_voucher_gap",
        ),
        (
            "ledger_journalentry",
            entry_columns,
            [(ledger.pk, 2, D(2020, 1, 1), "x", "", "", True, posted.created_at)],
            "ledger_append_only",
        ),
    ]:
        with pytest.raises(DatabaseError, match=rule), transaction.atomic():
            copy_rows(table, columns, rows)
    assert JournalEntry.objects.count() == 1 and Posting.objects.count() == 2
