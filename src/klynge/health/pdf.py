"""The PDF building blocks of the health-cluster reports (fpdf2, its built-in Helvetica): headings,
paragraphs, label/value lines, and the money-flow table with its settlements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from klynge.core.money import format_dkk
from klynge.payouts.letters import _Pdf

if TYPE_CHECKING:
    from klynge.health.flows import MoneyFlow


class ReportPdf(_Pdf):
    """An A4 report with page numbers in the footer."""

    def __init__(self, orientation: str = "P", *, compress: bool = True) -> None:
        super().__init__(orientation=orientation, format="A4")
        self.set_compression(compress)
        self.set_lang("da")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(
            0, 5, _("Side %(page)s af %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align="R"
        )

    def heading(self, text: str, size: int = 15) -> None:
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def subheading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 11)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 10)

    def paragraph(self, text: str) -> None:
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def fact(self, label: str, value: Any) -> None:
        """A line "label: value" (the label bold)."""
        self.set_font("Helvetica", "B", 10)
        self.cell(55, 5, f"{label}:")
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 5, str(value) if value not in (None, "") else "-", new_x="LMARGIN", new_y="NEXT")

    def grid(self, headings: list[str], rows: list[list[str]], widths: Sequence[float] | None = None) -> None:
        """A table; columns after the first are right-aligned (amounts)."""
        self.set_font("Helvetica", "", 9)
        align = ["LEFT"] + ["RIGHT"] * (len(headings) - 1)
        with self.table(
            col_widths=widths, text_align=align, first_row_as_headings=True, line_height=5
        ) as table:
            for values in [headings, *rows]:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)

    def flow_table(self, flow: MoneyFlow) -> None:
        headings = ["", *[c.member.name for c in flow.columns], _("I alt")]
        rows = [
            [label, *[format_dkk(v) for v in figures], format_dkk(total)]
            for label, figures, total, _bold in flow.rows()
        ]
        self.grid(headings, rows, widths=[3] + [2] * (len(headings) - 1))

    def flow_lists(self, flow: MoneyFlow) -> None:
        self.subheading(_("Afregninger (brutto)"))
        if not flow.settlements:
            self.paragraph(_("Ingen afregninger."))
        for s in flow.settlements:
            self.paragraph(
                _("%(initiative)s: %(payer)s betaler %(amount)s kr. til %(payee)s")
                % {
                    "initiative": s.initiative.title if s.initiative else "",
                    "payer": s.payer.name,
                    "payee": s.payee.name,
                    "amount": format_dkk(s.amount),
                }
            )
        self.subheading(_("Nettooverførsler mellem parterne"))
        if not flow.transfers:
            self.paragraph(_("Ingen overførsler."))
        for t in flow.transfers:
            self.paragraph(
                _("%(payer)s betaler %(amount)s kr. til %(payee)s")
                % {"payer": t.payer.name, "payee": t.payee.name, "amount": format_dkk(t.amount)}
            )

    def bytes(self) -> bytes:
        return bytes(self.output())
