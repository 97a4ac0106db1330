"""The claim letter (PDF) to a cluster's coordinator: amount, reason in plain words, deadline, where
to pay. Rule codes are for staff and are not in the letter (#13)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF

from klynge.core.dates import long_da
from klynge.core.money import format_dkk

danish_date = long_da  # "1. marts 2020", as in every Danish text of the product


@dataclass(frozen=True)
class ClaimLetter:
    region_name: str
    cluster_name: str
    cluster_cvr: str
    recipient: str
    letter_date: dt.date  # the date of the run that raised the claim
    amount: Decimal
    reason: str  # the reason in plain Danish, e.g. "Praksis 100003 udtrådte 1. april 2020, før første årsdag"
    explanation: tuple[str, ...]  # the explanation lines, each "words: 10.000,00 kr."
    deadline: dt.date
    instructions: str  # where and how to pay
    reference: str  # the payment reference the bank-file import matches by (#13)
    account: str = ""  # the region's account (IBAN) to pay to, when it has one


_REPLACEMENTS = str.maketrans({"–": "-", "—": "-", "…": "...", "’": "'", "“": '"', "”": '"'})


class _Pdf(FPDF):
    """FPDF with its built-in Helvetica, which covers Latin-1 (æ, ø, å, ×); other characters are mapped."""

    def normalize_text(self, text: str) -> str:
        text = text.translate(_REPLACEMENTS)
        return super().normalize_text(text.encode("latin-1", "replace").decode("latin-1"))


def claim_letter_pdf(letter: ClaimLetter, *, compress: bool = True) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_compression(compress)
    pdf.set_title(f"Tilbagebetalingskrav {letter.reference}")
    pdf.set_author(letter.region_name)
    pdf.set_lang("da")
    pdf.add_page()
    pdf.set_margins(20, 20, 20)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, letter.region_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, danish_date(letter.letter_date), new_x="LMARGIN", new_y="NEXT", align="R")
    pdf.ln(4)
    pdf.multi_cell(0, 5, f"{letter.recipient}\n{letter.cluster_name}\nCVR {letter.cluster_cvr}")
    pdf.ln(8)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 7, f"Krav om tilbagebetaling af klyngemidler: {format_dkk(letter.amount)} kr.")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0,
        5,
        f"{letter.region_name} har opgjort klyngens midler og skal bede klyngen betale "
        f"{format_dkk(letter.amount)} kr. tilbage.",
    )
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Årsag", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, f"{letter.reason.removesuffix('.')}.")
    if letter.explanation:
        pdf.ln(2)
        for line in letter.explanation:
            pdf.multi_cell(0, 5, f"- {line}")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Betaling", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0,
        5,
        f"Beløbet skal være indbetalt senest {danish_date(letter.deadline)} med referencen {letter.reference}.\n"
        + (f"Konto (IBAN): {letter.account}\n" if letter.account else "")
        # Where to pay: the region's own instructions, else its account; only a letter with neither
        # asks the cluster to contact the region (#13: never both an account and "ask us where").
        + (
            letter.instructions
            or (
                ""
                if letter.account
                else f"Kontakt {letter.region_name} for at få oplyst, hvor beløbet skal overføres til."
            )
        ),
    )
    pdf.ln(6)
    pdf.multi_cell(0, 5, f"Venlig hilsen\n{letter.region_name}")
    return bytes(pdf.output())
