"""The guide's money-flow table: the guide's own figures, a member that both executes and pays, one
initiative or one year, and the same figures in Excel, PDF and the picture."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from klynge.health import flows, services

pytestmark = pytest.mark.django_db
D, M = dt.date, Decimal


def column(flow: flows.MoneyFlow, code: str) -> flows.FlowColumn:
    return next(c for c in flow.columns if c.member.code == code)


def test_the_guides_table_comes_out_exactly(guide_initiative: Any, health_cluster: Any) -> None:
    flow = flows.money_flow(health_cluster)
    executing, paying, region = column(flow, "101"), column(flow, "147"), column(flow, "1084")
    assert (executing.income, executing.expense, executing.net_frame_impact) == (
        M("2000000"),
        M("3000000"),
        M("1000000"),
    )
    assert (paying.income, paying.expense, paying.net_frame_impact) == (0, M("1000000"), M("1000000"))
    assert (region.income, region.expense, region.net_frame_impact) == (0, M("1000000"), M("1000000"))
    assert executing.own_expense == M("3000000") and paying.settlement_expense == M("1000000")
    labels = [row[0] for row in flow.rows()]
    assert labels[0] == "Indtægt" and labels[-2:] == ["Udgifter i alt", "Nettoramme-påvirkning"]
    assert flow.rows()[-1][2] == M("3000000")  # every member's net adds up to the whole cost
    assert {(t.payer.code, t.payee.code, t.amount) for t in flow.transfers} == {
        ("147", "101", M("1000000")),
        ("1084", "101", M("1000000")),
    }


def second_initiative(secretariat: Any, cluster: Any, members: dict[str, Any]) -> Any:
    """Frederiksberg carries out 900.000 kr. in 2024 for København and itself, 2:1 by percent."""
    initiative = services.initiative_save(
        actor=secretariat,
        cluster=cluster,
        title="Fælles rehabilitering",
        function_code="4.62.88",
        key_type="percent",
        starts_on=D(2023, 1, 1),
        ends_on=D(2024, 12, 31),
        parties=[
            services.Party(members["101"], pays=True, percent="66.6667"),
            services.Party(members["147"], executes=True, pays=True, percent="33.3333"),
        ],
    )
    for status in ("approved", "running"):  # costs only once approved and running (#13)
        initiative = services.initiative_status_set(actor=secretariat, initiative=initiative, status=status)
    services.cost_set(
        actor=secretariat, initiative=initiative, executor=members["147"], year=2024, amount="900000.00"
    )
    return initiative


def test_a_member_that_executes_one_initiative_and_pays_for_another(
    guide_initiative: Any, health_cluster: Any, secretariat: Any, members: dict[str, Any]
) -> None:
    other = second_initiative(secretariat, health_cluster, members)
    everything = flows.money_flow(health_cluster)
    kbh, frb = column(everything, "101"), column(everything, "147")
    share = M("600000.30")  # 66,6667 % of 900.000 kr., to the øre; Frederiksberg keeps the rest
    assert kbh.income == M("2000000") and kbh.settlement_expense == share
    assert frb.own_expense == M("900000") and frb.income == share
    assert sum((c.net_frame_impact for c in everything.columns), M(0)) == M("3900000")
    # netted: København owes Frederiksberg 600.000,30, Frederiksberg owes København 1 mio. → one transfer
    assert {(t.payer.code, t.payee.code, t.amount) for t in everything.transfers} == {
        ("1084", "101", M("1000000")),
        ("147", "101", M("1000000") - share),
    }
    only_2024 = flows.money_flow(health_cluster, year=2024)
    assert column(only_2024, "101").income == 0 and column(only_2024, "147").income == share
    only_other = flows.money_flow(health_cluster, initiative=other)
    assert column(only_other, "1084").expense == 0 and "Fælles rehabilitering" in only_other.scope


def test_excel_and_pdf_and_picture_carry_the_same_figures(guide_initiative: Any, health_cluster: Any) -> None:
    flow = flows.money_flow(health_cluster)
    sheet = load_workbook(BytesIO(flows.money_flow_xlsx(flow)))["Pengestrømme"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    names = [c.member.name for c in flow.columns]
    net = dict(zip(names, rows["Nettoramme-påvirkning"], strict=False))
    assert all(Decimal(str(net[n])) == M("1000000") for n in names)
    assert Decimal(str(rows["Indtægt"][names.index("København")])) == M("2000000")
    assert flows.money_flow_pdf(flow).startswith(b"%PDF")
    svg = flows.money_flow_svg(flow)
    assert svg.count('class="flow-band"') == 2 and svg.count("<rect") == 3
    assert (
        "Frederiksberg betaler 1.000.000,00 kr. til København."
        in re.search(r"<desc[^>]*>(.*)</desc>", svg)[1]
    )


def test_a_title_with_markup_is_escaped_in_the_picture(
    health_cluster: Any, secretariat: Any, members: dict[str, Any]
) -> None:
    health_cluster.name = "<script>alert(1)</script>"
    svg = flows.money_flow_svg(flows.money_flow(health_cluster))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Ingen betalinger mellem parterne." in svg
