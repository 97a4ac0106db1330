"""The guide's money-flow table of a health cluster (brief §4, §5) for one initiative, one year or
everything, and the same figures as Excel, PDF and a picture (SVG) of the flows.

The guide ("Illustration af pengestrømme i en sundhedsklynge") has one column per member and the rows
*Indtægt*, *Udgift*, *Udgifter i alt* and *Nettoramme-påvirkning*. We show *Udgift* in its two parts —
the member's own activities (the costs it carries out) and its settlements to the executing members —
so that a member that both carries out one initiative and pays for another can be read; their sum is
*Udgifter i alt*, as in the guide. The figures come from the pure core's settlement of the stored
actual costs (:func:`klynge.health.selectors.settlement`); nothing here is stored.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from klynge.core.money import ZERO, format_dkk
from klynge.health.models import HealthCluster, HealthMember, Initiative
from klynge.health.selectors import settlement


@dataclass(frozen=True)
class FlowColumn:
    """One member's column of the table."""

    member: HealthMember
    income: Decimal  # settlements received as executing member
    own_expense: Decimal  # the costs it carries out itself
    settlement_expense: Decimal  # its settlements paid to the executing members

    @property
    def expense(self) -> Decimal:
        return self.own_expense + self.settlement_expense

    @property
    def net_frame_impact(self) -> Decimal:
        return self.expense - self.income


@dataclass(frozen=True)
class Flow:
    """A payment from one member to another (gross per initiative, or netted per pair)."""

    payer: HealthMember
    payee: HealthMember
    amount: Decimal
    initiative: Initiative | None = None


@dataclass(frozen=True)
class MoneyFlow:
    cluster: HealthCluster
    year: int | None
    initiative: Initiative | None
    columns: list[FlowColumn]
    settlements: list[Flow]  # gross, per initiative and year, payer → executing member
    transfers: list[Flow]  # netted per pair

    @property
    def scope(self) -> str:
        """What the table covers, in words: "Indsats X, 2024", "2024", "alle år"."""
        parts = []
        if self.initiative is not None:
            parts.append(_("Indsats: %(title)s") % {"title": self.initiative.title})
        parts.append(str(self.year) if self.year is not None else _("alle år"))
        return ", ".join(parts)

    @property
    def total(self) -> FlowColumn | None:
        if not self.columns:
            return None
        return FlowColumn(
            member=self.columns[0].member,
            income=sum((c.income for c in self.columns), ZERO),
            own_expense=sum((c.own_expense for c in self.columns), ZERO),
            settlement_expense=sum((c.settlement_expense for c in self.columns), ZERO),
        )

    @property
    def is_empty(self) -> bool:
        return all(c.expense == 0 for c in self.columns)

    def rows(self) -> list[tuple[str, list[Decimal], Decimal, bool]]:
        """The table's rows: (label, one figure per member, the sum of the row, bold?)."""
        total = self.total
        spec = [
            (_("Indtægt"), "income", False),
            (_("Udgift, egne aktiviteter"), "own_expense", False),
            (_("Udgift, afregning til udførende"), "settlement_expense", False),
            (_("Udgifter i alt"), "expense", False),
            (_("Nettoramme-påvirkning"), "net_frame_impact", True),
        ]
        return [
            (
                label,
                [getattr(c, name) for c in self.columns],
                getattr(total, name) if total else ZERO,
                bold,
            )
            for label, name, bold in spec
        ]


def money_flow(
    cluster: HealthCluster, *, year: int | None = None, initiative: Initiative | None = None
) -> MoneyFlow:
    """The money-flow table of ``cluster`` for ``initiative`` (or all) and ``year`` (or all years)."""
    members = list(cluster.members.select_related("municipality", "region"))
    by_id = {str(m.pk): m for m in members}
    chosen = cluster.initiatives.filter(pk=initiative.pk) if initiative is not None else None
    result = settlement(cluster, year=year, initiatives=chosen)
    titles = {str(i.pk): i for i in (chosen if chosen is not None else cluster.initiatives.all())}
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in result.settlements:
        paid[s.payer] += s.amount
    columns = []
    for m in members:
        totals = result.members[str(m.pk)]
        settled = paid[str(m.pk)]
        columns.append(
            FlowColumn(
                member=m,
                income=totals.income,
                own_expense=totals.expense - settled,
                settlement_expense=settled,
            )
        )
    gross: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    for s in result.settlements:
        gross[(s.initiative, s.payer, s.payee)] += s.amount
    return MoneyFlow(
        cluster=cluster,
        year=year,
        initiative=initiative,
        columns=columns,
        settlements=[
            Flow(by_id[payer], by_id[payee], amount, titles.get(init))
            for (init, payer, payee), amount in gross.items()
        ],
        transfers=[Flow(by_id[t.payer], by_id[t.payee], t.amount) for t in result.netted],
    )


def title_of(flow: MoneyFlow) -> str:
    return _("Pengestrømme i %(cluster)s (%(scope)s)") % {"cluster": flow.cluster.name, "scope": flow.scope}


# --- Excel -----------------------------------------------------------------------------------------------


def money_flow_xlsx(flow: MoneyFlow) -> bytes:
    """The table (amounts as numbers with two decimals) and the settlements on a second sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Pengestrømme")[:31]
    sheet.append([title_of(flow)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    sheet.append(["", *[c.member.name for c in flow.columns], _("I alt")])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for label, figures, total, bold in flow.rows():
        sheet.append([label, *figures, total])
        row = sheet.max_row
        for col in range(2, len(figures) + 3):
            sheet.cell(row, col).number_format = "#,##0.00"
            if bold:
                sheet.cell(row, col).font = Font(bold=True)
        sheet.cell(row, 1).font = Font(bold=bold)
    sheet.column_dimensions["A"].width = 34
    for col in range(2, len(flow.columns) + 3):
        sheet.column_dimensions[get_column_letter(col)].width = 18
    detail = book.create_sheet(_("Afregninger")[:31])
    detail.append([_("Indsats"), _("Betaler"), _("Modtager (udførende)"), _("Beløb (kr.)")])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for s in flow.settlements:
        detail.append([s.initiative.title if s.initiative else "", s.payer.name, s.payee.name, s.amount])
        detail.cell(detail.max_row, 4).number_format = "#,##0.00"
    detail.append([])
    detail.append([_("Nettooverførsler mellem parterne")])
    detail.cell(detail.max_row, 1).font = Font(bold=True)
    for t in flow.transfers:
        detail.append(["", t.payer.name, t.payee.name, t.amount])
        detail.cell(detail.max_row, 4).number_format = "#,##0.00"
    for letter, size in zip("ABCD", (40, 30, 30, 18), strict=True):
        detail.column_dimensions[letter].width = size
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------


def money_flow_pdf(flow: MoneyFlow) -> bytes:
    """The table on an A4 landscape page, the settlements and netted transfers below it."""
    from klynge.health.pdf import ReportPdf

    pdf = ReportPdf(orientation="L")
    pdf.set_title(title_of(flow))
    pdf.add_page()
    pdf.heading(title_of(flow))
    pdf.flow_table(flow)
    pdf.flow_lists(flow)
    return pdf.bytes()


# --- The picture -----------------------------------------------------------------------------------------


def _kr(amount: Decimal) -> str:
    return _("%(amount)s kr.") % {"amount": format_dkk(amount)}


def money_flow_svg(flow: MoneyFlow) -> str:
    """The netted transfers as arrows between the members placed on a circle; an arrow's width grows
    with its amount. The SVG has a title and a description that says every flow in words (the same
    figures are in the table beside it)."""
    members = [c.member for c in flow.columns]
    width, height = 640, 420
    cx, cy, radius = width / 2, height / 2 + 10, 150
    places: dict[int, tuple[float, float]] = {}
    count = max(len(members), 1)
    for i, m in enumerate(members):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        places[m.pk] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    largest = max((t.amount for t in flow.transfers), default=Decimal(1)) or Decimal(1)
    title = title_of(flow)
    words = [
        _("%(payer)s betaler %(amount)s til %(payee)s.")
        % {"payer": t.payer.name, "payee": t.payee.name, "amount": _kr(t.amount)}
        for t in flow.transfers
    ] or [_("Ingen betalinger mellem parterne.")]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="flow-title flow-desc" class="money-flow-picture">',
        f'<title id="flow-title">{escape(title)}</title>',
        f'<desc id="flow-desc">{escape(" ".join(words))}</desc>',
        "<defs><marker id='flow-arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='5' "
        "markerHeight='5' orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' fill='#004993'/>"
        "</marker></defs>",
    ]
    node_w, node_h = 150, 44
    for t in flow.transfers:
        (x1, y1), (x2, y2) = places[t.payer.pk], places[t.payee.pk]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        ux, uy = dx / length, dy / length
        # start and end outside the boxes; bend to the right so that two directions do not overlap
        sx, sy = x1 + ux * node_h * 0.9, y1 + uy * node_h * 0.9
        ex, ey = x2 - ux * node_h * 0.9, y2 - uy * node_h * 0.9
        mx, my = (sx + ex) / 2 - uy * 30, (sy + ey) / 2 + ux * 30
        stroke = 2 + 10 * float(t.amount / largest)  # a drawing width, not money
        parts.append(
            f'<path d="M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}" fill="none" '
            f'stroke="#004993" stroke-opacity="0.75" stroke-width="{stroke:.1f}" '
            f'marker-end="url(#flow-arrow)"/>'
        )
        parts.append(
            f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle" font-size="13" fill="#1a1a1a" '
            f'paint-order="stroke" stroke="#ffffff" stroke-width="4">{escape(_kr(t.amount))}</text>'
        )
    net = {c.member.pk: c.net_frame_impact for c in flow.columns}
    for m in members:
        x, y = places[m.pk]
        parts.append(
            f'<rect x="{x - node_w / 2:.1f}" y="{y - node_h / 2:.1f}" width="{node_w}" height="{node_h}" '
            f'rx="6" fill="#ffffff" stroke="#1a1a1a"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="13" font-weight="bold" '
            f'fill="#1a1a1a">{escape(m.name[:22])}</text>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" font-size="11" fill="#1a1a1a">'
            f"{escape(_('netto %(amount)s') % {'amount': _kr(net[m.pk])})}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
