"""#11, first step: regions and health clusters have a validity period and a successor, as data; the
database refuses a period that ends before it begins and an organisation that succeeds itself; an
administrator creates a region with the code they enter (the service)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from klynge.audit.models import AuditEntry
from klynge.health.models import HealthCluster
from klynge.registry import services
from klynge.registry.models import Region

D = dt.date
SHIPPED = [
    ("1081", "Region Nordjylland"),
    ("1082", "Region Midtjylland"),
    ("1083", "Region Syddanmark"),
    ("1084", "Region Hovedstaden"),
    ("1085", "Region Sjælland"),
]


def sql(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- The database -----------------------------------------------------------------------------------


def test_the_shipped_regions_are_always_valid_and_have_no_successor(db: Any) -> None:
    rows = list(
        Region.objects.order_by("code").values_list("code", "name", "valid_from", "valid_to", "successor")
    )
    assert rows == [(code, name, None, None, None) for code, name in SHIPPED]


def test_the_database_refuses_a_region_that_ends_before_it_begins(region: Any) -> None:
    with pytest.raises(IntegrityError, match="region_valid_to_after_valid_from"):
        sql(
            "UPDATE registry_region SET valid_from = %s, valid_to = %s WHERE id = %s",
            [D(2027, 1, 1), D(2026, 12, 31), region.pk],
        )
    region.refresh_from_db()
    assert (region.valid_from, region.valid_to) == (None, None)


def test_the_database_accepts_a_one_day_region_and_open_ends(region: Any) -> None:
    sql(
        "UPDATE registry_region SET valid_from = %s, valid_to = %s WHERE id = %s",
        [D(2027, 1, 1), D(2027, 1, 1), region.pk],
    )
    sql(
        "UPDATE registry_region SET valid_from = NULL, valid_to = %s WHERE id = %s",
        [D(2026, 12, 31), region.pk],
    )
    region.refresh_from_db()
    assert (region.valid_from, region.valid_to) == (None, D(2026, 12, 31))


def test_the_database_refuses_a_region_that_is_its_own_successor(region: Any, other_region: Any) -> None:
    with pytest.raises(IntegrityError, match="region_not_own_successor"):
        sql("UPDATE registry_region SET successor_id = id WHERE id = %s", [region.pk])
    sql("UPDATE registry_region SET successor_id = %s WHERE id = %s", [other_region.pk, region.pk])
    region.refresh_from_db()
    assert region.successor == other_region


def test_the_database_refuses_a_region_date_outside_its_window(region: Any) -> None:
    with pytest.raises(IntegrityError, match="region_valid_to_in_window"):
        sql("UPDATE registry_region SET valid_to = %s WHERE id = %s", [D(2101, 1, 1), region.pk])


@pytest.fixture
def health_clusters(region: Any) -> tuple[HealthCluster, HealthCluster]:
    first = HealthCluster.objects.create(external_id="SK-A", name="Sundhedsklynge A", region=region)
    second = HealthCluster.objects.create(external_id="SK-B", name="Sundhedsklynge B", region=region)
    return first, second


def test_the_database_refuses_a_health_cluster_that_ends_before_it_begins(health_clusters: Any) -> None:
    first, _second = health_clusters
    with pytest.raises(IntegrityError, match="health_cluster_valid_to_after_valid_from"):
        sql(
            "UPDATE health_healthcluster SET valid_from = %s, valid_to = %s WHERE id = %s",
            [D(2027, 1, 1), D(2026, 12, 31), first.pk],
        )


def test_the_database_refuses_a_health_cluster_that_is_its_own_successor(health_clusters: Any) -> None:
    first, second = health_clusters
    with pytest.raises(IntegrityError, match="health_cluster_not_own_successor"):
        sql("UPDATE health_healthcluster SET successor_id = id WHERE id = %s", [first.pk])
    sql(
        "UPDATE health_healthcluster SET successor_id = %s, valid_to = %s WHERE id = %s",
        [second.pk, D(2026, 12, 31), first.pk],
    )
    first.refresh_from_db()
    assert (first.successor, first.valid_to) == (second, D(2026, 12, 31))
    assert list(second.predecessors.all()) == [first]


# --- The service --------------------------------------------------------------------------------------


def test_an_administrator_creates_region_oestdanmark_with_the_code_they_enter(admin_user: Any) -> None:
    created = services.region_create(
        actor=admin_user, code=" 1086 ", name=" Region Østdanmark ", valid_from=D(2027, 1, 1)
    )
    stored = Region.objects.get(code="1086")
    assert stored.pk == created.pk
    assert (stored.name, stored.valid_from, stored.valid_to, stored.successor) == (
        "Region Østdanmark",
        D(2027, 1, 1),
        None,
        None,
    )
    assert (stored.processing_days_min, stored.processing_days_max, stored.annual_regulation) == (
        14,
        28,
        "net",
    )
    entry = AuditEntry.objects.get(action="region.create")
    assert (entry.actor, entry.region, entry.summary) == (
        admin_user,
        stored,
        "Regionen Region Østdanmark (1086) oprettet",
    )
    assert entry.after["code"] == "1086" and entry.after["valid_from"] == "2027-01-01"
    # The shipped regions are as they were.
    assert list(Region.objects.exclude(pk=stored.pk).values_list("code", "name", "valid_to")) == [
        (code, name, None) for code, name in SHIPPED
    ]


def test_a_region_without_a_first_day_is_valid_from_the_start(admin_user: Any) -> None:
    created = services.region_create(actor=admin_user, code="1090", name="Region Prøve")
    assert (created.valid_from, created.valid_to) == (None, None)


@pytest.mark.parametrize(
    ("code", "name", "errors"),
    [
        ("", "Region Østdanmark", {"code": ["Regionskode: skriv regionens kode med 4 cifre, fx 1086."]}),
        ("108", "Region Østdanmark", {"code": ["Regionskode: skriv regionens kode med 4 cifre, fx 1086."]}),
        ("10861", "Region Østdanmark", {"code": ["Regionskode: skriv regionens kode med 4 cifre, fx 1086."]}),
        ("1O86", "Region Østdanmark", {"code": ["Regionskode: skriv regionens kode med 4 cifre, fx 1086."]}),
        (
            "1084",
            "Region Østdanmark",
            {"code": ["Regionskode: 1084 er allerede brugt af Region Hovedstaden; skriv en anden kode."]},
        ),
        ("1086", "  ", {"name": ["Navn: skriv regionens navn, fx Region Østdanmark."]}),
        ("1086", "R" * 101, {"name": ["Navn: højst 100 tegn."]}),
        (
            "x",
            "",
            {
                "code": ["Regionskode: skriv regionens kode med 4 cifre, fx 1086."],
                "name": ["Navn: skriv regionens navn, fx Region Østdanmark."],
            },
        ),
    ],
)
def test_a_region_needs_an_unused_four_digit_code_and_a_name(
    admin_user: Any, code: str, name: str, errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationError, match=r"Regionskode|Navn") as caught:
        services.region_create(actor=admin_user, code=code, name=name)
    assert caught.value.message_dict == errors
    assert Region.objects.count() == 5
    assert not AuditEntry.objects.filter(action="region.create").exists()


def test_a_first_day_outside_the_date_window_is_refused(admin_user: Any) -> None:
    with pytest.raises(ValidationError, match="Gælder fra: datoen skal ligge mellem") as caught:
        services.region_create(
            actor=admin_user, code="1086", name="Region Østdanmark", valid_from=D(1999, 12, 31)
        )
    assert list(caught.value.message_dict) == ["valid_from"]
    assert not Region.objects.filter(code="1086").exists()


def test_the_messages_are_in_english_too(admin_user: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError, match="Region code") as caught:
        services.region_create(actor=admin_user, code="1084", name="")
    assert caught.value.message_dict == {
        "code": ["Region code: 1084 is already used by Region Hovedstaden; enter another code."],
        "name": ["Name: enter the region's name, e.g. Region Østdanmark."],
    }


@pytest.mark.parametrize("role", ["region_officer", "region_approver", "ssu_reader"])
def test_only_an_administrator_creates_a_region(make_user: Any, region: Any, role: str) -> None:
    user = make_user(role, region=region)
    with pytest.raises(PermissionDenied, match=r"Kun en administrator kan oprette en region\."):
        services.region_create(actor=user, code="1086", name="Region Østdanmark")
    assert not Region.objects.filter(code="1086").exists()
