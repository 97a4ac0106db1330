"""The database keeps every date in a fixed, wide window (2000-01-01 to 2100-12-31), whatever code
writes to it, and "no end" of a membership can never let an overlapping pair in (#9 §6).

The product's own window (2000 to five years ahead) moves with today, which a CHECK constraint
cannot read; the services, forms, API and imports hold that one. Every statement here is raw SQL,
each in its own ``transaction.atomic()`` so that a refusal rolls back only that statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from klynge.payouts.models import FundingScheme, Payout, PayoutRun, Repayment, RepaymentClaim, SchemeRate
from klynge.registry.models import CapacityRecord, GpCluster, Membership, PatientCount, Practice

D = dt.date
OUTSIDE = [D(1999, 12, 31), D(2101, 1, 1), D(9999, 12, 31)]
BOUNDS = [D(2000, 1, 1), D(2100, 12, 31)]


def sql(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def cluster(region: Any) -> GpCluster:
    return GpCluster.objects.create(region=region, name="A", external_id="A", founded_on=D(2018, 1, 1))


@pytest.fixture
def practice(region: Any) -> Practice:
    return Practice.objects.create(provider_number="100001", name="Lægerne Havnegade", region=region)


# --- Registry ---------------------------------------------------------------------------------------

REGISTRY_COLUMNS = [
    (GpCluster, "founded_on"),
    (GpCluster, "completed_on"),
    (GpCluster, "nemkonto_confirmed_on"),
    (CapacityRecord, "valid_from"),
    (CapacityRecord, "recorded_on"),
    (PatientCount, "valid_from"),
    (PatientCount, "recorded_on"),
    (Membership, "joined"),
    (Membership, "left"),
    (Membership, "recorded_on"),
    (Membership, "left_recorded_on"),
]
PREFIX: dict[type, str] = {
    GpCluster: "gpcluster",
    CapacityRecord: "capacity",
    PatientCount: "patients",
    Membership: "membership",
    FundingScheme: "scheme",
    PayoutRun: "payout_run",
    Payout: "payout",
    Repayment: "repayment",
}


def constraint(model: type, column: str) -> str:
    """The name of the CHECK constraint, which both databases put in their refusal."""
    return f"{PREFIX[model]}_{column.removeprefix('run_')}_in_window"


@pytest.fixture
def rows(cluster: GpCluster, practice: Practice) -> dict[type, Any]:
    """One row of each registry table, every date in the window."""
    GpCluster.objects.filter(pk=cluster.pk).update(
        status="completed", completed_on=D(2019, 1, 1), nemkonto_confirmed_on=D(2018, 6, 1)
    )
    return {
        GpCluster: cluster,
        CapacityRecord: CapacityRecord.objects.create(
            practice=practice, valid_from=D(2018, 1, 1), count=1, recorded_on=D(2018, 1, 1)
        ),
        PatientCount: PatientCount.objects.create(
            practice=practice, valid_from=D(2022, 1, 1), count=1000, recorded_on=D(2022, 1, 1)
        ),
        Membership: Membership.objects.create(
            practice=practice,
            cluster=cluster,
            joined=D(2018, 1, 1),
            left=D(2020, 1, 1),
            recorded_on=D(2018, 1, 1),
            left_recorded_on=D(2020, 1, 1),
        ),
    }


def set_date(model: type, column: str, pk: int, value: dt.date) -> None:
    sql(f'UPDATE {model._meta.db_table} SET "{column}" = %s WHERE id = %s', [value, pk])  # type: ignore[attr-defined]


ENDS = {(Membership, "left"), (FundingScheme, "valid_to")}


def cases(columns: Sequence[tuple[type, str]]) -> list[tuple[type, str, dt.date]]:
    """Every column with every date outside, but an end before 2000: it lies before its start too,
    which an older constraint refuses first."""
    return [(m, c, v) for m, c in columns for v in OUTSIDE if not ((m, c) in ENDS and v < BOUNDS[0])]


def open_ended(model: type, column: str, pk: int) -> None:
    """A start is tested without an end, so that only the window can refuse it."""
    if (model, column) == (Membership, "joined"):
        Membership.objects.filter(pk=pk).update(left=None, left_recorded_on=None)
    if (model, column) == (FundingScheme, "valid_from"):
        FundingScheme.objects.filter(pk=pk).update(valid_to=None)


@pytest.mark.parametrize(("model", "column", "value"), cases(REGISTRY_COLUMNS))
def test_the_database_refuses_a_registry_date_outside_the_window(
    rows: dict[type, Any], model: type, column: str, value: dt.date
) -> None:
    row = rows[model]
    open_ended(model, column, row.pk)
    before = model.objects.filter(pk=row.pk).values_list(column, flat=True).get()  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError, match=constraint(model, column)):
        set_date(model, column, row.pk, value)
    assert model.objects.filter(pk=row.pk).values_list(column, flat=True).get() == before  # type: ignore[attr-defined]


@pytest.mark.parametrize(("model", "column"), [(m, c) for m, c in REGISTRY_COLUMNS if c != "left"])
@pytest.mark.parametrize("value", BOUNDS)
def test_the_bounds_of_the_window_are_accepted(
    rows: dict[type, Any], model: type, column: str, value: dt.date
) -> None:
    row = rows[model]
    open_ended(model, column, row.pk)
    set_date(model, column, row.pk, value)
    assert model.objects.filter(pk=row.pk).values_list(column, flat=True).get() == value  # type: ignore[attr-defined]


def test_a_new_membership_joining_in_year_9999_is_refused(cluster: GpCluster, practice: Practice) -> None:
    with pytest.raises(IntegrityError, match="membership_joined_in_window"):
        sql(
            'INSERT INTO registry_membership (practice_id, cluster_id, joined, "left", recorded_on, '
            "left_recorded_on) VALUES (%s, %s, %s, NULL, %s, NULL)",
            [practice.pk, cluster.pk, D(9999, 12, 31), D(2026, 1, 1)],
        )
    assert not Membership.objects.exists()


# --- "No end" never lets an overlapping pair in ---------------------------------------------------------


def insert_open_membership(practice: Practice, cluster: GpCluster, joined: dt.date) -> None:
    sql(
        'INSERT INTO registry_membership (practice_id, cluster_id, joined, "left", recorded_on, '
        "left_recorded_on) VALUES (%s, %s, %s, NULL, %s, NULL)",
        [practice.pk, cluster.pk, joined, D(2019, 1, 1)],
    )


@pytest.mark.parametrize("joined", [D(2100, 12, 31), D(2031, 12, 31)])
def test_an_open_ended_membership_refuses_one_starting_at_the_end_of_the_window(
    cluster: GpCluster, practice: Practice, joined: dt.date
) -> None:
    insert_open_membership(practice, cluster, D(2019, 1, 1))
    with pytest.raises(IntegrityError, match="overlap"):
        insert_open_membership(practice, cluster, joined)
    assert Membership.objects.count() == 1


def test_the_overlap_guard_needs_no_sentinel_date_even_without_the_date_checks(
    cluster: GpCluster, practice: Practice
) -> None:
    """The SQLite triggers compared with ``COALESCE(left, '9999-12-31')``, so a membership starting on
    9999-12-31 slipped past an open-ended one. With the date checks switched off (SQLite: the
    connection ignores CHECK constraints; PostgreSQL: the check is dropped inside this test's
    transaction), the overlap guard alone must still refuse it."""
    insert_open_membership(practice, cluster, D(2019, 1, 1))
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA ignore_check_constraints = ON")
            else:  # the deferred foreign-key checks first: a table with pending ones cannot be altered
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE registry_membership DROP CONSTRAINT membership_joined_in_window")
        try:
            with pytest.raises(IntegrityError, match="overlap"):
                insert_open_membership(practice, cluster, D(9999, 12, 31))
        finally:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA ignore_check_constraints = OFF")
        transaction.set_rollback(True)
    assert Membership.objects.count() == 1


# --- Payout records ---------------------------------------------------------------------------------------


@pytest.fixture
def payout_rows(region: Any, cluster: GpCluster, make_user: Any) -> dict[tuple[type, str], Any]:
    officer, approver = make_user("admin"), make_user("admin")
    scheme = FundingScheme.objects.create(
        code="TEST", name="Test", basis="capacity", valid_from=D(2018, 1, 1), valid_to=D(2021, 12, 31)
    )
    rate = SchemeRate.objects.create(scheme=scheme, year=2019, rate=1000)
    run = PayoutRun.objects.create(
        region=region,
        run_date=D(2019, 3, 1),
        prepared_by=officer,
        approved_by=approver,
        released_by=approver,
        status="released",
    )
    payout = Payout.objects.create(
        run=run,
        cluster=cluster,
        amount=100,
        arrival_from=D(2019, 3, 15),
        arrival_to=D(2019, 3, 29),
        paid_on=D(2019, 3, 5),
    )
    claim = RepaymentClaim.objects.create(
        run=run, cluster=cluster, amount=100, reason="startup_fee_repayment", rule="A7", due_on=D(2019, 4, 1)
    )
    repayment = Repayment.objects.create(
        claim=claim, amount=50, received_on=D(2019, 3, 20), recorded_by=officer
    )
    return {
        (FundingScheme, "valid_from"): scheme,
        (FundingScheme, "valid_to"): scheme,
        (PayoutRun, "run_date"): run,
        (Payout, "paid_on"): payout,
        (Repayment, "received_on"): repayment,
        (SchemeRate, "year"): rate,
    }


PAYOUT_COLUMNS = [
    (FundingScheme, "valid_from"),
    (FundingScheme, "valid_to"),
    (PayoutRun, "run_date"),
    (Payout, "paid_on"),
    (Repayment, "received_on"),
]


@pytest.mark.parametrize(("model", "column", "value"), cases(PAYOUT_COLUMNS))
def test_the_database_refuses_a_payout_date_outside_the_window(
    payout_rows: dict[tuple[type, str], Any], model: type, column: str, value: dt.date
) -> None:
    row = payout_rows[(model, column)]
    open_ended(model, column, row.pk)
    with pytest.raises(IntegrityError, match=constraint(model, column)):
        set_date(model, column, row.pk, value)


@pytest.mark.parametrize("year", [1999, 2101, 9999])
def test_the_database_refuses_a_rate_for_a_year_outside_the_window(
    payout_rows: dict[tuple[type, str], Any], year: int
) -> None:
    rate = payout_rows[(SchemeRate, "year")]
    with pytest.raises(IntegrityError, match="scheme_rate_year_in_window"):
        sql("UPDATE payouts_schemerate SET year = %s WHERE id = %s", [year, rate.pk])
    rate.refresh_from_db()
    assert rate.year == 2019
