"""Every service refuses a date outside the window (2000-01-01 to 31 December five years ahead) and
an amount in scientific notation, with a Danish message naming the field and the fix, and stores
nothing (#9 §6). The import reads the same window."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from klynge.audit.models import AuditEntry
from klynge.common.dates import window
from klynge.payouts import runs
from klynge.payouts import services as payout_services
from klynge.payouts.models import FundingScheme, PayoutRun, SchemeRate
from klynge.registry import scenario_io, services
from klynge.registry.models import CapacityRecord, GpCluster, Membership, PatientCount, Practice

D = dt.date
LATE = D(9999, 12, 31)
EARLY = D(1999, 12, 31)


def last_text() -> str:
    return f"31. december {window().last.year}"


def refused(caught: pytest.ExceptionInfo[ValidationError], field: str, label: str) -> str:
    """The message on ``field``, checked to name the field, the window and what was typed."""
    message = caught.value.message_dict[field][0]
    assert message.startswith(f"{label}: datoen skal ligge mellem 1. januar 2000 og {last_text()}")
    assert "du skrev" in message and "Ret årstallet." in message
    return message


def test_the_window_comes_from_the_settings() -> None:
    assert window(D(2026, 12, 6)).first == D(2000, 1, 1)
    assert window(D(2026, 12, 6)).last == D(2031, 12, 31)
    with override_settings(KLYNGE_DATE_MIN=D(2010, 1, 1), KLYNGE_DATE_MAX_YEARS_AHEAD=1):
        assert window(D(2026, 12, 6)).first == D(2010, 1, 1)
        assert window(D(2026, 12, 6)).last == D(2027, 12, 31)
    with override_settings(KLYNGE_DATE_MIN=D(1900, 1, 1), KLYNGE_DATE_MAX_YEARS_AHEAD=500):
        # never wider than the database's own window
        assert window(D(2026, 12, 6)).first == D(2000, 1, 1)
        assert window(D(2026, 12, 6)).last == D(2100, 12, 31)


# --- Registry ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("founded_on", [LATE, EARLY])
def test_a_cluster_founded_outside_the_window_is_refused(
    officer: Any, region: Any, founded_on: dt.date
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.cluster_create(
            actor=officer,
            region=region,
            name="Klynge X",
            founded_on=founded_on,
            coordinator_email="x@example.dk",
            nemkonto_confirmed_on=LATE,
        )
    message = refused(caught, "founded_on", "Dato for stiftende generalforsamling")
    assert f"du skrev {founded_on.strftime('%d.%m.%Y')}" in message
    refused(caught, "nemkonto_confirmed_on", "NemKonto bekræftet")
    assert not GpCluster.objects.exists()


def test_a_cluster_update_outside_the_window_is_refused(officer: Any, cluster: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.cluster_update(actor=officer, cluster=cluster, founded_on=LATE, nemkonto_confirmed_on=EARLY)
    refused(caught, "founded_on", "Dato for stiftende generalforsamling")
    refused(caught, "nemkonto_confirmed_on", "NemKonto bekræftet")
    cluster.refresh_from_db()
    assert cluster.founded_on == D(2018, 10, 1)


def test_a_practice_joining_in_year_9999_is_refused_and_nothing_is_stored(
    cluster: Any, coordinator: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.practice_add(
            actor=coordinator, cluster=cluster, provider_number="100001", joined=LATE, name="P", capacities=1
        )
    refused(caught, "joined", "Indtrådt")
    assert not Practice.objects.exists() and not Membership.objects.exists()


def test_a_new_practice_with_capacities_from_before_2000_is_refused(officer: Any, region: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.practice_create(
            actor=officer,
            region=region,
            provider_number="100001",
            name="P",
            capacities=1,
            capacities_from=EARLY,
        )
    refused(caught, "capacities_from", "Kapaciteter gælder fra")
    assert not Practice.objects.exists()


@pytest.fixture
def member(cluster: Any, coordinator: Any) -> Membership:
    return services.practice_add(
        actor=coordinator,
        cluster=cluster,
        provider_number="100001",
        joined=D(2019, 1, 1),
        name="P",
        capacities=1,
        today=D(2019, 1, 1),
    )


def test_leaving_or_moving_in_year_9999_is_refused(
    member: Membership, coordinator: Any, officer: Any, make_cluster: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.membership_end(actor=coordinator, membership=member, left=LATE)
    refused(caught, "left", "Udtrådt")
    other = make_cluster("Klynge Syd")
    with pytest.raises(ValidationError) as caught:
        services.practice_move(actor=officer, membership=member, to_cluster=other, on=LATE)
    refused(caught, "on", "Indtrådt")
    member.refresh_from_db()
    assert member.left is None and Membership.objects.count() == 1


def test_capacities_and_patients_dated_outside_the_window_are_refused(
    member: Membership, coordinator: Any, cluster: Any
) -> None:
    practice = member.practice
    for service in (services.capacity_set, services.patients_set):
        for day in (LATE, EARLY):
            with pytest.raises(ValidationError) as caught:
                service(actor=coordinator, practice=practice, cluster=cluster, valid_from=day, count=2)
            refused(caught, "valid_from", "Gælder fra")
    assert CapacityRecord.objects.count() == 1 and not PatientCount.objects.exists()


def test_the_last_day_of_the_window_is_accepted(member: Membership, coordinator: Any, cluster: Any) -> None:
    last = window().last
    services.capacity_set(
        actor=coordinator, practice=member.practice, cluster=cluster, valid_from=last, count=2
    )
    ended = services.membership_end(actor=coordinator, membership=member, left=last)
    assert ended.left == last


def test_the_message_is_english_for_an_english_reader(cluster: Any, coordinator: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.practice_add(
            actor=coordinator, cluster=cluster, provider_number="100001", joined=LATE, name="P", capacities=1
        )
    message = caught.value.message_dict["joined"][0]
    assert f"the date must lie between 1 January 2000 and 31 December {window().last.year}" in message
    assert "you wrote 31.12.9999" in message


# --- Import -------------------------------------------------------------------------------------------


def test_an_import_with_a_year_9999_date_is_refused_with_its_place(
    admin_user: Any, region: Any, example_input: Any
) -> None:
    doc = copy.deepcopy(example_input)
    doc["memberships"][0]["joined"] = "9999-12-31"
    report = scenario_io.import_scenario(doc, actor=admin_user, dry_run=False)
    problem = next(p for p in report.problems if p.path == "memberships[0].joined")
    assert problem.code == "date_window"
    assert f"mellem 1. januar 2000 og {last_text()}" in problem.message("da")
    assert not GpCluster.objects.exists() and not Membership.objects.exists()


# --- Payouts ----------------------------------------------------------------------------------------------


def test_a_run_dated_before_2000_is_refused(example: Any, region: Any, officer: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        runs.run_prepare(actor=officer, region=region, run_date=EARLY)
    refused(caught, "run_date", "Kørselsdato")
    assert not PayoutRun.objects.exists()


def test_schemes_and_rates_outside_the_window_are_refused(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        payout_services.scheme_save(
            actor=admin_user, code="OK30", name="OK30", basis="capacity", valid_from=EARLY, valid_to=LATE
        )
    refused(caught, "valid_from", "Gælder fra")
    refused(caught, "valid_to", "Gælder til")
    ok22 = FundingScheme.objects.get(code="OK22")
    with pytest.raises(ValidationError) as rate_caught:
        payout_services.rate_set(actor=admin_user, scheme=ok22, year=window().last.year + 1, rate="4.00")
    assert f"(2022–{window().last.year})" in rate_caught.value.message_dict["year"][0]
    assert not SchemeRate.objects.filter(year__gt=window().last.year).exists()


@pytest.mark.parametrize("rate", ["1e5", "1E5", "1E+5", "Infinity", "NaN"])
def test_a_rate_in_scientific_notation_or_infinite_is_refused(admin_user: Any, rate: str) -> None:
    ok22 = FundingScheme.objects.get(code="OK22")
    with pytest.raises(ValidationError) as caught:
        payout_services.rate_set(actor=admin_user, scheme=ok22, year=2026, rate=rate)
    message = caught.value.message_dict["rate"][0]
    assert message.startswith("Sats: skal være")
    if "e" in rate.lower() and rate != "Infinity":
        assert "ikke som 1e5" in message
    assert not SchemeRate.objects.filter(scheme=ok22, year=2026).exists()
    assert not AuditEntry.objects.filter(action="scheme.rate").exists()


def test_a_patient_scheme_counting_on_29_february_is_refused(admin_user: Any) -> None:
    """29 February is no day of every year; the engine would ask for it in a common year."""
    with pytest.raises(ValidationError) as caught:
        payout_services.scheme_save(
            actor=admin_user,
            code="OK30",
            name="OK30",
            basis="patients",
            valid_from=D(2030, 1, 1),
            valid_to=None,
            count=(2, 29),
            payment=(3, 1),
        )
    assert "(ikke 29. februar)" in caught.value.message_dict["count"][0]
    assert not FundingScheme.objects.filter(code="OK30").exists()
