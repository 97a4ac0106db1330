"""What deregistering or moving a practice means for the startup fee (A7), shown before it is confirmed.

A7: the startup fee is 10.000 kr. per capacity (the capacities on the day the practice joined), paid
once per practice to the cluster it joins, and kept only if the practice stays at least one year. If it
leaves before the first anniversary of ``joined`` the fee is repaid to the region. A practice whose fee
was kept never earns another; one whose fee was repaid may earn one in its next cluster.

:func:`leaving_consequence` gathers the inputs of the pure rules in :mod:`klynge.core.payouts` from the
database: the capacities on the day the practice joined, the scheme's fee, and whether an earlier
membership already kept a fee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from klynge.core.payouts import deregistration_consequence, startup_fee_anniversary
from klynge.payouts.models import FundingScheme
from klynge.registry.models import Membership
from klynge.registry.selectors import count_on


def fee_per_capacity_on(day: dt.date) -> Decimal | None:
    """The startup fee per capacity of the funding scheme in force on ``day`` (none since OK22)."""
    scheme = (
        FundingScheme.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )
    return scheme.startup_fee_per_capacity if scheme else None


def _fee_kept_earlier(membership: Membership) -> bool:
    """Whether an earlier membership of the practice kept its fee, so this one earned none.

    As in :mod:`klynge.core.payouts`: a fee is kept once its cluster is completed and the membership
    did not end before its anniversary; a cluster never completed earns nothing and blocks nothing.
    """
    earlier = membership.practice.memberships.filter(
        joined__lt=membership.joined, left__isnull=False, cluster__completed_on__isnull=False
    )
    return any(
        m.left is not None
        and m.left >= startup_fee_anniversary(m.joined)
        and fee_per_capacity_on(m.joined) is not None
        for m in earlier
    )


@dataclass(frozen=True)
class LeavingConsequence:
    joined: dt.date
    left: dt.date
    anniversary: dt.date
    fee_per_capacity: Decimal | None
    capacities: int | None
    repayment: Decimal | None
    fee_kept_earlier: bool


def leaving_consequence(membership: Membership, left: dt.date) -> LeavingConsequence:
    """What leaving on ``left`` means for the startup fee this membership earned."""
    joined = membership.joined
    capacities = count_on(membership.practice.capacities.all(), joined)
    kept_earlier = _fee_kept_earlier(membership)
    fee = None if kept_earlier else fee_per_capacity_on(joined)
    repayment = deregistration_consequence(joined, left, capacities or 0, fee) if capacities else None
    return LeavingConsequence(
        joined=joined,
        left=left,
        anniversary=startup_fee_anniversary(joined),
        fee_per_capacity=fee,
        capacities=capacities,
        repayment=repayment,
        fee_kept_earlier=kept_earlier,
    )
