"""The ledger as plain-text accounting files: an hledger journal and a beancount file."""

from __future__ import annotations

import re
from collections.abc import Iterable

from klynge.ledger.models import Account, JournalEntry, Ledger

ROOTS = {
    Account.Kind.ASSET: "Assets",
    Account.Kind.LIABILITY: "Liabilities",
    Account.Kind.EXPENSE: "Expenses",
    Account.Kind.INCOME: "Income",
    Account.Kind.EQUITY: "Equity",
}


def account_name(account: Account) -> str:
    """``Expenses:K5110`` — valid in both hledger and beancount (components: capital or digit first)."""
    return f"{ROOTS[Account.Kind(account.kind)]}:K{re.sub(r'[^A-Za-z0-9]+', '-', account.code).strip('-')}"


def _entries(ledger: Ledger) -> Iterable[JournalEntry]:
    return (
        JournalEntry.objects.filter(ledger=ledger, posted=True)
        .order_by("voucher_number")
        .prefetch_related("postings__account")
    )


def _quoted(text: str) -> str:
    return text.replace("\\", "/").replace('"', "'").replace("\n", " ")


def to_hledger(ledger: Ledger) -> str:
    out = [f"; {ledger.name} ({ledger.code}) — exported by Klyngeøkonomi", "commodity 1.000,00 DKK", ""]
    for entry in _entries(ledger):
        out.append(
            f"{entry.date.isoformat()} ({ledger.code}-{entry.voucher_number}) {_quoted(entry.text).replace(';', ',')}"
        )
        for posting in entry.postings.all():
            amount = f"{posting.amount:f}".replace(".", ",")
            comment = f"  ; party:{posting.party}" if posting.party else ""
            out.append(f"    {account_name(posting.account)}  {amount} DKK{comment}")
        out.append("")
    return "\n".join(out)


def to_beancount(ledger: Ledger) -> str:
    entries = list(_entries(ledger))
    out = [f'option "title" "{_quoted(ledger.name)}"', 'option "operating_currency" "DKK"', ""]
    opened: dict[str, str] = {}
    for entry in entries:
        for posting in entry.postings.all():
            opened.setdefault(account_name(posting.account), entry.date.isoformat())
    out.extend(
        f"{day} open {name} DKK" for name, day in sorted(opened.items(), key=lambda kv: (kv[1], kv[0]))
    )
    out.append("")
    for entry in entries:
        out.append(f'{entry.date.isoformat()} * "{_quoted(entry.text)}"')
        out.append(f'  voucher: "{ledger.code}-{entry.voucher_number}"')
        for posting in entry.postings.all():
            out.append(f"  {account_name(posting.account)}  {posting.amount:f} DKK")
        out.append("")
    return "\n".join(out)
