"""Statements: entitled, paid, claimed, repaid, outstanding and not yet settled per year, per cluster
and per region, checked against the worked example; the Excel workbooks hold the same figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from klynge.core.payouts import payable_at
from klynge.payouts import runs, statements
from klynge.payouts.models import PayoutRun, RepaymentClaim
from klynge.registry.models import GpCluster

D = dt.date
ZERO = Decimal("0.00")


def released(region: Any, officer: Any, approver: Any, day: dt.date) -> PayoutRun:
    run = runs.run_prepare(actor=officer, region=region, run_date=day)
    runs.run_approve(actor=approver, run=run)
    return runs.run_release(actor=officer, run=run)


def release_until(example: Any, region: Any, officer: Any, approver: Any, last: dt.date) -> list[Any]:
    """Release the example's runs up to and including ``last``; the expected runs released."""
    done = []
    for expected in example["runs"]:
        day = D.fromisoformat(expected["date"])
        if day > last:
            break
        released(region, officer, approver, day)
        done.append(expected)
    return done


def expected_total(done: list[Any], cluster: str, kind: str) -> Decimal:
    return sum(
        (Decimal(item["amount"]) for run in done for item in run[kind] if item["cluster"] == cluster), ZERO
    )


def k(external_id: str) -> GpCluster:
    return GpCluster.objects.get(external_id=external_id)


def test_after_every_example_run_a_cluster_was_paid_and_claimed_what_the_example_expects(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    last = D.fromisoformat(example["runs"][-1]["date"])
    done = release_until(example, region, officer, approver, last)
    for cluster in ("K1", "K2"):
        statement = statements.cluster_statement(k(cluster), last)
        assert statement.total.paid == expected_total(done, cluster, "payouts")
        assert statement.total.claimed == expected_total(done, cluster, "claims")
        assert sum((row.figures.paid for row in statement.years), ZERO) == statement.total.paid
        # Everything known on the last run's date was settled by it.
        assert [row.figures.unsettled for row in statement.years] == [ZERO] * len(statement.years)
        assert statement.total.entitled == statement.total.paid - statement.total.claimed
    k1 = statements.cluster_statement(k("K1"), last)
    assert k1.total.paid == Decimal("55462.98")  # 33.756,16 + 14.586,30 + 2.248,63 + 4.871,89
    assert k1.total.claimed == Decimal("10000.00")
    assert k1.total.outstanding == Decimal("10000.00")
    assert [row.year for row in k1.years] == [2018, 2019, 2020, 2021, 2022]
    # The startup fee of 100003 (joined 2019-06-01) was paid and claimed back for 2019.
    year_2019 = next(row.figures for row in k1.years if row.year == 2019)
    assert year_2019.claimed == Decimal("10000.00")


def test_entitled_is_what_the_engine_makes_payable_today_for_the_clusters_keys(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    today = D(2020, 2, 1)
    facts = runs.facts_for(GpCluster.objects.filter(external_id="K1"))
    by_year: dict[int, Decimal] = {}
    for entitlement in payable_at(facts.scenario, today):
        if entitlement.key.cluster == "K1":
            year = int(entitlement.key.period[:4])
            by_year[year] = by_year.get(year, ZERO) + entitlement.amount
    statement = statements.cluster_statement(k("K1"), today)
    assert {row.year: row.figures.entitled for row in statement.years} == by_year
    # Nothing was released: the whole entitlement is still to be settled.
    assert statement.total.paid == ZERO
    assert statement.total.unsettled == statement.total.entitled == sum(by_year.values(), ZERO)


def test_a_negative_balance_left_to_net_shows_as_not_yet_settled(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    # After 2020-04-15, 100003's year 2020 shrank to 248,63 of the 1.000 paid: -751,37 is carried forward.
    run_date = D(2020, 4, 15)
    release_until(example, region, officer, approver, run_date)
    statement = statements.cluster_statement(k("K1"), run_date)
    carried = PayoutRun.objects.get(run_date=run_date).carried_forward.get(cluster=k("K1")).amount
    assert carried == Decimal("751.37")
    year_2020 = next(row.figures for row in statement.years if row.year == 2020)
    assert year_2020.unsettled == -carried
    assert statement.total.unsettled == -carried


def test_a_repayment_lowers_what_the_cluster_owes_on_the_claims_year(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    release_until(example, region, officer, approver, D(2020, 4, 15))
    claim = RepaymentClaim.objects.get(cluster__external_id="K1")
    before = statements.cluster_statement(k("K1"), D(2020, 5, 1))
    assert before.total.outstanding == Decimal("10000.00")
    runs.repayment_record(actor=officer, claim=claim, amount="4000.00", received_on=D(2020, 5, 1))
    after = statements.cluster_statement(k("K1"), D(2020, 5, 1))
    assert after.total.repaid == Decimal("4000.00")
    assert after.total.outstanding == Decimal("6000.00")
    year_2019 = next(row.figures for row in after.years if row.year == 2019)
    assert (year_2019.repaid, year_2019.outstanding) == (Decimal("4000.00"), Decimal("6000.00"))
    # Repaying changes what is owed, not what was entitled or settled.
    assert after.total.unsettled == before.total.unsettled
    assert statements.region_overview(region, D(2020, 5, 1)).total.outstanding == Decimal("6000.00")


def test_draft_and_discarded_runs_count_as_neither_paid_nor_claimed(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    draft = runs.run_prepare(actor=officer, region=region, run_date=D(2018, 12, 10))
    assert draft.total_payouts > 0
    assert statements.cluster_statement(k("K2"), D(2018, 12, 10)).total.paid == ZERO
    runs.run_discard(actor=officer, run=draft)
    assert statements.region_overview(region, D(2018, 12, 10)).total.paid == ZERO


def test_the_region_overview_adds_up_the_clusters_statements(
    example: Any, region: Any, officer: Any, approver: Any, make_cluster: Any
) -> None:
    today = D(2021, 1, 15)
    done = release_until(example, region, officer, approver, today)
    make_cluster("Klynge Vest")  # registering: a row of zeros
    overview = statements.region_overview(region, today)
    assert [row.cluster.name for row in overview.rows] == ["Klynge Nord", "Klynge Syd", "Klynge Vest"]
    for row in overview.rows:
        if row.cluster.name == "Klynge Vest":
            assert row.figures.amounts() == (ZERO,) * 6
        else:
            assert row.figures == statements.cluster_statement(row.cluster, today).total
    assert overview.total.paid == sum((Decimal(p["amount"]) for run in done for p in run["payouts"]), ZERO)
    assert overview.total.claimed == Decimal("10000.00")
    for i in range(6):
        assert overview.total.amounts()[i] == sum((row.figures.amounts()[i] for row in overview.rows), ZERO)


def test_the_region_overview_takes_a_few_queries_whatever_the_number_of_clusters(
    example: Any, region: Any, officer: Any, approver: Any, make_cluster: Any
) -> None:
    release_until(example, region, officer, approver, D(2020, 4, 15))
    with CaptureQueriesContext(connection) as small:
        statements.region_overview(region, D(2021, 1, 1))
    for _ in range(5):
        make_cluster()
    with CaptureQueriesContext(connection) as large:
        statements.region_overview(region, D(2021, 1, 1))
    assert len(large) == len(small)
    assert len(small) <= 15  # the facts in plain-value queries, the settled state, the schemes


def test_payouts_over_time_sums_the_released_runs_per_date(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    done = release_until(example, region, officer, approver, D(2020, 4, 15))
    found = statements.payouts_over_time(region)
    assert [(t.run_date, t.paid, t.claimed) for t in found] == [
        (
            D.fromisoformat(run["date"]),
            sum((Decimal(p["amount"]) for p in run["payouts"]), ZERO),
            sum((Decimal(c["amount"]) for c in run["claims"]), ZERO),
        )
        for run in done
    ]


def cells(data: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(BytesIO(data)).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_statement_workbook_holds_the_statements_figures(
    example: Any, region: Any, officer: Any, approver: Any
) -> None:
    release_until(example, region, officer, approver, D(2020, 4, 15))
    claim = RepaymentClaim.objects.get(cluster__external_id="K1")
    runs.repayment_record(actor=officer, claim=claim, amount="2500", received_on=D(2020, 5, 1))
    statement = statements.cluster_statement(k("K1"), D(2020, 5, 1))
    data = statements.statement_xlsx(statement)
    rows = cells(data)
    assert "Klynge Nord" in rows[0][0] and "K1" in rows[0][0] and "1. maj 2020" in rows[0][0]
    assert rows[2] == ("År", *statements.figure_headings())
    body = rows[3:]
    assert [r[0] for r in body] == [row.year for row in statement.years] + ["I alt"]
    expected = [row.figures.amounts() for row in statement.years] + [statement.total.amounts()]
    assert [tuple(money(v) for v in r[1:]) for r in body] == expected
    sheet = load_workbook(BytesIO(data)).active
    assert sheet is not None
    assert sheet["A3"].font.b and sheet["B4"].number_format == "#,##0.00"
    assert sheet.column_dimensions["B"].width >= 15


@pytest.mark.parametrize("today", [D(2019, 2, 15), D(2022, 3, 15)])
def test_the_overview_workbook_holds_the_overviews_figures(
    example: Any, region: Any, officer: Any, approver: Any, today: dt.date
) -> None:
    release_until(example, region, officer, approver, today)
    overview = statements.region_overview(region, today)
    rows = cells(statements.overview_xlsx(overview))
    assert region.name in rows[0][0]
    assert rows[2][:3] == ("Klynge", "Klynge-id", "Status")
    body = rows[3:]
    assert [r[:2] for r in body[:-1]] == [
        (row.cluster.name, row.cluster.external_id) for row in overview.rows
    ]
    assert body[-1][0] == "I alt"
    expected = [row.figures.amounts() for row in overview.rows] + [overview.total.amounts()]
    assert [tuple(money(v) for v in r[3:]) for r in body] == expected
