"""A repayment claim's status, derived from its facts (#13). Nothing stores a status: every page,
list and notice asks :func:`claim_status` with the facts of the day.

- raised: released, nothing repaid, no reminder sent yet;
- reminded: the cluster's coordinators have been sent a notice that it is overdue (or a reminder);
- partly repaid: something repaid (or written off), something still outstanding;
- repaid: nothing outstanding, nothing written off;
- written off: nothing outstanding, and a second person approved writing off (part of) it.

Written off wins over repaid when both repayments and a write-off made the claim settled: what
finance staff and the coordinator need to know is that the region gave up the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from klynge.core.money import ZERO


class ClaimStatus(StrEnum):
    RAISED = "raised"
    REMINDED = "reminded"
    PARTLY_REPAID = "partly_repaid"
    REPAID = "repaid"
    WRITTEN_OFF = "written_off"


@dataclass(frozen=True)
class ClaimFacts:
    """What is known of one claim: its amount, what was repaid and written off, and whether the
    coordinators were reminded."""

    amount: Decimal
    repaid: Decimal = ZERO
    written_off: Decimal = ZERO
    reminded: bool = False

    @property
    def outstanding(self) -> Decimal:
        """What the cluster still owes: the amount less repayments and approved write-offs."""
        return max(self.amount - self.repaid - self.written_off, ZERO)


def claim_status(facts: ClaimFacts) -> ClaimStatus:
    """The one function that says where a claim stands."""
    if facts.outstanding <= 0:
        return ClaimStatus.WRITTEN_OFF if facts.written_off > 0 else ClaimStatus.REPAID
    if facts.repaid > 0 or facts.written_off > 0:
        return ClaimStatus.PARTLY_REPAID
    if facts.reminded:
        return ClaimStatus.REMINDED
    return ClaimStatus.RAISED
