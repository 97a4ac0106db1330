"""One organisation's postings as CSV for its own finance system (issue #13; docs/postings-export.md).

The layout is one for every region and municipality: semicolons, UTF-8 with a byte-order mark (so
Excel opens it in Danish without an import wizard), CRLF line ends, a header row, then one row per
posted posting::

    Dato;Bilag;Organisation;Funktion;Art;Beløb;Tekst;Reference;Konto;Part

Dates are ISO (``2024-12-31``), amounts in kroner with a decimal comma, no thousands separator and a
leading minus (``-14586,30``): debit positive, credit negative, as the ledger and the municipal and
regional accounts sign them (an expense positive, an income negative).

This module knows the ledger only: the caller says which ledgers (and, in a shared ledger, which
party's lines) are the organisation's, and how a ledger account reads as function and kind of the
public chart. :func:`csv_chunks` streams like the hledger and beancount exports (:mod:`.export`): one
query read through a database cursor, the text yielded in pieces, so memory does not grow with the
ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, F, Q
from django.db.models.functions import Cast

from klynge.ledger.models import Account, Ledger, Posting

HEADER = ("Dato", "Bilag", "Organisation", "Funktion", "Art", "Beløb", "Tekst", "Reference", "Konto", "Part")
ROWS_PER_FETCH = 5000  # postings fetched from the database cursor at a time
ROWS_PER_CHUNK = 2000  # rows of text yielded together
BOM = "\ufeff"


@dataclass(frozen=True)
class Books:
    """A ledger, or in a ledger shared by several organisations one party's lines (``party``)."""

    ledger: Ledger
    party: str | None = None


def amount_text(ore: int) -> str:
    """Whole øre as kroner with a decimal comma and no thousands separator: ``-14586,30``."""
    kroner, rest = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{kroner},{rest:02d}"


def _selected(books: Iterable[Books], first: dt.date, last: dt.date) -> Any:
    where = Q(pk__in=[])
    for b in books:
        where |= Q(entry__ledger=b.ledger) if b.party is None else Q(entry__ledger=b.ledger, party=b.party)
    return Posting.objects.filter(where, entry__posted=True, entry__date__gte=first, entry__date__lte=last)


def postings_count(books: Iterable[Books], first: dt.date, last: dt.date) -> int:
    """How many postings the file of ``books`` from ``first`` to ``last`` has (the page says so when
    there are none, rather than handing out a file with only its header)."""
    return int(_selected(books, first, last).count())


def _postings(books: Iterable[Books], first: dt.date, last: dt.date) -> Iterator[tuple[Any, ...]]:
    """The posted postings of ``books`` dated ``first`` to ``last``, in ledger, voucher and line order."""
    return (
        _selected(books, first, last)
        .order_by("entry__ledger__code", "entry__voucher_number", "id")
        .values_list(
            "entry__ledger__code",
            "entry__voucher_number",
            "entry__date",
            "entry__text",
            "entry__source",
            "entry__source_id",
            "account_id",
            Cast(F("amount"), BigIntegerField()),  # the øre themselves, not Decimal kroner
            "party",
            "text",
        )
        .iterator(chunk_size=ROWS_PER_FETCH)
    )


def rows(
    organisation: str,
    books: Iterable[Books],
    first: dt.date,
    last: dt.date,
    chart: Callable[[str], tuple[str, str]],
) -> Iterator[list[str]]:
    """The data rows (without the header), each as :data:`HEADER` names them. ``chart`` gives an
    account code's (function, kind) of the public chart, ("", "") for an account outside it."""
    codes = dict(Account.objects.values_list("pk", "code"))
    charted = {pk: chart(code) for pk, code in codes.items()}
    for ledger, number, date, entry_text, source, source_id, account_id, ore, party, text in _postings(
        books, first, last
    ):
        function, kind = charted[account_id]
        yield [
            date.isoformat(),
            f"{ledger}-{number}",
            organisation,
            function,
            kind,
            amount_text(ore),
            f"{entry_text}: {text}" if text and text != entry_text else entry_text,
            f"{source}:{source_id}" if source and source_id else source,
            codes[account_id],
            party,
        ]


def csv_chunks(
    organisation: str,
    books: Iterable[Books],
    first: dt.date,
    last: dt.date,
    chart: Callable[[str], tuple[str, str]],
) -> Iterator[str]:
    """The whole file in pieces: BOM and header first, then :data:`ROWS_PER_CHUNK` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADER)
    for count, row in enumerate(rows(organisation, books, first, last, chart), start=1):
        writer.writerow(row)
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
