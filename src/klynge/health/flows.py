"""The guide's money-flow table of a health cluster (brief §4, §5) for one initiative, one year or
everything, and the same figures as Excel, PDF and a picture (SVG) of the flows.

The guide ("Illustration af pengestrømme i en sundhedsklynge") has one column per member and the rows
*Indtægt*, *Udgift*, *Udgifter i alt* and *Nettoramme-påvirkning*. We show *Udgift* in its two parts —
the member's own activities (the costs it carries out) and its settlements to the executing members —
so that a member that both carries out one initiative and pays for another can be read; their sum is
*Udgifter i alt*, as in the guide. The figures come from :func:`klynge.health.selectors.settlement`:
each year's settlement from that year's facts, a posted year from its voucher, "all years" the sum
of the years; nothing here is stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from klynge.common.money import amount_text
from klynge.core.money import ZERO
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


def money_flow_pdf(flow: MoneyFlow, *, compress: bool = True) -> bytes:
    """The table on an A4 landscape page, the settlements and netted transfers below it."""
    from klynge.health.pdf import ReportPdf

    pdf = ReportPdf(orientation="L", compress=compress)
    pdf.set_title(title_of(flow))
    pdf.add_page()
    pdf.heading(title_of(flow))
    pdf.flow_table(flow)
    pdf.flow_lists(flow)
    return pdf.bytes()


# --- The picture -----------------------------------------------------------------------------------------


def _kr(amount: Decimal) -> str:
    return _("%(amount)s kr.") % {"amount": amount_text(amount)}


def _stack(
    nodes: list[HealthMember], slots: dict[int, list[tuple[Flow, float]]], top: float, gap: float
) -> tuple[dict[int, tuple[float, float]], dict[tuple[int, int], float], float]:
    """Place ``nodes`` one under the other: each node as tall as its flows' slots (at least two lines
    of text), each flow's slot centred in turn inside it. Returns (node → (y, height)), ((payer,
    payee) → the slot's centre y) and the bottom."""
    places: dict[int, tuple[float, float]] = {}
    centres: dict[tuple[int, int], float] = {}
    y = top
    for node in nodes:
        own = slots[node.pk]
        height = max(NODE_MIN, sum(h for _f, h in own))
        inner = y + (height - sum(h for _f, h in own)) / 2
        for f, h in own:
            centres[(f.payer.pk, f.payee.pk) if node.pk == f.payer.pk else (f.payee.pk, f.payer.pk)] = (
                inner + h / 2
            )
            inner += h
        places[node.pk] = (y, height)
        y += height + gap
    return places, centres, y


NODE_MIN, SLOT_MIN, SLOT_SPAN = 40.0, 20.0, 260.0  # drawing sizes in pixels, not money


def money_flow_svg(flow: MoneyFlow) -> str:
    """The netted transfers as bands from the paying members (left) to the receiving members (right),
    each band as wide as its share of the largest payer's payments, with its amount where it leaves
    the payer (every band has a slot of its own there, so no two amounts overlap). The SVG has a title
    and a description that says every flow in words; the same figures are in the table beside it."""
    title = title_of(flow)
    words = [
        _("%(payer)s betaler %(amount)s til %(payee)s.")
        % {"payer": t.payer.name, "payee": t.payee.name, "amount": _kr(t.amount)}
        for t in flow.transfers
    ] or [_("Ingen betalinger mellem parterne.")]
    order = {c.member.pk: i for i, c in enumerate(flow.columns)}
    transfers = sorted(flow.transfers, key=lambda t: (order[t.payer.pk], order[t.payee.pk]))
    payers = sorted({t.payer.pk: t.payer for t in transfers}.values(), key=lambda m: order[m.pk])
    payees = sorted({t.payee.pk: t.payee for t in transfers}.values(), key=lambda m: order[m.pk])
    largest = max(
        (sum((t.amount for t in transfers if t.payer.pk == p.pk), ZERO) for p in payers), default=ZERO
    )

    def slot(t: Flow) -> float:
        return max(SLOT_MIN, SLOT_SPAN * float(t.amount / largest)) if largest else SLOT_MIN

    out_slots: dict[int, list[tuple[Flow, float]]] = {p.pk: [] for p in payers}
    in_slots: dict[int, list[tuple[Flow, float]]] = {p.pk: [] for p in payees}
    for t in transfers:
        out_slots[t.payer.pk].append((t, slot(t)))
    for t in sorted(transfers, key=lambda t: (order[t.payee.pk], order[t.payer.pk])):
        in_slots[t.payee.pk].append((t, slot(t)))
    width, top, gap = 720, 16.0, 14.0
    left_bar, right_bar, bar_w = 200.0, 510.0, 10.0
    left_places, out_y, left_bottom = _stack(payers, out_slots, top, gap)
    right_places, in_y, right_bottom = _stack(payees, in_slots, top, gap)
    height = max(left_bottom, right_bottom, 60.0) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" role="img" '
        f'aria-labelledby="flow-title flow-desc" class="money-flow-picture">',
        f'<title id="flow-title">{escape(title)}</title>',
        f'<desc id="flow-desc">{escape(" ".join(words))}</desc>',
    ]
    if not transfers:
        parts.append(
            f'<text x="{width / 2}" y="34" text-anchor="middle" font-size="14" fill="#1a1a1a">'
            f"{escape(words[0])}</text></svg>"
        )
        return "".join(parts)
    for t in transfers:
        y1, y2 = out_y[(t.payer.pk, t.payee.pk)], in_y[(t.payee.pk, t.payer.pk)]
        band = max(2.0, SLOT_SPAN * float(t.amount / largest) - 3)  # its slot, less a hairline
        x1, x2 = left_bar + bar_w, right_bar
        mid = (x1 + x2) / 2
        parts.append(
            f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="#004993" stroke-opacity="0.45" stroke-width="{band:.1f}" class="flow-band"/>'
        )
    for t in transfers:  # the amounts above every band
        y1 = out_y[(t.payer.pk, t.payee.pk)]
        parts.append(
            f'<text x="{left_bar + bar_w + 6:.1f}" y="{y1 + 4:.1f}" font-size="12" fill="#1a1a1a" '
            f'paint-order="stroke" stroke="#ffffff" stroke-width="3">'
            f"{escape(_kr(t.amount))} → {escape(t.payee.name[:18])}</text>"
        )
    for members, places, bar_x, anchor, text_x, verb in (
        (payers, left_places, left_bar, "end", left_bar - 8, _("betaler %(amount)s")),
        (payees, right_places, right_bar, "start", right_bar + bar_w + 8, _("modtager %(amount)s")),
    ):
        for m in members:
            y, h = places[m.pk]
            total = sum(
                (
                    t.amount
                    for t in transfers
                    if m.pk in ((t.payer.pk,) if anchor == "end" else (t.payee.pk,))
                ),
                ZERO,
            )
            parts.append(f'<rect x="{bar_x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}" fill="#1a1a1a"/>')
            parts.append(
                f'<text x="{text_x}" y="{y + h / 2 - 3:.1f}" text-anchor="{anchor}" font-size="13" '
                f'font-weight="bold" fill="#1a1a1a">{escape(m.name[:26])}</text>'
            )
            parts.append(
                f'<text x="{text_x}" y="{y + h / 2 + 12:.1f}" text-anchor="{anchor}" font-size="11" '
                f'fill="#1a1a1a">{escape(verb % {"amount": _kr(total)})}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
