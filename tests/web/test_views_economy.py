"""The cluster's "Økonomi" page, the claim letter, the region's dashboard and their Excel downloads:
who may see them, and that they show the statement's figures and every amount in plain Danish."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format
from openpyxl import load_workbook

from klynge.core.money import format_dkk
from klynge.payouts import runs, statements
from klynge.payouts.models import PayoutRun, RepaymentClaim
from klynge.registry.models import GpCluster
from klynge.web.views import economy

D = dt.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def release_until(example: Any, region: Any, officer: Any, approver: Any, last: dt.date) -> list[Any]:
    done = []
    for expected in example["runs"]:
        day = D.fromisoformat(expected["date"])
        if day > last:
            break
        run = runs.run_prepare(actor=officer, region=region, run_date=day)
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
        done.append(expected)
    return done


def kr(amount: Decimal | str) -> str:
    return f"{format_dkk(Decimal(amount))} kr."


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], None]:
    """The pages as of a chosen day."""

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(economy, "today", lambda: day)

    return set_day


@pytest.fixture
def k1(example: Any) -> GpCluster:
    return GpCluster.objects.get(external_id="K1")


@pytest.fixture
def k1_coordinator(make_user: Callable[..., Any], k1: GpCluster) -> Any:
    return make_user("coordinator", username="k1coordinator", gp_cluster=k1)


@pytest.fixture
def k2_coordinator(make_user: Callable[..., Any], example: Any) -> Any:
    return make_user(
        "coordinator", username="k2coordinator", gp_cluster=GpCluster.objects.get(external_id="K2")
    )


@pytest.fixture
def until_claim(
    example: Any, region: Any, officer: Any, approver: Any, on: Callable[[dt.date], None]
) -> list[Any]:
    """The example's runs up to the claim of 2020-04-15 released; the pages as of 2020-04-20."""
    done = release_until(example, region, officer, approver, D(2020, 4, 15))
    on(D(2020, 4, 20))
    return done


def test_the_coordinator_sees_each_payout_explained_in_plain_danish(
    login: Callable[[Any], Client], k1: GpCluster, k1_coordinator: Any, until_claim: Any
) -> None:
    response = login(k1_coordinator).get(reverse("cluster_economy", args=[k1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # The 2020-01-15 run paid 100003's 2019 from 1 June: one line of the example, in words.
    assert "1 kapacitet × 1.000,00 kr. × 214/365 dage (1. juni–31. december 2019, praksis 100003)" in html
    assert "(Praksis kom med efter færdigmeldingen)" in html  # the rule in words, not its code (#13)
    assert "(A5)" not in html and "regel-A5" not in html
    assert "forventes på kontoen 29. januar–12. februar 2020".capitalize() in html
    for run in until_claim:
        for payout in run["payouts"]:
            if payout["cluster"] == "K1":
                assert kr(payout["amount"]) in html


def test_the_economy_page_shows_the_statements_figures(
    login: Callable[[Any], Client], k1: GpCluster, k1_coordinator: Any, until_claim: Any
) -> None:
    html = login(k1_coordinator).get(reverse("cluster_economy", args=[k1.pk])).content.decode()
    statement = statements.cluster_statement(k1, D(2020, 4, 20))
    table = html[html.index('id="statement-heading"') : html.index("</table>")]
    for row in statement.years:
        cells = re.search(rf"<th[^>]*>{row.year}</th>(.*?)</tr>", table, re.S)
        assert cells is not None
        assert re.findall(r"<td[^>]*>([^<]*)</td>", cells.group(1)) == [kr(a) for a in row.figures.amounts()]
    assert kr(statement.total.paid) in table


def test_a_claim_shows_reason_deadline_outstanding_and_its_letter(
    login: Callable[[Any], Client], k1: GpCluster, k1_coordinator: Any, officer: Any, until_claim: Any
) -> None:
    claim = RepaymentClaim.objects.get(cluster=k1)
    runs.repayment_record(actor=officer, claim=claim, amount="2500", received_on=D(2020, 4, 20))
    client = login(k1_coordinator)
    html = client.get(reverse("cluster_economy", args=[k1.pk])).content.decode()
    assert "opstartshonoraret skal derfor betales tilbage" in html
    assert f"Krav fra kørslen 15. april 2020: {kr('10000')}" in html
    assert date_format(claim.due_on, "DATE_FORMAT") in html
    assert kr("7500") in html  # outstanding after 2.500 repaid
    assert reverse("claim_letter", args=[claim.pk]) in html
    letter = client.get(reverse("claim_letter", args=[claim.pk]))
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF-")


def test_an_amount_to_be_netted_is_shown_with_the_next_run(
    login: Callable[[Any], Client], k1: GpCluster, k1_coordinator: Any, until_claim: Any
) -> None:
    carried = PayoutRun.objects.get(run_date=D(2020, 4, 15)).carried_forward.get(cluster=k1).amount
    html = login(k1_coordinator).get(reverse("cluster_economy", args=[k1.pk])).content.decode()
    assert "modregnes i næste udbetaling" in html
    assert kr(carried) in html
    assert "Næste kørsel vil udbetale" in html
    assert "En kørsel i dag vil ikke udbetale noget til klyngen." in html


def test_the_next_run_is_explained_the_same_way(
    login: Callable[[Any], Client], k1: GpCluster, officer: Any, example: Any, on: Callable[[dt.date], None]
) -> None:
    on(D(2019, 2, 15))
    html = login(officer).get(reverse("cluster_economy", args=[k1.pk])).content.decode()
    preview = runs.preview(GpCluster.objects.filter(pk=k1.pk), D(2019, 2, 15))
    payout = preview.payouts[0]
    assert payout.amount == Decimal(example["runs"][1]["payouts"][0]["amount"])
    assert f"vil udbetale <strong>{kr(payout.amount)}</strong>" in html
    assert "i opstartshonorar (praksis 100001 indtrådte 1. oktober 2018)" in html
    assert "Der er ikke udbetalt noget til klyngen endnu." in html


def test_the_excel_download_holds_the_statement(
    login: Callable[[Any], Client], k1: GpCluster, officer: Any, until_claim: Any
) -> None:
    response = login(officer).get(reverse("cluster_economy_xlsx", args=[k1.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "oekonomi-K1-2020-04-20.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    last = [c.value for c in sheet[sheet.max_row]]
    total = statements.cluster_statement(k1, D(2020, 4, 20)).total
    assert last[0] == "I alt"
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in last[1:]] == list(total.amounts())


@pytest.mark.parametrize("name", ["cluster_economy", "cluster_economy_xlsx"])
def test_the_economy_of_a_cluster_outside_ones_scope_answers_404(
    login: Callable[[Any], Client],
    k1: GpCluster,
    k2_coordinator: Any,
    foreign_officer: Any,
    name: str,
) -> None:
    for user in (k2_coordinator, foreign_officer):
        assert login(user).get(reverse(name, args=[k1.pk])).status_code == 404


def test_region_roles_and_admins_see_the_clusters_economy(
    login: Callable[[Any], Client], k1: GpCluster, officer: Any, approver: Any, admin_user: Any
) -> None:
    for user in (officer, approver, admin_user):
        assert login(user).get(reverse("cluster_economy", args=[k1.pk])).status_code == 200


def test_the_claim_letter_is_only_for_the_clusters_viewers_and_only_once_released(
    login: Callable[[Any], Client],
    k1: GpCluster,
    k1_coordinator: Any,
    k2_coordinator: Any,
    foreign_officer: Any,
    example: Any,
    region: Any,
    officer: Any,
    approver: Any,
) -> None:
    release_until(example, region, officer, approver, D(2020, 1, 15))
    draft = runs.run_prepare(actor=officer, region=region, run_date=D(2020, 4, 15))
    claim = RepaymentClaim.objects.get(run=draft)
    url = reverse("claim_letter", args=[claim.pk])
    assert login(k1_coordinator).get(url).status_code == 404  # a draft's claim is not sent yet
    runs.run_approve(actor=approver, run=draft)
    runs.run_release(actor=officer, run=draft)
    assert login(k1_coordinator).get(url).status_code == 200
    assert login(officer).get(url).status_code == 200
    for user in (k2_coordinator, foreign_officer):
        assert login(user).get(url).status_code == 404


def test_the_cluster_page_links_to_the_economy_page(
    login: Callable[[Any], Client], k1: GpCluster, k1_coordinator: Any
) -> None:
    html = login(k1_coordinator).get(reverse("cluster_detail", args=[k1.pk])).content.decode()
    assert reverse("cluster_economy", args=[k1.pk]) in html


# --- The region's dashboard ------------------------------------------------------------------------


def test_the_dashboard_shows_the_next_run_open_claims_and_the_overview(
    login: Callable[[Any], Client],
    region: Any,
    officer: Any,
    until_claim: Any,
    make_cluster: Callable[..., Any],
) -> None:
    waiting = make_cluster("Klynge Vest", founded_on=D(2020, 3, 1))
    response = login(officer).get(reverse("region_dashboard", args=[region.code]))
    assert response.status_code == 200
    html = response.content.decode()
    claim = RepaymentClaim.objects.get()
    assert reverse("claim_letter", args=[claim.pk]) in html
    assert "Overskredet" not in html  # due after 2020-04-20
    assert reverse("cluster_detail", args=[waiting.pk]) in html and "Klynge Vest" in html
    overview = statements.region_overview(region, D(2020, 4, 20))
    assert kr(overview.total.paid) in html and kr(overview.total.unsettled) in html
    assert reverse("region_dashboard_xlsx", args=[region.code]) in html
    assert reverse("run_list", args=[region.code]) in html


def test_the_dashboard_marks_an_overdue_claim(
    login: Callable[[Any], Client], region: Any, officer: Any, until_claim: Any, on: Callable[[dt.date], None]
) -> None:
    claim = RepaymentClaim.objects.get()
    on(claim.due_on + dt.timedelta(days=1))
    html = login(officer).get(reverse("region_dashboard", args=[region.code])).content.decode()
    assert "Overskredet" in html


def test_the_dashboards_chart_data_and_table_hold_the_released_runs(
    login: Callable[[Any], Client], region: Any, approver: Any, until_claim: Any
) -> None:
    html = login(approver).get(reverse("region_dashboard", args=[region.code])).content.decode()
    found = re.search(r'<script id="payout-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    paid = [sum((Decimal(p["amount"]) for p in run["payouts"]), Decimal(0)) for run in until_claim]
    assert [Decimal(v) for v in data["datasets"][0]["data"]] == paid
    assert len(data["labels"]) == len(until_claim)
    assert 'role="img"' in html and 'aria-label="Søjlediagram over frigivne udbetalinger' in html
    assert 'id="payout-history"' in html
    table = html[html.index('id="payout-history"') :]
    for amount in paid:
        assert kr(amount) in table
    assert "chartjs/chart.umd.min.js" in html and "web/charts.js" in html


def test_the_dashboard_shows_the_open_run(
    login: Callable[[Any], Client], region: Any, officer: Any, example: Any, on: Callable[[dt.date], None]
) -> None:
    on(D(2018, 12, 10))
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    html = login(officer).get(reverse("region_dashboard", args=[region.code])).content.decode()
    assert reverse("run_detail", args=[run.pk]) in html
    assert "Regionen har ingen frigivne kørsler endnu." in html


def test_what_the_next_run_would_pay_is_on_the_dashboard(
    login: Callable[[Any], Client], region: Any, officer: Any, example: Any, on: Callable[[dt.date], None]
) -> None:
    on(D(2019, 2, 15))
    html = login(officer).get(reverse("region_dashboard", args=[region.code])).content.decode()
    # Nothing released: a run on 2019-02-15 pays both example runs so far.
    total = sum((Decimal(p["amount"]) for run in example["runs"][:2] for p in run["payouts"]), Decimal(0))
    assert f"2 udbetalinger, i alt {kr(total)}" in html


def test_the_dashboard_excel_holds_the_overview(
    login: Callable[[Any], Client], region: Any, officer: Any, until_claim: Any
) -> None:
    response = login(officer).get(reverse("region_dashboard_xlsx", args=[region.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    names = [sheet.cell(row=r, column=1).value for r in range(4, sheet.max_row + 1)]
    assert names == ["Klynge Nord", "Klynge Syd", "I alt"]


@pytest.mark.parametrize("name", ["region_dashboard", "region_dashboard_xlsx"])
def test_the_dashboard_is_not_for_coordinators_or_other_regions(
    login: Callable[[Any], Client], region: Any, k1_coordinator: Any, foreign_officer: Any, name: str
) -> None:
    for user in (k1_coordinator, foreign_officer):
        assert login(user).get(reverse(name, args=[region.code])).status_code == 404


def test_the_navigation_leads_to_the_dashboard_and_the_economy_page(
    login: Callable[[Any], Client], region: Any, k1: GpCluster, officer: Any, k1_coordinator: Any
) -> None:
    html = login(officer).get(reverse("cluster_list")).content.decode()
    assert f'<a href="{reverse("region_dashboard", args=[region.code])}" class="nav-link"' in html
    html = login(k1_coordinator).get(reverse("cluster_detail", args=[k1.pk])).content.decode()
    assert f'<a href="{reverse("cluster_economy", args=[k1.pk])}" class="nav-link"' in html


def test_a_cluster_not_yet_completed_has_an_empty_statement_and_no_next_run(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, member: Any
) -> None:
    response = login(coordinator).get(reverse("cluster_economy", args=[cluster.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Klyngen har endnu ikke ret til midler" in html
    assert "Næste kørsel vil udbetale" not in html
    assert "Der er ikke udbetalt noget til klyngen endnu." in html
