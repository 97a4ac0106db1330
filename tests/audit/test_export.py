"""The audit trail as CSV for administrators (#10): every entry, oldest first, with its hashes; nobody
else gets it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from klynge.audit.models import AuditEntry
from klynge.registry import services


def rows_of(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_an_administrator_downloads_every_entry_in_order_with_its_hashes(
    admin_user: Any, officer: Any, region: Any
) -> None:
    services.region_update(actor=officer, region=region, instructions="Send vedtægterne.")
    services.region_update(actor=officer, region=region, instructions="=HYPERLINK(1)")
    client = Client()
    client.force_login(admin_user)
    response = client.get(reverse("audit_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "revisionsspor-" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:5] == ["id", "tidspunkt", "udfoert_af", "handling", "beskrivelse"]
    assert header[-2:] == ["forrige_hash", "hash"]
    entries = list(AuditEntry.objects.order_by("id"))
    assert [int(r[0]) for r in rows] == [e.pk for e in entries]
    assert [(r[2], r[-2], r[-1]) for r in rows] == [
        (e.actor.username if e.actor else "", e.previous_hash or "", e.hash or "") for e in entries
    ]
    assert all(r[-1] for r in rows)  # every entry is chained
    assert rows[-1][7] == region.code and "HYPERLINK" in rows[-1][10]
    assert rows[-1][10].startswith("{")  # the values after, as JSON (not taken for a formula)


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_quoted() -> None:
    from klynge.audit.export import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell("Klynge Nord") == "Klynge Nord"


@pytest.mark.parametrize("role", ["region_officer", "region_approver", "coordinator", "ssu_reader"])
def test_nobody_else_gets_the_audit_trail(
    make_user: Callable[..., Any], region: Any, cluster: Any, coordinator: Any, role: str
) -> None:
    user = coordinator if role == "coordinator" else make_user(role, region=region)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("audit_export")).status_code == 403


def test_a_visitor_is_sent_to_the_login(db: Any) -> None:
    response = Client().get(reverse("audit_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
