"""Issue #11: the health-council pages. An administrator (or the region's officer) prepares a council
on a form, sees what moves, and another person approves or withdraws it; others get 403. A refusal
lands on its field. The initiative page records a change of executing party from a year."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.health import services
from klynge.health.models import CouncilDraft, HealthCluster, Initiative, InitiativeParty
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date
FORM = {
    "name": "Sundhedsråd Byen",
    "external_id": "SR-BYEN",
    "region": "1084",
    "municipalities": ["101", "147"],
    "valid_from": "2027-01-01",
    "carry_secretariat": "on",
}


def _errors(page: str) -> str:
    found = re.search(r'<div class="alert alert-error.*?</ul>', page, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def running(secretariat: Any, health_cluster: HealthCluster, members: dict[str, Any]) -> Initiative:
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Forebyggelse i nærmiljøet",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2025, 1, 1),
        ends_on=D(2028, 12, 31),
        parties=[services.Party(members["101"], executes=True), services.Party(members["147"])],
    )
    for status in ("approved", "running"):
        initiative = services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    return initiative


@pytest.fixture
def second_admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", username="admin-2")


def test_prepare_see_what_moves_and_approve_by_another(
    login: Callable[[Any], Client],
    admin_user: Any,
    second_admin: Any,
    secretariat: Any,
    health_cluster: HealthCluster,
    running: Initiative,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = login(admin_user)
    listing = client.get(reverse("health_cluster_list")).content.decode()
    assert f'href="{reverse("health_council_drafts")}"' in listing
    page = client.get(reverse("health_cluster_detail", args=[health_cluster.pk])).content.decode()
    assert f'href="{reverse("health_council_draft_create")}"' in page
    form = client.get(reverse("health_council_draft_create")).content.decode()
    assert f'name="predecessors" value="{health_cluster.pk}"' in form
    assert 'name="municipalities" value="101"' in form and 'name="valid_from"' in form
    response = client.post(
        reverse("health_council_draft_create"), {**FORM, "predecessors": [health_cluster.pk]}
    )
    draft = CouncilDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "health_council_draft", args=[draft.pk]
    )
    assert (draft.prepared_by, draft.status) == (admin_user, "draft")

    page = client.get(response["Location"]).content.decode()
    assert "Forebyggelse i nærmiljøet" in page and "Frederiksberg" in page
    assert "sekretariat" in page and "får rollen som sekretariat i rådet" in page
    assert "Intet står i vejen for sundhedsrådet." in page
    assert reverse("health_council_draft_approve", args=[draft.pk]) not in page  # not the preparer
    assert "en anden administrator eller regionens sagsbehandler skal godkende" in page
    assert 'role="region" aria-labelledby="continued-heading"' in page
    # the preparer cannot approve it even by posting
    client.post(reverse("health_council_draft_approve", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "draft"

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: D(2026, 12, 6))
    other = login(second_admin)
    page = other.get(reverse("health_council_draft", args=[draft.pk])).content.decode()
    assert reverse("health_council_draft_approve", args=[draft.pk]) in page
    done = other.post(reverse("health_council_draft_approve", args=[draft.pk]), follow=True).content.decode()
    draft.refresh_from_db()
    assert draft.approved_by == second_admin
    assert draft.status == "approved" and "Det oprettes 1. januar 2027" in done  # stays approved till then
    assert "Sundhedsråd Byen" in other.get(reverse("health_council_drafts")).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"valid_from": "2027-03-01"}, "valid_from", "1. januar 2028"),
        ({"name": ""}, "name", "Navn: skal udfyldes."),
        ({"municipalities": ["147"]}, "municipalities", "København"),
        ({"predecessors": []}, "predecessors", "skal udfyldes"),
        ({"external_id": "SK-EKS"}, "external_id", "SK-EKS"),
    ],
)
def test_a_refusal_lands_on_its_field(
    login: Callable[[Any], Client],
    admin_user: Any,
    health_cluster: HealthCluster,
    running: Initiative,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    data = {**FORM, "predecessors": [health_cluster.pk], **changes}
    response = login(admin_user).post(reverse("health_council_draft_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    summary = _errors(page)
    assert f'href="#id_{field}' in summary and message in summary, summary
    assert f'id="id_{field}-error"' in page or f'id="id_{field}_0-error"' in page or message in page
    assert not CouncilDraft.objects.exists()


def test_others_get_403_and_a_region_officer_handles_their_own_region(
    login: Callable[[Any], Client],
    admin_user: Any,
    secretariat: Any,
    health_cluster: HealthCluster,
    make_user: Callable[..., Any],
    finance: Callable[[str], Any],
) -> None:
    officer = make_user("region_officer", region=Region.objects.get(code="1084"))
    response = login(officer).post(
        reverse("health_council_draft_create"), {**FORM, "predecessors": [health_cluster.pk]}
    )
    draft = CouncilDraft.objects.get()
    assert response.status_code == 302 and draft.prepared_by == officer
    for user in (
        secretariat,
        finance("101"),
        make_user("region_officer", region=Region.objects.get(code="1081")),
    ):
        client = login(user)
        assert client.get(reverse("health_council_draft", args=[draft.pk])).status_code == 403
        assert client.post(reverse("health_council_draft_approve", args=[draft.pk])).status_code == 403
        assert (
            client.post(
                reverse("health_council_draft_withdraw", args=[draft.pk]), {"withdrawn_reason": "x"}
            ).status_code
            == 403
        )
    for user in (secretariat, finance("101")):
        assert login(user).get(reverse("health_council_drafts")).status_code == 403
        assert login(user).get(reverse("health_council_draft_create")).status_code == 403
    assert (
        reverse("health_council_drafts")
        not in login(secretariat).get(reverse("health_cluster_list")).content.decode()
    )
    draft.refresh_from_db()
    assert draft.status == "draft"
    # the other region's officer does not even see this region's draft in the list
    other = make_user("region_officer", region=Region.objects.get(code="1081"))
    assert "SR-BYEN" not in login(other).get(reverse("health_council_drafts")).content.decode()


def test_withdrawing_needs_a_reason(
    login: Callable[[Any], Client], admin_user: Any, second_admin: Any, health_cluster: HealthCluster
) -> None:
    login(admin_user).post(
        reverse("health_council_draft_create"), {**FORM, "predecessors": [health_cluster.pk]}
    )
    draft = CouncilDraft.objects.get()
    client = login(second_admin)
    page = client.post(
        reverse("health_council_draft_withdraw", args=[draft.pk]), {"withdrawn_reason": ""}, follow=True
    ).content.decode()
    assert "Begrundelse: skal udfyldes." in page
    draft.refresh_from_db()
    assert draft.status == "draft"
    page = client.post(
        reverse("health_council_draft_withdraw", args=[draft.pk]),
        {"withdrawn_reason": "Forkert id"},
        follow=True,
    ).content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.withdrawn_reason) == ("withdrawn", "Forkert id")
    assert "Forkert id" in page and reverse("health_council_draft_approve", args=[draft.pk]) not in page


def test_the_initiative_page_records_a_change_of_executing_party(
    login: Callable[[Any], Client],
    secretariat: Any,
    health_cluster: HealthCluster,
    members: dict[str, Any],
    running: Initiative,
    finance: Callable[[str], Any],
) -> None:
    url = reverse("health_initiative_detail", args=[health_cluster.pk, running.pk])
    action = reverse("health_executor_change", args=[health_cluster.pk, running.pk])
    client = login(secretariat)
    assert f'action="{action}"' in client.get(url).content.decode()
    data = {
        "udfoerende-member_from": str(members["101"].pk),
        "udfoerende-member_to": str(members["1084"].pk),
        "udfoerende-from_year": "2030",
    }
    response = client.post(action, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_udfoerende-from_year-error"' in page and "2026–2028" in _errors(page)
    assert 'href="#id_udfoerende-from_year"' in _errors(page)
    response = client.post(action, {**data, "udfoerende-from_year": "2027"})
    assert response.status_code == 302 and response["Location"] == f"{url}#parter"
    executes = {
        p.member_id: (p.executes_from, p.executes_until)
        for p in InitiativeParty.objects.filter(initiative=running, executes=True)
    }
    assert executes == {members["101"].pk: (None, 2026), members["1084"].pk: (2027, None)}
    reader = login(finance("101"))
    assert f'action="{action}"' not in reader.get(url).content.decode()
    assert reader.post(action, data).status_code == 403
