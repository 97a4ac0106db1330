"""The health cluster's reports as PDF (brief §4): the report of one initiative to the SSU
(sundhedssamarbejdsudvalget) and the cluster's annual report.

:func:`ssu_report_pdf` states what the SSU needs to judge one initiative: what it is, who carries it out
and who pays by which key, the budget line by line, the actual costs per executing member and year, the
evaluation plan with its answers, the result and whether the cluster recommends spreading it to other
clusters. The money-flow table of the initiative (all years) follows on a landscape page, as it has one
column per member.

:func:`annual_report_pdf` covers one year of the whole cluster: its members and co-chairs, each member's
funds, budget, spending and carry-over (:func:`klynge.health.selectors.cluster_year`), the year's
money-flow table, the initiatives active in the year in short form, and the initiatives recommended for
spreading (of those active in the year or reported to the SSU in it).

Both are built from the stored facts with a few queries and nothing is stored. Pass ``compress=False``
to get a PDF whose text can be read in the raw bytes (the tests do).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from klynge.common.dates import long_date
from klynge.core.money import ZERO, format_dkk
from klynge.health.flows import money_flow
from klynge.health.models import (
    ActualCost,
    BudgetLine,
    EvaluationQuestion,
    HealthCluster,
    HealthMember,
    Initiative,
    InitiativeParty,
)
from klynge.health.pdf import ReportPdf
from klynge.health.selectors import cluster_year

SHORT_ANSWER = 180  # characters of an answer in the annual report


# --- Formatting ------------------------------------------------------------------------------------------


def _kr(amount: Decimal) -> str:
    return _("%(amount)s kr.") % {"amount": format_dkk(amount)}


def _number(value: Decimal) -> str:
    """A Danish number without needless decimals: 6,25 / 40 / 1.500 / 12,5."""
    text = f"{value.normalize():f}"
    whole, _sep, frac = text.partition(".")
    grouped = format_dkk(Decimal(whole)).partition(",")[0]
    return f"{grouped},{frac}" if frac else grouped


def _period(initiative: Initiative) -> str:
    return f"{long_date(initiative.starts_on)} – {long_date(initiative.ends_on)}"


def _yes_no(value: bool) -> str:
    return _("Ja") if value else _("Nej")


def _added_by(question: EvaluationQuestion) -> str:
    return {
        "cluster": _("Tilføjet af klyngen"),
        "ssu": _("Tilføjet af SSU"),
    }.get(question.added_by, _("Standardspørgsmål fra vejledningen"))


def _answer(question: EvaluationQuestion) -> str:
    return question.answer.strip() or _("Ikke besvaret endnu")


def _short(text: str, width: int = SHORT_ANSWER) -> str:
    return textwrap.shorten(text, width=width, placeholder=" ...") if text else text


def _members(cluster: HealthCluster) -> dict[int, HealthMember]:
    return {m.pk: m for m in cluster.members.select_related("municipality", "region")}


# --- The report of one initiative to the SSU -------------------------------------------------------------


def ssu_report_pdf(initiative: Initiative, *, compress: bool = True) -> bytes:
    """The report of ``initiative`` to the SSU (in Danish), as PDF bytes."""
    initiative = (
        Initiative.objects.select_related("cluster__region", "function")
        .prefetch_related(
            Prefetch("parties", queryset=InitiativeParty.objects.order_by("member__position", "member_id")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("year", "id")),
            Prefetch("costs", queryset=ActualCost.objects.order_by("year", "executor__position")),
            Prefetch("questions", queryset=EvaluationQuestion.objects.order_by("position", "id")),
        )
        .get(pk=initiative.pk)
    )
    cluster = initiative.cluster
    members = _members(cluster)

    pdf = ReportPdf(compress=compress)
    title = _("Afrapportering til SSU: %(title)s") % {"title": initiative.title}
    pdf.set_title(title)
    pdf.set_author(cluster.name)
    pdf.add_page()
    pdf.heading(title)
    pdf.fact(_("Sundhedsklynge"), cluster.name)
    pdf.fact(_("Region"), cluster.region.name)

    pdf.subheading(_("Indsatsen"))
    pdf.fact(_("Titel"), initiative.title)
    pdf.fact(_("Tema"), initiative.theme)
    pdf.fact(_("Funktion (kontoplan)"), f"{initiative.function.code} {initiative.function.name}")
    pdf.fact(_("Periode"), _period(initiative))
    pdf.fact(_("Status"), initiative.get_status_display())
    pdf.fact(_("Udfordring"), initiative.challenge)

    _parties(pdf, initiative, members)
    _budget(pdf, initiative, members)
    _costs(pdf, initiative, members)
    _evaluation(pdf, initiative)

    pdf.add_page(orientation="L")
    flow = money_flow(cluster, initiative=initiative)
    pdf.heading(_("Pengestrømme for indsatsen (alle år)"), size=13)
    if flow.is_empty:
        pdf.paragraph(_("Der er endnu ingen faktiske udgifter at afregne."))
    else:
        pdf.flow_table(flow)
        pdf.flow_lists(flow)
    return pdf.bytes()


def _parties(pdf: ReportPdf, initiative: Initiative, members: dict[int, HealthMember]) -> None:
    pdf.subheading(_("Parter og fordelingsnøgle"))
    pdf.fact(_("Fordelingsnøgle"), initiative.get_key_type_display())
    parties = list(initiative.parties.all())
    by_percent = initiative.key_type == Initiative.KeyType.PERCENT
    headings = [_("Medlem"), _("Udførende"), _("Betalende")]
    if by_percent:
        headings.append(_("Andel"))
    rows = []
    for party in parties:
        row = [members[party.member_id].name, _yes_no(party.executes), _yes_no(party.pays)]
        if by_percent:
            row.append(f"{_number(party.percent)} %" if party.pays and party.percent is not None else "")
        rows.append(row)
    pdf.grid(headings, rows, widths=[3, 1.3, 1.3, 1.3] if by_percent else [3, 1.3, 1.3])


def _budget(pdf: ReportPdf, initiative: Initiative, members: dict[int, HealthMember]) -> None:
    pdf.subheading(_("Budget"))
    lines = list(initiative.budget_lines.all())
    if not lines:
        pdf.paragraph(_("Der er ingen budgetlinjer."))
        return
    by_year: dict[int, list[BudgetLine]] = defaultdict(list)
    for line in lines:
        by_year[line.year].append(line)
    rows = []
    for year, year_lines in sorted(by_year.items()):
        for line in year_lines:
            if line.method == BudgetLine.Method.SALARY and line.annual_salary is not None:
                basis = _("årsløn %(salary)s / %(norm)s t") % {
                    "salary": format_dkk(line.annual_salary),
                    "norm": line.annual_norm_hours,
                }
            else:
                basis = _("%(rate)s pr. time") % {"rate": format_dkk(line.hourly_rate or ZERO)}
            rows.append(
                [
                    line.activity,
                    str(year),
                    members[line.executor_id].name,
                    _number(line.hours),
                    basis,
                    format_dkk(line.amount),
                ]
            )
        rows.append(
            [
                _("I alt %(year)s") % {"year": year},
                "",
                "",
                "",
                "",
                format_dkk(sum((line.amount for line in year_lines), ZERO)),
            ]
        )
    rows.append([_("Budget i alt"), "", "", "", "", format_dkk(sum((line.amount for line in lines), ZERO))])
    pdf.grid(
        [_("Aktivitet"), _("År"), _("Udførende"), _("Timer"), _("Timesats / årsløn (kr.)"), _("Beløb (kr.)")],
        rows,
        widths=[3, 0.8, 2, 1, 3.2, 2],
    )


def _costs(pdf: ReportPdf, initiative: Initiative, members: dict[int, HealthMember]) -> None:
    pdf.subheading(_("Faktiske udgifter"))
    costs = list(initiative.costs.all())
    if not costs:
        pdf.paragraph(_("Der er endnu ikke registreret faktiske udgifter."))
        return
    years = list(range(initiative.starts_on.year, initiative.ends_on.year + 1))
    spent: dict[tuple[int, int], Decimal] = {(c.executor_id, c.year): c.amount for c in costs}
    executors = sorted({c.executor_id for c in costs}, key=lambda pk: (members[pk].position, pk))
    rows = [
        [
            members[pk].name,
            *[format_dkk(spent.get((pk, year), ZERO)) for year in years],
            format_dkk(sum((spent.get((pk, year), ZERO) for year in years), ZERO)),
        ]
        for pk in executors
    ]
    rows.append(
        [
            _("I alt"),
            *[format_dkk(sum((c.amount for c in costs if c.year == year), ZERO)) for year in years],
            format_dkk(sum((c.amount for c in costs), ZERO)),
        ]
    )
    pdf.grid(
        [_("Udførende (kr.)"), *[str(year) for year in years], _("I alt")],
        rows,
        widths=[3] + [2] * (len(years) + 1),
    )


def _evaluation(pdf: ReportPdf, initiative: Initiative) -> None:
    pdf.subheading(_("Evalueringsplan"))
    questions = list(initiative.questions.all())
    if not questions:
        pdf.paragraph(_("Evalueringsplanen har ingen spørgsmål."))
    for number, question in enumerate(questions, start=1):
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 5, f"{number}. {question.question}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(0, 4, _added_by(question), new_x="LMARGIN", new_y="NEXT")
        pdf.paragraph(_answer(question))

    pdf.subheading(_("Resultat"))
    pdf.fact(_("Vurdering"), initiative.get_result_display())
    if initiative.result_summary:
        pdf.paragraph(initiative.result_summary)

    pdf.subheading(_("Anbefaling om udbredelse"))
    pdf.fact(_("Anbefales udbredt til andre klynger"), _yes_no(initiative.recommend_spread))
    if initiative.spread_note:
        pdf.paragraph(initiative.spread_note)

    pdf.subheading(_("Afrapportering"))
    pdf.fact(
        _("Afrapporteret til SSU"),
        long_date(initiative.reported_on) if initiative.reported_on else _("Ikke afrapporteret endnu"),
    )


# --- The cluster's annual report -------------------------------------------------------------------------


def annual_report_pdf(cluster: HealthCluster, year: int, *, compress: bool = True) -> bytes:
    """The annual report of ``cluster`` for ``year`` (in Danish, A4 landscape), as PDF bytes."""
    cluster = HealthCluster.objects.select_related("region").get(pk=cluster.pk)
    figures = cluster_year(cluster, year)
    initiatives = list(
        cluster.initiatives.filter(starts_on__year__lte=year, ends_on__year__gte=year)
        .select_related("function")
        .prefetch_related(
            Prefetch("costs", queryset=ActualCost.objects.filter(year=year), to_attr="year_costs"),
            Prefetch("budget_lines", queryset=BudgetLine.objects.filter(year=year), to_attr="year_budget"),
            Prefetch("questions", queryset=EvaluationQuestion.objects.order_by("position", "id")),
        )
        .order_by("starts_on", "title")
    )
    active = {i.pk for i in initiatives}
    spread = list(
        cluster.initiatives.filter(recommend_spread=True)
        .filter(Q(pk__in=active) | Q(reported_on__year=year))
        .order_by("starts_on", "title")
    )

    pdf = ReportPdf(orientation="L", compress=compress)
    title = _("Årsrapport %(year)s: %(cluster)s") % {"year": year, "cluster": cluster.name}
    pdf.set_title(title)
    pdf.set_author(cluster.name)
    pdf.add_page()
    pdf.heading(title)
    pdf.fact(_("Region"), cluster.region.name)
    pdf.fact(_("Medformand fra regionen"), cluster.co_chair_region)
    pdf.fact(_("Medformand fra kommunerne"), cluster.co_chair_municipality)
    pdf.fact(_("Medlemmer"), ", ".join(row.member.name for row in figures))

    pdf.subheading(_("Medlemmernes midler %(year)s") % {"year": year})
    rows = [
        [
            row.member.name,
            format_dkk(row.funds),
            format_dkk(row.carried_in),
            format_dkk(row.budgeted),
            format_dkk(row.spent),
            format_dkk(row.remaining),
            format_dkk(row.carried_out),
            _("Overskredet") if row.overspent else "",
        ]
        for row in figures
    ]
    rows.append(
        [
            _("I alt"),
            *[
                format_dkk(sum((getattr(row, name) for row in figures), ZERO))
                for name in ("funds", "carried_in", "budgeted", "spent", "remaining", "carried_out")
            ],
            "",
        ]
    )
    pdf.grid(
        [
            _("Medlem (kr.)"),
            _("Fælles midler"),
            _("Overført fra %(year)s") % {"year": year - 1},
            _("Budgetteret"),
            _("Forbrugt"),
            _("Tilbage"),
            _("Videreført til %(year)s") % {"year": year + 1},
            _("Status"),
        ],
        rows,
        widths=[3, 2, 2, 2, 2, 2, 2, 1.6],
    )
    if any(row.overspent for row in figures):
        pdf.paragraph(
            _(
                "Overskredet: medlemmets andel af årets budget eller forbrug er større end dets fælles midler "
                "og det videreførte beløb."
            )
        )

    pdf.subheading(_("Pengestrømme %(year)s") % {"year": year})
    flow = money_flow(cluster, year=year)
    if flow.is_empty:
        pdf.paragraph(_("Der er ingen faktiske udgifter i %(year)s.") % {"year": year})
    else:
        pdf.flow_table(flow)
        pdf.flow_lists(flow)

    pdf.subheading(_("Indsatser i %(year)s") % {"year": year})
    if not initiatives:
        pdf.paragraph(_("Ingen indsatser i %(year)s.") % {"year": year})
    for initiative in initiatives:
        _initiative_in_short(pdf, initiative, year)

    pdf.subheading(_("Anbefalet til udbredelse i andre klynger"))
    if not spread:
        pdf.paragraph(_("Ingen indsatser er anbefalet til udbredelse."))
    for recommended in spread:
        note = f": {_short(recommended.spread_note)}" if recommended.spread_note else ""
        pdf.paragraph(f"- {recommended.title}{note}")
    return pdf.bytes()


def _initiative_in_short(pdf: ReportPdf, initiative: Initiative, year: int) -> None:
    spent = sum((c.amount for c in initiative.year_costs), ZERO)  # type: ignore[attr-defined]
    budgeted = sum((line.amount for line in initiative.year_budget), ZERO)  # type: ignore[attr-defined]
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 5, initiative.title, new_x="LMARGIN", new_y="NEXT")
    pdf.paragraph(
        _("Periode: %(period)s; status: %(status)s; budget %(year)s: %(budget)s; forbrug %(year)s: %(spent)s")
        % {
            "period": _period(initiative),
            "status": initiative.get_status_display(),
            "year": year,
            "budget": _kr(budgeted),
            "spent": _kr(spent),
        }
    )
    questions = list(initiative.questions.all())
    answered = [q for q in questions if q.answer.strip()]
    if questions and not answered:
        pdf.paragraph(_("Evalueringsplanen er ikke besvaret endnu."))
    for question in answered:
        pdf.paragraph(f"{question.question} {_short(question.answer.strip())}")
    if len(answered) < len(questions) and answered:
        pdf.paragraph(
            _("%(open)s af %(all)s spørgsmål er ikke besvaret endnu.")
            % {"open": len(questions) - len(answered), "all": len(questions)}
        )
    if initiative.result:
        summary = f" {_short(initiative.result_summary)}" if initiative.result_summary else ""
        pdf.paragraph(
            _("Resultat: %(result)s.%(summary)s")
            % {"result": initiative.get_result_display(), "summary": summary}
        )
