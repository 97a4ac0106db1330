"""Posting a year's settlement into the shared ledger: balanced per member, mirrored, once per year,
and the year's costs locked afterwards; the database refuses a second posting of the same year."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from klynge.audit.models import AuditEntry
from klynge.health import services
from klynge.health.models import ActualCost, SettlementPosting
from klynge.ledger import export
from klynge.ledger.models import JournalEntry

pytestmark = pytest.mark.django_db


def by_party(entry: JournalEntry) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for p in entry.postings.all():
        totals[p.party] = totals.get(p.party, Decimal(0)) + p.amount
    return totals


def test_the_guides_settlement_is_posted_balanced_per_member_and_mirrored(
    guide_initiative: Any, health_cluster: Any, secretariat: Any
) -> None:
    posted = services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    entry = posted.entry
    assert entry.ledger.code == "HK-SK-EKS" and entry.date == dt.date(2023, 12, 31)
    assert all(v == 0 for v in by_party(entry).values()) and set(by_party(entry)) == {"101", "147", "1084"}
    lines = {(p.account.code, p.party): p.amount for p in entry.postings.select_related("account")}
    assert lines[("HK-4.62.88-4.0", "101")] == Decimal("3000000.00")
    assert lines[("HK-4.62.88-4.7", "147")] == Decimal("1000000.00")
    # the region pays a municipality, on the regional function an administrator entered
    assert lines[("HK-9.99.99-4.7", "1084")] == Decimal("1000000.00")
    assert lines[("HK-4.62.88-7.7", "101")] == Decimal("-1000000.00")
    assert lines[("HK-4.62.88-7.8", "101")] == Decimal("-1000000.00")
    # each member's net frame impact leaves its cash account
    assert {party: -amount for (code, party), amount in lines.items() if code == "HK-LIKVIDE"} == {
        "101": Decimal("1000000.00"),
        "147": Decimal("1000000.00"),
        "1084": Decimal("1000000.00"),
    }
    assert AuditEntry.objects.filter(action="health.settlement_post", actor=secretariat).count() == 1


def test_a_year_is_posted_once_and_its_costs_are_then_locked(
    guide_initiative: Any, health_cluster: Any, secretariat: Any, members: dict[str, Any]
) -> None:
    services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as again:
        services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    assert "allerede bogført" in again.value.message_dict["year"][0]
    with pytest.raises(ValidationError) as locked:
        services.cost_set(
            actor=secretariat, initiative=guide_initiative, executor=members["101"], year=2023, amount="1.00"
        )
    assert "bogført" in locked.value.message_dict["year"][0]
    assert JournalEntry.objects.count() == entries
    assert ActualCost.objects.get(year=2023).amount == Decimal("3000000.00")


def test_nothing_to_post_a_date_outside_the_year_and_a_reader_are_refused(
    guide_initiative: Any, health_cluster: Any, secretariat: Any, finance: Any
) -> None:
    with pytest.raises(ValidationError) as empty:
        services.settlement_post(actor=secretariat, cluster=health_cluster, year=2024)
    assert "ingen faktiske udgifter" in empty.value.message_dict["year"][0]
    with pytest.raises(ValidationError) as wrong_date:
        services.settlement_post(
            actor=secretariat, cluster=health_cluster, year=2023, date=dt.date(2024, 1, 5)
        )
    assert "2023" in wrong_date.value.message_dict["date"][0]
    with pytest.raises(PermissionDenied, match="adgang"):
        services.settlement_post(actor=finance("147"), cluster=health_cluster, year=2023)
    assert not SettlementPosting.objects.exists() and not JournalEntry.objects.exists()


def test_the_database_refuses_a_second_posting_of_the_same_year(
    guide_initiative: Any, health_cluster: Any, secretariat: Any
) -> None:
    first = services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    other = JournalEntry.objects.create(
        ledger=first.entry.ledger, voucher_number=2, date=first.entry.date, text="x"
    )
    with (
        pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO health_settlementposting (cluster_id, year, entry_id, posted_by_id, posted_at, "
            "reversal_reason) VALUES (%s, %s, %s, %s, %s, '')",
            [health_cluster.pk, 2023, other.pk, secretariat.pk, "2024-01-01 00:00:00+00:00"],
        )


@pytest.mark.skipif(shutil.which("hledger") is None, reason="hledger is installed by bin/setup --browser")
def test_hledger_reads_the_cluster_ledger_and_every_member_balances(
    guide_initiative: Any, health_cluster: Any, secretariat: Any, tmp_path: Path
) -> None:
    posted = services.settlement_post(actor=secretariat, cluster=health_cluster, year=2023)
    journal = tmp_path / "hk.journal"
    journal.write_text(export.to_hledger(posted.entry.ledger), encoding="utf-8")
    out = subprocess.run(
        ["hledger", "-f", str(journal), "balance", "--flat", "-O", "csv", "tag:party=147"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split('","') for line in out.strip().splitlines()[1:]]
    amounts = {r[0].strip('"'): r[1].strip('"') for r in rows}
    assert amounts["Expenses:KHK-4-62-88-4-7"] == "1000000,00 DKK"
    assert amounts["Assets:KHK-LIKVIDE"] == "-1000000,00 DKK"
    assert set(amounts) == {"Expenses:KHK-4-62-88-4-7", "Assets:KHK-LIKVIDE", "total"}
    assert amounts["total"] in {"0", "0 DKK", "0,00 DKK"}
