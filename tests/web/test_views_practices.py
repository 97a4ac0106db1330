"""The coordinator's practice pages: add, capacities and patients, deregister (with its consequence), move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.registry import services
from klynge.registry.models import CapacityRecord, Membership, PatientCount, Practice

D = dt.date


def add_url(cluster: Any) -> str:
    return reverse("practice_add", args=[cluster.pk])


def test_a_coordinator_adds_a_new_practice_through_the_form(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any
) -> None:
    response = login(coordinator).post(
        add_url(cluster),
        {
            "provider_number": "123456",
            "name": "Lægerne i Skagen",
            "capacities": "3",
            "group1_patients": "4200",
            "joined": "2019-03-01",
        },
        follow=True,
    )
    html = response.content.decode()
    membership = Membership.objects.get(cluster=cluster, practice__provider_number="123456")
    assert membership.joined == D(2019, 3, 1)
    assert CapacityRecord.objects.get(practice=membership.practice).count == 3
    assert PatientCount.objects.get(practice=membership.practice).count == 4200
    assert response.redirect_chain[-1][0] == reverse("cluster_detail", args=[cluster.pk])
    assert "Lægerne i Skagen" in html and "alert-success" in html
    assert "Lægerne i Skagen (123456) tilmeldt klyngen fra 1. marts 2019" in html  # the change log


def test_a_practice_the_system_knows_is_reused_with_its_name(
    login: Callable[[Any], Client], cluster: Any, member: Any, other_cluster: Any, other_coordinator: Any
) -> None:
    services.membership_end(
        actor=member.cluster.role_assignments.get().user, membership=member, left=D(2020, 6, 1)
    )
    other_coordinator.set_password("demo-pass-123")
    other_coordinator.save()
    login(other_coordinator).post(
        add_url(other_cluster), {"provider_number": "100001", "joined": "2020-06-01"}
    )
    moved = Membership.objects.get(cluster=other_cluster)
    assert moved.practice == member.practice
    assert Practice.objects.filter(provider_number="100001").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"provider_number": "123456", "name": "Ny", "capacities": "0", "joined": "2019-03-01"},
            "capacities",
            "Lægekapaciteter: skal være et helt tal på mindst 1 (du skrev 0).",
        ),
        (
            {"provider_number": "123456", "capacities": "2", "joined": "2019-03-01"},
            "name",
            "Navn: praksissen er ny i systemet; skriv dens navn.",
        ),
        (
            {"provider_number": "123456", "name": "Ny", "joined": "2019-03-01"},
            "capacities",
            "Lægekapaciteter: praksissen er ny i systemet; skriv antal kapaciteter.",
        ),
        (
            {"provider_number": "12345", "name": "Ny", "capacities": "2", "joined": "2019-03-01"},
            "provider_number",
            "Ydernummer: skal være 6 cifre, fx 012345 (du skrev 12345).",
        ),
        (
            {"provider_number": "123456", "name": "Ny", "capacities": "2", "joined": "2018-01-01"},
            "joined",
            "Indtrådt: 1. januar 2018 er før klyngens stiftende generalforsamling 1. oktober 2018.",
        ),
        (
            {"provider_number": "123456", "name": "Ny", "capacities": "to", "joined": "2019-03-01"},
            "capacities",
            "Lægekapaciteter: skriv et helt tal, fx 2.",
        ),
        (
            {"provider_number": "123456", "name": "Ny", "capacities": "2", "joined": ""},
            "joined",
            "Indtrådt: skal udfyldes.",
        ),
    ],
    ids=[
        "capacities-0",
        "unknown-without-name",
        "unknown-without-capacities",
        "short-provider-number",
        "before-founding",
        "capacities-not-a-number",
        "no-joined-date",
    ],
)
def test_bad_input_names_the_field_in_danish_and_stores_nothing(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    registry_state: Callable[[], dict[str, Any]],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = registry_state()
    response = login(coordinator).post(add_url(cluster), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    # The message stands at the field, tied to it, and in the summary linking to the field.
    assert f'id="id_{field}-error"' in html
    assert (
        f'aria-describedby="id_{field}-hint id_{field}-error"' in html
        or f'aria-describedby="id_{field}-error"' in html
    )
    assert f'href="#id_{field}"' in html
    assert registry_state() == before


def test_a_practice_already_in_another_cluster_is_refused_as_an_overlap(
    login: Callable[[Any], Client],
    member: Any,
    other_cluster: Any,
    other_coordinator: Any,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    before = registry_state()
    html = (
        login(other_coordinator)
        .post(add_url(other_cluster), {"provider_number": "100001", "joined": "2020-01-01"})
        .content.decode()
    )
    assert "Indtrådt: Praksis Nord er allerede medlem af en anden klynge fra 1. juni 2019 til nu." in html
    assert registry_state() == before


def test_capacities_and_patients_are_recorded_from_a_date(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, member: Any
) -> None:
    client = login(coordinator)
    page = client.get(reverse("membership_counts", args=[cluster.pk, member.pk]))
    assert "Praksis Nord" in page.content.decode()
    client.post(
        reverse("capacity_set", args=[cluster.pk, member.pk]), {"valid_from": "2020-01-01", "count": "3"}
    )
    client.post(
        reverse("patients_set", args=[cluster.pk, member.pk]),
        {"patients-valid_from": "2020-01-01", "patients-count": "5100"},
    )
    practice = member.practice
    assert practice.capacities.get(valid_from=D(2020, 1, 1)).count == 3
    assert practice.patient_counts.get(valid_from=D(2020, 1, 1)).count == 5100


def test_zero_capacities_from_a_date_are_refused_and_nothing_is_stored(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    member: Any,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    before = registry_state()
    html = (
        login(coordinator)
        .post(
            reverse("capacity_set", args=[cluster.pk, member.pk]), {"valid_from": "2020-01-01", "count": "0"}
        )
        .content.decode()
    )
    assert "Lægekapaciteter: skal være et helt tal på mindst 1 (du skrev 0)." in html
    assert registry_state() == before


def test_the_deregistration_preview_shows_the_startup_fee_to_repay_and_stores_nothing(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    member: Any,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    before = registry_state()
    response = login(coordinator).post(
        reverse("membership_end", args=[cluster.pk, member.pk]), {"left": "2020-04-01", "step": "preview"}
    )
    html = " ".join(response.content.decode().split())
    assert (
        "Praksis udtræder før 1. juni 2020 (første årsdag): opstartshonoraret på 10.000 kr. pr. kapacitet "
        "(i alt 20.000,00 kr.) skal betales tilbage til regionen." in html
    )
    assert "Bekræft udmelding" in html
    assert registry_state() == before


def test_leaving_after_the_first_anniversary_keeps_the_fee(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, member: Any
) -> None:
    html = (
        login(coordinator)
        .post(
            reverse("membership_end", args=[cluster.pk, member.pk]), {"left": "2020-06-01", "step": "preview"}
        )
        .content.decode()
    )
    assert "klyngen beholder opstartshonoraret" in html
    assert "skal betales tilbage" not in html


def test_the_htmx_preview_shows_the_consequence_while_the_date_is_typed(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, member: Any
) -> None:
    response = login(coordinator).get(
        reverse("leaving_preview", args=[cluster.pk, member.pk]),
        {"left": "2019-12-01"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "20.000,00 kr." in html


def test_confirming_the_deregistration_stores_the_date_it_left(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, member: Any
) -> None:
    response = login(coordinator).post(
        reverse("membership_end", args=[cluster.pk, member.pk]),
        {"left": "2020-04-01", "step": "confirm"},
        follow=True,
    )
    member.refresh_from_db()
    assert member.left == D(2020, 4, 1)
    assert "Praksis Nord (100001) er udmeldt fra 1. april 2020." in response.content.decode()


def test_a_left_date_not_after_joined_is_refused_already_at_the_preview(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    member: Any,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    before = registry_state()
    for step in ("preview", "confirm"):
        html = (
            login(coordinator)
            .post(
                reverse("membership_end", args=[cluster.pk, member.pk]), {"left": "2019-06-01", "step": step}
            )
            .content.decode()
        )
        assert "Udtrådt: skal være efter indtrædelsesdatoen 1. juni 2019" in html
        assert 'href="#id_left"' in html
        assert "Bekræft udmelding" not in html
    assert registry_state() == before


def test_a_practice_moves_to_another_cluster_of_the_region_after_a_confirmation(
    login: Callable[[Any], Client], cluster: Any, coordinator: Any, member: Any, other_cluster: Any
) -> None:
    client = login(coordinator)
    url = reverse("membership_move", args=[cluster.pk, member.pk])
    page = client.get(url).content.decode()
    assert other_cluster.name in page
    preview = client.post(url, {"to_cluster": other_cluster.pk, "on": "2020-01-01", "step": "preview"})
    assert "Bekræft flytning" in preview.content.decode()
    assert not Membership.objects.filter(cluster=other_cluster).exists()
    client.post(url, {"to_cluster": other_cluster.pk, "on": "2020-01-01", "step": "confirm"})
    member.refresh_from_db()
    assert member.left == D(2020, 1, 1)
    assert Membership.objects.get(cluster=other_cluster).joined == D(2020, 1, 1)


def test_moving_offers_only_clusters_of_the_same_region(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    member: Any,
    make_cluster: Callable[..., Any],
    other_region: Any,
    admin_user: Any,
) -> None:
    elsewhere = make_cluster("Klynge Aarhus", region_=other_region, actor=admin_user)
    client = login(coordinator)
    url = reverse("membership_move", args=[cluster.pk, member.pk])
    assert elsewhere.name not in client.get(url).content.decode()
    html = client.post(
        url, {"to_cluster": elsewhere.pk, "on": "2020-01-01", "step": "preview"}
    ).content.decode()
    assert "Ny klynge: vælg en af mulighederne på listen." in html
    assert not Membership.objects.filter(cluster=elsewhere).exists()


def test_another_coordinator_cannot_reach_the_practice_pages(
    login: Callable[[Any], Client], cluster: Any, member: Any, other_coordinator: Any
) -> None:
    client = login(other_coordinator)
    for name in ("membership_counts", "membership_end", "membership_move", "leaving_preview"):
        assert client.get(reverse(name, args=[cluster.pk, member.pk])).status_code == 404
    assert client.get(add_url(cluster)).status_code == 404
    assert (
        client.post(
            add_url(cluster),
            {"provider_number": "123456", "name": "X", "capacities": "1", "joined": "2019-03-01"},
        ).status_code
        == 404
    )
    assert not Practice.objects.filter(provider_number="123456").exists()


def test_adding_a_member_of_the_cluster_again_is_refused_on_the_provider_number(
    login: Callable[[Any], Client],
    cluster: Any,
    coordinator: Any,
    member: Any,
    registry_state: Callable[[], dict[str, Any]],
) -> None:
    """#13: the form puts a duplicate of the cluster's own member on the provider-number field."""
    before = registry_state()
    html = (
        login(coordinator)
        .post(add_url(cluster), {"provider_number": "100001", "joined": "2020-01-01"})
        .content.decode()
    )
    assert 'id="id_provider_number-error"' in html and 'href="#id_provider_number"' in html
    assert "Ydernummer: 100001 (Praksis Nord) er allerede medlem af klyngen" in html
    assert 'id="id_joined-error"' not in html
    assert registry_state() == before
