"""A health cluster in a real browser: the secretariat creates an initiative with budget and evaluation
plan and records actual costs; the finance officer of a paying municipality downloads its postings.
Every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def cluster(admin_user: Any) -> Any:
    from klynge.health import services
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    return services.cluster_create(
        actor=admin_user,
        external_id="SK-EKS",
        name="Sundhedsklynge Eksempel",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101"), Municipality.objects.get(code="147")],
    )


def test_an_initiative_with_budget_evaluation_plan_and_costs_then_postings_for_a_payer(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    cluster: Any,
    with_password: Callable[[Any], Any],
) -> None:
    secretariat = with_password(make_user("health_secretariat", health_cluster=cluster))
    finance = with_password(make_user("finance_officer", organisation_code="147"))

    log_in(secretariat.username)
    page.goto(f"/sundhedsklynger/{cluster.pk}/indsatser/ny/")
    axe("new initiative form")
    page.get_by_label("Titel").fill("Sundhedsfremme og forebyggelse")
    page.get_by_label("Tema").fill("Forebyggelse")
    page.get_by_label("Start").fill("2023-01-01")
    page.get_by_label("Slut").fill("2023-12-31")
    page.get_by_label("Fordelingsnøgle").select_option("equal")
    page.get_by_label("København: udfører").check()
    for name in ("Region Hovedstaden", "København", "Frederiksberg"):
        page.get_by_label(f"{name}: betaler").check()
    page.get_by_role("button", name="Opret indsatsen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sundhedsfremme og forebyggelse")
    expect(page.get_by_text("Hvad er succeskriterierne?").first).to_be_visible()

    page.locator("summary", has_text="Tilføj budgetlinje").click()
    budget = page.locator("form", has=page.get_by_role("button", name="Tilføj budgetlinje"))
    budget.get_by_label("Udførende part").select_option(label="København")
    budget.get_by_label("År", exact=True).fill("2023")
    budget.get_by_label("Aktivitet").fill("Projektleder")
    budget.get_by_label("Timer", exact=True).fill("100")
    budget.get_by_label("Timesats (kr.)").fill("500")
    budget.get_by_role("button", name="Tilføj budgetlinje").click()
    expect(page.get_by_text("50.000,00 kr.").first).to_be_visible()

    # actual costs only once approved and running (#13): the page says so, then the status buttons
    expect(page.locator("#cost-closed")).to_contain_text("indsatsen er en idé og er ikke godkendt")
    page.get_by_role("button", name="Godkend indsatsen").click()
    expect(page.get_by_role("status").first).to_contain_text("Indsatsen er nu: Godkendt.")
    page.get_by_role("button", name="Sæt i gang").click()
    expect(page.get_by_role("status").first).to_contain_text("Indsatsen er nu: I gang.")
    page.locator("summary", has_text="Skriv faktisk udgift").click()
    cost_form = page.locator("form", has=page.get_by_role("button", name="Gem udgiften"))
    cost_form.get_by_label("Udførende part").select_option(label="København")
    cost_form.get_by_label("År", exact=True).fill("2023")
    cost_form.get_by_label("Faktisk udgift (kr.)").fill("3.000.000,00")
    cost_form.get_by_role("button", name="Gem udgiften").click()
    expect(page.get_by_text("3.000.000,00 kr.").first).to_be_visible()

    evaluation = page.locator("form", has=page.get_by_role("button", name="Gem evalueringen"))
    evaluation.get_by_label("Hvad er succeskriterierne?").fill("Flere borgere i forebyggende forløb")
    evaluation.get_by_role("button", name="Gem evalueringen").click()
    expect(page.get_by_text("Flere borgere i forebyggende forløb").first).to_be_visible()
    axe("initiative with budget, costs and evaluation plan")

    from klynge.health.models import ActualCost, BudgetLine, EvaluationQuestion

    assert BudgetLine.objects.get().amount == 50000
    assert ActualCost.objects.get().amount == 3000000
    assert EvaluationQuestion.objects.get(standard="criteria").answer == "Flere borgere i forebyggende forløb"

    log_in(finance.username)
    page.goto("/oekonomi/")
    expect(page.get_by_text("Frederiksberg").first).to_be_visible()
    axe("finance officer's page")
    postings = page.get_by_role("link", name="Konteringer (CSV)").first
    with page.expect_download() as download:
        postings.click()
    rows = list(csv.reader(Path(download.value.path()).read_text("utf-8-sig").splitlines(), delimiter=";"))
    # Frederiksberg (147) books its third as a payment to København (101) on 4.62.88, kind 4.7.
    assert rows[1:] == [
        [
            "2023",
            "Frederiksberg",
            "147",
            "Sundhedsfremme og forebyggelse",
            "4.62.88",
            "4.7",
            "1000000,00",
            "København",
            "101",
            rows[1][9],
        ]
    ]
