"""#11: the regions page shows the organisation in force on the day looked at; an ended region's pages
say where its clusters went, and the menu leads to the region in force."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.registry.models import Region


def _section(page: str, heading: str) -> str:
    """The part of ``page`` from the heading ``heading`` to the next h2 (or the end)."""
    start = page.index(heading)
    end = page.find("<h2", start)
    return page[start : end if end != -1 else len(page)]


def _row(region: Region) -> str:
    return f'<th scope="row" class="weight-normal">{region.name}</th>'


@pytest.fixture
def merged(region: Any) -> tuple[Region, Region]:
    """``region`` ended on 30 June 2026 and Region Østdanmark (1086) took over on 1 July 2026."""
    successor = Region.objects.create(code="1086", name="Region Østdanmark", valid_from=dt.date(2026, 7, 1))
    region.valid_to = dt.date(2026, 6, 30)
    region.successor = successor
    region.save()
    return region, successor


def test_the_regions_page_shows_the_regions_in_force_on_the_day(
    login: Callable[[Any], Client], admin_user: Any, merged: tuple[Region, Region]
) -> None:
    old, new = merged
    client = login(admin_user)
    before = client.get(reverse("region_list"), {"dato": "2026-06-30"}).content.decode()
    in_force = _section(before, 'id="in-force-heading"')
    assert _row(old) in in_force and _row(new) not in in_force
    assert _row(new) in _section(before, "Regioner, der endnu ikke er begyndt")
    assert "Regioner 30. juni 2026" in before

    after = client.get(reverse("region_list"), {"dato": "2026-07-01"}).content.decode()
    assert _row(new) in _section(after, 'id="in-force-heading"')
    assert _row(old) not in _section(after, 'id="in-force-heading"')
    ended = _section(after, "Ophørte regioner")
    assert (
        _row(old) in ended and "til og med 30. juni 2026" in ended and "derefter Region Østdanmark" in ended
    )

    today = client.get(reverse("region_list")).content.decode()
    assert "Regioner i dag" in today and _row(old) in _section(today, "Ophørte regioner")


def test_a_wrong_day_is_named_and_today_is_shown(
    login: Callable[[Any], Client], admin_user: Any, merged: tuple[Region, Region]
) -> None:
    page = login(admin_user).get(reverse("region_list"), {"dato": "2026-13-01"}).content.decode()
    assert re.search(r"Organisationen pr\.: skriv en gyldig dato", page)
    assert "Regioner i dag" in page


def test_an_ended_regions_pages_say_where_its_clusters_went(
    login: Callable[[Any], Client], admin_user: Any, merged: tuple[Region, Region]
) -> None:
    old, new = merged
    client = login(admin_user)
    for name in ("region_dashboard", "run_list", "changes", "region_settings"):
        page = client.get(reverse(name, args=[old.code])).content.decode()
        assert "ophørte efter 30. juni 2026" in page, name
        assert f'href="{reverse("region_dashboard", args=[new.code])}"' in page, name
        # the successor's own pages carry no such notice
        assert "ophørte efter" not in client.get(reverse(name, args=[new.code])).content.decode(), name


def test_a_region_not_yet_begun_says_when_it_begins(
    login: Callable[[Any], Client], admin_user: Any, region: Any
) -> None:
    Region.objects.create(code="1086", name="Region Østdanmark", valid_from=dt.date(2099, 1, 1))
    page = login(admin_user).get(reverse("region_dashboard", args=["1086"])).content.decode()
    assert "Region Østdanmark begynder 1. januar 2099." in page


def test_the_menu_leads_to_the_region_in_force(
    login: Callable[[Any], Client], officer: Any, merged: tuple[Region, Region]
) -> None:
    from klynge.accounts.models import Role, RoleAssignment

    old, new = merged
    # an officer of the successor who (after a merger) also reads the predecessor's history
    RoleAssignment.objects.create(user=officer, role=Role.REGION_OFFICER, region=new)
    page = login(officer).get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("region_dashboard", args=[new.code])}"' in page
    assert f'href="{reverse("region_dashboard", args=[old.code])}"' not in page


def test_after_a_merger_the_old_region_lists_the_clusters_that_moved_and_the_cluster_its_old_region(
    login: Callable[[Any], Client], make_user: Callable[..., Any]
) -> None:
    from klynge.payouts import mergers, reorganise
    from klynge.registry.models import GpCluster

    first, second = make_user("admin", username="admin-1"), make_user("admin", username="admin-2")
    hovedstaden = Region.objects.get(code="1084")
    amager = GpCluster.objects.create(
        name="Klynge Amager", region=hovedstaden, external_id="H1", founded_on=dt.date(2025, 1, 1)
    )
    GpCluster.objects.create(
        name="Klynge Næstved",
        region=Region.objects.get(code="1085"),
        external_id="S1",
        founded_on=dt.date(2025, 1, 1),
    )
    document, problems = reorganise.check_document(
        {
            "format": "klynge-reorganise/1",
            "date": "2026-07-01",
            "regions": {"merge": ["1084", "1085"], "into": {"code": "1086", "name": "Region Østdanmark"}},
        }
    )
    assert problems == [] and document is not None
    merger = mergers.merger_approve(
        actor=second, merger=mergers.merger_prepare(actor=first, document=document)
    )
    assert merger.status == "carried_out"
    client = login(second)
    page = client.get(reverse("region_dashboard", args=["1084"])).content.decode()
    notice = page[page.index("ophørte efter 30. juni 2026") :]
    assert "1 klynge flyttede:" in notice
    assert f'<a href="{reverse("cluster_detail", args=[amager.pk])}">Klynge Amager</a>' in notice
    assert "Klynge Næstved" not in notice  # it came from Region Sjælland
    detail = client.get(reverse("cluster_detail", args=[amager.pk])).content.decode()
    assert "Region Østdanmark" in detail and "fra 1. juli 2026; før Region Hovedstaden" in detail
