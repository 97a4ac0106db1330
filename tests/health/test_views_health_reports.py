"""The money-flow page, its files and the reports page: who sees what, the filter's refusals, and the
secretariat posting a year's settlement (a reader may not)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from klynge.health.models import SettlementPosting
from klynge.ledger.models import JournalEntry

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ssu_reader(make_user: Callable[..., Any], health_cluster: Any) -> Any:
    return make_user("ssu_reader", username="ssu", region=health_cluster.region)


def test_the_money_flow_page_shows_the_guides_table_and_picture(
    guide_initiative: Any, health_cluster: Any, secretariat: Any
) -> None:
    page = login(secretariat).get(reverse("health_money_flow", args=[health_cluster.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nettoramme-påvirkning" in html and html.count("1.000.000,00") >= 6 and "2.000.000,00" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    cluster_page = (
        login(secretariat).get(reverse("health_cluster_detail", args=[health_cluster.pk])).content.decode()
    )
    assert reverse("health_money_flow", args=[health_cluster.pk]) in cluster_page
    assert reverse("health_reports", args=[health_cluster.pk]) in cluster_page


def test_the_filter_narrows_the_table_answers_htmx_with_the_part_and_names_a_bad_field(
    guide_initiative: Any, health_cluster: Any, secretariat: Any
) -> None:
    client = login(secretariat)
    url = reverse("health_money_flow", args=[health_cluster.pk])
    empty_year = client.get(url, {"aar": str(timezone.localdate().year)}).content.decode()
    assert "2.000.000,00" not in empty_year and "ingen faktiske udgifter" in empty_year
    part = client.get(
        url, {"aar": "2023", "indsats": guide_initiative.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in part and "2.000.000,00" in part and "Sundhedsfremme og forebyggelse" in part
    wrong = client.get(url, {"aar": "1999"}).content.decode()
    assert "År: vælg en af mulighederne på listen." in wrong and "2.000.000,00" in wrong


def test_the_excel_file_follows_the_filter_and_a_finance_officer_sees_the_table_but_not_the_ledger(
    guide_initiative: Any, health_cluster: Any, secretariat: Any, finance: Callable[[str], Any]
) -> None:
    officer = login(finance("147"))
    xlsx = officer.get(reverse("health_money_flow_file", args=[health_cluster.pk, "xlsx"]), {"aar": "2023"})
    assert xlsx.status_code == 200 and "pengestroemme-SK-EKS-2023.xlsx" in xlsx["Content-Disposition"]
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert "2023" in str(sheet["A1"].value)
    pdf = officer.get(reverse("health_money_flow_file", args=[health_cluster.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert officer.get(reverse("health_money_flow_file", args=[health_cluster.pk, "exe"])).status_code == 404
    login(secretariat).post(reverse("health_settlement_post", args=[health_cluster.pk]), {"year": "2023"})
    assert officer.get(reverse("health_journal", args=[health_cluster.pk, "hledger"])).status_code == 404
    outsider = login(finance("851"))
    assert outsider.get(reverse("health_money_flow", args=[health_cluster.pk])).status_code == 404


def test_the_secretariat_posts_a_year_and_sees_it_a_reader_may_not(
    guide_initiative: Any, health_cluster: Any, secretariat: Any, ssu_reader: Any
) -> None:
    reports = reverse("health_reports", args=[health_cluster.pk])
    post = reverse("health_settlement_post", args=[health_cluster.pk])
    reader = login(ssu_reader)
    assert "Bogfør afregningen for 2023" not in reader.get(reports).content.decode()
    assert reader.post(post, {"year": "2023"}).status_code == 403
    assert not JournalEntry.objects.exists()
    client = login(secretariat)
    page = client.get(reports).content.decode()
    assert "Bogfør afregningen for 2023" in page
    assert reverse("health_annual_report_pdf", args=[health_cluster.pk, 2023]) in page
    assert reverse("health_ssu_report_pdf", args=[health_cluster.pk, guide_initiative.pk]) in page
    done = client.post(post, {"year": "2023"}, follow=True).content.decode()
    posted = SettlementPosting.objects.get(cluster=health_cluster, year=2023)
    assert f"bogført som bilag {posted.entry.voucher_number}" in done
    again = client.post(post, {"year": "2023"}, follow=True).content.decode()
    assert "allerede bogført" in again and JournalEntry.objects.count() == 1
    streamed = reader.get(reverse("health_journal", args=[health_cluster.pk, "hledger"]))
    journal = b"".join(streamed.streaming_content).decode()  # type: ignore[attr-defined]
    assert "HK-SK-EKS-1" in journal and "party:147" in journal
    nothing = client.post(post, {"year": "2022"}, follow=True).content.decode()
    assert "ingen faktiske udgifter i 2022" in nothing


def test_the_report_files_are_pdfs_for_readers_and_404_outside(
    guide_initiative: Any, health_cluster: Any, ssu_reader: Any, finance: Callable[[str], Any]
) -> None:
    reader = login(ssu_reader)
    annual = reader.get(reverse("health_annual_report_pdf", args=[health_cluster.pk, 2023]))
    ssu = reader.get(reverse("health_ssu_report_pdf", args=[health_cluster.pk, guide_initiative.pk]))
    assert annual.content.startswith(b"%PDF") and ssu.content.startswith(b"%PDF")
    assert reader.get(reverse("health_annual_report_pdf", args=[health_cluster.pk, 1990])).status_code == 404
    outsider = login(finance("851"))
    assert (
        outsider.get(
            reverse("health_ssu_report_pdf", args=[health_cluster.pk, guide_initiative.pk])
        ).status_code
        == 404
    )
