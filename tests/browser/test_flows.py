"""Whole flows in a real browser: a coordinator registers and completes a cluster; the region sees it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_coordinator_completes_the_cluster_and_the_region_sees_it_completed(
    page: Page,
    live_server: Any,
    log_in: Callable[[str], None],
    make_cluster: Callable[..., Any],
    officer: Any,
    with_password: Callable[[Any], Any],
    write_pdf: Callable[[str], Path],
) -> None:
    cluster = make_cluster("Klynge Nord")
    other = make_cluster("Klynge Syd")
    coordinator = with_password(cluster.role_assignments.get(role="coordinator").user)
    other_coordinator = with_password(other.role_assignments.get(role="coordinator").user)
    with_password(officer)
    cluster_url = f"/klynger/{cluster.pk}/"

    # The coordinator lands on the inbox (#13), goes to the cluster page and adds a practice.
    log_in(coordinator.username)
    expect(page).to_have_url(live_server.url + "/")
    page.get_by_role("link", name="Min klynge").click()
    expect(page).to_have_url(live_server.url + cluster_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Klynge Nord")
    page.get_by_role("link", name="Tilføj praksis").first.click()
    page.get_by_label("Ydernummer").fill("123456")
    page.get_by_label("Praksissens navn").fill("Lægerne i Skagen")
    page.get_by_label("Lægekapaciteter").fill("2")
    page.get_by_label("Indtrådt").fill("2019-03-01")
    page.get_by_role("button", name="Tilføj praksis").click()
    expect(page.get_by_role("status")).to_contain_text("Lægerne i Skagen (123456) er tilmeldt klyngen")
    practices = page.get_by_role("region", name="Praksis", exact=True)
    expect(practices.get_by_role("row", name="Lægerne i Skagen")).to_contain_text("123456")

    # It uploads every document the region requires.
    required = list(cluster.region.required_documents.order_by("name"))
    assert required
    for doc_type in required:
        page.get_by_role("link", name="Upload dokument").first.click()
        page.get_by_label("Dokumenttype").select_option(label=doc_type.name)
        page.get_by_label("Fil").set_input_files(write_pdf(f"{doc_type.code}.pdf"))
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(f"{doc_type.name} er uploadet")

    # The completion page: confirm all practices registered, then complete.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Færdigmeld klyngen").click()
    complete = page.get_by_role("button", name="Færdigmeld klyngen")
    expect(complete).to_be_disabled()
    expect(page.locator("#checklist")).to_contain_text("Bekræft, at alle klyngens praksis er registreret.")
    page.get_by_label("Jeg bekræfter, at alle klyngens praksis er registreret").check()
    page.get_by_role("button", name="Gem bekræftelsen").click()
    expect(complete).to_be_enabled()
    complete.click()
    expect(page.get_by_role("status")).to_contain_text("Klyngen er færdigmeldt")
    expect(page.locator(".badge")).to_have_text("Færdigmeldt")

    # The region officer sees it completed in the list, and can narrow the list as they type (htmx).
    page.get_by_role("button", name="Log af").click()
    log_in("officer")
    page.goto("/klynger/")
    row = page.get_by_role("row", name="Klynge Nord")
    expect(row).to_contain_text("Færdigmeldt")
    expect(page.get_by_role("row", name="Klynge Syd")).to_contain_text("Under oprettelse")
    page.get_by_label("Søg").fill("123456")
    expect(page.locator("#cluster-count")).to_have_text("1 klynge")
    expect(page.get_by_role("row", name="Klynge Syd")).to_have_count(0)
    assert "q=123456" in page.url

    # Another coordinator cannot open it.
    page.get_by_role("button", name="Log af").click()
    log_in(other_coordinator.username)
    response = page.goto(cluster_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")


def test_the_deregistration_page_shows_the_consequence_as_the_date_is_chosen(
    page: Page,
    log_in: Callable[[str], None],
    make_cluster: Callable[..., Any],
    with_password: Callable[[Any], Any],
) -> None:
    import datetime as dt

    from klynge.registry import services

    cluster = make_cluster("Klynge Nord")
    coordinator = with_password(cluster.role_assignments.get(role="coordinator").user)
    membership = services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="100001",
        name="Praksis Nord",
        capacities=2,
        joined=dt.date(2019, 6, 1),
    )
    log_in(coordinator.username)
    page.goto(f"/klynger/{cluster.pk}/medlemskaber/{membership.pk}/udmeld/")
    page.get_by_label("Udtrådt").fill("2020-04-01")
    page.get_by_label("Udtrådt").dispatch_event("change")
    preview = page.locator("#consequence-preview")
    expect(preview).to_contain_text("i alt 20.000,00 kr.")
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekræft udmelding")
    page.get_by_role("button", name="Bekræft udmelding").click()
    expect(page.get_by_role("status")).to_contain_text("er udmeldt fra 1. april 2020")
    membership.refresh_from_db()
    assert membership.left == dt.date(2020, 4, 1)
