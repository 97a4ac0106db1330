"""A payout run's explanation lines for people: one payout's lines in plain words (its page), and every
line of the run as CSV (#12). Read-only.

The run page shows each payout with the number of its lines; the words are made only for the lines
shown (one payout's) or downloaded, never for the whole run on every view of its page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from klynge.payouts.explain import explain, rule_name
from klynge.payouts.models import PayoutLine, PayoutRun

CHUNK = 500  # lines read and written at a time


@dataclass(frozen=True)
class Explained:
    """One line of a payout or claim in plain words, with its rule's code and its amount. The pages
    show the rule in words to coordinators and with its code to staff (``{% rule %}``, #13)."""

    text: str
    rule: str
    amount: Decimal


def explained(lines: Iterable[Any]) -> list[Explained]:
    """Each line's words (without a closing full stop: the pages put ": amount" after them)."""
    return [Explained(explain(line).removesuffix("."), line.rule, line.amount) for line in lines]


def csv_headings() -> list[str]:
    return [
        _("Klynge"),
        _("Klynge-id"),
        _("Udbetaling eller krav"),
        _("Praksis"),
        _("Regel"),
        _("Fra"),
        _("Til"),
        _("Beløb (DKK)"),
        _("Forklaring"),
    ]


def csv_chunks(run: PayoutRun) -> Iterator[str]:
    """The run's lines as CSV for a spreadsheet (semicolons, decimal comma, BOM), payouts' lines first,
    by cluster; read ``CHUNK`` lines at a time, so the whole run is never held in memory."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(csv_headings())
    payout, claim = _("Udbetaling"), _("Krav")
    lines = (
        PayoutLine.objects.filter(payout__run=run)
        .select_related("payout__cluster")
        .order_by("payout__cluster__name", "payout_id", "id")
    )
    claim_lines = (
        PayoutLine.objects.filter(claim__run=run)
        .select_related("claim__cluster")
        .order_by("claim__cluster__name", "claim_id", "id")
    )
    names: dict[str, str] = {}
    for queryset, kind in ((lines, payout), (claim_lines, claim)):
        for line in queryset.iterator(chunk_size=CHUNK):
            owner = line.payout if line.payout_id else line.claim
            assert owner is not None
            cluster = owner.cluster
            if line.rule not in names:
                names[line.rule] = rule_name(line.rule)
            writer.writerow(
                [
                    cluster.name,
                    cluster.external_id,
                    kind,
                    line.practice,
                    names[line.rule],
                    line.period_from.isoformat() if line.period_from else "",
                    line.period_to.isoformat() if line.period_to else "",
                    f"{line.amount:.2f}".replace(".", ","),
                    explain(line),
                ]
            )
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()
