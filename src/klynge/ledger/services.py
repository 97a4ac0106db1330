"""Writing to the ledger: post a balanced entry, reverse one. Nothing else changes the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.audit.log import lock_chain, record, record_many
from klynge.audit.models import AuditEntry
from klynge.common import hashchain
from klynge.common.bulk import copy_rows, new_ids
from klynge.core.money import format_dkk, to_ore
from klynge.ledger.models import Account, JournalEntry, Ledger, Posting


@dataclass(frozen=True)
class Line:
    account: str  # account code
    amount: Decimal  # debit positive, credit negative
    party: str = ""
    text: str = ""


def entry_content(entry: JournalEntry, postings: Sequence[Any]) -> dict[str, object]:
    """What a posted entry's hash covers: its fields and its postings in id order, amounts in øre."""
    return {
        "ledger": entry.ledger_id,
        "voucher_number": entry.voucher_number,
        "date": hashchain.iso_date(entry.date),
        "text": entry.text,
        "source": entry.source,
        "source_id": entry.source_id,
        "reverses": entry.reverses_id,
        "created_by": entry.created_by_id,
        "created_at": hashchain.iso_time(entry.created_at),
        "postings": [[p.id, p.account_id, to_ore(p.amount), p.party, p.text] for p in postings],
    }


def ledger_get_or_create(*, code: str, name: str) -> Ledger:
    ledger, _created = Ledger.objects.get_or_create(code=code, defaults={"name": name})
    return ledger


def _check_amounts(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise ValidationError({"lines": [_("Posteringer: et bilag skal have mindst to posteringer.")]})
    total = sum((line.amount for line in lines), Decimal("0"))
    if total != 0:
        raise ValidationError(
            {
                "lines": [
                    _("Posteringer: debet og kredit skal give 0; de giver %(total)s kr.")
                    % {"total": format_dkk(total)}
                ]
            }
        )
    if any(line.amount == 0 for line in lines):
        raise ValidationError({"lines": [_("Posteringer: en postering kan ikke være 0 kr.")]})
    if any(line.amount != line.amount.quantize(Decimal("0.01")) for line in lines):
        raise ValidationError({"lines": [_("Posteringer: beløb må højst have to decimaler.")]})


def _accounts(codes: set[str]) -> dict[str, Account]:
    accounts = {a.code: a for a in Account.objects.filter(code__in=codes)}
    unknown = sorted(codes - set(accounts))
    if unknown:
        raise ValidationError(
            {"lines": [_("Konto: %(codes)s findes ikke i kontoplanen.") % {"codes": ", ".join(unknown)}]}
        )
    return accounts


def _check_lines(lines: Sequence[Line]) -> dict[str, Account]:
    _check_amounts(lines)
    return _accounts({line.account for line in lines})


def _chain_head(ledger: Ledger) -> str:
    """The hash of the ledger's last posted entry (the chain's genesis when there is none)."""
    return (
        JournalEntry.objects.filter(ledger=ledger, posted=True)
        .order_by("-voucher_number")
        .values_list("hash", flat=True)
        .first()
    ) or hashchain.GENESIS


@transaction.atomic
def entry_post(
    *,
    actor: Any,
    ledger: Ledger,
    date: dt.date,
    text: str,
    lines: Sequence[Line],
    source: str = "",
    source_id: str = "",
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry with the ledger's next voucher number, and audit it."""
    accounts = _check_lines(lines)
    lock_chain()  # the audit chain's lock before the ledger's, as every writer takes them
    locked = Ledger.objects.select_for_update().get(pk=ledger.pk)
    last = (
        JournalEntry.objects.filter(ledger=locked)
        .order_by("-voucher_number")
        .values_list("voucher_number", flat=True)
        .first()
    )
    entry = JournalEntry.objects.create(
        ledger=locked,
        voucher_number=(last or 0) + 1,
        date=date,
        text=text[:300],
        source=source,
        source_id=source_id,
        reverses=reverses,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    postings = Posting.objects.bulk_create(
        Posting(
            entry=entry,
            account=accounts[line.account],
            amount=line.amount,
            party=line.party,
            text=line.text[:300],
        )
        for line in lines
    )
    entry.previous_hash = _chain_head(locked)
    entry.hash = hashchain.digest(
        entry.previous_hash, entry_content(entry, sorted(postings, key=lambda p: p.pk))
    )
    entry.posted = True  # one UPDATE: the triggers allow it only while the entry is not yet posted
    entry.save(update_fields=["posted", "previous_hash", "hash"])
    record(
        actor=actor,
        action="ledger.post",
        summary=_("Bilag %(number)s bogført: %(text)s") % {"number": entry.voucher_number, "text": text},
        obj=entry,
        after={
            "ledger": locked.code,
            "voucher_number": entry.voucher_number,
            "date": date.isoformat(),
            "lines": [[line.account, f"{line.amount:f}", line.party] for line in lines],
        },
    )
    return entry


@dataclass(frozen=True)
class Draft:
    """One entry to post with :func:`entries_post`."""

    date: dt.date
    text: str
    lines: Sequence[Line]
    source: str = ""
    source_id: str = ""


def _audit_post(
    actor: Any, ledger: Ledger, entry: JournalEntry, text: str, lines: Sequence[Line]
) -> AuditEntry:
    """The audit record of a posted entry (unsaved), the same for :func:`entry_post` and
    :func:`entries_post`."""
    return AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action="ledger.post",
        summary=(_("Bilag %(number)s bogført: %(text)s") % {"number": entry.voucher_number, "text": text})[
            :500
        ],
        object_type=JournalEntry._meta.label,
        object_id=str(entry.pk),
        after={
            "ledger": ledger.code,
            "voucher_number": entry.voucher_number,
            "date": entry.date.isoformat(),
            "lines": [[line.account, f"{line.amount:f}", line.party] for line in lines],
        },
    )


ENTRIES_PER_BATCH = 2000


@dataclass
class _PostingRow:
    """A posting as :func:`entries_post` writes it (what :func:`entry_content` reads of one)."""

    entry_id: int
    account_id: int
    amount: Decimal
    party: str
    text: str
    id: int = 0


ENTRY_COLUMNS = (
    "ledger_id",
    "voucher_number",
    "date",
    "text",
    "source",
    "source_id",
    "posted",
    "created_by_id",
    "created_at",
)


def _entry_row(entry: JournalEntry) -> tuple[Any, ...]:
    """An unposted entry's values for ``ENTRY_COLUMNS``, as the database takes them."""
    ops = connection.ops
    return (
        entry.ledger_id,
        entry.voucher_number,
        ops.adapt_datefield_value(entry.date),
        entry.text,
        entry.source,
        entry.source_id,
        False,
        entry.created_by_id,
        ops.adapt_datetimefield_value(entry.created_at),
    )


def _insert(table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert ``rows`` (values ready for the database) and return their new ids in the same order, as
    ``bulk_create`` does (multi-row INSERT … RETURNING id) without making and preparing a model
    instance per row."""
    limit = 999 if connection.vendor == "sqlite" else 20_000  # parameters per statement
    per = max(1, limit // len(columns))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for at in range(0, len(rows), per):
            chunk = rows[at : at + per]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} RETURNING id",  # noqa: S608
                [value for row in chunk for value in row],
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


POSTING_COLUMNS = ("entry_id", "account_id", "amount", "party", "text")


@transaction.atomic
def entries_post(*, actor: Any, ledger: Ledger, drafts: Sequence[Draft]) -> list[JournalEntry]:
    """Post many balanced entries in one transaction, in the given order: the same checks, voucher
    numbers, hash chain, database triggers and audit records (one per entry) as :func:`entry_post`
    called for each in turn, but with the rows written a batch at a time (issue #12: a national
    year-end's 100.000 entries). All or nothing: one refused entry refuses them all.

    PostgreSQL: the batch's ids are drawn from the sequences first, so the hashes are known before
    anything is written; entries (unposted, with their hashes) and postings are written with one COPY
    each and posted with one UPDATE, whose statement triggers check every entry's balance and add them
    to the running balances at once (ledger migration 0008). SQLite: multi-row INSERTs returning the
    ids, then one UPDATE per entry (``posted`` and the hashes), as :func:`entry_post` makes; its row
    triggers check and count each in turn."""
    if not drafts:
        return []
    for draft in drafts:
        _check_amounts(draft.lines)
    accounts = _accounts({line.account for draft in drafts for line in draft.lines})
    lock_chain()  # the audit chain's lock before the ledger's, as every writer takes them
    locked = Ledger.objects.select_for_update().get(pk=ledger.pk)
    last = (
        JournalEntry.objects.filter(ledger=locked)
        .order_by("-voucher_number")
        .values_list("voucher_number", flat=True)
        .first()
    )
    previous = _chain_head(locked)
    created_by = actor if getattr(actor, "pk", None) else None
    postgresql = connection.vendor == "postgresql"
    posted: list[JournalEntry] = []
    for start in range(0, len(drafts), ENTRIES_PER_BATCH):
        batch = drafts[start : start + ENTRIES_PER_BATCH]
        now = timezone.now()
        entries = [
            JournalEntry(
                ledger=locked,
                voucher_number=(last or 0) + start + i + 1,
                date=draft.date,
                text=draft.text[:300],
                source=draft.source,
                source_id=draft.source_id,
                created_by=created_by,
                created_at=now,
            )
            for i, draft in enumerate(batch)
        ]
        if postgresql:
            ids = new_ids("ledger_journalentry", len(entries))
        else:
            ids = _insert("ledger_journalentry", ENTRY_COLUMNS, [_entry_row(e) for e in entries])
        for entry, pk in zip(entries, ids, strict=True):
            entry.pk = pk
            entry._state.adding = False
        postings = [
            _PostingRow(entry.pk, accounts[line.account].pk, line.amount, line.party, line.text[:300])
            for entry, draft in zip(entries, batch, strict=True)
            for line in draft.lines
        ]
        posting_rows = [(p.entry_id, p.account_id, to_ore(p.amount), p.party, p.text) for p in postings]
        if postgresql:
            ids = new_ids("ledger_posting", len(postings))
        else:
            ids = _insert("ledger_posting", POSTING_COLUMNS, posting_rows)
        for posting, pk in zip(postings, ids, strict=True):
            posting.id = pk
        at = 0
        for entry, draft in zip(entries, batch, strict=True):
            own = sorted(postings[at : at + len(draft.lines)], key=lambda p: p.id)  # as verify reads them
            at += len(draft.lines)
            entry.previous_hash = previous
            entry.hash = previous = hashchain.digest(previous, entry_content(entry, own))
            entry.posted = True
        with connection.cursor() as cursor:
            if postgresql:
                copy_rows(
                    "ledger_journalentry",
                    ("id", *ENTRY_COLUMNS, "previous_hash", "hash"),
                    [(e.pk, *_entry_row(e), e.previous_hash, e.hash) for e in entries],
                )
                copy_rows(
                    "ledger_posting",
                    ("id", *POSTING_COLUMNS),
                    [(p.id, *row) for p, row in zip(postings, posting_rows, strict=True)],
                )
                cursor.execute(
                    "UPDATE ledger_journalentry SET posted = true"
                    " WHERE ledger_id = %s AND voucher_number BETWEEN %s AND %s",
                    [locked.pk, entries[0].voucher_number, entries[-1].voucher_number],
                )
            else:
                cursor.executemany(
                    "UPDATE ledger_journalentry SET posted = %s, previous_hash = %s, hash = %s WHERE id = %s",
                    [(True, e.previous_hash, e.hash, e.pk) for e in entries],
                )
        record_many(
            [
                _audit_post(actor, locked, entry, draft.text, draft.lines)
                for entry, draft in zip(entries, batch, strict=True)
            ]
        )
        posted.extend(entries)
    return posted


@transaction.atomic
def entry_reverse(*, actor: Any, entry: JournalEntry, date: dt.date, text: str = "") -> JournalEntry:
    """Correct a posted entry by posting its exact opposite (the original stays as it was)."""
    if hasattr(entry, "reversed_by"):
        raise ValidationError(
            {"entry": [_("Bilag %(number)s er allerede tilbageført.") % {"number": entry.voucher_number}]}
        )
    lines = [
        Line(account=p.account.code, amount=-p.amount, party=p.party, text=p.text)
        for p in entry.postings.select_related("account")
    ]
    return entry_post(
        actor=actor,
        ledger=entry.ledger,
        date=date,
        text=text or _("Tilbageførsel af bilag %(number)s") % {"number": entry.voucher_number},
        lines=lines,
        source=entry.source,
        source_id=entry.source_id,
        reverses=entry,
    )
