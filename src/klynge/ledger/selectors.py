"""Reading the ledger: balances from posted entries only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from klynge.core.money import ZERO
from klynge.ledger.models import Account, DayBalance, Ledger, Posting


def balances(ledger: Ledger, *, until: dt.date | None = None) -> dict[str, Decimal]:
    """Balance per account code (debit positive): the trial balance, summed in øre by the database.

    Read from the running balances the ledger keeps per account and date (:class:`DayBalance`, written
    by the database when an entry is posted): a few rows per account and day, not every posting."""
    rows = DayBalance.objects.filter(ledger=ledger)
    if until is not None:
        rows = rows.filter(date__lte=until)
    # Summed per account id, read from the covering index alone (no join per row); codes added after.
    # The database sums integer øre; the MoneyField output turns the sum back into Decimal kroner.
    totals = {
        row["account_id"]: row["total"]
        for row in rows.values("account_id").annotate(total=Sum("amount")).order_by()
    }
    codes = dict(Account.objects.filter(pk__in=totals).values_list("pk", "code"))
    return {code: totals[pk] or ZERO for pk, code in sorted(codes.items(), key=lambda item: item[1])}


def balances_from_postings(
    ledger: Ledger, *, until: dt.date | None = None, party: str | None = None
) -> dict[str, Decimal]:
    """The same trial balance summed over every posted posting (a join to its entry per posting): what
    :func:`balances` did before issue #12, kept for the tests and the benchmark to compare with.
    ``party``: only that party's lines (one member's part of a health cluster's shared ledger, #13)."""
    postings = Posting.objects.filter(entry__ledger=ledger, entry__posted=True)
    if party is not None:
        postings = postings.filter(party=party)
    if until is not None:
        postings = postings.filter(entry__date__lte=until)
    rows = postings.values("account__code").annotate(total=Sum("amount")).order_by("account__code")
    return {row["account__code"]: row["total"] or ZERO for row in rows}
