"""The pages and the window of dates (#9 §6): every page of a region survives any date in the window
(Hypothesis, a few examples), the forms refuse a date outside it and an amount in scientific notation,
and a year without a rate in the scheme in force is shown on the dashboard and the run pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klynge.common.dates import window
from klynge.payouts import rates, runs
from klynge.payouts import services as payout_services
from klynge.payouts.models import FundingScheme, PayoutRun
from klynge.registry.models import CapacityRecord, GpCluster, Membership, PatientCount, Practice

D = dt.date
SPAN = window()
EDGES = [SPAN.first, SPAN.last, D(2000, 2, 29), D(SPAN.last.year, 1, 1)]
FEW = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def warning_for(year: int) -> str:
    return f"{year} har ingen sats for OK22"


# --- Every page survives any date in the window ----------------------------------------------------------


@FEW
@given(
    day=st.one_of(st.sampled_from(EDGES), st.dates(SPAN.first, SPAN.last)),
    later=st.integers(1, 4000),
    recorded=st.one_of(st.sampled_from(EDGES), st.dates(SPAN.first, SPAN.last)),
)
def test_the_regions_pages_survive_any_date_in_the_window(
    login: Callable[[Any], Client], officer: Any, region: Any, day: dt.date, later: int, recorded: dt.date
) -> None:
    client = login(officer)
    with transaction.atomic():
        cluster = GpCluster.objects.create(
            region=region,
            name="Klynge Kant",
            external_id="KANT",
            founded_on=day,
            completed_on=day,
            status="completed",
            cvr="29403473",
            nemkonto_confirmed_on=day,
        )
        practice = Practice.objects.create(provider_number="100001", name="P", region=region)
        CapacityRecord.objects.create(practice=practice, valid_from=day, count=2, recorded_on=recorded)
        PatientCount.objects.create(practice=practice, valid_from=day, count=1500, recorded_on=recorded)
        left = day + dt.timedelta(days=later)
        Membership.objects.create(
            practice=practice,
            cluster=cluster,
            joined=day,
            left=left if left <= SPAN.last else None,
            recorded_on=recorded,
            left_recorded_on=recorded if left <= SPAN.last else None,
        )
        for url in (
            reverse("region_dashboard", args=[region.code]),
            reverse("cluster_detail", args=[cluster.pk]),
            reverse("cluster_economy", args=[cluster.pk]),
            reverse("run_list", args=[region.code]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
        prepared = client.post(
            reverse("run_list", args=[region.code]), {"run_date": timezone.localdate().isoformat()}
        )
        assert prepared.status_code == 302, prepared.content.decode()[:2000]
        run = PayoutRun.objects.get(region=region)
        assert client.get(reverse("run_detail", args=[run.pk])).status_code == 200
        transaction.set_rollback(True)


# --- Forms ------------------------------------------------------------------------------------------------


def test_the_form_refuses_a_join_in_year_9999_and_offers_only_the_window(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    url = reverse("practice_add", args=[cluster.pk])
    client = login(coordinator)
    page = client.get(url).content.decode()
    assert f'min="{SPAN.first.isoformat()}"' in page and f'max="{SPAN.last.isoformat()}"' in page
    response = client.post(
        url, {"provider_number": "123456", "name": "P", "capacities": "1", "joined": "9999-12-31"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Indtrådt: datoen skal ligge mellem 1. januar 2000 og 31. december {SPAN.last.year}" in html
    assert "(du skrev 31.12.9999)" in html
    assert not Membership.objects.exists() and not Practice.objects.exists()


def test_the_run_form_refuses_a_date_before_2000(
    login: Callable[[Any], Client], officer: Any, region: Any
) -> None:
    response = login(officer).post(reverse("run_list", args=[region.code]), {"run_date": "1999-12-31"})
    assert response.status_code == 200
    assert "Kørselsdato: datoen skal ligge mellem 1. januar 2000" in response.content.decode()
    assert not PayoutRun.objects.exists()


def test_a_repayment_in_scientific_notation_is_refused(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, approver: Any
) -> None:
    for expected in example["runs"][:5]:
        run = runs.run_prepare(actor=officer, region=region, run_date=D.fromisoformat(expected["date"]))
        runs.run_approve(actor=approver, run=run)
        runs.run_release(actor=officer, run=run)
    claim = run.claims.get()
    response = login(officer).post(
        reverse("claim_repayment", args=[claim.pk]),
        {"amount": "1e4", "received_on": "2020-05-01"},
        follow=True,
    )
    assert (
        "Beløb: skal være skrevet med cifre, fx 100000.00, ikke som 1e5 (du skrev 1e4)."
        in response.content.decode()
    )
    assert not claim.repayments.exists()


# --- A year without a rate --------------------------------------------------------------------------------


def test_years_without_a_rate_are_listed_through_today_and_a_runs_year(cluster: Any, region: Any) -> None:
    this_year = timezone.localdate().year
    missing = rates.missing_rates(region)
    assert [m.year for m in missing] == list(range(2026, this_year + 1))  # OK22 has rates through 2025
    assert missing[0].message() == warning_for(2026)
    later = rates.missing_rates(region, through=D(this_year + 2, 1, 15))
    assert later[-1].year == this_year + 2
    assert rates.missing_rates(region, through=D(2019, 1, 1)) == missing  # never fewer than through today


def test_a_year_outside_every_scheme_is_named_too(cluster: Any, region: Any) -> None:
    FundingScheme.objects.filter(code="OK18").update(valid_from=D(2019, 1, 1))
    assert rates.missing_rates(region)[0].message() == "2018 hører ikke under nogen ordning"


def test_a_region_without_clusters_misses_nothing(region: Any) -> None:
    assert rates.missing_rates(region) == []


def test_the_dashboard_and_the_run_pages_warn_of_a_year_without_a_rate_until_it_is_entered(
    login: Callable[[Any], Client], cluster: Any, region: Any, officer: Any, admin_user: Any
) -> None:
    this_year = timezone.localdate().year
    client = login(officer)
    pages = [reverse("region_dashboard", args=[region.code]), reverse("run_list", args=[region.code])]
    for url in pages:
        assert warning_for(this_year) in client.get(url).content.decode(), url
    run = runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())
    assert warning_for(this_year) in client.get(reverse("run_detail", args=[run.pk])).content.decode()

    ok22 = FundingScheme.objects.get(code="OK22")
    for year in range(2026, this_year + 1):
        payout_services.rate_set(actor=admin_user, scheme=ok22, year=year, rate="3.80")
    for url in [*pages, reverse("run_detail", args=[run.pk])]:
        html = client.get(url).content.decode()
        assert "har ingen sats" not in html and 'id="missing-rates"' not in html, url


def test_the_warning_is_english_for_an_english_reader(
    login: Callable[[Any], Client], cluster: Any, region: Any, officer: Any
) -> None:
    client = login(officer)
    response = client.get(reverse("region_dashboard", args=[region.code]), headers={"Accept-Language": "en"})
    html = response.content.decode()
    assert f"{timezone.localdate().year} has no rate for OK22" in html
    assert "Rates missing" in html
