"""The region's pages: the cluster list, master data, creating clusters, changes since a date, settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klynge.audit.log import record, recorded_at
from klynge.audit.models import AuditEntry
from klynge.registry import services
from klynge.registry.models import DocumentType, GpCluster

D = dt.date


def test_the_cluster_list_shows_the_regions_clusters_with_their_status(
    login: Callable[[Any], Client], cluster: Any, other_cluster: Any, member: Any, officer: Any
) -> None:
    html = login(officer).get(reverse("cluster_list")).content.decode()
    assert cluster.name in html and other_cluster.name in html
    assert "Under oprettelse" in html
    assert "2 klynger" in html
    assert '<th scope="col">' in html


def test_the_cluster_list_shows_nothing_of_another_region(
    login: Callable[[Any], Client], cluster: Any, foreign_officer: Any
) -> None:
    html = login(foreign_officer).get(reverse("cluster_list")).content.decode()
    assert cluster.name not in html
    assert "0 klynger" in html


@pytest.mark.parametrize("query", ["Nord", "29403473", "100001"])
def test_the_cluster_list_finds_a_cluster_by_name_cvr_or_a_members_provider_number(
    login: Callable[[Any], Client],
    cluster: Any,
    make_cluster: Callable[..., Any],
    member: Any,
    officer: Any,
    query: str,
) -> None:
    make_cluster("Klynge Syd", cvr="")
    html = login(officer).get(reverse("cluster_list"), {"q": query}).content.decode()
    assert "Klynge Nord" in html
    assert "Klynge Syd" not in html


def test_htmx_filtering_returns_only_the_table(
    login: Callable[[Any], Client], cluster: Any, officer: Any
) -> None:
    response = login(officer).get(
        reverse("cluster_list"), {"status": "completed"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "0 klynger" in html and cluster.name not in html


def test_an_administrator_filters_the_list_by_region(
    login: Callable[[Any], Client],
    cluster: Any,
    make_cluster: Callable[..., Any],
    other_region: Any,
    admin_user: Any,
) -> None:
    make_cluster("Klynge Aarhus", region_=other_region, actor=admin_user)
    client = login(admin_user)
    everything = client.get(reverse("cluster_list")).content.decode()
    assert "Klynge Nord" in everything and "Klynge Aarhus" in everything
    filtered = client.get(reverse("cluster_list"), {"region": other_region.pk}).content.decode()
    assert "Klynge Aarhus" in filtered and "Klynge Nord" not in filtered


def test_a_cvr_failing_modulus_11_is_refused_on_the_master_data_form(
    login: Callable[[Any], Client], cluster: Any, officer: Any, registry_state: Callable[[], dict[str, Any]]
) -> None:
    before = registry_state()
    html = (
        login(officer)
        .post(
            reverse("cluster_edit", args=[cluster.pk]),
            {
                "name": cluster.name,
                "cvr": "29403474",
                "nemkonto_confirmed_on": "2018-12-01",
                "founded_on": "2018-10-01",
            },
        )
        .content.decode()
    )
    assert "CVR-nummer: 29403474 består ikke modulus 11-kontrollen." in html
    assert 'id="id_cvr-error"' in html and 'href="#id_cvr"' in html
    assert registry_state() == before


def test_the_region_records_cvr_nemkonto_and_founding_date(
    login: Callable[[Any], Client], make_cluster: Callable[..., Any], officer: Any
) -> None:
    cluster = make_cluster("Klynge Vest", cvr="", nemkonto=None)
    login(officer).post(
        reverse("cluster_edit", args=[cluster.pk]),
        {
            "name": "Klynge Vest",
            "cvr": "29403473",
            "nemkonto_confirmed_on": "2019-02-01",
            "founded_on": "2018-09-01",
        },
    )
    cluster.refresh_from_db()
    assert (cluster.cvr, cluster.nemkonto_confirmed_on, cluster.founded_on) == (
        "29403473",
        D(2019, 2, 1),
        D(2018, 9, 1),
    )
    assert AuditEntry.objects.filter(gp_cluster=cluster, action="gp_cluster.update", actor=officer).exists()


def test_a_coordinator_edits_cvr_but_not_the_nemkonto_confirmation(
    login: Callable[[Any], Client], make_cluster: Callable[..., Any]
) -> None:
    cluster = make_cluster("Klynge Vest", cvr="", nemkonto=None)
    coordinator = cluster.role_assignments.get(role="coordinator").user
    client = login(coordinator)
    assert (
        "nemkonto_confirmed_on" not in client.get(reverse("cluster_edit", args=[cluster.pk])).content.decode()
    )
    client.post(
        reverse("cluster_edit", args=[cluster.pk]),
        {
            "name": "Klynge Vest",
            "cvr": "29403473",
            "nemkonto_confirmed_on": "2019-02-01",
            "founded_on": "2018-10-01",
        },
    )
    cluster.refresh_from_db()
    assert cluster.cvr == "29403473"
    assert cluster.nemkonto_confirmed_on is None


def test_moving_the_founding_date_past_a_membership_is_refused(
    login: Callable[[Any], Client], cluster: Any, member: Any, officer: Any
) -> None:
    html = (
        login(officer)
        .post(
            reverse("cluster_edit", args=[cluster.pk]),
            {
                "name": cluster.name,
                "cvr": cluster.cvr,
                "nemkonto_confirmed_on": "2018-12-01",
                "founded_on": "2019-07-01",
            },
        )
        .content.decode()
    )
    assert (
        "Dato for stiftende generalforsamling: en praksis er indtrådt 1. juni 2019, før den nye dato." in html
    )
    cluster.refresh_from_db()
    assert cluster.founded_on == D(2018, 10, 1)


def test_an_officer_creates_a_cluster_and_the_coordinator_gets_the_welcome_mail(
    login: Callable[[Any], Client], officer: Any, region: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = login(officer).post(
            reverse("cluster_create"),
            {
                "region": region.pk,
                "name": "Klynge Vest",
                "founded_on": "2019-01-15",
                "coordinator_email": "ane@example.dk",
                "coordinator_name": "Ane Hansen",
                "cvr": "",
                "nemkonto_confirmed_on": "",
            },
            follow=True,
        )
    cluster = GpCluster.objects.get(name="Klynge Vest")
    assert response.redirect_chain[-1][0] == reverse("cluster_detail", args=[cluster.pk])
    assert mail.outbox[0].to == ["ane@example.dk"]
    assert "Ane Hansen" in response.content.decode()


def test_creating_a_cluster_with_a_bad_cvr_and_email_names_both_fields(
    login: Callable[[Any], Client], officer: Any, region: Any
) -> None:
    html = (
        login(officer)
        .post(
            reverse("cluster_create"),
            {
                "region": region.pk,
                "name": "X",
                "founded_on": "2019-01-15",
                "coordinator_email": "ane",
                "cvr": "1234",
            },
        )
        .content.decode()
    )
    assert "CVR-nummer: skal være 8 cifre" in html
    assert "Koordinatorens e-mail: skriv en gyldig e-mailadresse." in html
    assert not GpCluster.objects.filter(name="X").exists()


def test_an_approver_and_a_coordinator_cannot_create_clusters(
    login: Callable[[Any], Client], approver: Any, coordinator: Any
) -> None:
    assert login(approver).get(reverse("cluster_create")).status_code == 403
    assert login(coordinator).get(reverse("cluster_create")).status_code == 403


def test_the_changes_page_lists_the_regions_changes_since_30_days_ago_by_default(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, officer: Any, other_region: Any
) -> None:
    # the audit trail is append-only: the old change is recorded as of 45 days ago
    with recorded_at(timezone.now() - dt.timedelta(days=45)):
        services.practice_add(
            actor=coordinator,
            cluster=cluster,
            provider_number="100001",
            name="Praksis Nord",
            capacities=2,
            joined=D(2019, 6, 1),
            today=D(2019, 6, 1),
        )
    with transaction.atomic():
        record(
            actor=None, action="x", summary="Noget i en anden region", obj=other_region, region=other_region
        )
    client = login(officer)
    html = client.get(reverse("changes", args=[cluster.region.code])).content.decode()
    default = timezone.localdate() - dt.timedelta(days=30)
    assert f'value="{default.isoformat()}"' in html
    assert "Praksis Nord (100001) tilmeldt klyngen" not in html
    assert "Klyngen Klynge Nord oprettet" in html
    assert "Noget i en anden region" not in html
    since = (timezone.localdate() - dt.timedelta(days=60)).isoformat()
    html = client.get(reverse("changes", args=[cluster.region.code]), {"since": since}).content.decode()
    assert "Praksis Nord (100001) tilmeldt klyngen" in html


def test_a_bad_date_on_the_changes_page_names_the_field(
    login: Callable[[Any], Client], officer: Any, region: Any
) -> None:
    html = login(officer).get(reverse("changes", args=[region.code]), {"since": "i går"}).content.decode()
    assert "Ændringer siden: skriv en gyldig dato" in html


def test_another_regions_pages_answer_404(
    login: Callable[[Any], Client], foreign_officer: Any, region: Any, cluster: Any
) -> None:
    client = login(foreign_officer)
    assert client.get(reverse("changes", args=[region.code])).status_code == 404
    assert client.get(reverse("region_settings", args=[region.code])).status_code == 404
    assert client.get(reverse("cluster_detail", args=[cluster.pk])).status_code == 404


def settings_data(region: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "instructions": region.instructions,
        "required_documents": [d.pk for d in region.required_documents.all()],
        "processing_days_min": region.processing_days_min,
        "processing_days_max": region.processing_days_max,
        "annual_regulation": region.annual_regulation,
        "payment_iban": region.payment_iban,
        "payment_bic": region.payment_bic,
        "repayment_instructions": region.repayment_instructions,
        "claim_days": region.claim_days,
    }
    data.update(changes)
    return data


def test_an_officer_sets_instructions_policy_and_required_documents(
    login: Callable[[Any], Client], officer: Any, region: Any
) -> None:
    extra = DocumentType.objects.create(code="bestyrelse", name="Bestyrelsens navne")
    required = [*region.required_documents.values_list("pk", flat=True), extra.pk]
    login(officer).post(
        reverse("region_settings", args=[region.code]),
        settings_data(
            region,
            instructions="Send også bestyrelsens navne.",
            processing_days_min=10,
            processing_days_max=20,
            annual_regulation="claim",
            required_documents=required,
        ),
    )
    region.refresh_from_db()
    assert region.instructions == "Send også bestyrelsens navne."
    assert (region.processing_days_min, region.processing_days_max, region.annual_regulation) == (
        10,
        20,
        "claim",
    )
    assert extra in region.required_documents.all()
    assert AuditEntry.objects.filter(region=region, action="region.update", actor=officer).exists()


def test_processing_days_out_of_order_are_refused_and_nothing_is_stored(
    login: Callable[[Any], Client], officer: Any, region: Any
) -> None:
    html = (
        login(officer)
        .post(
            reverse("region_settings", args=[region.code]),
            settings_data(region, instructions="Ny tekst", processing_days_min=30, processing_days_max=10),
        )
        .content.decode()
    )
    assert "Behandlingstid: &#x27;højst&#x27; skal være mindst &#x27;mindst&#x27;" in html
    assert 'href="#id_processing_days_max"' in html
    region.refresh_from_db()
    assert region.instructions == "" and region.processing_days_min == 14


def test_an_approver_may_not_change_the_region_settings(
    login: Callable[[Any], Client], approver: Any, region: Any
) -> None:
    assert login(approver).get(reverse("region_settings", args=[region.code])).status_code == 403


def test_the_region_list_shows_counts_and_links(
    login: Callable[[Any], Client], cluster: Any, admin_user: Any
) -> None:
    html = login(admin_user).get(reverse("region_list")).content.decode()
    assert "Region Nordjylland" in html and "Region Midtjylland" in html
    assert reverse("region_settings", args=["1081"]) in html
