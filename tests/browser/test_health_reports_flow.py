"""A health cluster's money flows, reports and the catalogue in a real browser: the secretariat filters
the money-flow table (htmx), posts the year's settlement, and anyone finds the evaluated initiative in
the catalogue. Every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def evaluated(admin_user: Any) -> Any:
    """The guide's example, evaluated and recommended for spreading."""
    from klynge.health import services
    from klynge.health.models import ChartFunction, Municipality
    from klynge.registry.models import Region

    cluster = services.cluster_create(
        actor=admin_user,
        external_id="SK-EKS",
        name="Sundhedsklynge Eksempel",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101"), Municipality.objects.get(code="147")],
    )
    members = {m.code: m for m in cluster.members.select_related("municipality", "region")}
    services.chart_function_regional_set(  # the region posts on a regional function (a test value)
        actor=admin_user, function=ChartFunction.objects.get(code="4.62.88"), regional_code="9.99.99"
    )
    initiative = services.initiative_save(
        actor=admin_user,
        cluster=cluster,
        title="Sundhedsfremme og forebyggelse",
        theme="Forebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2023, 12, 31),
        parties=[
            services.Party(members["1084"], pays=True),
            services.Party(members["101"], executes=True, pays=True),
            services.Party(members["147"], pays=True),
        ],
    )
    for status in ("approved", "running"):  # costs only once approved and running (#13)
        services.initiative_status_set(actor=admin_user, initiative=initiative, status=status)
    services.cost_set(
        actor=admin_user, initiative=initiative, executor=members["101"], year=2023, amount="3000000.00"
    )
    services.initiative_status_set(actor=admin_user, initiative=initiative, status="completed")
    services.evaluation_save(
        actor=admin_user,
        initiative=initiative,
        answers={q.pk: "Flere borgere i forebyggende forløb" for q in initiative.questions.all()},
        result="achieved",
        result_summary="Målet blev nået.",
        recommend_spread=True,
    )
    services.initiative_status_set(actor=admin_user, initiative=initiative, status="evaluated")
    return cluster


def test_money_flows_reports_posting_and_the_catalogue(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    evaluated: Any,
    with_password: Callable[[Any], Any],
) -> None:
    secretariat = with_password(make_user("health_secretariat", health_cluster=evaluated))
    log_in(secretariat.username)
    page.goto(f"/sundhedsklynger/{evaluated.pk}/")
    page.get_by_role("link", name="Pengestrømme (tabel)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pengestrømme")
    table = page.locator("#money-flow-table")
    expect(table.get_by_role("row", name="Nettoramme-påvirkning")).to_contain_text("1.000.000,00 kr.")
    expect(page.locator("svg.money-flow-picture")).to_be_visible()
    axe("money-flow page")
    page.locator("#id_aar").select_option("2023")
    expect(page).to_have_url(re.compile(r"pengestroemme/\?aar=2023"))
    expect(page.get_by_role("heading", name="2023")).to_be_visible()
    expect(table.get_by_role("row", name="Indtægt")).to_contain_text("2.000.000,00 kr.")

    page.goto(f"/sundhedsklynger/{evaluated.pk}/rapporter/")
    axe("reports page")
    page.get_by_role("button", name="Bogfør afregningen for 2023").click()
    expect(page.get_by_role("status")).to_contain_text("bogført som bilag 1")
    expect(page.get_by_text("Bogført som bilag 1").first).to_be_visible()
    axe("reports page after posting")

    page.goto("/sundhedsklynger/katalog/")
    expect(page.get_by_text("Sundhedsfremme og forebyggelse").first).to_be_visible()
    axe("catalogue")
    page.get_by_role("link", name="Sundhedsfremme og forebyggelse").first.click()
    expect(page.get_by_text("Flere borgere i forebyggende forløb").first).to_be_visible()
    axe("catalogue entry")
