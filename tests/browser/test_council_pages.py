"""#11 in a browser: an administrator prepares a health council with a mistake, fixes it, sees what
moves, and a second administrator approves it; axe finds no serious problem at 1280 and 390 px, and at
390 px the pages do not scroll sideways (tables scroll inside their box)."""

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


def test_two_administrators_prepare_and_approve_a_health_council(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    with_password: Callable[[Any], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from klynge.health import services
    from klynge.health.models import CouncilDraft, Municipality
    from klynge.registry.models import Region

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: dt.date(2026, 12, 6))
    first = with_password(make_user("admin", username="admin-1"))
    with_password(make_user("admin", username="admin-2"))
    cluster = services.cluster_create(
        actor=first,
        external_id="SK-BYEN",
        name="Sundhedsklynge Byen",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code=c) for c in ("101", "147")],
    )
    members = services.members_by_code(cluster)
    initiative = services.initiative_save(
        actor=first,
        cluster=cluster,
        title="Forebyggelse i nærmiljøet",
        function_code="4.62.88",
        key_type="equal",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2028, 12, 31),
        parties=[services.Party(members["101"], executes=True), services.Party(members["147"])],
    )
    for status in ("approved", "running"):
        services.initiative_status_set(actor=first, initiative=initiative, status=status)

    log_in("admin-1")
    page.goto("/sundhedsklynger/")
    page.get_by_role("link", name="Sundhedsråd: forbered og godkend").click()
    axe("council drafts")
    page.get_by_role("link", name="Forbered et sundhedsråd").click()
    page.get_by_label("Sundhedsklynge Byen (Region Hovedstaden)").check()
    page.get_by_label("Region", exact=True).select_option("1084")
    page.get_by_label("København (101)").check()
    page.get_by_label("Frederiksberg (147)").check()
    page.get_by_label("Navn").fill("Sundhedsråd Byen")
    page.get_by_label("Id", exact=True).fill("SR-BYEN")
    page.get_by_label("Første dag").fill("2027-03-01")
    page.get_by_role("button", name="Forbered sundhedsrådet").click()
    expect(page.locator(".alert-error")).to_contain_text("1. januar 2028")
    axe("council form with errors")
    page.get_by_label("Første dag").fill("2027-01-01")
    page.get_by_role("button", name="Forbered sundhedsrådet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sundhedsklynge Byen bliver til Sundhedsråd Byen"
    )
    expect(page.get_by_text("Intet står i vejen for sundhedsrådet.")).to_be_visible()
    axe("council draft")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits_390(page)
    axe("council draft at 390 px")
    url = page.url

    log_in("admin-2")
    page.goto(url)
    page.get_by_role("button", name="Godkend sundhedsrådet").click()
    expect(page.get_by_text("Sundhedsrådet er godkendt. Det oprettes 1. januar 2027.")).to_be_visible()
    _fits_390(page)
    axe("approved council at 390 px")
    draft = CouncilDraft.objects.get()
    assert (draft.status, draft.approved_by.username, draft.prepared_by.username) == (
        "approved",
        "admin-2",
        "admin-1",
    )
