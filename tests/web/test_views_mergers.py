"""#11: administrators prepare, approve and withdraw a merger of regions on pages; what moves and
every total before and after is shown; problems land on the field they concern; others get 403."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.audit.models import AuditEntry
from klynge.payouts import mergers
from klynge.payouts.models import RegionMerger
from klynge.registry.models import GpCluster, Region

ON = dt.date(2027, 1, 1)
FORM = {
    "regions": ["1084", "1085"],
    "code": "1086",
    "name": "Region Østdanmark",
    "date": "2027-01-01",
    "settings_from": "1085",
    "annual_regulation": "",
    "note": "Strukturreformen",
}


@pytest.fixture
def admins(make_user: Callable[..., Any]) -> tuple[Any, Any]:
    return make_user("admin", username="admin-1"), make_user("admin", username="admin-2")


@pytest.fixture
def clusters(db: Any) -> None:
    GpCluster.objects.create(
        name="Klynge Amager",
        region=Region.objects.get(code="1084"),
        external_id="H1",
        founded_on=dt.date(2025, 1, 1),
    )
    GpCluster.objects.create(
        name="Klynge Næstved",
        region=Region.objects.get(code="1085"),
        external_id="S1",
        founded_on=dt.date(2025, 2, 1),
    )


def _errors(page: str) -> str:
    found = re.search(r'<div class="alert alert-error.*?</ul>', page, re.S)
    return found.group(0) if found else ""


def test_an_administrator_prepares_a_merger_and_sees_what_moves(
    login: Callable[[Any], Client], admins: tuple[Any, Any], clusters: None
) -> None:
    first, _second = admins
    client = login(first)
    assert 'href="/regioner/sammenlaegninger/"' in client.get(reverse("region_list")).content.decode()
    form = client.get(reverse("merger_create")).content.decode()
    assert 'name="regions"' in form and 'value="1084"' in form and 'name="code"' in form
    response = client.post(reverse("merger_create"), FORM)
    merger = RegionMerger.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("merger_detail", args=[merger.pk])
    assert (merger.prepared_by, merger.status, merger.effective_on) == (first, "draft", ON)
    assert merger.region_settings["from"] == "1085" and merger.note == "Strukturreformen"
    assert AuditEntry.objects.filter(action="region_merger.prepare", actor=first).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Region Hovedstaden + Region Sjælland bliver til Region Østdanmark" in page
    assert "Intet står i vejen for sammenlægningen." in page
    assert "Klynge Amager" in page and "Klynge Næstved" in page
    # the totals side by side: one column per region and one after
    header = re.search(r'id="totals-heading".*?<thead>(.*?)</thead>', page, re.S)
    assert header is not None
    assert re.findall(r"<th[^>]*>([^<]+)</th>", header.group(1)) == [
        "Tal",
        "Region Hovedstaden",
        "Region Sjælland",
        "Efter",
    ]
    clusters_row = re.search(r"Praksisklynger</th>(.*?)</tr>", page, re.S)
    assert clusters_row is not None
    assert re.findall(r">(\d+)</td>", clusters_row.group(1)) == ["1", "1", "2"]
    # the preparer may not approve (four eyes)
    assert reverse("merger_approve", args=[merger.pk]) not in page
    assert "en anden administrator skal godkende den (fire øjne)" in page


def test_a_second_administrator_approves_and_it_waits_for_its_date(
    login: Callable[[Any], Client], admins: tuple[Any, Any], clusters: None
) -> None:
    first, second = admins
    login(first).post(reverse("merger_create"), FORM)
    merger = RegionMerger.objects.get()
    client = login(second)
    page = client.get(reverse("merger_detail", args=[merger.pk])).content.decode()
    assert f'action="{reverse("merger_approve", args=[merger.pk])}"' in page
    response = client.post(reverse("merger_approve", args=[merger.pk]), follow=True)
    merger.refresh_from_db()
    assert (merger.status, merger.approved_by) == ("approved", second)
    assert "Sammenlægningen er godkendt. Den gennemføres 1. januar 2027." in response.content.decode()
    assert GpCluster.objects.get(external_id="H1").region.code == "1084"  # nothing moved before its date


def test_the_preparer_approving_by_a_crafted_post_is_told_why(
    login: Callable[[Any], Client], admins: tuple[Any, Any], clusters: None
) -> None:
    first, _second = admins
    client = login(first)
    client.post(reverse("merger_create"), FORM)
    merger = RegionMerger.objects.get()
    page = client.post(reverse("merger_approve", args=[merger.pk]), follow=True).content.decode()
    assert "du har selv forberedt sammenlægningen og kan ikke godkende den" in page
    merger.refresh_from_db()
    assert merger.status == "draft" and merger.approved_by is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"regions": ["1084"]}, "regions", "mindst to"),
        ({"code": "1081", "name": "Region Nordjylland"}, "code", "1081"),
        ({"code": "86"}, "code", "4 cifre"),
        ({"date": "2027-02-30"}, "date", "skriv en gyldig dato"),
        ({"name": ""}, "name", "skal udfyldes"),
    ],
)
def test_problems_land_on_their_field_and_nothing_is_stored(
    login: Callable[[Any], Client],
    admins: tuple[Any, Any],
    clusters: None,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = login(admins[0]).post(reverse("merger_create"), {**FORM, **changes})
    assert response.status_code == 200
    page = response.content.decode()
    summary = _errors(page)
    assert f'href="#id_{field}' in summary and message in summary, summary
    assert RegionMerger.objects.count() == 0


def test_withdrawing_needs_a_reason(
    login: Callable[[Any], Client], admins: tuple[Any, Any], clusters: None
) -> None:
    first, second = admins
    login(first).post(reverse("merger_create"), FORM)
    merger = RegionMerger.objects.get()
    client = login(second)
    page = client.post(reverse("merger_withdraw", args=[merger.pk]), {"withdrawn_reason": ""}, follow=True)
    assert "Begrundelse: skal udfyldes." in page.content.decode()
    merger.refresh_from_db()
    assert merger.status == "draft"
    client.post(reverse("merger_withdraw", args=[merger.pk]), {"withdrawn_reason": "Forkert dato"})
    merger.refresh_from_db()
    assert (merger.status, merger.withdrawn_by, merger.withdrawn_reason) == (
        "withdrawn",
        second,
        "Forkert dato",
    )


def test_a_carried_out_merger_shows_the_figures_of_that_day(
    login: Callable[[Any], Client], admins: tuple[Any, Any], clusters: None
) -> None:
    first, second = admins
    login(first).post(reverse("merger_create"), FORM)
    merger = mergers.merger_approve(actor=second, merger=RegionMerger.objects.get(), today=ON)
    assert merger.status == "carried_out"
    page = login(second).get(reverse("merger_detail", args=[merger.pk])).content.decode()
    assert "Tallene før og efter (da den blev gennemført)" in page
    assert "Godkend sammenlægningen" not in page and "Træk sammenlægningen tilbage" not in page
    assert "Klynge Amager" in page


def test_only_administrators_see_the_merger_pages(
    login: Callable[[Any], Client], officer: Any, admins: tuple[Any, Any], clusters: None
) -> None:
    login(admins[0]).post(reverse("merger_create"), FORM)
    merger = RegionMerger.objects.get()
    client = login(officer)
    for url in (reverse("merger_list"), reverse("merger_create"), reverse("merger_detail", args=[merger.pk])):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("merger_approve", args=[merger.pk])).status_code == 403
    assert (
        client.post(reverse("merger_withdraw", args=[merger.pk]), {"withdrawn_reason": "x"}).status_code
        == 403
    )
    merger.refresh_from_db()
    assert merger.status == "draft"


def test_the_merger_page_reads_in_english(
    login: Callable[[Any], Client], admins: tuple[Any, Any], clusters: None
) -> None:
    first, second = admins
    login(first).post(reverse("merger_create"), FORM)
    client = login(second)
    url = reverse("merger_detail", args=[RegionMerger.objects.get().pk])
    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url).content.decode()
    for english in (
        "Region Hovedstaden + Region Sjælland become Region Østdanmark",
        "The figures before and after (today)",
        "Nothing stands in the way of the merger.",
        "1 GP cluster",
        "Approve the merger",
        "(the regions end the day before)",
    ):
        assert english in page, english
    for danish in ("Tallene før og efter", "Godkend sammenlægningen", "praksisklynge"):
        assert danish not in page, danish
