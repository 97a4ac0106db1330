"""Issue #9 §4/§5 on every path a refusal can arrive by (the health clusters have web forms and the CSV
import; no API and no command line that changes them): a posted year's facts, a carry-over no longer
covered, a year not ended, a region without its regional function; and the correction pages
(reversal asked, approved by a second person; a carry-over withdrawn by its confirmer)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klynge.health import services
from klynge.health.models import ActualCost, CarryOver, CommonFund, Initiative, Population, SettlementPosting

pytestmark = pytest.mark.django_db

D = dt.date
M = Decimal
FROZEN = "afregningen for 2023 er bogført (bilag 1), så de tal, den er beregnet af, er låst"


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def posted(guide_initiative: Any, secretariat: Any, health_cluster: Any, members: dict[str, Any]) -> Any:
    for code in ("1084", "101", "147"):
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount="1500000")
    return services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)


def cost_csv(initiative: Initiative, year: int, amount: str) -> bytes:
    return f"initiativ;udfoerende;aar;beloeb\n{initiative.pk};101;{year};{amount}\n".encode()


def upload(client: Client, cluster: Any, raw: bytes, *, dry_run: bool) -> str:
    data: dict[str, Any] = {"file": SimpleUploadedFile("udgifter.csv", raw, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return text(client.post(reverse("health_cost_import", args=[cluster.pk]), data))


def test_every_form_refuses_a_posted_years_facts_and_says_how_to_correct(
    posted: Any,
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
    finance: Callable[[str], Any],
) -> None:
    client = login(secretariat)
    pk, m101 = health_cluster.pk, members["101"].pk
    pages = {
        "Indbyggere": client.post(
            reverse("health_population_set", args=[pk]),
            {"befolkning-member": m101, "befolkning-year": 2023, "befolkning-count": 5},
        ),
        "Fælles midler": client.post(
            reverse("health_funds_set", args=[pk]),
            {"midler-member": m101, "midler-year": 2023, "midler-amount": "1,00"},
        ),
        "Pulje": client.post(
            reverse("health_funds_distribute", args=[pk]),
            {"pulje-year": 2023, "pulje-pot": "3,00", "pulje-key_type": "equal"},
        ),
        "Faktiske udgifter": client.post(
            reverse("health_cost_set", args=[pk, guide_initiative.pk]),
            {"udgift-member": m101, "udgift-year": 2023, "udgift-amount": "1,00"},
        ),
        "Parter, fordelingsnøgle og funktion": client.post(
            reverse("health_initiative_edit", args=[pk, guide_initiative.pk]),
            {
                "title": guide_initiative.title,
                "function_code": "4.62.88",
                "key_type": "population",
                "starts_on": "2023-01-01",
                "ends_on": "2023-12-31",
                f"executes_{m101}": "on",
                **{f"pays_{m.pk}": "on" for m in members.values()},
            },
        ),
        "Videreførsel": login(finance("101")).post(
            reverse("health_carry_over", args=[m101]),
            {f"co-{m101}-from_year": 2023, f"co-{m101}-amount": "1,00"},
        ),
    }
    for label, response in pages.items():
        page = text(response)
        assert f"{label}: {FROZEN}" in page, label
        assert "tilbageføre bilaget under Rapporter og bogføring" in page, label
    for dry_run in (True, False):
        page = upload(client, health_cluster, cost_csv(guide_initiative, 2023, "1,00"), dry_run=dry_run)
        assert f"Linje 2, kolonne aar: Faktiske udgifter: {FROZEN}" in page
    assert Population.objects.filter(year=2023).count() == 0
    assert CommonFund.objects.get(member=members["101"], year=2023).amount == M("1500000.00")
    assert ActualCost.objects.get().amount == M("3000000.00") and not CarryOver.objects.exists()
    guide_initiative.refresh_from_db()
    assert guide_initiative.key_type == "equal"


def test_the_reversal_is_asked_approved_by_another_person_and_the_year_posted_again(
    posted: Any,
    login: Callable[[Any], Client],
    secretariat: Any,
    make_user: Callable[..., Any],
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
) -> None:
    url = reverse("health_settlement_reversal", args=[health_cluster.pk])
    reports = reverse("health_reports", args=[health_cluster.pk])
    client = login(secretariat)
    page = text(client.get(reports))
    assert "Ret 2023: tilbagefør bilaget" in page and "Bed om tilbageførsel" in page
    page = text(client.post(url, {"year": 2023, "action": "request", "reason": ""}, follow=True))
    assert "Begrundelse: skriv, hvad der skal rettes, og hvorfor." in page
    page = text(client.post(url, {"year": 2023, "action": "request", "reason": "Forkert beløb"}, follow=True))
    assert "Tilbageførsel bedt om af sekretariat: Forkert beløb" in page
    assert "En anden person fra sekretariatet eller en administrator skal godkende." in page
    page = text(client.post(url, {"year": 2023, "action": "approve"}, follow=True))
    assert "Godkendelse: du bad selv om tilbageførslen af 2023" in page
    assert SettlementPosting.objects.get().reversal_entry is None

    colleague = make_user("health_secretariat", username="kollega", health_cluster=health_cluster)
    other = login(colleague)
    assert "Godkend tilbageførslen af 2023" in text(other.get(reports))
    page = text(other.post(url, {"year": 2023, "action": "approve"}, follow=True))
    assert "Afregningen for 2023 er tilbageført; året er åbent igen" in page
    assert (
        "Bilag 1 tilbageført ved bilag 2 (Forkert beløb; bedt om af sekretariat, godkendt af kollega)" in page
    )
    client.post(
        reverse("health_cost_set", args=[health_cluster.pk, guide_initiative.pk]),
        {"udgift-member": members["101"].pk, "udgift-year": 2023, "udgift-amount": "2.999.999,99"},
    )
    page = text(
        client.post(reverse("health_settlement_post", args=[health_cluster.pk]), {"year": 2023}, follow=True)
    )
    assert "Afregningen for 2023 er bogført som bilag 3." in page
    assert ActualCost.objects.get().amount == M("2999999.99")


def test_a_reader_may_not_ask_for_a_reversal(
    posted: Any, login: Callable[[Any], Client], make_user: Callable[..., Any], health_cluster: Any
) -> None:
    reader = make_user("ssu_reader", username="ssu", region=health_cluster.region)
    response = login(reader).post(
        reverse("health_settlement_reversal", args=[health_cluster.pk]),
        {"year": 2023, "action": "request", "reason": "x"},
    )
    assert response.status_code == 403
    assert SettlementPosting.objects.get().reversal_requested_by is None


@pytest.fixture
def carried(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any], finance: Callable[[str], Any]
) -> tuple[Any, Any]:
    for code in ("1084", "101", "147"):
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount="1500000")
    officer = finance("101")
    carry = services.carry_over_confirm(actor=officer, member=members["101"], from_year=2023, amount="400000")
    return carry, officer


def test_every_path_refuses_a_change_that_leaves_less_than_was_carried(
    carried: tuple[Any, Any],
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
) -> None:
    client = login(secretariat)
    figures = "men 400.000,00 kr. er bekræftet videreført til 2024"
    page = text(
        client.post(
            reverse("health_funds_set", args=[health_cluster.pk]),
            {"midler-member": members["101"].pk, "midler-year": 2023, "midler-amount": "1.000.000,00"},
        )
    )
    assert (
        "Fælles midler: ændringen ville give København 0,00 kr. tilbage af 2023" in page and figures in page
    )
    page = text(
        client.post(
            reverse("health_cost_set", args=[health_cluster.pk, guide_initiative.pk]),
            {"udgift-member": members["101"].pk, "udgift-year": 2023, "udgift-amount": "3.300.000,03"},
        )
    )
    assert "Beløb: ændringen ville give København 399.999,99 kr. tilbage af 2023" in page and figures in page
    for dry_run in (True, False):
        page = upload(
            client, health_cluster, cost_csv(guide_initiative, 2023, "3.300.000,03"), dry_run=dry_run
        )
        assert "Linje 2, kolonne beloeb: Beløb: ændringen ville give København 399.999,99 kr." in page
    assert CommonFund.objects.get(member=members["101"], year=2023).amount == M("1500000.00")
    assert ActualCost.objects.get().amount == M("3000000.00")


def test_the_confirmer_withdraws_a_carry_over_on_the_finance_page(
    carried: tuple[Any, Any], login: Callable[[Any], Client], finance: Callable[[str], Any]
) -> None:
    carry, officer = carried
    url = reverse("health_carry_over_withdraw", args=[carry.pk])
    assert login(finance("101")).post(url, {"reason": "Fejl"}).status_code == 403
    client = login(officer)
    page = text(client.get(reverse("health_finance")))
    assert "Træk videreførslen tilbage" in page
    page = text(client.post(url, {"reason": ""}, follow=True))
    assert "Begrundelse: skriv, hvorfor videreførslen trækkes tilbage." in page
    page = text(client.post(url, {"reason": "Mindre råderum"}, follow=True))
    assert "Videreførslen af 400.000,00 kr. fra 2023 for København er trukket tilbage." in page
    assert f"Trukket tilbage af {officer.username}" in page and "Mindre råderum" in page
    carry.refresh_from_db()
    assert carry.withdrawn_by == officer


def test_the_finance_page_refuses_a_carry_over_out_of_a_year_not_ended(
    guide_initiative: Any,
    login: Callable[[Any], Client],
    finance: Callable[[str], Any],
    members: dict[str, Any],
) -> None:
    year, m101 = timezone.localdate().year, members["101"].pk
    page = text(
        login(finance("101")).post(
            reverse("health_carry_over", args=[m101]),
            {f"co-{m101}-from_year": year, f"co-{m101}-amount": "1,00"},
        )
    )
    assert f"Fra år: {year} er ikke slut endnu" in page and not CarryOver.objects.exists()


def test_posting_on_the_page_is_refused_while_the_regional_function_is_missing(
    login: Callable[[Any], Client], secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[services.Party(m, executes=m.code == "101") for m in members.values()],
    )
    for status in ("approved", "running"):  # costs only once approved and running (#13)
        initiative = services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["101"], year=2023, amount="3000"
    )
    client = login(secretariat)
    page = text(client.get(reverse("health_reports", args=[health_cluster.pk])))
    assert "Kan ikke bogføres: regional funktion mangler for 4.62.88" in page
    page = text(
        client.post(reverse("health_settlement_post", args=[health_cluster.pk]), {"year": 2023}, follow=True)
    )
    assert "Regional funktion: 4.62.88 har ingen regional funktionskode" in page
    assert not SettlementPosting.objects.exists()
