"""Settlement between executing and paying members, every figure to the øre (issue #9).

The members are listed in an order that is not the order of their ids, so anything sorted by id
instead of by member order shows; the amounts are under one krone, so nothing rounds away unseen.
"""

from __future__ import annotations

from decimal import Decimal

from klynge.core.settlement import (
    Cost,
    Initiative,
    Member,
    MemberTotals,
    Posting,
    Settlement,
    Transfer,
    net,
    settle,
)
from klynge.core.sharing import Key

D = Decimal
FN = "4.62.88"
MEMBERS = (
    Member("Z", "municipality", "851", "Aalborg", 100),
    Member("B", "municipality", "810", "Brønderslev", 50),
    Member("R", "region", "1081", "Region Nordjylland", 150),
)
ORDER = {"Z": 0, "B": 1, "R": 2}
REHAB = Initiative("I1", "Rehab", FN, Key("equal"), ("R", "B", "Z"), (Cost("B", 2024, D("1.00")),))
PREVENTION = Initiative(
    "I2",
    "Forebyggelse",
    "4.62.89",
    Key("percent", (("Z", D(60)), ("B", D(40)))),
    ("B", "Z"),
    (Cost("Z", 2024, D("0.50")),),
)
OWN = Initiative(
    "I3", "Egen", FN, Key("percent", (("Z", D(100)), ("R", D(0)))), ("Z", "R"), (Cost("Z", 2023, D("5.00")),)
)


def test_every_share_settlement_and_total_to_the_ore() -> None:
    result = settle(MEMBERS, [REHAB, PREVENTION, OWN])
    # the extra øre of 1,00 / 3 goes to Z, first in member order (not B, first by id)
    assert result.shares == (
        ("I1", "B", 2024, "Z", D("0.34")),
        ("I1", "B", 2024, "B", D("0.33")),
        ("I1", "B", 2024, "R", D("0.33")),
        ("I2", "Z", 2024, "Z", D("0.30")),
        ("I2", "Z", 2024, "B", D("0.20")),
        ("I3", "Z", 2023, "Z", D("5.00")),
        ("I3", "Z", 2023, "R", D("0.00")),
    )
    assert result.settlements == (
        Settlement("I1", 2024, "Z", "B", D("0.34"), FN),
        Settlement("I1", 2024, "R", "B", D("0.33"), FN),
        Settlement("I2", 2024, "B", "Z", D("0.20"), "4.62.89"),
    )
    assert result.members == {
        "Z": MemberTotals(income=D("0.20"), expense=D("5.84")),
        "B": MemberTotals(income=D("0.67"), expense=D("1.20")),
        "R": MemberTotals(income=D("0.00"), expense=D("0.33")),
    }
    assert list(result.members) == ["Z", "B", "R"]
    assert {m: t.net_frame_impact for m, t in result.members.items()} == {
        "Z": D("5.64"),
        "B": D("0.53"),
        "R": D("0.33"),
    }


def test_netted_transfers_under_one_krone_are_kept_in_member_order() -> None:
    result = settle(MEMBERS, [REHAB, PREVENTION, OWN])
    # Z→B 0,34 and B→Z 0,20 net to Z→B 0,14; R→B 0,33 stays.
    assert result.netted == (Transfer("Z", "B", D("0.14")), Transfer("R", "B", D("0.33")))


def test_every_posting_with_every_field() -> None:
    result = settle(MEMBERS, [REHAB, PREVENTION, OWN])
    assert result.postings == (
        Posting("B", "I1", 2024, FN, "4.0", D("1.00"), "", "Rehab: udgift"),
        Posting("Z", "I1", 2024, FN, "4.7", D("0.34"), "B", "Rehab: betaling til Brønderslev"),
        Posting("B", "I1", 2024, FN, "7.7", D("-0.34"), "Z", "Rehab: betaling fra Aalborg"),
        Posting("R", "I1", 2024, FN, "4.7", D("0.33"), "B", "Rehab: betaling til Brønderslev"),
        Posting("B", "I1", 2024, FN, "7.8", D("-0.33"), "R", "Rehab: betaling fra Region Nordjylland"),
        Posting("Z", "I2", 2024, "4.62.89", "4.0", D("0.50"), "", "Forebyggelse: udgift"),
        Posting("B", "I2", 2024, "4.62.89", "4.7", D("0.20"), "Z", "Forebyggelse: betaling til Aalborg"),
        Posting("Z", "I2", 2024, "4.62.89", "7.7", D("-0.20"), "B", "Forebyggelse: betaling fra Brønderslev"),
        Posting("Z", "I3", 2023, FN, "4.0", D("5.00"), "", "Egen: udgift"),
    )


def test_a_municipality_paying_a_region_books_payments_to_and_from_regions() -> None:
    initiative = Initiative("I", "T", FN, Key("equal"), ("Z", "R"), (Cost("R", 2024, D("0.02")),))
    result = settle(MEMBERS, [initiative], expense_kind="4.5")
    assert [(p.member, p.kind, p.amount, p.counterparty) for p in result.postings] == [
        ("R", "4.5", D("0.02"), ""),
        ("Z", "4.8", D("0.01"), "R"),
        ("R", "7.7", D("-0.01"), "Z"),
    ]


def test_the_year_filter_leaves_other_years_out_of_everything() -> None:
    result = settle(MEMBERS, [REHAB, PREVENTION, OWN], year=2023)
    assert result.shares == (("I3", "Z", 2023, "Z", D("5.00")), ("I3", "Z", 2023, "R", D("0.00")))
    assert result.settlements == ()
    assert result.netted == ()
    assert [p.amount for p in result.postings] == [D("5.00")]
    assert result.members["Z"] == MemberTotals(D("0.00"), D("5.00"))
    assert settle(MEMBERS, [REHAB], year=2025).members["B"] == MemberTotals(D("0.00"), D("0.00"))


def test_a_population_key_uses_the_members_population() -> None:
    initiative = Initiative("I", "T", FN, Key("population"), ("R", "B", "Z"), (Cost("R", 2024, D("3.00")),))
    result = settle(MEMBERS, [initiative])
    assert [(s.payer, s.amount) for s in result.settlements] == [("Z", D("1.00")), ("B", D("0.50"))]


def test_netting_sums_both_directions_per_pair() -> None:
    settlements = [
        Settlement("I", 2024, "B", "Z", D("0.01"), FN),
        Settlement("I", 2024, "Z", "B", D("0.03"), FN),
        Settlement("I", 2024, "B", "Z", D("0.01"), FN),
        Settlement("I", 2024, "R", "Z", D("0.05"), FN),
        Settlement("I", 2024, "Z", "R", D("0.05"), FN),
        Settlement("I", 2024, "R", "B", D("0.01"), FN),
    ]
    assert net(settlements, ORDER) == (Transfer("Z", "B", D("0.01")), Transfer("R", "B", D("0.01")))


def test_netting_orders_pairs_by_the_first_then_the_second_member() -> None:
    order = {"Z": 0, "B": 1, "R": 2, "A": 3}
    settlements = [
        Settlement("I", 2024, "A", "B", D("1.00"), FN),
        Settlement("I", 2024, "R", "Z", D("2.00"), FN),
        Settlement("I", 2024, "B", "Z", D("3.00"), FN),
        Settlement("I", 2024, "A", "R", D("4.00"), FN),
    ]
    assert net(settlements, order) == (
        Transfer("B", "Z", D("3.00")),
        Transfer("R", "Z", D("2.00")),
        Transfer("A", "B", D("1.00")),
        Transfer("A", "R", D("4.00")),
    )


def test_netted_pairs_follow_the_member_order_not_the_ids_nor_the_second_member_alone() -> None:
    order = {"Z": 0, "B": 1, "R": 2, "A": 3}
    settlements = [
        Settlement("I", 2024, "B", "R", D("1.00"), FN),
        Settlement("I", 2024, "R", "Z", D("2.00"), FN),
        Settlement("I", 2024, "A", "Z", D("3.00"), FN),
    ]
    assert net(settlements, order) == (
        Transfer("R", "Z", D("2.00")),
        Transfer("A", "Z", D("3.00")),
        Transfer("B", "R", D("1.00")),
    )
