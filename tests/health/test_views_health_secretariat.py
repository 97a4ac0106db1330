"""The secretariat's work on the pages (#13): the forms of cancel, delete, the SSU decision, the catalogue
facts and documents, adoption and the catalogue CSV; refusals land on their field and change nothing;
a locked budget and plan are shown as text, not as fields that are then refused."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.audit.models import AuditEntry
from klynge.health import services
from klynge.health.models import HealthCluster, Initiative, Municipality, SsuDecision
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def url(name: str, initiative: Initiative, *extra: Any) -> str:
    return reverse(name, args=[initiative.cluster_id, initiative.pk, *extra])


@pytest.fixture
def idea(secretariat: Any, health_cluster: Any, members: dict[str, Any]) -> Initiative:
    return services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Idé: rygestop",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[services.Party(m, executes=m.code == "101") for m in members.values()],
    )


def test_cancel_needs_a_reason_on_the_form_and_then_keeps_the_initiative(
    login: Callable[[Any], Client], secretariat: Any, guide_initiative: Initiative
) -> None:
    client = login(secretariat)
    page = text(client.post(url("health_initiative_cancel", guide_initiative), {"aflys-reason": ""}))
    assert "Begrundelse: skal udfyldes." in page
    assert Initiative.objects.get(pk=guide_initiative.pk).status == "running"
    page = text(
        client.post(
            url("health_initiative_cancel", guide_initiative),
            {"aflys-reason": "Kommunen trak sig."},
            follow=True,
        )
    )
    assert "Indsatsen Sundhedsfremme og forebyggelse er aflyst." in page and "Kommunen trak sig." in page
    assert Initiative.objects.get(pk=guide_initiative.pk).status == "cancelled"
    # no budget form on a cancelled initiative, a sentence says why; the late costs of the year it
    # stopped (its last year, 2023) are still taken
    assert 'name="budget-activity"' not in page and 'name="udgift-amount"' in page
    assert "kun udgifter for 2023, året den sluttede, kan stadig skrives" in page
    assert "budget og evalueringsplan er låst som historik" in page


def test_an_idea_is_deleted_on_its_page_and_an_approved_one_offers_no_delete(
    login: Callable[[Any], Client], secretariat: Any, idea: Initiative, guide_initiative: Initiative
) -> None:
    client = login(secretariat)
    assert "Slet idéen" in text(client.get(url("health_initiative_detail", idea)))
    assert "Slet idéen" not in text(client.get(url("health_initiative_detail", guide_initiative)))
    page = text(client.post(url("health_initiative_delete", guide_initiative), {"slet-reason": "Væk"}))
    assert "Slet: indsatsen har været godkendt" in page  # at the top of the form: not one of its fields
    assert Initiative.objects.filter(pk=guide_initiative.pk).exists()
    response = client.post(url("health_initiative_delete", idea), {"slet-reason": "Dublet"}, follow=True)
    assert "Idéen Idé: rygestop er slettet." in text(response)
    assert not Initiative.objects.filter(pk=idea.pk).exists()
    assert AuditEntry.objects.get(action="initiative.delete").before["reason"] == "Dublet"


def test_costs_are_refused_on_an_idea_by_the_form_and_the_page_says_why(
    login: Callable[[Any], Client], secretariat: Any, idea: Initiative, members: dict[str, Any]
) -> None:
    client = login(secretariat)
    page = text(client.get(url("health_initiative_detail", idea)))
    assert (
        "udgift-amount" not in page and "Faktiske udgifter: indsatsen er en idé og er ikke godkendt" in page
    )
    page = text(
        client.post(
            url("health_cost_set", idea),
            {"udgift-member": members["101"].pk, "udgift-year": 2023, "udgift-amount": "100"},
        )
    )
    assert "indsatsen er en idé og er ikke godkendt" in page
    assert not idea.costs.exists()


def test_the_ssu_member_records_a_decision_and_the_idea_is_approved(
    login: Callable[[Any], Client], make_user: Callable[..., Any], health_cluster: Any, idea: Initiative
) -> None:
    member = make_user("ssu_reader", region=health_cluster.region)
    client = login(member)
    page = text(
        client.post(url("health_ssu_decision", idea), {"ssu-decision": "rejected", "ssu-meeting_date": ""})
    )
    assert "Mødedato: skal udfyldes." in page
    page = text(
        client.post(
            url("health_ssu_decision", idea), {"ssu-decision": "rejected", "ssu-meeting_date": "2023-01-10"}
        )
    )
    assert "Bemærkning: skriv SSU's begrundelse for afvisningen." in page
    assert not SsuDecision.objects.exists()
    response = client.post(
        url("health_ssu_decision", idea),
        {"ssu-decision": "approved", "ssu-meeting_date": "2023-01-10", "ssu-note": "Enstemmigt"},
        follow=True,
    )
    page = text(response)
    assert "SSU's beslutning fra mødet den 10. januar 2023 er registreret: Godkendt." in page
    assert "Enstemmigt" in page and Initiative.objects.get(pk=idea.pk).status == "approved"
    officer = make_user("finance_officer", organisation_code="101")
    response = login(officer).post(
        url("health_ssu_decision", idea), {"ssu-decision": "noted", "ssu-meeting_date": "2023-02-01"}
    )
    assert response.status_code == 403 and SsuDecision.objects.count() == 1


def test_the_secretariats_inbox_follows_the_ssu_decisions(
    login: Callable[[Any], Client], secretariat: Any, idea: Initiative
) -> None:
    client = login(secretariat)
    home = text(client.get(reverse("home")))
    assert "Idé: rygestop venter på en beslutning i SSU" in home
    client.post(
        url("health_ssu_decision", idea),
        {"ssu-decision": "rejected", "ssu-meeting_date": "2023-01-10", "ssu-note": "For dyr"},
    )
    home = text(client.get(reverse("home")))
    assert "venter på en beslutning i SSU" not in home
    assert "SSU afviste Idé: rygestop den 10. januar 2023" in home


def reported(initiative: Initiative, actor: Any) -> Initiative:
    services.initiative_status_set(actor=actor, initiative=initiative, status="completed")
    services.evaluation_save(actor=actor, initiative=initiative, answers={}, result="achieved")
    services.initiative_status_set(actor=actor, initiative=initiative, status="evaluated")
    return services.initiative_status_set(
        actor=actor, initiative=initiative, status="reported", reported_on=D(2024, 3, 1)
    )


def test_a_reported_initiatives_budget_and_plan_are_shown_as_text(
    login: Callable[[Any], Client], secretariat: Any, guide_initiative: Initiative
) -> None:
    done = reported(guide_initiative, secretariat)
    page = text(login(secretariat).get(url("health_initiative_detail", done)))
    assert "Indsatsen er afrapporteret til SSU den 1. marts 2024; budget og evalueringsplan er låst" in page
    for field in ("budget-activity", "evaluering-result", "spoergsmaal-question", "udgift-amount"):
        assert f'name="{field}"' not in page, field
    assert "Hvad er succeskriterierne?" in page  # the plan as text


@pytest.fixture
def nord(admin_user: Any) -> HealthCluster:
    return services.cluster_create(
        actor=admin_user,
        external_id="SK-NORD",
        name="Sundhedsklynge Nord",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code="851")],
    )


def test_the_catalogue_entry_shows_what_another_cluster_needs_and_adopts_it(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Initiative,
    nord: HealthCluster,
    make_user: Callable[..., Any],
) -> None:
    done = reported(guide_initiative, secretariat)
    client = login(secretariat)
    page = text(
        client.post(
            url("health_catalogue_facts", done),
            {"katalog-contact_name": "Anne Berg", "katalog-contact_email": "x", "katalog-participants": "0"},
        )
    )
    assert "Kontaktpersonens e-mail: skriv en gyldig e-mailadresse" in page and "Antal deltagere:" in page
    client.post(
        url("health_catalogue_facts", done),
        {
            "katalog-contact_name": "Anne Berg",
            "katalog-contact_email": "anne@kk.dk",
            "katalog-participants": "600",
        },
    )
    client.post(
        url("health_document_add", done),
        {"dokument-title": "Evaluering", "dokument-url": "https://kk.dk/evaluering.pdf"},
    )
    adopter = make_user("health_secretariat", username="nord", health_cluster=nord)
    nord_client = login(adopter)
    entry = text(nord_client.get(reverse("health_catalogue_detail", args=[done.pk])))
    for expected in (
        "Anne Berg",
        "anne@kk.dk",
        "5.000,00 kr. pr. deltager (600 deltagere)",
        "https://kk.dk/evaluering.pdf",
        reverse("health_catalogue_ssu_report", args=[done.pk]),
        "Overtag som ny idé",
    ):
        assert expected in entry, expected
    pdf = nord_client.get(reverse("health_catalogue_ssu_report", args=[done.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the own cluster's secretariat is not offered to adopt its own initiative, and is told why
    own = text(client.get(reverse("health_catalogue_detail", args=[done.pk])))
    assert "Overtag som ny idé" not in own and "Indsatsen er jeres egen klynges" in own
    assert "Indsatsen er jeres egen klynges" not in entry
    response = nord_client.post(
        reverse("health_catalogue_adopt", args=[done.pk]), {"overtag-cluster": nord.pk}, follow=True
    )
    new = Initiative.objects.get(cluster=nord)
    assert new.adopted_from == done and new.status == "idea"
    assert "er overtaget som ny idé i Sundhedsklynge Nord" in text(response)
    assert "Sundhedsklynge Nord" in text(client.get(reverse("health_catalogue_detail", args=[done.pk])))
    # a secretariat with no other cluster to adopt into may not adopt
    assert (
        client.post(
            reverse("health_catalogue_adopt", args=[done.pk]), {"overtag-cluster": nord.pk}
        ).status_code
        == 403
    )
    assert Initiative.objects.filter(cluster=nord).count() == 1


def test_the_catalogue_csv_follows_the_search(
    login: Callable[[Any], Client],
    secretariat: Any,
    guide_initiative: Initiative,
    make_user: Callable[..., Any],
) -> None:
    done = reported(guide_initiative, secretariat)
    client = login(make_user("finance_officer", organisation_code="851"))
    response = client.get(reverse("health_catalogue_csv"))
    body = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv") and body.startswith("\ufeffId;Titel;")
    assert re.search(rf"^{done.pk};Sundhedsfremme og forebyggelse;", body, re.M)
    row = next(line for line in body.splitlines() if line.startswith(f"{done.pk};"))
    assert ";Afrapporteret til SSU;" in row and ";reported;" not in row  # words, not codes
    empty = client.get(reverse("health_catalogue_csv") + "?q=ingenting-her").content.decode("utf-8")
    assert len(empty.strip().splitlines()) == 1
