"""The inbox in a real browser (#13): each role follows a link on the first page after login to the
finished task; the page passes axe at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from klynge.payouts import runs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_approver_goes_from_the_inbox_to_the_run_and_approves_it(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    officer: Any,
    approver: Any,
    cluster: Any,
    region: Any,
    with_password: Callable[[Any], Any],
) -> None:
    with_password(approver)
    runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())
    log_in(approver.username)
    expect(page.get_by_role("heading", name="Regional godkender, Region Nordjylland")).to_be_visible()
    axe("approver's inbox, 1280 px")
    page.set_viewport_size({"width": 390, "height": 844})
    axe("approver's inbox, 390 px")
    page.get_by_role("link", name="venter på din godkendelse").click()
    page.get_by_role("button", name="Godkend kørslen").click()
    expect(page.get_by_text("Kørslen er godkendt og kan nu frigives.")).to_be_visible()
    page.goto("/")
    expect(page.get_by_text("Intet venter på dig her.")).to_be_visible()


def test_the_coordinator_goes_from_a_missing_item_to_the_completion_page(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    coordinator: Any,
    cluster: Any,
) -> None:
    log_in(coordinator.username)
    axe("coordinator's inbox")
    page.get_by_role("link", name="Bekræft, at alle klyngens praksis er registreret.").click()
    expect(page).to_have_url(f"{page.url.split('/klynger/')[0]}/klynger/{cluster.pk}/faerdigmeld/")
    page.get_by_label("Jeg bekræfter, at alle klyngens praksis er registreret").check()
    page.get_by_role("button", name="Gem bekræftelsen").click()
    page.goto("/")
    expect(page.get_by_role("link", name="Bekræft, at alle klyngens praksis er registreret.")).to_have_count(
        0
    )


def test_the_ssu_member_goes_from_a_new_report_to_the_initiative(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    admin_user: Any,
) -> None:
    import datetime as dt

    from klynge.health import services
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    region = Region.objects.get(code="1084")
    cluster = services.cluster_create(
        actor=admin_user,
        external_id="SK-B",
        name="Sundhedsklynge B",
        region=region,
        municipalities=[Municipality.objects.get(code="101")],
    )
    member = cluster.members.get(municipality__code="101")
    year = timezone.localdate().year
    initiative = services.initiative_save(
        actor=admin_user,
        cluster=cluster,
        title="Hjerterehabilitering",
        function_code="4.62.88",
        key_type="equal",
        starts_on=dt.date(year - 1, 1, 1),
        ends_on=dt.date(year - 1, 12, 31),
        parties=[services.Party(member, executes=True)],
    )
    type(initiative).objects.filter(pk=initiative.pk).update(
        status="reported", reported_on=timezone.localdate()
    )
    make_user("ssu_reader", username="ssu-b", region=region)
    log_in("ssu-b")
    axe("SSU member's inbox")
    page.get_by_role("link", name="Ny afrapportering: Hjerterehabilitering").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hjerterehabilitering")
    # The finished task: the SSU's decision on the report, recorded with the meeting's date.
    page.locator("summary", has_text="Registrér SSU's beslutning").click()
    page.locator("#id_ssu-decision").select_option("noted")
    page.locator("#id_ssu-meeting_date").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Registrér beslutningen").click()
    expect(page.get_by_text("SSU's beslutning fra mødet den")).to_be_visible()
    assert initiative.ssu_decisions.filter(decision="noted").exists()
    page.goto("/")
    expect(page.get_by_role("link", name="Ny afrapportering: Hjerterehabilitering")).to_have_count(0)


def test_the_finance_officer_goes_from_the_inbox_to_confirm_the_carry_over(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    admin_user: Any,
) -> None:
    from klynge.health import services
    from klynge.health.models import CarryOver, Municipality
    from klynge.registry.models import Region

    cluster = services.cluster_create(
        actor=admin_user,
        external_id="SK-F",
        name="Sundhedsklynge F",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="147")],
    )
    member = cluster.members.get(municipality__code="147")
    year = timezone.localdate().year - 1
    services.funds_set(actor=admin_user, member=member, year=year, amount="5000.00")
    make_user("finance_officer", username="finance-f", organisation_code="147")
    log_in("finance-f")
    axe("finance officer's inbox")
    page.get_by_role("link", name=f"Sundhedsklynge F: 5.000,00 kr. ubrugt fra {year}").click()
    page.locator("summary", has_text=f"Bekræft videreførsel for {member.name}").first.click()
    page.locator(f"#id_co-{member.pk}-from_year").fill(str(year))
    page.locator(f"#id_co-{member.pk}-amount").fill("5000,00")
    page.get_by_role("button", name="Bekræft videreførsel").first.click()
    expect(page.get_by_text("er bekræftet for").first).to_be_visible()
    assert CarryOver.objects.filter(member=member, from_year=year).exists()
    page.goto("/")
    expect(page.get_by_text("ubrugt fra")).to_have_count(0)


def test_the_region_officer_goes_from_the_inbox_to_release_the_approved_run(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    officer: Any,
    approver: Any,
    admin_user: Any,
    cluster: Any,
    region: Any,
    with_password: Callable[[Any], Any],
) -> None:
    from klynge.registry.demo import DEMO_IBAN
    from klynge.registry.services import region_update

    region_update(actor=admin_user, region=region, payment_iban=DEMO_IBAN, payment_bic="DABADKKK")
    run = runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())
    runs.run_approve(actor=approver, run=run)
    with_password(officer)
    log_in(officer.username)
    axe("officer's inbox, 1280 px")
    page.set_viewport_size({"width": 390, "height": 844})
    axe("officer's inbox, 390 px")
    page.get_by_role("link", name="er godkendt og venter på at blive frigivet").click()
    page.get_by_role("button", name="Frigiv og dan betalingsfil").click()
    expect(page.get_by_text("Betalingsfilen er klar, og koordinatorerne har fået besked.")).to_be_visible()
    run.refresh_from_db()
    assert run.status == "released"
    page.goto("/")
    expect(page.get_by_text("venter på at blive frigivet")).to_have_count(0)
