"""``klynge notify`` run twice at the same time (#13): a notice is mailed only by the run that claimed
its row, and the claim is committed before the mail goes out."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from klynge.notices import services
from klynge.notices.models import Notice
from klynge.payouts import runs

pytestmark = pytest.mark.django_db


def notify() -> str:
    out = StringIO()
    call_command("notify", stdout=out)
    return out.getvalue()


@pytest.fixture
def awaiting(officer: Any, approver: Any, region: Any) -> Any:
    """A draft run: its approver is due one notice."""
    return runs.run_prepare(actor=officer, region=region, run_date=timezone.localdate())


def test_two_runs_one_after_the_other_mail_each_notice_once(awaiting: Any, approver: Any) -> None:
    assert "1 mails sendt" in notify()
    assert "0 mails sendt" in notify()
    assert [m.to for m in mail.outbox] == [[approver.email]]
    notice = Notice.objects.get(kind="run_awaiting")
    assert notice.sent_at is not None and notice.mailed_to == approver.email


def test_a_row_the_other_run_inserted_and_mailed_first_is_not_mailed_again(
    awaiting: Any, approver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This run found the notice due; before it inserts, the other run inserts and mails it."""
    found = services.pending

    def pending_then_the_other_run(today: dt.date | None = None) -> list[services.Draft]:
        drafts = found(today)
        monkeypatch.setattr(services, "pending", found)
        services.notify()  # the other run, complete
        return drafts

    monkeypatch.setattr(services, "pending", pending_then_the_other_run)
    made, sent = services.notify()
    assert made == 1 and sent == 0  # it tried to make it; the database kept the other run's row
    assert Notice.objects.filter(kind="run_awaiting").count() == 1
    assert len(mail.outbox) == 1


def test_a_run_that_starts_while_the_other_is_mailing_finds_the_notice_taken(
    awaiting: Any, approver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other run starts while the first one's mail is on its way: the claim is already committed,
    so it mails nothing (mailing inside the row's transaction and marking it after would mail twice)."""
    services.make()
    real = services.send_mail
    started: list[bool] = []
    other: list[int] = []

    def mail_while_the_other_run_starts(*args: Any, **kwargs: Any) -> int:
        if not started:
            started.append(True)
            other.append(services.send())  # the other run, on the same rows
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "send_mail", mail_while_the_other_run_starts)
    assert services.send() == 1
    assert other == [0]
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_gives_the_claim_back(
    awaiting: Any, approver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.make()

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("smtp")

    monkeypatch.setattr(services, "send_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        services.send()
    assert Notice.objects.get(kind="run_awaiting").sent_at is None
    monkeypatch.undo()
    assert services.send() == 1 and len(mail.outbox) == 1
