"""#11: when a health council takes over, each member organisation's finance officers are told to
confirm their carry-over (with the Økonomi page's address) and the predecessors' secretariat that
running initiatives go on in the council; an unrelated finance officer gets nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core import mail
from django.urls import reverse

from klynge.health import councils
from klynge.health.models import HealthCluster, Municipality
from klynge.registry.models import Region

START = dt.date(2027, 1, 1)


def test_finance_officers_and_the_secretariat_are_told_by_mail(
    health_cluster: HealthCluster,
    admin_user: Any,
    make_user: Callable[..., Any],
    finance: Callable[[str], Any],
    secretariat: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SITE_URL = "https://klynge.example.dk"
    officer_101 = finance("101")
    outsider = finance("851")
    for user, address in (
        (officer_101, "k101@example.dk"),
        (outsider, "k851@example.dk"),
        (secretariat, "sek@example.dk"),
    ):
        user.email = address
        user.save()
    draft = councils.council_prepare(
        actor=admin_user,
        name="Sundhedsråd Byen",
        external_id="SR-BYEN",
        region=Region.objects.get(code="1084"),
        municipalities=[Municipality.objects.get(code=c) for c in ("101", "147")],
        predecessors=[health_cluster],
        valid_from=START,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        draft = councils.council_approve(
            actor=make_user("admin", username="admin-2"), draft=draft, today=START
        )
    assert draft.status == "carried_out"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"k101@example.dk", "sek@example.dk"}
    finance_mail = by_address["k101@example.dk"]
    assert finance_mail.subject == "Sundhedsråd Byen afløser sundhedsklyngen fra 1. januar 2027"
    assert f"Sundhedsråd Byen afløser {health_cluster.name} fra 1. januar 2027." in finance_mail.body
    assert "uforbrugte midler fra 2026" in finance_mail.body
    assert f"https://klynge.example.dk{reverse('health_finance')}" in finance_mail.body
    council_url = f"https://klynge.example.dk{reverse('health_cluster_detail', args=[draft.council.pk])}"
    assert council_url in by_address["sek@example.dk"].body
