"""The SSU report of an initiative and the cluster's annual report (PDF) state the stored facts: the
initiative, its budget and costs, the money flows, the evaluation plan with its answers, the result,
and each member's figures for the year.

The PDFs are made uncompressed, so their text can be read in the bytes (fpdf2 writes each line of the
built-in Helvetica as a Latin-1 string)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klynge.health import services
from klynge.health.models import Initiative
from klynge.health.reports import annual_report_pdf, ssu_report_pdf

D = dt.date

pytestmark = pytest.mark.django_db

ANSWERS = {
    "challenge": "Borgerne mangler et samlet tilbud om forebyggelse.",
    "criteria": "20 % flere borgere deltager i forebyggelsestilbud.",
    "measure": "Deltagerlister fra kommunens sundhedscenter.",
    "when": "Ved udgangen af 2023.",
    "responsible": "Kommunen (Københavns sundhedsforvaltning).",
}


def lines_of(pdf: bytes) -> list[str]:
    """The text shown by the PDF, one string per ``(...) Tj`` operator, unescaped."""
    assert pdf.startswith(b"%PDF-")
    return [
        re.sub(r"\\(.)", r"\1", shown)
        for shown in re.findall(r"\(((?:\\.|[^\\)])*)\) Tj", pdf.decode("latin-1"))
    ]


def text_of(pdf: bytes) -> str:
    return "\n".join(lines_of(pdf))


@pytest.fixture
def reported(guide_initiative: Any, secretariat: Any, members: dict[str, Any]) -> Initiative:
    """The guide's initiative with a budget, an SSU question (unanswered), the five standard questions
    answered, a result and a recommendation, reported to the SSU."""
    services.budget_line_add(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        activity="Sundhedsguider",
        hours="2000",
        hourly_rate="600",
    )
    services.budget_line_add(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        activity="Projektleder",
        hours="962",
        annual_salary="577200",
        annual_norm_hours=1924,
    )
    services.question_add(
        actor=secretariat,
        initiative=guide_initiative,
        question="Hvordan oplever borgerne tilbuddet?",
        added_by="ssu",
    )
    assert guide_initiative.status == "running"  # approved and started by the fixture, with costs
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="completed")
    services.evaluation_save(
        actor=secretariat,
        initiative=guide_initiative,
        answers={q.pk: ANSWERS[q.standard] for q in guide_initiative.questions.all() if q.standard},
        result=Initiative.Result.PARTLY,
        result_summary="12 % flere borgere deltog.",
        recommend_spread=True,
        spread_note="Kan bruges i klynger med et sundhedscenter.",
    )
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="evaluated")
    services.initiative_status_set(
        actor=secretariat, initiative=guide_initiative, status="reported", reported_on=D(2024, 3, 12)
    )
    return Initiative.objects.get(pk=guide_initiative.pk)


def test_the_ssu_report_states_the_initiative_budget_costs_flows_and_evaluation(reported: Initiative) -> None:
    text = text_of(ssu_report_pdf(reported, compress=False))
    for expected in [
        "Afrapportering til SSU: Sundhedsfremme og forebyggelse",
        "Sundhedsklynge (guidens eksempel)",
        "Region Hovedstaden",
        "4.62.88 Sundhedsfremme og forebyggelse",
        "1. januar 2023 - 31. december 2023",
        "Afrapporteret til SSU",  # the status
        "Ligeligt",
        # budget: 2000 h × 600 kr. and 962 h × 577.200 kr. / 1924 h, and their sum
        "600,00 pr. time",
        "årsløn 577.200,00 / 1924 t",
        "1.200.000,00",
        "288.600,00",
        "1.488.600,00",
        # actual costs and the money flow of the guide's example
        "3.000.000,00",
        "Nettoramme-påvirkning",
        "2.000.000,00",
        "Frederiksberg betaler 1.000.000,00 kr. til København",
        # the evaluation plan in order, with who added the question
        "1. Hvilken udfordring adresserer indsatsen?",
        ANSWERS["criteria"],
        "Standardspørgsmål fra vejledningen",
        "6. Hvordan oplever borgerne tilbuddet?",
        "Tilføjet af SSU",
        "Ikke besvaret endnu",
        # result, recommendation, date of the report
        "Delvist nået",
        "12 % flere borgere deltog.",
        "Kan bruges i klynger med et sundhedscenter.",
        "12. marts 2024",
    ]:
        assert expected in text, expected
    assert text.index(ANSWERS["challenge"]) < text.index(ANSWERS["responsible"]) < text.index("6. Hvordan")


def test_the_ssu_report_of_a_percentage_key_gives_each_payers_share(
    secretariat: Any, health_cluster: Any, members: dict[str, Any], start: Callable[..., Any]
) -> None:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Fælles akutteam",
        function_code="4.62.88",
        key_type="percent",
        starts_on=D(2024, 1, 1),
        ends_on=D(2025, 12, 31),
        parties=[
            services.Party(members["1084"], executes=True, percent="62.5"),
            services.Party(members["101"], percent="25"),
            services.Party(members["147"], percent="12.5"),
        ],
    )
    initiative = start(initiative)
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["1084"], year=2024, amount="400000"
    )
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["1084"], year=2025, amount="200000"
    )
    text = text_of(ssu_report_pdf(initiative, compress=False))
    for expected in [
        "Faste procenter",
        "62,5 %",
        "25 %",
        "12,5 %",
        "400.000,00",
        "200.000,00",
        "600.000,00",  # the costs in total
        "København betaler 150.000,00 kr. til Region Hovedstaden",  # 25 % of 600.000
        "Ikke vurderet",
    ]:
        assert expected in text, expected


def test_an_initiative_without_costs_or_answers_still_gives_a_report(
    secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Ny indsats uden tal",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31),
        parties=[services.Party(members["101"], executes=True)],
    )
    pdf = ssu_report_pdf(initiative, compress=False)
    text = text_of(pdf)
    assert text.count("Ikke besvaret endnu") == 5
    for expected in [
        "Ny indsats uden tal",
        "Der er ingen budgetlinjer.",
        "Der er endnu ikke registreret faktiske udgifter.",
        "Der er endnu ingen faktiske udgifter at afregne.",
        "Ikke afrapporteret endnu",
    ]:
        assert expected in text, expected
    assert ssu_report_pdf(initiative).startswith(b"%PDF")


def test_the_ssu_report_takes_a_fixed_number_of_queries(
    reported: Initiative, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        ssu_report_pdf(reported)


def test_the_annual_report_takes_as_many_queries_with_two_initiatives_as_with_one(
    reported: Initiative,
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    start: Callable[..., Any],
) -> None:
    with CaptureQueriesContext(connection) as one:
        annual_report_pdf(health_cluster, 2023)
    second = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Anden indsats",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[services.Party(members["147"], executes=True), services.Party(members["101"])],
    )
    second = start(second)
    services.cost_set(actor=secretariat, initiative=second, executor=members["147"], year=2023, amount="1000")
    with CaptureQueriesContext(connection) as two:
        text = text_of(annual_report_pdf(health_cluster, 2023, compress=False))
    assert "Anden indsats" in text
    assert len(two) == len(one)


def test_the_annual_report_gives_each_members_figures_flows_initiatives_and_recommendations(
    reported: Initiative, secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    for code, amount in (("1084", "1250000"), ("101", "1100000"), ("147", "1300000")):
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount=amount)
    text = text_of(annual_report_pdf(health_cluster, 2023, compress=False))
    for expected in [
        "Årsrapport 2023: Sundhedsklynge (guidens eksempel)",
        "Regionsrådsmedlem",
        "Borgmester",
        "Region Hovedstaden, København, Frederiksberg",
        # funds; a third each of the budget (1.488.600) and of the costs (3.000.000); what is left
        "1.250.000,00",
        "496.200,00",
        "1.000.000,00",
        "250.000,00",
        "100.000,00",
        "300.000,00",
        "3.650.000,00",  # the funds in total
        # the year's money flow
        "Nettoramme-påvirkning",
        "Frederiksberg betaler 1.000.000,00 kr. til København",
        # the initiative in short
        "Sundhedsfremme og forebyggelse",
        "status: Afrapporteret til SSU; budget 2023: 1.488.600,00 kr.; forbrug 2023: 3.000.000,00 kr.",
        ANSWERS["measure"],
        "1 af 6 spørgsmål er ikke besvaret endnu.",
        "Resultat: Delvist nået.",
        "Anbefalet til udbredelse i andre klynger",
        "- Sundhedsfremme og forebyggelse: Kan bruges i klynger med et sundhedscenter.",
    ]:
        assert expected in text, expected
    assert "Overskredet" not in text


def test_the_annual_report_marks_a_member_whose_share_exceeds_its_funds(
    reported: Initiative, secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    for code, amount in (("1084", "1250000"), ("101", "1100000"), ("147", "600000")):
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount=amount)
    lines = lines_of(annual_report_pdf(health_cluster, 2023, compress=False))
    assert "-400.000,00" in lines  # Frederiksberg: 600.000 - 1.000.000
    assert lines.count("Overskredet") == 1  # one member's row (the note below starts "Overskredet:")


def test_the_annual_report_of_a_year_without_initiatives_is_a_valid_pdf(
    reported: Initiative, health_cluster: Any
) -> None:
    text = text_of(annual_report_pdf(health_cluster, 2030, compress=False))
    for expected in [
        "Ingen indsatser i 2030.",
        "Der er ingen faktiske udgifter i 2030.",
        "Ingen indsatser er anbefalet til udbredelse.",
    ]:
        assert expected in text, expected
    assert "Overskredet" not in text
    assert annual_report_pdf(health_cluster, 2030).startswith(b"%PDF")
