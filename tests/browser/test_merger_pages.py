"""#11 in a browser: an administrator creates the successor's page, prepares a merger with a mistake,
fixes it, and a second administrator approves it; axe finds no serious problem at 1280 and 390 px, and
at 390 px the page does not scroll sideways (tables scroll inside their box)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fits_390(page: Page) -> None:
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide


def test_two_administrators_prepare_and_approve_a_merger(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    with_password: Callable[[Any], Any],
) -> None:
    from klynge.payouts.models import RegionMerger
    from klynge.registry.models import GpCluster, Region

    GpCluster.objects.create(
        name="Klynge Amager",
        region=Region.objects.get(code="1084"),
        external_id="H1",
        founded_on=dt.date(2025, 1, 1),
    )
    with_password(make_user("admin", username="admin-1"))
    with_password(make_user("admin", username="admin-2"))

    log_in("admin-1")
    page.goto("/regioner/opret/")
    axe("create region")
    page.goto("/regioner/")
    axe("regions in force")
    page.get_by_role("link", name="Sammenlægninger").click()
    page.get_by_role("link", name="Forbered en sammenlægning").click()
    page.get_by_label("Region Hovedstaden").check()
    page.get_by_label("Efterfølgerens regionskode").fill("1086")
    page.get_by_label("Efterfølgerens navn").fill("Region Østdanmark")
    page.get_by_label("Sammenlægningens dato").fill("2027-01-01")
    page.get_by_role("button", name="Forbered sammenlægningen").click()
    expect(page.locator(".alert-error")).to_contain_text("mindst to")
    axe("merger form with errors")
    page.get_by_label("Region Sjælland").check()
    page.get_by_role("button", name="Forbered sammenlægningen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Region Hovedstaden + Region Sjælland bliver til Region Østdanmark"
    )
    axe("merger draft")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits_390(page)
    axe("merger draft at 390 px")
    url = page.url

    log_in("admin-2")
    page.goto(url)
    page.get_by_role("button", name="Godkend sammenlægningen").click()
    expect(page.get_by_text("Sammenlægningen er godkendt. Den gennemføres 1. januar 2027.")).to_be_visible()
    _fits_390(page)
    merger = RegionMerger.objects.get()
    assert (merger.status, merger.approved_by.username) == ("approved", "admin-2")
