"""The database itself refuses what must never be stored, whatever code writes to it.

Every statement here is raw SQL through ``connection.cursor()``, bypassing the ORM and the services,
each inside its own ``transaction.atomic()`` so that a refusal rolls back only that statement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from klynge.registry.models import GpCluster, Membership, Practice

D = dt.date


def sql(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def insert_membership(
    practice: Practice, cluster: GpCluster, joined: dt.date, left: dt.date | None = None
) -> None:
    sql(
        'INSERT INTO registry_membership (practice_id, cluster_id, joined, "left", recorded_on, left_recorded_on) '
        "VALUES (%s, %s, %s, %s, %s, %s)",
        [practice.pk, cluster.pk, joined, left, joined, left],
    )


@pytest.fixture
def clusters(region: Any) -> tuple[GpCluster, GpCluster]:
    first = GpCluster.objects.create(region=region, name="A", external_id="A", founded_on=D(2018, 1, 1))
    second = GpCluster.objects.create(region=region, name="B", external_id="B", founded_on=D(2018, 1, 1))
    return first, second


@pytest.fixture
def practice(region: Any) -> Practice:
    return Practice.objects.create(provider_number="100001", name="Lægerne Havnegade", region=region)


# --- Memberships: one cluster per practice per day -----------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((D(2019, 1, 1), D(2020, 1, 1)), (D(2019, 6, 1), D(2020, 6, 1))),  # partial overlap
        ((D(2019, 1, 1), D(2020, 1, 1)), (D(2019, 3, 1), D(2019, 4, 1))),  # inside
        ((D(2019, 1, 1), D(2020, 1, 1)), (D(2018, 6, 1), D(2019, 1, 2))),  # one shared day
        ((D(2019, 1, 1), None), (D(2025, 1, 1), D(2026, 1, 1))),  # the first is open-ended
        ((D(2019, 1, 1), D(2020, 1, 1)), (D(2018, 1, 1), None)),  # the second is open-ended
        ((D(2019, 1, 1), None), (D(2018, 1, 1), None)),  # both open-ended
    ],
)
def test_the_database_refuses_two_overlapping_memberships_of_one_practice(
    clusters: Any, practice: Practice, first: Any, second: Any
) -> None:
    insert_membership(practice, clusters[0], *first)
    with pytest.raises(IntegrityError, match=r"membership_(no_)?overlap"):
        insert_membership(practice, clusters[1], *second)
    assert Membership.objects.count() == 1


def test_the_database_refuses_overlap_in_the_same_cluster_too(clusters: Any, practice: Practice) -> None:
    insert_membership(practice, clusters[0], D(2019, 1, 1), D(2020, 1, 1))
    with pytest.raises(IntegrityError, match=r"membership_(no_)?overlap"):
        insert_membership(practice, clusters[0], D(2019, 12, 31))


def test_the_database_refuses_an_update_that_creates_an_overlap(clusters: Any, practice: Practice) -> None:
    insert_membership(practice, clusters[0], D(2019, 1, 1), D(2020, 1, 1))
    insert_membership(practice, clusters[1], D(2020, 1, 1))
    first = Membership.objects.get(cluster=clusters[0])
    with pytest.raises(IntegrityError, match=r"membership_(no_)?overlap"):
        sql(
            'UPDATE registry_membership SET "left" = %s, left_recorded_on = %s WHERE id = %s',
            [D(2020, 2, 1), D(2020, 2, 1), first.pk],
        )
    with pytest.raises(IntegrityError, match=r"membership_(no_)?overlap"):
        sql('UPDATE registry_membership SET "left" = NULL, left_recorded_on = NULL WHERE id = %s', [first.pk])
    first.refresh_from_db()
    assert first.left == D(2020, 1, 1)


def test_adjacent_memberships_are_accepted(clusters: Any, practice: Practice) -> None:
    """``left`` is the first day no longer a member, so the next membership may start that day (A8)."""
    insert_membership(practice, clusters[0], D(2018, 10, 1), D(2021, 7, 1))
    insert_membership(practice, clusters[1], D(2021, 7, 1))
    assert Membership.objects.filter(practice=practice).count() == 2


def test_other_practices_may_share_days(clusters: Any, practice: Practice, region: Any) -> None:
    other = Practice.objects.create(provider_number="100002", name="Lægehuset Torvet", region=region)
    insert_membership(practice, clusters[0], D(2019, 1, 1))
    insert_membership(other, clusters[0], D(2019, 1, 1))
    assert Membership.objects.count() == 2


@pytest.mark.parametrize("left", [D(2019, 1, 1), D(2018, 12, 31)])
def test_the_database_refuses_left_on_or_before_joined(clusters: Any, practice: Practice, left: Any) -> None:
    with pytest.raises(IntegrityError, match="membership_left_after_joined"):
        insert_membership(practice, clusters[0], D(2019, 1, 1), left)
    assert not Membership.objects.exists()


def test_the_database_refuses_left_without_its_recorded_date(clusters: Any, practice: Practice) -> None:
    with pytest.raises(IntegrityError, match="membership_left_recorded_with_left"):
        sql(
            'INSERT INTO registry_membership (practice_id, cluster_id, joined, "left", recorded_on, left_recorded_on) '
            "VALUES (%s, %s, %s, %s, %s, NULL)",
            [practice.pk, clusters[0].pk, D(2019, 1, 1), D(2020, 1, 1), D(2019, 1, 1)],
        )


# --- Capacities, clusters, practices ----------------------------------------------------------------


@pytest.mark.parametrize("count", [0, -1])
def test_the_database_refuses_capacities_below_one(practice: Practice, count: int) -> None:
    with pytest.raises(IntegrityError, match=r"capacity_at_least_one|constraint failed: count"):
        sql(
            "INSERT INTO registry_capacityrecord (practice_id, valid_from, count, recorded_on) VALUES (%s, %s, %s, %s)",
            [practice.pk, D(2019, 1, 1), count, D(2019, 1, 1)],
        )
    assert not practice.capacities.exists()


def test_the_database_refuses_two_capacity_values_for_the_same_day_and_record(practice: Practice) -> None:
    statement = "INSERT INTO registry_capacityrecord (practice_id, valid_from, count, recorded_on) VALUES (%s, %s, %s, %s)"
    sql(statement, [practice.pk, D(2019, 1, 1), 2, D(2019, 1, 1)])
    with pytest.raises(
        IntegrityError,
        match=r"capacity_one_value_per_day_and_record|registry_capacityrecord.practice_id, registry_capacityrecord.valid_from",
    ):
        sql(statement, [practice.pk, D(2019, 1, 1), 3, D(2019, 1, 1)])


def insert_cluster(external_id: str, region: Any, *, status: str, completed_on: Any, cvr: str = "") -> None:
    sql(
        "INSERT INTO registry_gpcluster (name, region_id, external_id, cvr, founded_on, all_practices_registered, "
        "completed_on, status, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            "Klynge X",
            region.pk,
            external_id,
            cvr,
            D(2018, 10, 1),
            True,
            completed_on,
            status,
            dt.datetime(2018, 10, 1, tzinfo=dt.UTC),
        ],
    )


def test_the_database_refuses_a_completed_status_without_a_completion_date(region: Any) -> None:
    with pytest.raises(IntegrityError, match="gpcluster_completed_status_matches_date"):
        insert_cluster("X1", region, status="completed", completed_on=None)
    with pytest.raises(IntegrityError, match="gpcluster_completed_status_matches_date"):
        insert_cluster("X2", region, status="registering", completed_on=D(2019, 2, 15))
    assert not GpCluster.objects.exists()


def test_the_database_refuses_completion_taken_back_by_an_update(region: Any) -> None:
    insert_cluster("X1", region, status="completed", completed_on=D(2019, 2, 15))
    with pytest.raises(IntegrityError, match="gpcluster_completed_status_matches_date"):
        sql("UPDATE registry_gpcluster SET completed_on = NULL WHERE external_id = %s", ["X1"])
    assert GpCluster.objects.get(external_id="X1").completed_on == D(2019, 2, 15)


@pytest.mark.parametrize("cvr", ["1234567", "1234567a", "12 34567", "123456789"])
def test_the_database_refuses_a_cvr_that_is_not_eight_digits(region: Any, cvr: str) -> None:
    # Nine digits also exceed the column's length on PostgreSQL (DataError); both are DatabaseErrors.
    with pytest.raises(DatabaseError, match=r"gpcluster_cvr_eight_digits_or_blank|character varying\(8\)"):
        insert_cluster("X1", region, status="registering", completed_on=None, cvr=cvr)
    assert not GpCluster.objects.exists()


@pytest.mark.parametrize("cvr", ["", "29403473"])
def test_an_empty_or_eight_digit_cvr_is_accepted(region: Any, cvr: str) -> None:
    insert_cluster("X1", region, status="registering", completed_on=None, cvr=cvr)
    assert GpCluster.objects.get(external_id="X1").cvr == cvr


@pytest.mark.parametrize("number", ["12345", "1234567", "12345a"])
def test_the_database_refuses_a_provider_number_that_is_not_six_digits(region: Any, number: str) -> None:
    with pytest.raises(DatabaseError, match=r"practice_provider_number_six_digits|character varying\(6\)"):
        sql(
            "INSERT INTO registry_practice (provider_number, name, region_id) VALUES (%s, %s, %s)",
            [number, "X", region.pk],
        )
    assert not Practice.objects.exists()


def test_the_database_refuses_a_duplicate_provider_number(practice: Practice, region: Any) -> None:
    with pytest.raises(
        IntegrityError, match=r"registry_practice_provider_number_key|registry_practice\.provider_number"
    ):
        sql(
            "INSERT INTO registry_practice (provider_number, name, region_id) VALUES (%s, %s, %s)",
            [practice.provider_number, "Kopi", region.pk],
        )
