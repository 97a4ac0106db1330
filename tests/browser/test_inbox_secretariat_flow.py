"""The health-cluster secretariat's inbox in a real browser (#13): an initiative that ran last year
and has no actual costs for it is waiting in the inbox; the secretariat follows the link, records the
cost on the initiative's page, and the item is gone. axe at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_secretariat_goes_from_missing_costs_to_recording_them(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    admin_user: Any,
) -> None:
    from klynge.health import services
    from klynge.health.models import ActualCost, Municipality
    from klynge.registry.models import Region

    cluster = services.cluster_create(
        actor=admin_user,
        external_id="SK-S",
        name="Sundhedsklynge S",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101")],
    )
    member = cluster.members.get(municipality__code="101")
    last_year = timezone.localdate().year - 1
    initiative = services.initiative_save(
        actor=admin_user,
        cluster=cluster,
        title="Faldforebyggelse",
        function_code="4.62.88",
        key_type="equal",
        starts_on=dt.date(last_year, 1, 1),
        ends_on=dt.date(last_year + 1, 12, 31),
        parties=[services.Party(member, executes=True)],
    )
    for status in ("approved", "running"):  # through the service, as the secretariat would
        initiative = services.initiative_status_set(actor=admin_user, initiative=initiative, status=status)
    make_user("health_secretariat", username="sekretariat-s", health_cluster=cluster)
    log_in("sekretariat-s")
    axe("secretariat's inbox, 1280 px")
    page.set_viewport_size({"width": 390, "height": 844})
    axe("secretariat's inbox, 390 px")
    page.get_by_role("link", name=f"Faldforebyggelse mangler de faktiske udgifter for {last_year}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Faldforebyggelse")
    page.locator("summary", has_text="Skriv faktisk udgift").click()
    page.locator("#id_udgift-member").select_option(str(member.pk))
    page.locator("#id_udgift-year").fill(str(last_year))
    page.locator("#id_udgift-amount").fill("12500,00")
    page.get_by_role("button", name="Gem udgiften").click()
    expect(page.get_by_text(f"{last_year} er sat til")).to_be_visible()
    assert ActualCost.objects.get(initiative=initiative, year=last_year).amount == 12500
    axe("initiative page after the cost, 390 px")
    page.goto("/")
    expect(page.get_by_text("mangler de faktiske udgifter")).to_have_count(0)
