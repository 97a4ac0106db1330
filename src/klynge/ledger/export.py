"""The ledger as plain-text accounting files: an hledger journal and a beancount file.

Both are streamed (issue #12): :func:`hledger_chunks` and :func:`beancount_chunks` yield the text in
pieces, reading the posted postings with their entries in voucher order through one query and a
database cursor (``.iterator``), so time grows linearly with the ledger and memory does not grow at all.
:func:`to_hledger` and :func:`to_beancount` join the pieces for small ledgers and the tests."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from django.db.models import BigIntegerField, F, Min
from django.db.models.functions import Cast

from klynge.ledger.models import Account, DayBalance, Ledger, Posting

ROOTS = {
    Account.Kind.ASSET: "Assets",
    Account.Kind.LIABILITY: "Liabilities",
    Account.Kind.EXPENSE: "Expenses",
    Account.Kind.INCOME: "Income",
    Account.Kind.EQUITY: "Equity",
}
ROWS_PER_FETCH = 5000  # postings fetched from the database cursor at a time
LINES_PER_CHUNK = 2000  # lines of text yielded together


def account_name(account: Account) -> str:
    """``Expenses:K5110`` — valid in both hledger and beancount (components: capital or digit first)."""
    return f"{ROOTS[Account.Kind(account.kind)]}:K{re.sub(r'[^A-Za-z0-9]+', '-', account.code).strip('-')}"


def _names() -> dict[int, str]:
    return {account.pk: account_name(account) for account in Account.objects.all()}


def _amount(ore: int) -> str:
    """Whole øre as kroner with two decimals and a point: ``-14586.30``."""
    kroner, rest = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{kroner}.{rest:02d}"


def _postings(ledger: Ledger) -> Iterator[tuple[int, dt.date, str, int, int, str]]:
    """(voucher number, date, entry text, account id, amount in øre, party) of every posted posting,
    in voucher order and, within an entry, in id order: one query, read through a cursor."""
    return (
        Posting.objects.filter(entry__ledger=ledger, entry__posted=True)
        .order_by("entry__voucher_number", "id")
        .values_list(
            "entry__voucher_number",
            "entry__date",
            "entry__text",
            "account_id",
            Cast(F("amount"), BigIntegerField()),  # the øre themselves, not Decimal kroner
            "party",
        )
        .iterator(chunk_size=ROWS_PER_FETCH)
    )


def _quoted(text: str) -> str:
    return text.replace("\\", "/").replace('"', "'").replace("\n", " ")


def hledger_chunks(ledger: Ledger) -> Iterator[str]:
    names = _names()
    lines = [f"; {ledger.name} ({ledger.code}) — exported by Klyngeøkonomi\n", "commodity 1.000,00 DKK\n"]
    voucher = None
    for number, date, text, account_id, ore, party in _postings(ledger):
        if number != voucher:
            voucher = number
            lines.append(f"\n{date.isoformat()} ({ledger.code}-{number}) {_quoted(text).replace(';', ',')}\n")
        comment = f"  ; party:{party}" if party else ""
        lines.append(f"    {names[account_id]}  {_amount(ore).replace('.', ',')} DKK{comment}\n")
        if len(lines) >= LINES_PER_CHUNK:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def beancount_chunks(ledger: Ledger) -> Iterator[str]:
    names = _names()
    lines = [f'option "title" "{_quoted(ledger.name)}"\n', 'option "operating_currency" "DKK"\n', "\n"]
    # Each account opens on the first date it is used (the ledger's running balances know it).
    first_used = (
        DayBalance.objects.filter(ledger=ledger).values("account_id").annotate(first=Min("date")).order_by()
    )
    opened = sorted((row["first"].isoformat(), names[row["account_id"]]) for row in first_used)
    lines.extend(f"{day} open {name} DKK\n" for day, name in opened)
    voucher = None
    for number, date, text, account_id, ore, _party in _postings(ledger):
        if number != voucher:
            voucher = number
            lines.append(f'\n{date.isoformat()} * "{_quoted(text)}"\n')
            lines.append(f'  voucher: "{ledger.code}-{number}"\n')
        lines.append(f"  {names[account_id]}  {_amount(ore)} DKK\n")
        if len(lines) >= LINES_PER_CHUNK:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def to_hledger(ledger: Ledger) -> str:
    return "".join(hledger_chunks(ledger))


def to_beancount(ledger: Ledger) -> str:
    return "".join(beancount_chunks(ledger))
