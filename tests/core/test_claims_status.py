"""A claim's status is derived by one function from its facts (#13)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from klynge.core.claims import ClaimFacts, ClaimStatus, claim_status

M = Decimal


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (ClaimFacts(M("100.00")), ClaimStatus.RAISED),
        (ClaimFacts(M("100.00"), reminded=True), ClaimStatus.REMINDED),
        (ClaimFacts(M("100.00"), repaid=M("40.00"), reminded=True), ClaimStatus.PARTLY_REPAID),
        (ClaimFacts(M("100.00"), repaid=M("40.00")), ClaimStatus.PARTLY_REPAID),
        (ClaimFacts(M("100.00"), repaid=M("100.00"), reminded=True), ClaimStatus.REPAID),
        (ClaimFacts(M("100.00"), written_off=M("100.00")), ClaimStatus.WRITTEN_OFF),
        (ClaimFacts(M("100.00"), repaid=M("60.00"), written_off=M("40.00")), ClaimStatus.WRITTEN_OFF),
        (ClaimFacts(M("100.00"), written_off=M("30.00")), ClaimStatus.PARTLY_REPAID),
    ],
)
def test_each_status_follows_from_the_facts(facts: ClaimFacts, status: ClaimStatus) -> None:
    assert claim_status(facts) == status


def test_outstanding_is_the_amount_less_repaid_and_written_off_never_negative() -> None:
    assert ClaimFacts(M("100.00"), M("30.00"), M("20.00")).outstanding == M("50.00")
    assert ClaimFacts(M("100.00"), M("130.00")).outstanding == M("0.00")
