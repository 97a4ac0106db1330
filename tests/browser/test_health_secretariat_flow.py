"""The secretariat's work in a real browser (#13): from the inbox to an idea waiting for the SSU, whose
decision is recorded with the meeting date; a running initiative cancelled with a reason; and another
cluster's secretariat adopting a catalogued initiative as a new idea with a link back. Every page
passes axe (WCAG 2.1 AA), at 390 px too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = dt.date


@pytest.fixture
def clusters(admin_user: Any) -> dict[str, Any]:
    """Hovedstaden's cluster with an idea, a running initiative and a reported one in the catalogue;
    and Nord, which will adopt the reported one."""
    from klynge.health import secretariat, services
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    home = services.cluster_create(
        actor=admin_user,
        external_id="SK-EKS",
        name="Sundhedsklynge Eksempel",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101"), Municipality.objects.get(code="147")],
    )
    nord = services.cluster_create(
        actor=admin_user,
        external_id="SK-NORD",
        name="Sundhedsklynge Nord",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code="851")],
    )
    members = list(home.members.all())

    def initiative(title: str) -> Any:
        return services.initiative_save(
            actor=admin_user,
            cluster=home,
            title=title,
            function_code="4.62.88",
            key_type="equal",
            starts_on=D(2023, 1, 1),
            ends_on=D(2023, 12, 31),
            parties=[services.Party(m, executes=m.code == "101") for m in members],
        )

    initiative("Rygestop i praksis")
    running = initiative("Fælles akutteam")
    done = initiative("Forebyggende hjemmebesøg")
    for target, steps in ((running, ("approved", "running")), (done, ("approved", "running"))):
        for status in steps:
            services.initiative_status_set(actor=admin_user, initiative=target, status=status)
    services.cost_set(actor=admin_user, initiative=done, executor=members[1], year=2023, amount="120000.00")
    services.initiative_status_set(actor=admin_user, initiative=done, status="completed")
    services.evaluation_save(
        actor=admin_user, initiative=done, answers={}, result="achieved", result_summary="Færre fald."
    )
    services.initiative_status_set(actor=admin_user, initiative=done, status="evaluated")
    services.initiative_status_set(
        actor=admin_user, initiative=done, status="reported", reported_on=D(2024, 3, 1)
    )
    secretariat.catalogue_facts_set(
        actor=admin_user,
        initiative=done,
        contact_name="Anne Berg",
        contact_email="anne@kk.dk",
        participants="400",
    )
    return {"home": home, "nord": nord, "done": done}


def test_decision_cancel_and_adopt(
    page: Page,
    log_in: Callable[[str], None],
    axe: Callable[[str], None],
    make_user: Callable[..., Any],
    with_password: Callable[[Any], Any],
    clusters: dict[str, Any],
) -> None:
    from klynge.health.models import Initiative

    home = clusters["home"]
    worker = with_password(make_user("health_secretariat", username="sek-eks", health_cluster=home))
    log_in(worker.username)
    page.goto("/")
    page.get_by_role("link", name="Rygestop i praksis venter på en beslutning i SSU").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rygestop i praksis")
    axe("idea page")

    # the SSU's decision, with the meeting's date
    meeting = timezone.localdate() - dt.timedelta(days=7)
    page.get_by_text("Registrér SSU's beslutning", exact=True).click()
    page.get_by_label("SSU's beslutning").select_option("approved")
    page.get_by_label("Mødedato").fill(meeting.isoformat())
    page.get_by_label("Bemærkning").fill("Godkendt på mødet.")
    page.get_by_role("button", name="Registrér beslutningen").click()
    expect(page.get_by_role("status").first).to_contain_text("er registreret: Godkendt")
    expect(page.locator("#ssu + div table")).to_contain_text("Godkendt på mødet.")
    expect(page.locator(".badge").first).to_have_text("Godkendt")
    axe("idea approved by the SSU")
    page.goto("/")
    expect(page.get_by_text("Rygestop i praksis venter på en beslutning i SSU")).to_have_count(0)

    # cancel a running initiative: first without a reason, then with one
    running = Initiative.objects.get(title="Fælles akutteam")
    page.goto(f"/sundhedsklynger/{home.pk}/indsatser/{running.pk}/")
    page.get_by_text("Aflys indsatsen", exact=True).first.click()
    page.get_by_role("button", name="Aflys indsatsen").click()
    expect(page.get_by_role("alert")).to_contain_text("Begrundelse: skal udfyldes.")
    axe("cancel refused")
    page.get_by_label("Begrundelse").fill("Regionen har selv oprettet et akutteam.")
    page.get_by_role("button", name="Aflys indsatsen").click()
    expect(page.get_by_role("status").first).to_contain_text("er aflyst")
    expect(page.get_by_text("Regionen har selv oprettet et akutteam.")).to_be_visible()
    expect(page.locator("#plan-locked")).to_contain_text("låst som historik")
    axe("cancelled initiative")

    # another cluster's secretariat adopts the catalogued initiative
    adopter = with_password(
        make_user("health_secretariat", username="sek-nord", health_cluster=clusters["nord"])
    )
    log_in(adopter.username)
    page.goto("/sundhedsklynger/katalog/")
    page.get_by_role("link", name="Forebyggende hjemmebesøg").first.click()
    expect(page.get_by_text("300,00 kr. pr. deltager (400 deltagere)")).to_be_visible()
    expect(page.get_by_text("Anne Berg")).to_be_visible()
    axe("catalogue entry with adopt")
    page.set_viewport_size({"width": 390, "height": 844})
    axe("catalogue entry at 390 px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Overtag som ny idé").click()
    expect(page.get_by_role("status").first).to_contain_text("er overtaget som ny idé i Sundhedsklynge Nord")
    expect(page).to_have_url(re.compile(rf"/sundhedsklynger/{clusters['nord'].pk}/indsatser/\d+/"))
    expect(page.get_by_role("link", name="Forebyggende hjemmebesøg")).to_be_visible()  # the link back
    axe("adopted idea")
    copy = Initiative.objects.get(cluster=clusters["nord"])
    assert copy.adopted_from_id == clusters["done"].pk and copy.status == "idea"
