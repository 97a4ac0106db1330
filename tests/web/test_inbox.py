"""The first page after login (#13): what is waiting, per role assignment, linked to the task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klynge.health import services as health_services
from klynge.payouts import runs

D = dt.date


def home(client: Client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_approver_sees_the_run_to_approve_until_it_is_approved(
    login: Callable[[Any], Client], officer: Any, approver: Any, cluster: Any, region: Any
) -> None:
    client = login(approver)
    assert "Intet venter på dig her." in home(client)
    run = runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())
    html = home(client)
    link = reverse("run_detail", args=[run.pk])
    assert "venter på din godkendelse" in html and f'href="{link}"' in html
    assert client.get(link).status_code == 200
    runs.run_approve(actor=approver, run=run)
    assert link not in home(client)
    # the officer now sees it waiting to be released
    assert f'href="{link}"' in home(login(officer))


def test_the_officer_sees_a_newly_completed_cluster_and_new_documents(
    login: Callable[[Any], Client], officer: Any, cluster: Any
) -> None:
    type(cluster).objects.filter(pk=cluster.pk).update(status="completed", completed_on=timezone.localdate())
    html = home(login(officer))
    assert f"{cluster.name} blev færdigmeldt" in html
    assert reverse("cluster_detail", args=[cluster.pk]) in html


def test_the_coordinator_sees_the_missing_items_then_what_a_new_practice_will_be_paid(
    login: Callable[[Any], Client], coordinator: Any, cluster: Any
) -> None:
    from klynge.registry import services

    client = login(coordinator)
    html = home(client)
    assert "Mindst én praksis registreret: Tilføj klyngens praksis." in html
    assert f'href="{reverse("completion", args=[cluster.pk])}"' in html
    today = timezone.localdate()
    joined = D(today.year + 1, 1, 1)
    services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="081191",
        name="Praksis Ny",
        capacities=2,
        joined=joined,
        today=today,
    )
    type(cluster).objects.filter(pk=cluster.pk).update(status="completed", completed_on=D(2019, 1, 1))
    html = home(client)
    assert "Mindst én praksis" not in html  # completed: no checklist
    preview = runs.preview(type(cluster).objects.filter(pk=cluster.pk), D(joined.year, 12, 31))
    lines = [line for p in preview.payouts for line in p.lines if line.practice == "081191"]
    if lines:
        assert "Praksis 081191 får tilskud fra 1. januar" in html
        assert f"{joined.year}, ca. " in html and " kr." in html
    else:
        assert "Praksis 081191 får endnu ikke tilskud" in html


@pytest.fixture
def health_cluster(admin_user: Any) -> Any:
    from klynge.health.models import Municipality
    from klynge.registry.models import Region

    return health_services.cluster_create(
        actor=admin_user,
        external_id="SK-INDBAKKE",
        name="Sundhedsklynge Indbakke",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code="101"), Municipality.objects.get(code="147")],
    )


@pytest.fixture
def idea(admin_user: Any, health_cluster: Any) -> Any:
    members = {m.code: m for m in health_cluster.members.all()}
    year = timezone.localdate().year
    return health_services.initiative_save(
        actor=admin_user,
        cluster=health_cluster,
        title="Tidlig opsporing",
        function_code="4.62.88",
        key_type="equal",
        starts_on=D(year - 1, 1, 1),
        ends_on=D(year, 12, 31),
        parties=[health_services.Party(m, executes=code == "101") for code, m in members.items()],
    )


def test_the_secretariat_sees_initiatives_waiting_for_a_decision_costs_and_evaluation(
    login: Callable[[Any], Client], make_user: Callable[..., Any], health_cluster: Any, idea: Any
) -> None:
    client = login(make_user("health_secretariat", health_cluster=health_cluster))
    url = reverse("health_initiative_detail", args=[health_cluster.pk, idea.pk])
    html = home(client)
    assert "Tidlig opsporing venter på en beslutning i SSU" in html and url in html
    type(idea).objects.filter(pk=idea.pk).update(status="completed")
    html = home(client)
    assert "Tidlig opsporing venter på evaluering" in html
    assert f"Tidlig opsporing mangler de faktiske udgifter for {timezone.localdate().year - 1}" in html
    assert client.get(url).status_code == 200


def test_the_ssu_member_sees_the_new_reports_no_longer_nothing_for_the_role(
    login: Callable[[Any], Client], make_user: Callable[..., Any], health_cluster: Any, idea: Any
) -> None:
    client = login(make_user("ssu_reader", region=health_cluster.region))
    html = home(client)
    assert "ingen sider til din rolle" not in html and "Intet venter på dig her." in html
    type(idea).objects.filter(pk=idea.pk).update(status="reported", reported_on=timezone.localdate())
    html = home(client)
    url = reverse("health_initiative_detail", args=[health_cluster.pk, idea.pk])
    assert "Ny afrapportering: Tidlig opsporing" in html and url in html
    assert client.get(url).status_code == 200


def test_the_finance_officer_sees_last_years_unused_funds_to_confirm_until_confirmed(
    login: Callable[[Any], Client], make_user: Callable[..., Any], admin_user: Any, health_cluster: Any
) -> None:
    from decimal import Decimal

    member = health_cluster.members.get(municipality__code="147")
    year = timezone.localdate().year - 1
    health_services.funds_set(actor=admin_user, member=member, year=year, amount="5000.00")
    officer = make_user("finance_officer", organisation_code="147")
    client = login(officer)
    html = home(client)
    assert f"5.000,00 kr. ubrugt fra {year}" in html and reverse("health_finance") in html
    health_services.carry_over_confirm(
        actor=officer, member=member, from_year=year, amount=Decimal("5000.00")
    )
    assert "ubrugt fra" not in home(client)


def test_several_assignments_each_get_their_section(
    login: Callable[[Any], Client], make_user: Callable[..., Any], region: Any, cluster: Any
) -> None:
    from klynge.accounts.models import RoleAssignment

    user = make_user("region_approver", region=region)
    RoleAssignment.objects.create(user=user, role="ssu_reader", region=region)
    html = home(login(user))
    assert "Regional godkender, Region Nordjylland" in html
    assert "SSU-medlem / medformand, Region Nordjylland" in html


def test_the_officer_sees_overdue_claims_and_years_without_a_rate(
    login: Callable[[Any], Client], officer: Any, approver: Any, cluster: Any, region: Any
) -> None:
    from decimal import Decimal

    from klynge.payouts.models import PayoutRun, RepaymentClaim
    from klynge.payouts.rates import missing_rates

    today = timezone.localdate()
    run = PayoutRun.objects.create(
        region=region,
        run_date=today - dt.timedelta(days=40),
        status=PayoutRun.Status.RELEASED,
        prepared_by=officer,
        approved_by=approver,
        approved_at=timezone.now(),
        released_by=officer,
        released_at=timezone.now(),
    )
    claim = RepaymentClaim.objects.create(
        run=run,
        cluster=cluster,
        amount=Decimal("100.00"),
        reason="startup_fee_repayment",
        rule="A7",
        due_on=today - dt.timedelta(days=1),
    )
    client = login(officer)
    html = home(client)
    assert "1 krav er ikke betalt til fristen" in html
    assert reverse("region_dashboard", args=[region.code]) in html
    for missing in missing_rates(region):
        assert missing.message() in html
    claim.repayments.create(amount=Decimal("100.00"), received_on=today, recorded_by=officer)
    assert "ikke betalt til fristen" not in home(client)
