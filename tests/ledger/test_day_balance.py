"""Issue #12: the running balances the ledger keeps per account and date, the bulk posting path and the
streamed exports. The database keeps the balances and refuses any other write to them (raw SQL here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from klynge.audit.models import AuditEntry
from klynge.audit.verify import verify
from klynge.ledger import export, selectors, services
from klynge.ledger.models import Account, DayBalance, JournalEntry, Ledger, Posting
from klynge.ledger.services import Draft, Line

D = dt.date


@pytest.fixture
def books(db: Any) -> Ledger:
    for code, name, kind in [
        ("5110", "Klyngemidler", "expense"),
        ("2110", "Skyldige klyngemidler", "liability"),
        ("1010", "Bank", "asset"),
    ]:
        Account.objects.create(code=code, name=name, kind=kind)
    return services.ledger_get_or_create(code="1081", name="Region Nordjylland, klyngemidler")


def post(books: Ledger, actor: Any, amount: str, day: dt.date, account: str = "5110") -> JournalEntry:
    return services.entry_post(
        actor=actor,
        ledger=books,
        date=day,
        text="Udbetaling",
        lines=[Line(account, Decimal(amount), party="K1"), Line("1010", -Decimal(amount))],
    )


def rows(books: Ledger) -> dict[tuple[str, dt.date], tuple[Decimal, int]]:
    return {
        (row.account.code, row.date): (row.amount, row.last_voucher)
        for row in DayBalance.objects.filter(ledger=books).select_related("account")
    }


def test_posting_adds_to_the_balance_of_its_account_and_date(books: Ledger, admin_user: Any) -> None:
    post(books, admin_user, "100.00", D(2020, 1, 15))
    post(books, admin_user, "0.50", D(2020, 1, 15))
    post(books, admin_user, "7.00", D(2020, 3, 1), account="2110")
    assert rows(books) == {
        ("5110", D(2020, 1, 15)): (Decimal("100.50"), 2),
        ("1010", D(2020, 1, 15)): (Decimal("-100.50"), 2),
        ("2110", D(2020, 3, 1)): (Decimal("7.00"), 3),
        ("1010", D(2020, 3, 1)): (Decimal("-7.00"), 3),
    }
    assert selectors.balances(books) == {
        "1010": Decimal("-107.50"),
        "2110": Decimal("7.00"),
        "5110": Decimal("100.50"),
    }
    assert selectors.balances(books, until=D(2020, 2, 1)) == {
        "1010": Decimal("-100.50"),
        "5110": Decimal("100.50"),
    }
    for until in (None, D(2019, 12, 31), D(2020, 1, 15), D(2020, 3, 1)):
        assert selectors.balances(books, until=until) == selectors.balances_from_postings(books, until=until)


def test_a_reversal_brings_the_balance_back_to_zero_and_the_account_stays_listed(
    books: Ledger, admin_user: Any
) -> None:
    entry = post(books, admin_user, "100.00", D(2020, 1, 15))
    services.entry_reverse(actor=admin_user, entry=entry, date=D(2020, 1, 15))
    assert selectors.balances(books) == {"1010": Decimal("0.00"), "5110": Decimal("0.00")}
    assert rows(books)[("5110", D(2020, 1, 15))] == (Decimal("0.00"), 2)


def test_an_entry_not_posted_counts_nowhere(books: Ledger) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id,"
            " posted, created_at) VALUES (%s, 1, '2020-01-01', 'raw', '', '', %s, CURRENT_TIMESTAMP)",
            [books.pk, False],
        )
        entry_id = JournalEntry.objects.get(ledger=books).pk
        for account, ore in (("5110", 500), ("1010", -500)):
            cursor.execute(
                "INSERT INTO ledger_posting (entry_id, account_id, amount, party, text)"
                " VALUES (%s, %s, %s, '', '')",
                [entry_id, Account.objects.get(code=account).pk, ore],
            )
    assert selectors.balances(books) == {} == selectors.balances_from_postings(books)
    assert not DayBalance.objects.exists()


# --- The database refuses every other write to the balances ----------------------------------------


def refused(sql: str, params: list[Any]) -> str:
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(info.value)


def test_database_refuses_changing_a_balance(books: Ledger, admin_user: Any) -> None:
    post(books, admin_user, "100.00", D(2020, 1, 15))
    later = post(books, admin_user, "1.00", D(2020, 2, 1))
    row = DayBalance.objects.get(ledger=books, account__code="5110", date=D(2020, 1, 15))
    for sql, params in [
        ("UPDATE ledger_daybalance SET amount = amount + 1 WHERE id = %s", [row.pk]),
        # another (posted) voucher, but not one of this date: not its postings
        (
            "UPDATE ledger_daybalance SET amount = amount + 100, last_voucher = %s WHERE id = %s",
            [later.voucher_number, row.pk],
        ),
        # the same voucher once more: counted already
        ("UPDATE ledger_daybalance SET amount = amount + 10000 WHERE id = %s", [row.pk]),
        ("UPDATE ledger_daybalance SET date = '2020-01-16' WHERE id = %s", [row.pk]),
        ("DELETE FROM ledger_daybalance WHERE id = %s", [row.pk]),
    ]:
        assert "ledger_daybalance_guarded" in refused(sql, params)
    assert selectors.balances(books)["5110"] == Decimal("101.00")


def test_database_refuses_a_balance_no_posted_entry_makes(books: Ledger, admin_user: Any) -> None:
    entry = post(books, admin_user, "100.00", D(2020, 1, 15))
    account = Account.objects.get(code="2110").pk
    insert = (
        "INSERT INTO ledger_daybalance (ledger_id, account_id, date, amount, last_voucher)"
        " VALUES (%s, %s, %s, %s, %s)"
    )
    assert "ledger_daybalance_guarded" in refused(insert, [books.pk, account, "2020-01-16", 500, 1])
    # the entry's own postings, but on another date than the entry's
    bank = Account.objects.get(code="1010").pk
    assert "ledger_daybalance_guarded" in refused(insert, [books.pk, bank, "2020-01-16", -10000, 1])
    # exactly its postings on its date: the row exists already
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(insert, [books.pk, bank, entry.date.isoformat(), -10000, 1])
    assert selectors.balances(books) == selectors.balances_from_postings(books)


# --- Posting many entries at once -----------------------------------------------------------------


def test_entries_post_numbers_chains_audits_and_counts_like_entry_post(
    books: Ledger, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "ENTRIES_PER_BATCH", 3)  # several batches
    post(books, admin_user, "1.00", D(2020, 1, 1))
    drafts = [
        Draft(
            date=D(2020, 1, 1 + i),
            text=f"Bilag {i}",
            lines=[
                Line("5110", Decimal(i + 1), party="K2"),
                Line("2110", Decimal("0.25")),
                Line("1010", -Decimal(i) - Decimal("1.25")),
            ],
            source="test",
            source_id=str(i),
        )
        for i in range(7)
    ]
    entries = services.entries_post(actor=admin_user, ledger=books, drafts=drafts)
    assert [e.voucher_number for e in entries] == list(range(2, 9))
    assert all(e.posted for e in JournalEntry.objects.filter(ledger=books))
    assert Posting.objects.filter(entry__ledger=books).count() == 2 + 21
    audits = AuditEntry.objects.filter(action="ledger.post").order_by("id")
    assert audits.count() == 8
    assert audits.last().after == {  # type: ignore[union-attr]
        "ledger": "1081",
        "voucher_number": 8,
        "date": "2020-01-07",
        "lines": [["5110", "7", "K2"], ["2110", "0.25", ""], ["1010", "-7.25", ""]],
    }
    assert selectors.balances(books) == selectors.balances_from_postings(books)
    assert selectors.balances(books)["2110"] == Decimal("1.75")
    report = verify()
    assert report.ok, report.summary()
    assert report.entries == 8
    post(books, admin_user, "2.00", D(2021, 1, 1))  # entry_post continues the chain
    assert verify().ok


def test_entries_post_refuses_all_when_one_is_unbalanced(books: Ledger, admin_user: Any) -> None:
    good = Draft(date=D(2020, 1, 1), text="ok", lines=[Line("5110", Decimal(1)), Line("1010", Decimal(-1))])
    bad = Draft(
        date=D(2020, 1, 2), text="nej", lines=[Line("5110", Decimal(1)), Line("1010", Decimal("-0.99"))]
    )
    with pytest.raises(ValidationError, match="0,01"):
        services.entries_post(actor=admin_user, ledger=books, drafts=[good, bad])
    unknown = Draft(
        date=D(2020, 1, 2), text="nej", lines=[Line("9999", Decimal(1)), Line("1010", Decimal(-1))]
    )
    with pytest.raises(ValidationError, match="9999"):
        services.entries_post(actor=admin_user, ledger=books, drafts=[good, unknown])
    assert not JournalEntry.objects.exists() and not DayBalance.objects.exists()


def test_verify_names_a_balance_changed_behind_the_databases_back(books: Ledger, admin_user: Any) -> None:
    post(books, admin_user, "100.00", D(2020, 1, 15))
    row = DayBalance.objects.get(ledger=books, account__code="5110")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER ledger_daybalance_update_guard")
            cursor.execute("UPDATE ledger_daybalance SET amount = amount + 1 WHERE id = %s", [row.pk])
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute("ALTER TABLE ledger_daybalance DISABLE TRIGGER ledger_daybalance_update_guard")
            cursor.execute("UPDATE ledger_daybalance SET amount = amount + 1 WHERE id = %s", [row.pk])
            cursor.execute("ALTER TABLE ledger_daybalance ENABLE TRIGGER ledger_daybalance_update_guard")
    report = verify()
    assert report.mismatch is not None
    assert report.mismatch.table == "ledger_daybalance" and report.mismatch.id == row.pk
    out = StringIO()
    with pytest.raises(Exception, match="ledger_daybalance"):
        call_command("verify", stdout=out)


# --- Streamed exports -----------------------------------------------------------------------------


def test_exports_are_streamed_in_voucher_order_and_read_as_before(
    books: Ledger, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(books, admin_user, "14586.30", D(2020, 3, 1))
    services.entry_post(
        actor=admin_user,
        ledger=books,
        date=D(2020, 1, 1),  # dated before voucher 1
        text='Krav; K1 "retur"',
        lines=[Line("2110", Decimal("0.01")), Line("1010", Decimal("-0.05")), Line("5110", Decimal("0.04"))],
    )
    assert export.to_hledger(books) == (
        "; Region Nordjylland, klyngemidler (1081) — exported by Klyngeøkonomi\n"
        "commodity 1.000,00 DKK\n"
        "\n"
        "2020-03-01 (1081-1) Udbetaling\n"
        "    Expenses:K5110  14586,30 DKK  ; party:K1\n"
        "    Assets:K1010  -14586,30 DKK\n"
        "\n"
        "2020-01-01 (1081-2) Krav, K1 'retur'\n"
        "    Liabilities:K2110  0,01 DKK\n"
        "    Assets:K1010  -0,05 DKK\n"
        "    Expenses:K5110  0,04 DKK\n"
    )
    assert export.to_beancount(books) == (
        'option "title" "Region Nordjylland, klyngemidler"\n'
        'option "operating_currency" "DKK"\n'
        "\n"
        # opened on the first date used (voucher 2's), not the first voucher's: beancount refuses a
        # posting dated before its account's opening
        "2020-01-01 open Assets:K1010 DKK\n"
        "2020-01-01 open Expenses:K5110 DKK\n"
        "2020-01-01 open Liabilities:K2110 DKK\n"
        "\n"
        '2020-03-01 * "Udbetaling"\n'
        '  voucher: "1081-1"\n'
        "  Expenses:K5110  14586.30 DKK\n"
        "  Assets:K1010  -14586.30 DKK\n"
        "\n"
        "2020-01-01 * \"Krav; K1 'retur'\"\n"
        '  voucher: "1081-2"\n'
        "  Liabilities:K2110  0.01 DKK\n"
        "  Assets:K1010  -0.05 DKK\n"
        "  Expenses:K5110  0.04 DKK\n"
    )
    whole = export.to_hledger(books), export.to_beancount(books)
    monkeypatch.setattr(export, "LINES_PER_CHUNK", 2)
    monkeypatch.setattr(export, "ROWS_PER_FETCH", 1)
    hledger, beancount = list(export.hledger_chunks(books)), list(export.beancount_chunks(books))
    assert len(hledger) > 3 and len(beancount) > 3
    assert ("".join(hledger), "".join(beancount)) == whole


def test_database_refuses_a_balance_claiming_vouchers_it_does_not_add(books: Ledger, admin_user: Any) -> None:
    """The guard accepts a row adding the posted postings of a range of vouchers (PostgreSQL posts a
    batch with one statement) or of one voucher (SQLite): no claim that is not exactly that passes."""
    post(books, admin_user, "100.00", D(2020, 1, 15))
    post(books, admin_user, "5.00", D(2020, 1, 15))
    other_day = post(books, admin_user, "7.00", D(2020, 1, 16))
    with connection.cursor() as cursor:  # voucher 4: on 2020-01-15, not posted
        cursor.execute(
            "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id,"
            " posted, created_at) VALUES (%s, 4, '2020-01-15', 'raw', '', '', %s, CURRENT_TIMESTAMP)",
            [books.pk, False],
        )
        open_id = JournalEntry.objects.get(ledger=books, voucher_number=4).pk
        for account, ore in (("5110", 300), ("1010", -300)):
            cursor.execute(
                "INSERT INTO ledger_posting (entry_id, account_id, amount, party, text)"
                " VALUES (%s, %s, %s, '', '')",
                [open_id, Account.objects.get(code=account).pk, ore],
            )
    row = DayBalance.objects.get(ledger=books, account__code="5110", date=D(2020, 1, 15))
    assert (row.amount, row.last_voucher) == (Decimal("105.00"), 2)
    update = "UPDATE ledger_daybalance SET amount = amount + %s, last_voucher = %s WHERE id = %s"
    for ore, voucher in [
        (700, other_day.voucher_number),  # voucher 3's postings, but on another date
        (300, 4),  # voucher 4's postings, but it is not posted
        (1000, 4),  # both
        (0, 4),  # nothing added, a later voucher named
        (-10500, 2),  # all counted once more, backwards
    ]:
        assert "ledger_daybalance_guarded" in refused(update, [ore, voucher, row.pk])
    insert = (
        "INSERT INTO ledger_daybalance (ledger_id, account_id, date, amount, last_voucher)"
        " VALUES (%s, %s, %s, %s, %s)"
    )
    liability = Account.objects.get(code="2110").pk
    for ore, voucher in [(0, 4), (300, 4), (10500, 2)]:
        assert "ledger_daybalance_guarded" in refused(
            insert, [books.pk, liability, "2020-01-15", ore, voucher]
        )
    assert selectors.balances(books) == selectors.balances_from_postings(books)


def test_an_entry_numbered_before_one_posted_on_its_account_and_date_cannot_be_posted(
    books: Ledger,
) -> None:
    """Both databases count a row's entries by voucher: once a later voucher is counted on an account and
    date, an earlier one left unposted can no longer be posted there (it would not be counted)."""
    ids = []
    with connection.cursor() as cursor:
        for number in (1, 2):
            cursor.execute(
                "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id,"
                " posted, created_at) VALUES (%s, %s, '2020-01-15', 'raw', '', '', %s, CURRENT_TIMESTAMP)",
                [books.pk, number, False],
            )
            ids.append(JournalEntry.objects.get(ledger=books, voucher_number=number).pk)
            for account, ore in (("5110", 100 * number), ("1010", -100 * number)):
                cursor.execute(
                    "INSERT INTO ledger_posting (entry_id, account_id, amount, party, text)"
                    " VALUES (%s, %s, %s, '', '')",
                    [ids[-1], Account.objects.get(code=account).pk, ore],
                )
        cursor.execute("UPDATE ledger_journalentry SET posted = %s WHERE id = %s", [True, ids[1]])
    message = refused("UPDATE ledger_journalentry SET posted = %s WHERE id = %s", [True, ids[0]])
    assert "ledger_daybalance_guarded" in message
    assert selectors.balances(books) == {"1010": Decimal("-2.00"), "5110": Decimal("2.00")}
    assert selectors.balances(books) == selectors.balances_from_postings(books)


def test_an_update_that_also_changes_an_id_is_refused(books: Ledger, admin_user: Any) -> None:
    """PostgreSQL checks a statement's rows by matching old and new versions on the id; a statement
    changing the id as well must not slip past (migration 0009, both databases)."""
    post(books, admin_user, "100.00", D(2020, 1, 15))
    row = DayBalance.objects.filter(ledger=books).order_by("id").first()
    assert "an id never changes" in refused(
        "UPDATE ledger_daybalance SET id = id + 1000000, amount = amount + 100 WHERE id = %s", [row.pk]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (ledger_id, voucher_number, date, text, source, source_id,"
            " posted, created_at) VALUES (%s, 2, '2020-01-16', 'Tom', '', '', %s, %s) RETURNING id",
            [books.pk, False, "2020-01-16 12:00:00+00:00"],
        )
        (empty,) = cursor.fetchone()
    message = refused(
        "UPDATE ledger_journalentry SET id = id + 1000000, posted = %s WHERE id = %s", [True, empty]
    )
    assert "an id never changes" in message
    assert not JournalEntry.objects.get(pk=empty).posted
    assert "ledger_unbalanced" in refused(
        "UPDATE ledger_journalentry SET posted = %s WHERE id = %s", [True, empty]
    )
    assert selectors.balances(books) == selectors.balances_from_postings(books)
