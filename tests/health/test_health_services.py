"""Health-cluster services: the guide's example from stored facts, funds by key, carry-over, budget
lines, and every bad input of issue #4 refused with a message naming the field, nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klynge.audit.models import AuditEntry
from klynge.health import selectors, services
from klynge.health.models import ActualCost, BudgetLine, CarryOver, CommonFund, EvaluationQuestion, Initiative

D = dt.date
M = Decimal


def test_the_guides_example_comes_out_exactly_from_the_stored_facts(
    guide_initiative: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    result = selectors.settlement(health_cluster, year=2023)
    totals = {members_code: result.members[str(m.pk)] for members_code, m in members.items()}
    assert (totals["101"].income, totals["101"].expense, totals["101"].net_frame_impact) == (
        M("2000000.00"),
        M("3000000.00"),
        M("1000000.00"),
    )
    for payer in ("147", "1084"):
        assert (totals[payer].income, totals[payer].expense, totals[payer].net_frame_impact) == (
            0,
            M("1000000.00"),
            M("1000000.00"),
        )
    assert sum(p.amount for p in result.postings if p.kind in {"4.7", "4.8", "7.7", "7.8"}) == 0


def test_a_new_initiative_gets_the_guides_five_evaluation_questions(guide_initiative: Any) -> None:
    standards = list(guide_initiative.questions.values_list("standard", flat=True))
    assert standards == ["challenge", "criteria", "measure", "when", "responsible"]
    assert AuditEntry.objects.filter(action="initiative.save", object_id=str(guide_initiative.pk)).exists()


def test_funds_from_a_pot_by_population_sum_to_the_pot_to_the_ore(
    secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    for code, count in (("1084", 1_850_000), ("101", 650_000), ("147", 105_000)):
        services.population_set(actor=secretariat, member=members[code], year=2024, count=count)
    funds = services.funds_distribute(
        actor=secretariat, cluster=health_cluster, year=2024, pot="1000000.01", key_type="population"
    )
    assert sum(f.amount for f in funds) == M("1000000.01")
    assert [f.amount for f in funds] == sorted((f.amount for f in funds), reverse=True)


def test_a_pot_by_population_without_population_names_the_members_and_stores_nothing(
    secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    services.population_set(actor=secretariat, member=members["101"], year=2024, count=650_000)
    with pytest.raises(ValidationError) as caught:
        services.funds_distribute(
            actor=secretariat, cluster=health_cluster, year=2024, pot="1000", key_type="population"
        )
    message = caught.value.message_dict["key"][0]
    assert (
        "indbyggertal mangler" in message and "Frederiksberg" in message and "Region Hovedstaden" in message
    )
    assert not CommonFund.objects.exists()


@pytest.mark.parametrize(
    ("percents", "message"),
    [
        ({"1084": "50", "101": "30", "147": "10"}, "skal give 100 % i alt; de giver 90"),
        ({"1084": "50", "101": "30", "147": "20,00001"}, "højst fire decimaler"),
        ({"1084": "-10", "101": "60", "147": "50"}, "kan ikke være negativ"),
        ({"1084": "1e1", "101": "60", "147": "30"}, "skriv et tal, fx 33,3333"),
        ({"1084": "Infinity", "101": "60", "147": "30"}, "skriv et tal, fx 33,3333"),
    ],
)
def test_a_percentage_key_that_does_not_sum_to_100_is_refused(
    secretariat: Any, health_cluster: Any, members: dict[str, Any], percents: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.initiative_save(
            actor=secretariat,
            cluster=health_cluster,
            title="Indsats",
            function_code="4.62.88",
            key_type="percent",
            starts_on=D(2024, 1, 1),
            ends_on=D(2024, 12, 31),
            parties=[services.Party(members[c], executes=c == "101", percent=p) for c, p in percents.items()],
        )
    assert message in " ".join(caught.value.messages)
    assert not Initiative.objects.exists()


def test_an_unknown_function_code_and_a_backwards_period_are_refused_together(
    secretariat: Any, health_cluster: Any, members: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.initiative_save(
            actor=secretariat,
            cluster=health_cluster,
            title="Indsats",
            function_code="9.99.99",
            key_type="equal",
            starts_on=D(2024, 6, 1),
            ends_on=D(2024, 1, 1),
            parties=[services.Party(members["101"], executes=True)],
        )
    assert "9.99.99 findes ikke i kontoplanen" in caught.value.message_dict["function_code"][0]
    assert "efter start" in caught.value.message_dict["ends_on"][0]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.0015", "højst to decimaler"),
        ("520.000", "kan læses på to måder; skriv 520.000,00"),
        ("-5", "0 eller mere"),
        ("99999999999", "urealistisk stort"),
        ("abc", "et beløb"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any], amount: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.cost_set(
            actor=secretariat, initiative=guide_initiative, executor=members["101"], year=2023, amount=amount
        )
    assert message in caught.value.message_dict["amount"][0]
    assert ActualCost.objects.get().amount == M("3000000.00")


def test_costs_outside_the_period_or_by_a_non_executing_member_are_refused(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.cost_set(
            actor=secretariat, initiative=guide_initiative, executor=members["147"], year=2025, amount="10"
        )
    assert "uden for indsatsens periode (2023–2023)" in caught.value.message_dict["year"][0]
    assert "ikke udførende part" in caught.value.message_dict["executor"][0]
    assert ActualCost.objects.count() == 1


def test_budget_lines_by_hourly_rate_and_by_salary_are_rounded_per_line(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any]
) -> None:
    by_rate = services.budget_line_add(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        activity="Projektleder",
        hours="120,5",
        hourly_rate="452,33",
    )
    assert by_rate.amount == (M("120.5") * M("452.33")).quantize(
        M("0.01"), rounding=ROUND_HALF_UP
    )  # 54.505,765
    by_salary = services.budget_line_add(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        activity="Sygeplejerske",
        hours="100",
        annual_salary="480000",
        annual_norm_hours=1924,
    )
    assert by_salary.amount == M("24948.02")  # 100 × 480.000 / 1.924 = 24.948,024… → half up
    with pytest.raises(ValidationError) as caught:
        services.budget_line_add(
            actor=secretariat,
            initiative=guide_initiative,
            executor=members["101"],
            year=2023,
            activity="",
            hours="0",
        )
    assert set(caught.value.message_dict) == {"activity", "hours", "hourly_rate"}
    assert BudgetLine.objects.count() == 2


def test_carry_over_needs_the_members_own_finance_officer_and_never_exceeds_the_unused(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any], finance: Any
) -> None:
    services.funds_set(actor=secretariat, member=members["147"], year=2023, amount="1200000")
    frederiksberg, kobenhavn = finance("147"), finance("101")
    with pytest.raises(PermissionDenied, match="Kun Frederiksberg' økonomimedarbejder kan bekræfte"):
        services.carry_over_confirm(actor=kobenhavn, member=members["147"], from_year=2023, amount="1000")
    with pytest.raises(PermissionDenied, match="Kun Frederiksberg' økonomimedarbejder kan bekræfte"):
        services.carry_over_confirm(actor=secretariat, member=members["147"], from_year=2023, amount="1000")
    with pytest.raises(ValidationError) as caught:
        services.carry_over_confirm(
            actor=frederiksberg, member=members["147"], from_year=2023, amount="200000.01"
        )
    assert "mere end de 200.000,00 kr." in caught.value.message_dict["amount"][0]
    assert not CarryOver.objects.exists()
    carried = services.carry_over_confirm(
        actor=frederiksberg, member=members["147"], from_year=2023, amount="200000"
    )
    assert carried.confirmed_by == frederiksberg
    row = selectors.member_year(members["147"], 2024)
    assert row.carried_in == M("200000.00")
    with pytest.raises(ValidationError, match=r"from_year.*allerede bekræftet for Frederiksberg"):
        services.carry_over_confirm(actor=frederiksberg, member=members["147"], from_year=2023, amount="1")


def test_another_clusters_secretariat_and_readers_cannot_change_anything(
    guide_initiative: Any, make_user: Any, members: dict[str, Any], admin_user: Any, health_cluster: Any
) -> None:
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    other = services.cluster_create(
        actor=admin_user,
        external_id="SK-NORD",
        name="Nord",
        region=Region.objects.get(code="1081"),
        municipalities=[Municipality.objects.get(code="851")],
    )
    outsider = make_user("health_secretariat", health_cluster=other)
    reader = make_user("ssu_reader", region=health_cluster.region)
    for actor in (outsider, reader):
        with pytest.raises(PermissionDenied, match="Du har ikke adgang til sundhedsklyngen"):
            services.cost_set(
                actor=actor, initiative=guide_initiative, executor=members["101"], year=2023, amount="1"
            )
    assert ActualCost.objects.get().amount == M("3000000.00")


def test_status_moves_along_the_lifecycle_and_evaluation_comes_before_evaluated(
    guide_initiative: Any, secretariat: Any
) -> None:
    assert guide_initiative.status == "running"  # approved and started by the fixture, with costs
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="completed")
    with pytest.raises(ValidationError) as caught:
        services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="evaluated")
    assert "skriv resultatet" in caught.value.message_dict["status"][0]
    question = guide_initiative.questions.get(standard="criteria")
    services.evaluation_save(
        actor=secretariat,
        initiative=guide_initiative,
        answers={question.pk: "Færre genindlæggelser"},
        result="achieved",
        result_summary="Målet er nået.",
        recommend_spread=True,
    )
    services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="evaluated")
    services.initiative_status_set(
        actor=secretariat, initiative=guide_initiative, status="reported", reported_on=D(2024, 3, 1)
    )
    guide_initiative.refresh_from_db()
    assert guide_initiative.status == "reported" and guide_initiative.reported_on == D(2024, 3, 1)
    assert EvaluationQuestion.objects.get(pk=question.pk).answer == "Færre genindlæggelser"
    with pytest.raises(ValidationError, match=r"status.*kan ikke blive i gang"):
        services.initiative_status_set(actor=secretariat, initiative=guide_initiative, status="running")
