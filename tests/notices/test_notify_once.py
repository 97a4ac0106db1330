"""``klynge notify`` (#13): each notice made and mailed once, however often the command runs; the
database refuses a second copy; every mail's link opens for its recipient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from klynge.notices.models import Notice
from klynge.payouts import runs
from klynge.payouts.models import PayoutRun, RepaymentClaim

D = dt.date


def notify(*args: str) -> str:
    out = StringIO()
    call_command("notify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def login() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def overdue_claim(officer: Any, approver: Any, cluster: Any, region: Any) -> RepaymentClaim:
    """A released run (40 days ago) with a claim of 2.500 kr. due 20 days ago, not repaid."""
    today = timezone.localdate()
    run = PayoutRun.objects.create(
        region=region,
        run_date=today - dt.timedelta(days=40),
        status=PayoutRun.Status.RELEASED,
        prepared_by=officer,
        approved_by=approver,
        approved_at=timezone.now(),
        released_by=officer,
        released_at=timezone.now() - dt.timedelta(days=40),
    )
    return RepaymentClaim.objects.create(
        run=run,
        cluster=cluster,
        amount=Decimal("2500.00"),
        reason="startup_fee_repayment",
        rule="A7",
        practice="100001",
        due_on=today - dt.timedelta(days=20),
    )


def test_running_twice_sends_each_notice_once(
    officer: Any, approver: Any, coordinator: Any, region: Any, overdue_claim: Any, settings: Any
) -> None:
    settings.CLAIM_REMINDER_DAYS = 14
    draft = runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())
    assert "beskeder ville blive lavet" in notify("--dry-run")
    assert Notice.objects.count() == 0 and len(mail.outbox) == 0
    notify()
    kinds = sorted(Notice.objects.values_list("kind", "recipient__username"))
    assert ("run_awaiting", "approver") in kinds
    assert ("run_awaiting", "officer") not in kinds  # never the preparer
    assert ("claim_overdue", coordinator.username) in kinds and ("claim_overdue", "officer") in kinds
    assert ("claim_reminder", coordinator.username) in kinds  # 20 days late, every 14 days: 1st
    assert ("claim_raised", coordinator.username) in kinds  # the release mailed it: recorded only
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == Notice.objects.exclude(kind="claim_raised").count()
    assert not any(s.startswith("Krav på") for s in subjects)
    overdue = next(m for m in mail.outbox if m.to == [coordinator.email] and "ikke betalt" in m.subject)
    assert "2.500,00 kr." in overdue.body and " kr. kr." not in overdue.body
    from klynge.common.dates import long_date

    assert long_date(overdue_claim.due_on) in overdue.body  # "1. januar 2027"
    before = Notice.objects.count()
    notify()
    notify()
    assert Notice.objects.count() == before and len(mail.outbox) == len(subjects)
    # Approved: the preparer is told, once.
    runs.run_approve(actor=approver, run=draft)
    notify()
    notify()
    assert Notice.objects.filter(kind="run_approved", recipient=officer).count() == 1
    assert len(mail.outbox) == len(subjects) + 1


def test_a_reminder_follows_every_n_days_until_repaid(
    officer: Any, coordinator: Any, overdue_claim: Any, settings: Any, region: Any
) -> None:
    settings.CLAIM_REMINDER_DAYS_BY_REGION = {region.code: 7}  # 20 days late: the 2nd reminder
    notify()
    assert list(Notice.objects.filter(kind="claim_reminder").values_list("object_key", flat=True)) == [
        f"claim:{overdue_claim.pk}:2"
    ]
    later = timezone.localdate() + dt.timedelta(days=3)  # 23 days: the 3rd
    notify("--date", later.isoformat())
    assert Notice.objects.filter(kind="claim_reminder").count() == 2
    overdue_claim.repayments.create(
        amount=Decimal("2500.00"), received_on=timezone.localdate(), recorded_by=officer
    )
    notify("--date", (later + dt.timedelta(days=14)).isoformat())  # repaid: no 5th reminder
    assert Notice.objects.filter(kind="claim_reminder").count() == 2


def test_the_database_refuses_a_second_copy_of_a_notice(coordinator: Any) -> None:
    table = Notice._meta.db_table
    insert = (
        f"INSERT INTO {table} (recipient_id, kind, object_key, subject, body, link, created_at, mailed_to) "
        "VALUES (%s, 'claim_overdue', 'claim:1', 's', 'b', '', %s, '')"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [coordinator.pk, timezone.now()])
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(insert, [coordinator.pk, timezone.now()])
    assert Notice.objects.count() == 1


def test_every_mails_link_opens_for_its_recipient(
    officer: Any,
    approver: Any,
    coordinator: Any,
    region: Any,
    overdue_claim: Any,
    login: Callable[[Any], Client],
) -> None:
    from django.conf import settings as django_settings

    runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())
    notify()
    assert Notice.objects.exists()
    for notice in Notice.objects.select_related("recipient"):
        assert f"{django_settings.SITE_URL}{notice.link}" in notice.body
        client = login(notice.recipient)
        assert client.get(notice.link).status_code == 200, notice.link
        page = client.get("/beskeder/").content.decode()
        assert notice.subject in page
