"""Issue #9 §5: a booked year is frozen; corrections are explicit. Every fact a posted settlement was
computed from is refused with a message that says why and how to correct it; the correction is a
reversal asked for with a reason and approved by a second person (service and CHECK constraint);
confirmed carry-overs are checked again on every change; a carry-over is withdrawn by its confirmer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from klynge.audit.models import AuditEntry
from klynge.health import selectors, services
from klynge.health.models import ActualCost, CarryOver, CommonFund, Population, SettlementPosting
from klynge.ledger.models import JournalEntry

pytestmark = pytest.mark.django_db

D = dt.date
M = Decimal
HOW = "Ret dem ved at tilbageføre bilaget under Rapporter og bogføring"


@pytest.fixture
def posted(guide_initiative: Any, secretariat: Any, health_cluster: Any, members: dict[str, Any]) -> Any:
    for code in ("1084", "101", "147"):
        services.population_set(actor=secretariat, member=members[code], year=2023, count=1000)
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount="1500000")
    return services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)


def refused(call: Callable[[], Any], field: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict[field][0]


def test_every_fact_of_a_posted_year_is_refused_saying_why_and_how(
    posted: Any,
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
    finance: Callable[[str], Any],
) -> None:
    audit = AuditEntry.objects.count()
    cases = [
        (
            lambda: services.population_set(actor=secretariat, member=members["101"], year=2023, count=5),
            "count",
            "Indbyggere",
        ),
        (
            lambda: services.funds_set(actor=secretariat, member=members["101"], year=2023, amount="1"),
            "amount",
            "Fælles midler",
        ),
        (
            lambda: services.funds_distribute(
                actor=secretariat, cluster=health_cluster, year=2023, pot="3", key_type="equal"
            ),
            "pot",
            "Pulje",
        ),
        (
            lambda: services.cost_set(
                actor=secretariat, initiative=guide_initiative, executor=members["101"], year=2023, amount="1"
            ),
            "year",
            "Faktiske udgifter",
        ),
        (
            lambda: services.initiative_save(
                actor=secretariat,
                cluster=health_cluster,
                initiative=guide_initiative,
                title=guide_initiative.title,
                function_code="4.62.88",
                key_type="population",
                starts_on=D(2023, 1, 1),
                ends_on=D(2023, 12, 31),
                parties=[services.Party(m, executes=m.code == "101") for m in members.values()],
            ),
            "parties",
            "Parter, fordelingsnøgle og funktion",
        ),
        (
            lambda: services.carry_over_confirm(
                actor=finance("101"), member=members["101"], from_year=2023, amount="1"
            ),
            "from_year",
            "Videreførsel",
        ),
    ]
    for call, field, label in cases:
        message = refused(call, field)
        assert message.startswith(f"{label}: afregningen for 2023 er bogført (bilag 1)"), message
        assert HOW in message and "en anden person har godkendt" in message
    assert AuditEntry.objects.count() == audit
    assert Population.objects.get(member=members["101"], year=2023).count == 1000
    assert CommonFund.objects.get(member=members["101"], year=2023).amount == M("1500000.00")
    assert ActualCost.objects.get().amount == M("3000000.00")
    guide_initiative.refresh_from_db()
    assert guide_initiative.key_type == "equal" and not CarryOver.objects.exists()


def test_a_title_may_change_and_next_years_facts_are_free(
    posted: Any, secretariat: Any, health_cluster: Any, members: dict[str, Any], guide_initiative: Any
) -> None:
    services.initiative_save(
        actor=secretariat,
        cluster=health_cluster,
        initiative=guide_initiative,
        title="Nyt navn",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
        parties=[services.Party(m, executes=m.code == "101") for m in members.values()],
    )
    services.population_set(actor=secretariat, member=members["101"], year=2024, count=7)
    guide_initiative.refresh_from_db()
    assert guide_initiative.title == "Nyt navn"
    assert Population.objects.get(member=members["101"], year=2024).count == 7


def test_a_reversal_is_asked_with_a_reason_approved_by_another_and_the_year_is_posted_again(
    posted: Any,
    secretariat: Any,
    make_user: Callable[..., Any],
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
) -> None:
    colleague = make_user("health_secretariat", username="kollega", health_cluster=health_cluster)
    message = refused(
        lambda: services.settlement_reversal_request(
            actor=secretariat, cluster=health_cluster, year=2023, reason="  "
        ),
        "reason",
    )
    assert message.startswith("Begrundelse: skriv, hvad der skal rettes")
    message = refused(
        lambda: services.settlement_reversal_approve(actor=colleague, cluster=health_cluster, year=2023),
        "year",
    )
    assert "bed først om tilbageførsel" in message
    services.settlement_reversal_request(
        actor=secretariat, cluster=health_cluster, year=2023, reason="Forkert udgift fra København"
    )
    message = refused(
        lambda: services.settlement_reversal_approve(actor=secretariat, cluster=health_cluster, year=2023),
        "year",
    )
    assert message.startswith("Godkendelse: du bad selv om tilbageførslen af 2023")
    assert services.posted_year(health_cluster, 2023) is not None  # still frozen while asked

    services.settlement_reversal_approve(actor=colleague, cluster=health_cluster, year=2023)
    posted.refresh_from_db()
    reversal = posted.reversal_entry
    assert reversal is not None and reversal.reverses == posted.entry and reversal.date == posted.entry.date
    assert posted.reversal_approved_by == colleague and posted.reversal_requested_by == secretariat
    assert sorted(p.amount for p in reversal.postings.all()) == sorted(
        -p.amount for p in posted.entry.postings.all()
    )
    # the year is open: corrected and posted again, and every figure follows the new voucher
    services.cost_set(
        actor=secretariat,
        initiative=guide_initiative,
        executor=members["101"],
        year=2023,
        amount="2999999.99",
    )
    again = services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    assert again.entry.voucher_number == 3
    assert sum(r.spent for r in selectors.cluster_year(health_cluster, 2023)) == M("2999999.99")
    assert SettlementPosting.objects.filter(cluster=health_cluster, year=2023).count() == 2
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"health.settlement_reversal_request", "health.settlement_reversal_approve"} <= actions


def test_a_reversal_request_can_be_cancelled_and_a_reader_may_not_ask(
    posted: Any, secretariat: Any, health_cluster: Any, make_user: Callable[..., Any]
) -> None:
    services.settlement_reversal_request(actor=secretariat, cluster=health_cluster, year=2023, reason="Fejl")
    message = refused(
        lambda: services.settlement_reversal_request(
            actor=secretariat, cluster=health_cluster, year=2023, reason="Igen"
        ),
        "year",
    )
    assert "allerede bedt om" in message
    services.settlement_reversal_cancel(actor=secretariat, cluster=health_cluster, year=2023)
    posted.refresh_from_db()
    assert posted.reversal_requested_by is None and posted.reversal_reason == ""
    reader = make_user("ssu_reader", username="ssu", region=health_cluster.region)
    with pytest.raises(PermissionDenied, match="ikke adgang"):
        services.settlement_reversal_request(actor=reader, cluster=health_cluster, year=2023, reason="x")
    assert refused(
        lambda: services.settlement_reversal_request(
            actor=secretariat, cluster=health_cluster, year=2024, reason="x"
        ),
        "year",
    ).startswith("År: afregningen for 2024 er ikke bogført")


def _raw_fails(sql: str, params: list[Any], constraint: str) -> None:
    """The statement is refused by the database with a message matching ``constraint`` (a constraint's
    name; for a unique index SQLite names its columns instead)."""
    expected = constraint
    with pytest.raises(IntegrityError, match=expected), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_an_approval_by_the_requester_and_a_second_standing_posting(
    posted: Any, secretariat: Any, health_cluster: Any, make_user: Callable[..., Any]
) -> None:
    other = make_user("health_secretariat", username="kollega", health_cluster=health_cluster)
    now = timezone.now()
    services.settlement_reversal_request(actor=secretariat, cluster=health_cluster, year=2023, reason="Fejl")
    spare = JournalEntry.objects.exclude(pk=posted.entry_id).first()
    assert spare is None  # only the voucher exists; the raw approval below reuses it as "reversal"
    table = "health_settlementposting"
    _raw_fails(
        f"UPDATE {table} SET reversal_approved_by_id = %s, reversal_approved_at = %s, "
        "reversal_entry_id = %s WHERE id = %s",
        [secretariat.pk, now, posted.entry_id, posted.pk],
        "health_reversal_second_person",
    )
    _raw_fails(  # approved without a reversal voucher
        f"UPDATE {table} SET reversal_approved_by_id = %s, reversal_approved_at = %s WHERE id = %s",
        [other.pk, now, posted.pk],
        "health_reversal_entry_when_approved",
    )
    _raw_fails(  # asked without a reason
        f"UPDATE {table} SET reversal_reason = '' WHERE id = %s",
        [posted.pk],
        "health_reversal_requested_with_reason",
    )
    other_entry = JournalEntry.objects.create(
        ledger=posted.entry.ledger, voucher_number=2, date=posted.entry.date, text="x"
    )
    _raw_fails(  # a second posting of a year that stands (its own voucher: only the year repeats)
        f"INSERT INTO {table} (cluster_id, year, entry_id, posted_by_id, posted_at, reversal_reason) "
        "VALUES (%s, 2023, %s, %s, %s, '')",
        [health_cluster.pk, other_entry.pk, secretariat.pk, now],
        "health_settlement_posted_once|health_settlementposting.cluster_id, health_settlementposting.year",
    )
    posted.refresh_from_db()
    assert posted.reversal_approved_by is None and posted.reversal_reason == "Fejl"


# --- Carry-overs ---------------------------------------------------------------------------------------


@pytest.fixture
def carried(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any], finance: Callable[[str], Any]
) -> tuple[Any, Any]:
    """København has 1.500.000 of funds in 2023, spends its 1.000.000 share, carries 400.000 on."""
    for code in ("1084", "101", "147"):
        services.funds_set(actor=secretariat, member=members[code], year=2023, amount="1500000")
    officer = finance("101")
    carry = services.carry_over_confirm(actor=officer, member=members["101"], from_year=2023, amount="400000")
    return carry, officer


def test_a_change_leaving_less_unused_than_was_carried_is_refused_with_the_figures(
    carried: tuple[Any, Any],
    secretariat: Any,
    health_cluster: Any,
    members: dict[str, Any],
    guide_initiative: Any,
) -> None:
    figures = "men 400.000,00 kr. er bekræftet videreført til 2024"
    message = refused(
        lambda: services.funds_set(actor=secretariat, member=members["101"], year=2023, amount="1399999.99"),
        "amount",
    )
    assert message.startswith("Fælles midler: ændringen ville give København")
    assert (
        "399.999,99 kr. tilbage af 2023" in message and figures in message and "trække den tilbage" in message
    )
    message = refused(
        lambda: services.cost_set(
            actor=secretariat,
            initiative=guide_initiative,
            executor=members["101"],
            year=2023,
            amount="3300000.03",
        ),
        "amount",
    )
    assert "399.999,99 kr. tilbage af 2023" in message and figures in message
    message = refused(
        lambda: services.funds_distribute(
            actor=secretariat, cluster=health_cluster, year=2023, pot="3000000", key_type="equal"
        ),
        "pot",
    )
    assert "0,00 kr. tilbage af 2023" in message and figures in message
    message = refused(
        lambda: services.initiative_save(
            actor=secretariat,
            cluster=health_cluster,
            initiative=guide_initiative,
            title=guide_initiative.title,
            function_code="4.62.88",
            key_type="percent",
            starts_on=D(2023, 1, 1),
            ends_on=D(2023, 12, 31),
            parties=[
                services.Party(members["1084"], percent="10"),
                services.Party(members["101"], executes=True, percent="80"),
                services.Party(members["147"], percent="10"),
            ],
        ),
        "parties",
    )
    assert "tilbage af 2023" in message and figures in message
    for code in ("1084", "101", "147"):
        services.population_set(actor=secretariat, member=members[code], year=2023, count=10)
    # a change that leaves enough unused goes through
    services.funds_set(actor=secretariat, member=members["101"], year=2023, amount="1400000.00")
    assert CommonFund.objects.get(member=members["101"], year=2023).amount == M("1400000.00")
    assert ActualCost.objects.get().amount == M("3000000.00")


def test_a_carry_over_is_withdrawn_by_its_confirmer_with_a_reason_only(
    carried: tuple[Any, Any],
    secretariat: Any,
    members: dict[str, Any],
    finance: Callable[[str], Any],
    guide_initiative: Any,
) -> None:
    carry, officer = carried
    with pytest.raises(PermissionDenied, match="Kun den økonomimedarbejder, der bekræftede"):
        services.carry_over_withdraw(actor=finance("101"), carry_over=carry, reason="Fejl")
    assert refused(
        lambda: services.carry_over_withdraw(actor=officer, carry_over=carry, reason=" "), "reason"
    ).startswith("Begrundelse: skriv, hvorfor")
    services.carry_over_withdraw(actor=officer, carry_over=carry, reason="Rådighedsbeløbet blev mindre")
    carry.refresh_from_db()
    assert carry.withdrawn_by == officer and carry.withdrawal_reason == "Rådighedsbeløbet blev mindre"
    assert selectors.member_year(members["101"], 2024).carried_in == 0
    # the change refused before now goes through, and a smaller amount can be confirmed
    services.funds_set(actor=secretariat, member=members["101"], year=2023, amount="1200000")
    services.carry_over_confirm(actor=officer, member=members["101"], from_year=2023, amount="200000")
    assert CarryOver.objects.filter(withdrawn_at__isnull=True).get().amount == M("200000.00")
    assert refused(
        lambda: services.carry_over_withdraw(actor=officer, carry_over=carry, reason="igen"), "reason"
    ).startswith("Videreførslen er allerede trukket tilbage")


def test_withdrawing_is_refused_when_the_next_years_carry_over_needs_it(
    carried: tuple[Any, Any], secretariat: Any, members: dict[str, Any]
) -> None:
    carry, officer = carried
    services.funds_set(actor=secretariat, member=members["101"], year=2024, amount="100000")
    services.carry_over_confirm(actor=officer, member=members["101"], from_year=2024, amount="450000")
    message = refused(
        lambda: services.carry_over_withdraw(actor=officer, carry_over=carry, reason="Fejl"), "reason"
    )
    assert "ændringen ville give København 100.000,00 kr. tilbage af 2024" in message
    assert "men 450.000,00 kr. er bekræftet videreført til 2025" in message
    carry.refresh_from_db()
    assert carry.withdrawn_at is None


def test_nothing_is_carried_out_of_a_year_that_has_not_ended(
    guide_initiative: Any, secretariat: Any, members: dict[str, Any], finance: Callable[[str], Any]
) -> None:
    this_year = timezone.localdate().year
    services.funds_set(actor=secretariat, member=members["101"], year=this_year, amount="1000")
    message = refused(
        lambda: services.carry_over_confirm(
            actor=finance("101"), member=members["101"], from_year=this_year, amount="10"
        ),
        "from_year",
    )
    assert message.startswith(f"Fra år: {this_year} er ikke slut endnu")
    assert f"1. januar {this_year + 1}" in message and not CarryOver.objects.exists()


def test_the_database_lets_only_the_confirmer_withdraw(carried: tuple[Any, Any], secretariat: Any) -> None:
    carry, _officer = carried
    _raw_fails(
        "UPDATE health_carryover SET withdrawn_by_id = %s, withdrawn_at = %s, withdrawal_reason = 'x' "
        "WHERE id = %s",
        [secretariat.pk, timezone.now(), carry.pk],
        "carry_over_withdrawn_by_confirmer",
    )
    carry.refresh_from_db()
    assert carry.withdrawn_at is None


def test_the_refusals_are_in_english_too(posted: Any, secretariat: Any, members: dict[str, Any]) -> None:
    from django.utils import translation

    with translation.override("en"):
        message = refused(
            lambda: services.population_set(actor=secretariat, member=members["101"], year=2023, count=5),
            "count",
        )
    assert message.startswith("Inhabitants: the settlement for 2023 is posted (voucher 1)"), message
    assert "reversing the voucher under Reports and posting" in message
