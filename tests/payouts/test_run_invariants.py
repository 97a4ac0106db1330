"""What the database refuses for payout runs, whatever code writes: a second open run of a region and a
run approved by the person who prepared it (raw SQL); and concurrent requests on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from klynge.payouts import runs
from klynge.payouts.models import PayoutRun

D = dt.date


def insert_run(
    region: Any, user: Any, status: str, approved_by: Any = None, day: dt.date = D(2020, 1, 1)
) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payouts_payoutrun (region_id, run_date, status, prepared_by_id, prepared_at, "
            "approved_by_id, released_by_id, total_payouts, total_claims) VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0)",
            [
                region.pk,
                day,
                status,
                user.pk,
                "2020-01-01 00:00:00+00:00",
                approved_by.pk if approved_by else None,
                user.pk if status == "released" else None,
            ],
        )


@pytest.mark.parametrize("second", ["draft", "approved"])
def test_the_database_allows_one_open_run_per_region(
    region: Any, officer: Any, approver: Any, second: str
) -> None:
    insert_run(region, officer, "draft")
    with pytest.raises(IntegrityError, match=r"payout_one_open_run_per_region|payouts_payoutrun\.region_id"):
        insert_run(region, officer, second, approved_by=approver, day=D(2020, 2, 1))
    insert_run(
        region, officer, "released", approved_by=approver, day=D(2019, 1, 1)
    )  # closed runs: any number
    assert PayoutRun.objects.count() == 2


def test_the_database_refuses_a_run_approved_by_the_person_who_prepared_it(region: Any, officer: Any) -> None:
    with pytest.raises(IntegrityError, match="payout_run_four_eyes"):
        insert_run(region, officer, "approved", approved_by=officer)
    with pytest.raises(IntegrityError, match="payout_run_status_has_people"):
        insert_run(region, officer, "approved", approved_by=None)  # approved needs an approver
    assert not PayoutRun.objects.exists()


def test_an_update_cannot_reopen_a_second_run(region: Any, officer: Any, approver: Any) -> None:
    insert_run(region, officer, "draft")
    insert_run(region, officer, "discarded", day=D(2019, 1, 1))
    with (
        pytest.raises(IntegrityError, match=r"payout_one_open_run_per_region|payouts_payoutrun\.region_id"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE payouts_payoutrun SET status = 'draft' WHERE status = 'discarded'")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("same_date", [True, False])
def test_concurrent_requests_make_exactly_one_open_run(
    example: Any, region: Any, officer: Any, same_date: bool
) -> None:
    """Eight simultaneous requests to prepare a run: one run is made; the others get it back (same
    date, a retried request) or a clear refusal (another date)."""
    barrier = threading.Barrier(8)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def request(i: int) -> None:
        day = D(2019, 2, 15) if same_date else D(2019, 2, 1) + dt.timedelta(days=i)
        try:
            barrier.wait()
            run = runs.run_prepare(actor=officer, region=region, run_date=day)
            outcome: Any = run.pk
        except ValidationError as exc:
            outcome = exc.message_dict["run_date"][0]
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=request, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert PayoutRun.objects.count() == 1
    run = PayoutRun.objects.get()
    assert run.payouts.exists()
    if same_date:
        assert outcomes == [run.pk] * 8
    else:
        assert outcomes.count(run.pk) == 1
        assert all("allerede en åben kørsel" in o for o in outcomes if o != run.pk)
