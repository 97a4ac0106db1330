"""Writing to the ledger: post a balanced entry, reverse one. Nothing else changes the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klynge.audit.log import lock_chain, record
from klynge.common import hashchain
from klynge.core.money import format_dkk, to_ore
from klynge.ledger.models import Account, JournalEntry, Ledger, Posting


@dataclass(frozen=True)
class Line:
    account: str  # account code
    amount: Decimal  # debit positive, credit negative
    party: str = ""
    text: str = ""


def entry_content(entry: JournalEntry, postings: Sequence[Posting]) -> dict[str, object]:
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


def _check_lines(lines: Sequence[Line]) -> dict[str, Account]:
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
    accounts = {a.code: a for a in Account.objects.filter(code__in={line.account for line in lines})}
    unknown = sorted({line.account for line in lines} - set(accounts))
    if unknown:
        raise ValidationError(
            {"lines": [_("Konto: %(codes)s findes ikke i kontoplanen.") % {"codes": ", ".join(unknown)}]}
        )
    return accounts


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
    Posting.objects.bulk_create(
        Posting(
            entry=entry,
            account=accounts[line.account],
            amount=line.amount,
            party=line.party,
            text=line.text[:300],
        )
        for line in lines
    )
    previous = (
        JournalEntry.objects.filter(ledger=locked, posted=True)
        .order_by("-voucher_number")
        .values_list("hash", flat=True)
        .first()
    )
    entry.previous_hash = previous or hashchain.GENESIS
    entry.hash = hashchain.digest(
        entry.previous_hash, entry_content(entry, list(entry.postings.order_by("id")))
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
