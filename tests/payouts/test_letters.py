"""The claim letter states amount, reason, rule, deadline and where to pay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from klynge.payouts.letters import ClaimLetter, claim_letter_pdf, danish_date

LETTER = ClaimLetter(
    region_name="Region Nordjylland",
    cluster_name="Klynge Nord",
    cluster_cvr="29403473",
    recipient="Ane Hansen",
    letter_date=dt.date(2020, 4, 15),
    amount=Decimal("10000.00"),
    reason="Praksis 100003 udtrådte 1. april 2020, før første årsdag 1. juni 2020",
    explanation=("Opstartshonorar: 1 kapacitet × 10.000,00 kr. (1. juni–31. december 2019)",),
    deadline=dt.date(2020, 5, 15),
    instructions="Overfør til reg. 0040 konto 0440116243.",
    reference="1081-5-K1",
)


def test_claim_letter_is_a_pdf_with_amount_reason_rule_deadline_and_account() -> None:
    pdf = claim_letter_pdf(LETTER, compress=False)
    assert pdf.startswith(b"%PDF-")
    text = pdf.decode("latin-1")
    for expected in [
        "10.000,00 kr.",
        "15. maj 2020",
        "0440116243",
        "1081-5-K1",
        "Praksis 100003",
        "juni-31. december",
    ]:
        assert expected in text, expected


def test_compressed_letter_is_smaller_and_still_a_pdf() -> None:
    compressed = claim_letter_pdf(LETTER)
    assert compressed.startswith(b"%PDF-") and len(compressed) < len(claim_letter_pdf(LETTER, compress=False))


def test_danish_dates_name_the_month() -> None:
    assert danish_date(dt.date(2020, 2, 29)) == "29. februar 2020"


def test_a_letter_with_the_regions_account_does_not_also_ask_where_to_pay() -> None:
    from dataclasses import replace

    with_account = claim_letter_pdf(
        replace(LETTER, instructions="", account="DK5000400440116243"), compress=False
    ).decode("latin-1")
    assert "DK5000400440116243" in with_account and "for at f" not in with_account
    neither = claim_letter_pdf(replace(LETTER, instructions="", account=""), compress=False).decode("latin-1")
    assert "Kontakt Region Nordjylland for at f" in neither
