"""The secretariat's work (#13): cancel with a reason, delete a draft, costs only when approved or
running (late costs of the year it ended), budget and plan locked once reported, the SSU's decision
with the meeting date, the catalogue's facts, cost per participant or citizen, adoption and the CSV.
Refusals name the field and the fix; the database refuses what must never be."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from klynge.audit.models import AuditEntry
from klynge.health import catalogue, services
from klynge.health import secretariat as work
from klynge.health.models import HealthCluster, Initiative, Municipality, SsuDecision
from klynge.registry.models import Region

pytestmark = pytest.mark.django_db

D = dt.date
M = Decimal


def refusal(call: Callable[[], Any], field: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict[field][0]


@pytest.fixture
def idea(secretariat: Any, health_cluster: Any, members: dict[str, Any]) -> Initiative:
    return services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        title="Idé: rygestop",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2024, 12, 31),
        parties=[
            services.Party(members["1084"]),
            services.Party(members["101"], executes=True),
            services.Party(members["147"]),
        ],
    )


def cost(secretariat: Any, initiative: Initiative, member: Any, year: int, amount: str = "1000") -> Any:
    return services.cost_set(
        actor=secretariat, initiative=initiative, executor=member, year=year, amount=amount
    )


# --- Costs only when approved or running -----------------------------------------------------------


def test_costs_are_refused_on_an_idea_and_taken_once_approved(
    idea: Initiative, secretariat: Any, members: dict[str, Any]
) -> None:
    message = refusal(lambda: cost(secretariat, idea, members["101"], 2023), "year")
    assert message.startswith("Faktiske udgifter: indsatsen er en idé og er ikke godkendt")
    assert "godkend indsatsen først" in message
    assert not idea.costs.exists()
    services.initiative_status_set(actor=secretariat, initiative=idea, status="approved")
    assert cost(secretariat, idea, members["101"], 2023).amount == M("1000.00")


def test_a_completed_initiative_takes_late_costs_of_the_year_it_ended_only(
    idea: Initiative, secretariat: Any, members: dict[str, Any], start: Callable[..., Any]
) -> None:
    start(idea)
    services.initiative_status_set(actor=secretariat, initiative=idea, status="completed")
    idea.refresh_from_db()
    # completed today, after its period: its last year, 2024, is the year it ended
    assert services.cost_years_open(idea) == (2024, 2024)
    assert cost(secretariat, idea, members["101"], 2024, "250").amount == M("250.00")
    message = refusal(lambda: cost(secretariat, idea, members["101"], 2023), "year")
    assert "kun udgifter for 2024 (året den sluttede)" in message and "Sæt indsatsen i gang igen" in message
    services.initiative_status_set(actor=secretariat, initiative=idea, status="running")
    assert cost(secretariat, idea, members["101"], 2023).amount == M("1000.00")


def test_evaluated_and_reported_initiatives_take_no_costs(
    guide_initiative: Initiative, secretariat: Any, members: dict[str, Any]
) -> None:
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="completed")
    services.evaluation_save(actor=secretariat, initiative=guide_initiative, answers={}, result="achieved")
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="evaluated")
    guide = Initiative.objects.get(pk=guide_initiative.pk)
    message = refusal(lambda: cost(secretariat, guide, members["101"], 2023), "year")
    assert "indsatsen er evalueret, så dens udgifter er låst" in message
    assert guide.costs.get().amount == M("3000000.00")


# --- Cancel and delete -----------------------------------------------------------------------------


def test_a_running_initiative_is_cancelled_with_a_reason_and_keeps_its_history(
    guide_initiative: Initiative, secretariat: Any, members: dict[str, Any]
) -> None:
    message = refusal(
        lambda: secretariat_cancel(secretariat, guide_initiative, "  "),
        "reason",
    )
    assert message.startswith("Begrundelse: skriv hvorfor")
    cancelled = secretariat_cancel(secretariat, guide_initiative, "Kommunen trak sig.")
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == secretariat
    assert cancelled.cancel_reason == "Kommunen trak sig." and cancelled.cancelled_at is not None
    assert cancelled.costs.count() == 1 and cancelled.questions.count() == 5  # history kept
    entry = AuditEntry.objects.filter(action="initiative.cancel", object_id=str(cancelled.pk)).get()
    assert entry.after["cancel_reason"] == "Kommunen trak sig." and entry.before["status"] == "running"
    # cancelled after approval: the year it stopped may still get its late costs (its last year here)
    assert services.cost_years_open(cancelled) == (2023, 2023)
    # an end: no status after it, no second cancellation
    assert "allerede aflyst" in refusal(lambda: secretariat_cancel(secretariat, cancelled, "igen"), "status")
    message = refusal(
        lambda: services.initiative_status_set(actor=secretariat, initiative=cancelled, status="running"),
        "status",
    )
    assert "kan ikke blive i gang" in message
    # the budget and plan are history too
    locked = refusal(
        lambda: services.question_add(actor=secretariat, initiative=cancelled, question="Nyt?"), "question"
    )
    assert "indsatsen er aflyst" in locked


def secretariat_cancel(actor: Any, initiative: Initiative, reason: str) -> Initiative:
    return work.initiative_cancel(actor=actor, initiative=initiative, reason=reason)


def test_a_completed_initiative_is_not_cancelled_and_the_status_path_says_how(
    guide_initiative: Initiative, secretariat: Any
) -> None:
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="completed")
    message = refusal(lambda: secretariat_cancel(secretariat, guide_initiative, "For sent"), "status")
    assert message == (
        "Status: en indsats, der er afsluttet, er gennemført og kan ikke aflyses; evaluér og "
        "afrapportér den i stedet."
    )
    message = refusal(
        lambda: services.initiative_status_set(
            actor=secretariat, initiative=guide_initiative, status="cancelled"
        ),
        "status",
    )
    assert "aflyses med en begrundelse" in message
    assert Initiative.objects.get(pk=guide_initiative.pk).status == "completed"


def test_a_draft_never_approved_is_deleted_and_the_audit_keeps_reason_and_content(
    idea: Initiative, secretariat: Any, members: dict[str, Any]
) -> None:
    services.budget_line_add(
        actor=secretariat,
        initiative=idea,
        executor=members["101"],
        year=2023,
        activity="Kursusleder",
        hours="10",
        hourly_rate="500",
    )
    pk = idea.pk
    assert "Begrundelse" in refusal(
        lambda: work.initiative_delete(actor=secretariat, initiative=idea, reason=""), "reason"
    )
    work.initiative_delete(actor=secretariat, initiative=idea, reason="Dublet af en anden idé")
    assert not Initiative.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="initiative.delete", object_id=str(pk))
    assert entry.before["title"] == "Idé: rygestop" and entry.before["reason"] == "Dublet af en anden idé"
    assert entry.before["budget_lines"][0]["activity"] == "Kursusleder"
    assert len(entry.before["questions"]) == 5 and len(entry.before["parties"]) == 3
    assert "Dublet af en anden idé" in entry.summary


def test_an_initiative_once_approved_or_with_costs_is_not_deleted(
    idea: Initiative, secretariat: Any, guide_initiative: Initiative
) -> None:
    services.initiative_status_set(actor=secretariat, initiative=idea, status="approved")
    services.initiative_status_set(actor=secretariat, initiative=idea, status="idea")  # back: still once
    message = refusal(
        lambda: work.initiative_delete(actor=secretariat, initiative=idea, reason="Væk"), "status"
    )
    assert message.startswith("Slet: indsatsen har været godkendt") and "aflys den i stedet" in message
    message = refusal(
        lambda: work.initiative_delete(actor=secretariat, initiative=guide_initiative, reason="Væk"),
        "status",
    )
    assert "aflys den i stedet" in message
    assert Initiative.objects.filter(pk__in=[idea.pk, guide_initiative.pk]).count() == 2


def test_the_database_refuses_a_cancellation_without_a_reason(idea: Initiative, secretariat: Any) -> None:
    with (
        pytest.raises(IntegrityError, match="initiative_cancelled_with_reason"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE health_initiative SET status = 'cancelled', cancelled_at = %s, cancelled_by_id = %s, "
            "cancel_reason = '' WHERE id = %s",
            [timezone.now(), secretariat.pk, idea.pk],
        )
    with (
        pytest.raises(IntegrityError, match="initiative_cancelled_with_reason"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # a reason on an initiative that is not cancelled
        cursor.execute("UPDATE health_initiative SET cancel_reason = 'x' WHERE id = %s", [idea.pk])
    assert Initiative.objects.get(pk=idea.pk).status == "idea"


# --- Locked once reported --------------------------------------------------------------------------


def reported(initiative: Initiative, actor: Any) -> Initiative:
    services.initiative_status_set(actor=actor, initiative=initiative, status="completed")
    services.evaluation_save(actor=actor, initiative=initiative, answers={}, result="achieved")
    services.initiative_status_set(actor=actor, initiative=initiative, status="evaluated")
    return services.initiative_status_set(
        actor=actor, initiative=initiative, status="reported", reported_on=D(2024, 3, 1)
    )


def test_budget_and_evaluation_plan_are_locked_once_reported(
    guide_initiative: Initiative, secretariat: Any, members: dict[str, Any]
) -> None:
    line = services.budget_line_add(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        activity="Sygeplejerske",
        hours="10",
        hourly_rate="450",
    )
    done = reported(guide_initiative, secretariat)
    assert services.plan_locked(done)
    tries = {
        "activity": lambda: services.budget_line_add(
            actor=secretariat,
            initiative=done,
            executor=members["101"],
            year=2023,
            activity="Mere",
            hours="1",
            hourly_rate="1",
        ),
        "question": lambda: services.question_add(actor=secretariat, initiative=done, question="Nyt?"),
        "answers": lambda: services.evaluation_save(
            actor=secretariat, initiative=done, answers={}, result="partly"
        ),
    }
    for field, call in tries.items():
        message = refusal(call, field)
        assert "afrapporteret til SSU, så budget og evalueringsplan er låst" in message, field
    line.initiative = done
    assert "låst" in refusal(lambda: services.budget_line_remove(actor=secretariat, line=line), "activity")
    assert done.budget_lines.count() == 1 and done.questions.count() == 5
    assert Initiative.objects.get(pk=done.pk).result == "achieved"


# --- The SSU's decision ------------------------------------------------------------------------------


def test_the_ssu_approves_an_idea_at_a_meeting_and_it_is_approved_from_that_day(
    idea: Initiative, make_user: Callable[..., Any], health_cluster: Any
) -> None:
    member = make_user("ssu_reader", region=health_cluster.region)
    decision = work.ssu_decision_record(
        actor=member, initiative=idea, decision="approved", meeting_date=D(2023, 1, 10), note="Enstemmigt."
    )
    idea.refresh_from_db()
    assert (decision.meeting_date, decision.recorded_by, idea.status) == (D(2023, 1, 10), member, "approved")
    assert idea.approved_on == D(2023, 1, 10)
    actions = set(AuditEntry.objects.filter(actor=member).values_list("action", flat=True))
    assert actions == {"initiative.ssu_decision", "initiative.status"}


def test_a_decision_needs_a_date_that_has_been_and_a_rejection_a_reason(
    idea: Initiative, secretariat: Any
) -> None:
    def record(**changes: Any) -> SsuDecision:
        arguments = {"decision": "rejected", "meeting_date": D(2023, 1, 10), "note": "", **changes}
        return work.ssu_decision_record(actor=secretariat, initiative=idea, **arguments)

    with pytest.raises(ValidationError) as caught:
        record(meeting_date=None)
    errors = caught.value.message_dict
    assert errors["meeting_date"] == ["Mødedato: skriv datoen for SSU-mødet, fx 12.03.2025."]
    assert errors["note"] == ["Bemærkning: skriv SSU's begrundelse for afvisningen."]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert "mødet skal have fundet sted" in refusal(
        lambda: record(meeting_date=tomorrow, note="x"), "meeting_date"
    )
    assert "vælg godkendt, afvist" in refusal(lambda: record(decision="maybe"), "decision")
    record(note="For dyr.")
    assert "allerede registreret en beslutning" in refusal(lambda: record(note="igen"), "meeting_date")
    assert Initiative.objects.get(pk=idea.pk).status == "idea"  # rejected: stays an idea
    assert SsuDecision.objects.count() == 1


def test_only_the_secretariat_and_the_regions_ssu_members_record_a_decision(
    idea: Initiative, make_user: Callable[..., Any], admin_user: Any
) -> None:
    other_region = make_user("ssu_reader", region=Region.objects.get(code="1081"))
    officer = make_user("finance_officer", organisation_code="101")
    for user in (other_region, officer):
        with pytest.raises(PermissionDenied, match="SSU-medlemmer"):
            work.ssu_decision_record(
                actor=user, initiative=idea, decision="noted", meeting_date=D(2023, 1, 1)
            )
    assert not SsuDecision.objects.exists()


def test_the_database_refuses_a_rejection_without_a_note_and_a_decision_without_a_date(
    idea: Initiative, secretariat: Any
) -> None:
    sql = (
        "INSERT INTO health_ssudecision (initiative_id, decision, meeting_date, note, recorded_by_id, "
        "recorded_at) VALUES (%s, %s, %s, %s, %s, %s)"
    )
    for values, constraint in (
        (["rejected", D(2023, 1, 1), ""], "ssu_rejection_has_note"),
        (["approved", None, ""], "meeting_date"),
        (["maybe", D(2023, 1, 1), ""], "ssu_decision_known"),
    ):
        with (
            pytest.raises(IntegrityError, match=constraint),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [idea.pk, *values, secretariat.pk, timezone.now()])
    assert not SsuDecision.objects.exists()


# --- The catalogue ------------------------------------------------------------------------------------


def test_cost_per_citizen_is_the_costs_over_the_paying_municipalities_population(
    guide_initiative: Initiative, secretariat: Any, members: dict[str, Any]
) -> None:
    assert catalogue.unit_cost(guide_initiative).amount is None  # no population yet: nothing to divide by
    services.population_set(actor=secretariat, member=members["101"], year=2022, count=650_001)
    services.population_set(actor=secretariat, member=members["147"], year=2023, count=103_999)
    services.population_set(actor=secretariat, member=members["1084"], year=2023, count=1_900_000)
    found = catalogue.unit_cost(guide_initiative)
    # 3.000.000 / 754.000 = 3,978779840... → 3,98 (the region's count is the same citizens: not added)
    assert (found.basis, found.count, found.year, found.amount) == ("citizen", 754_000, 2023, M("3.98"))


def test_cost_per_participant_rounds_half_up_to_the_ore(
    guide_initiative: Initiative, secretariat: Any
) -> None:
    services.cost_set(
        actor=secretariat,
        initiative=guide_initiative,
        executor=guide_initiative.parties.get(executes=True).member,
        year=2023,
        amount="1000.10",
    )
    work.catalogue_facts_set(
        actor=secretariat, initiative=guide_initiative, contact_name="Anne Berg", participants="8"
    )
    found = catalogue.unit_cost(Initiative.objects.get(pk=guide_initiative.pk))
    assert (found.basis, found.amount) == ("participant", M("125.01"))  # 125,0125 → 125,01
    work.catalogue_facts_set(actor=secretariat, initiative=guide_initiative, participants="16")
    # 62,50625 → 62,51 (half up, not to even)
    assert catalogue.unit_cost(Initiative.objects.get(pk=guide_initiative.pk)).amount == M("62.51")


def test_catalogue_facts_are_checked_naming_the_field(guide_initiative: Initiative, secretariat: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        work.catalogue_facts_set(
            actor=secretariat, initiative=guide_initiative, contact_email="anne@", participants="0"
        )
    errors = caught.value.message_dict
    assert errors["contact_email"][0].startswith("Kontaktpersonens e-mail: skriv en gyldig")
    assert errors["participants"][0].startswith("Antal deltagere: skriv et helt tal større end 0")
    assert errors["contact_name"][0].startswith("Kontaktperson: skriv navnet")
    assert "Adresse: skriv dokumentets fulde adresse" in refusal(
        lambda: work.document_add(
            actor=secretariat, initiative=guide_initiative, title="Rapport", url="rapport.pdf"
        ),
        "url",
    )


@pytest.fixture
def other_cluster(admin_user: Any) -> HealthCluster:
    return services.cluster_create(
        actor=admin_user,
        external_id="SK-NORD",
        name="Sundhedsklynge Nord",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code="851"), Municipality.objects.get(code="860")],
    )


def test_another_cluster_adopts_a_catalogued_initiative_as_a_new_idea_with_a_link_back(
    guide_initiative: Initiative,
    secretariat: Any,
    other_cluster: HealthCluster,
    make_user: Callable[..., Any],
) -> None:
    source = reported(guide_initiative, secretariat)
    adopter = make_user("health_secretariat", username="nord", health_cluster=other_cluster)
    assert "jeres egen" in refusal(
        lambda: work.initiative_adopt(actor=secretariat, source=source, cluster=source.cluster),
        "cluster",
    )
    with pytest.raises(PermissionDenied):
        work.initiative_adopt(actor=secretariat, source=source, cluster=other_cluster)
    new = work.initiative_adopt(actor=adopter, source=source, cluster=other_cluster)
    assert (new.status, new.cluster, new.adopted_from, new.title) == (
        "idea",
        other_cluster,
        source,
        source.title,
    )
    assert new.starts_on == D(timezone.localdate().year + 1, 1, 1)
    assert new.ends_on - new.starts_on == source.ends_on - source.starts_on
    parties = {
        (p.member.code, p.executes, p.pays) for p in new.parties.select_related("member__municipality")
    }
    assert parties == {("1081", False, True), ("851", True, True), ("860", True, True)}
    assert [q.answer for q in new.questions.exclude(standard="challenge")] == [""] * 4
    assert not new.costs.exists() and not new.budget_lines.exists()
    assert [a.cluster for a in catalogue.adopters(source)] == [other_cluster]
    entry = AuditEntry.objects.get(action="initiative.adopt", object_id=str(new.pk))
    assert entry.after["adopted_from"] == source.pk and entry.actor == adopter
    running = Initiative.objects.filter(status="idea").exclude(pk=new.pk).first()
    assert running is None or "kun evaluerede" in refusal(
        lambda: work.initiative_adopt(actor=adopter, source=running, cluster=other_cluster), "source"
    )


def test_the_catalogue_csv_has_one_row_per_initiative_in_the_documented_layout(
    guide_initiative: Initiative, secretariat: Any, other_cluster: HealthCluster, admin_user: Any
) -> None:
    source = reported(guide_initiative, secretariat)
    work.catalogue_facts_set(
        actor=secretariat,
        initiative=source,
        contact_name="Anne Berg",
        contact_email="anne@kk.dk",
        participants="1200",
    )
    work.document_add(
        actor=secretariat, initiative=source, title="Evalueringsrapport", url="https://kk.dk/rapport.pdf"
    )
    work.initiative_adopt(actor=admin_user, source=source, cluster=other_cluster)
    text = catalogue.catalogue_csv([Initiative.objects.get(pk=source.pk)])
    assert text.startswith("\ufeffId;Titel;Sundhedsklynge;Region;Tema;Start;Slut;Status;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, row = rows[0], rows[1]
    assert header == catalogue.HEADER and len(rows) == 2
    record = dict(zip(header, row, strict=True))
    assert record["Faktiske udgifter"] == "3000000,00" and record["Enhed"] == "deltager"
    assert record["Antal"] == "1200" and record["Udgift pr. enhed"] == "2500,00"
    assert record["Overtaget af"] == "Sundhedsklynge Nord" and record["Status"] == "Afrapporteret til SSU"
    assert record["Afrapporteret til SSU"] == "2024-03-01" and record["Kontaktperson"] == "Anne Berg"
    assert record["Dokumenter"] == "Evalueringsrapport <https://kk.dk/rapport.pdf>"
