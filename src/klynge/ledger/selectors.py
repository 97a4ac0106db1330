"""Reading the ledger: balances from posted entries only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from klynge.core.money import ZERO
from klynge.ledger.models import Ledger, Posting


def balances(ledger: Ledger, *, until: dt.date | None = None) -> dict[str, Decimal]:
    """Balance per account code (debit positive), summed in øre by the database."""
    postings = Posting.objects.filter(entry__ledger=ledger, entry__posted=True)
    if until is not None:
        postings = postings.filter(entry__date__lte=until)
    rows = postings.values("account__code").annotate(total=Sum("amount")).order_by("account__code")
    # The database sums integer øre; the MoneyField output turns the sum back into Decimal kroner.
    return {row["account__code"]: row["total"] or ZERO for row in rows}
