"""Each rule function of klynge.core.payout_rules on its own, at its boundaries (the day before, the
day, the day after), with exact values: these are the sentences of the brief, one by one."""

from __future__ import annotations

import datetime as dt

import pytest

from klynge.core.payout_rules import (
    ClusterSettlement,
    FeeMembership,
    KnownMembership,
    a1_completed,
    a2_entitlement_start,
    a3_expected_arrival,
    a5_eligible_from,
    a5_recorded_after_completion,
    a6_annual_amount,
    a6_last_day_paid,
    a7_anniversary,
    a7_fee_bearing,
    a7_payable,
    a7_repaid,
    a7_startup_fee,
    a8_moved_into,
    a9_membership_ends,
    a9_settle_cluster,
    a10_round_half_up,
    ok22_patient_amount,
    ok22_pays,
)

D = dt.date
DAY = D(2020, 6, 15).toordinal()


def test_a1_pays_from_the_completion_day_on() -> None:
    assert not a1_completed(None, DAY)
    assert not a1_completed(DAY + 1, DAY)
    assert a1_completed(DAY, DAY)
    assert a1_completed(DAY - 1, DAY)


def test_a2_entitlement_starts_at_the_later_of_joining_and_founding() -> None:
    assert a2_entitlement_start(D(2019, 3, 1), D(2019, 5, 1)) == D(2019, 5, 1)
    assert a2_entitlement_start(D(2019, 6, 1), D(2019, 5, 1)) == D(2019, 6, 1)
    assert a2_entitlement_start(D(2019, 5, 1), D(2019, 5, 1)) == D(2019, 5, 1)


def test_a3_arrival_is_the_run_date_plus_the_regions_processing_days() -> None:
    assert a3_expected_arrival(DAY, (14, 28)) == (DAY + 14, DAY + 28)
    assert a3_expected_arrival(DAY, (3, 40)) == (DAY + 3, DAY + 40)


def test_a5_eligible_from_the_completion_or_the_next_1_january() -> None:
    completed = D(2019, 9, 1)
    assert a5_eligible_from(D(2019, 8, 31), None) is None
    assert a5_eligible_from(D(2019, 8, 31), completed) == completed
    assert a5_eligible_from(completed, completed) == completed  # recorded on the completion day
    assert a5_eligible_from(D(2019, 9, 2), completed) == D(2020, 1, 1)
    assert a5_eligible_from(D(2021, 12, 31), completed) == D(2022, 1, 1)
    assert not a5_recorded_after_completion(completed, completed)
    assert a5_recorded_after_completion(D(2019, 9, 2), completed)
    assert not a5_recorded_after_completion(D(2019, 9, 2), None)


def test_a6_pays_to_the_day_before_leaving_or_to_31_december() -> None:
    last = D(2020, 12, 31).toordinal()
    assert a6_last_day_paid(None, last) == last
    assert a6_last_day_paid(DAY, last) == DAY - 1
    assert a6_last_day_paid(last + 1, last) == last  # leaves on 1 January: the whole year
    assert a6_last_day_paid(last + 30, last) == last


@pytest.mark.parametrize(
    ("rate", "capacities", "days", "in_year", "expected"),
    [
        (100_000, 1, 214, 365, 58_630),  # 1.000 kr. × 214/365 = 586,301… → 586,30
        (100_000, 3, 61, 365, 50_137),  # 3 × 1.000 × 61/365 = 501,369… → 501,37
        (100_000, 1, 60, 366, 16_393),  # 1.000 × 60/366 = 163,934… → 163,93
        (100_000, 2, 365, 365, 200_000),
        (1, 1, 1, 2, 1),  # exactly half an øre: up
        (1, 1, 1, 3, 0),  # a third: down
        (2, 1, 2, 3, 1),  # two thirds of an øre… 1,33 → 1
    ],
)
def test_a6_a_stretch_is_prorated_by_days_and_rounded_half_up(
    rate: int, capacities: int, days: int, in_year: int, expected: int
) -> None:
    assert a6_annual_amount(rate, capacities, days, in_year) == expected


def test_a10_rounds_half_up_and_never_down_at_the_half() -> None:
    assert a10_round_half_up(10, 4) == 3  # 2,5 → 3
    assert a10_round_half_up(9, 4) == 2  # 2,25 → 2
    assert a10_round_half_up(11, 4) == 3  # 2,75 → 3
    assert a10_round_half_up(8, 4) == 2
    assert a10_round_half_up(0, 7) == 0
    assert a10_round_half_up(365, 730) == 1
    assert a10_round_half_up(364, 730) == 0


def test_ok22_pays_rate_times_patients_from_the_payment_date_for_memberships_covering_the_count_date() -> (
    None
):
    count, payment = D(2025, 1, 31).toordinal(), D(2025, 3, 1).toordinal()
    base = {
        "start": count - 100,
        "end": None,
        "recorded": count - 100,
        "count_day": count,
        "payment_day": payment,
    }
    assert ok22_patient_amount(365, 1_000) == 365_000
    assert ok22_pays(**base, day=payment)
    assert ok22_pays(**base, day=payment + 200)
    assert not ok22_pays(**base, day=payment - 1)
    assert ok22_pays(**{**base, "start": count}, day=payment)  # began on the count date
    assert not ok22_pays(**{**base, "start": count + 1}, day=payment)
    assert ok22_pays(**{**base, "recorded": count}, day=payment)  # recorded on the count date
    assert not ok22_pays(**{**base, "recorded": count + 1}, day=payment)
    assert ok22_pays(**{**base, "end": count + 1}, day=payment)  # left the day after the count date
    assert not ok22_pays(**{**base, "end": count}, day=payment)  # left on the count date


def test_a7_the_anniversary_is_the_same_date_next_year_and_1_march_for_29_february() -> None:
    assert a7_anniversary(D(2019, 3, 1)) == D(2020, 3, 1)
    assert a7_anniversary(D(2020, 2, 29)) == D(2021, 3, 1)
    assert a7_anniversary(D(2019, 2, 28)) == D(2020, 2, 28)
    assert a7_anniversary(D(2020, 12, 31)) == D(2021, 12, 31)


def test_a7_a_fee_is_repaid_only_when_the_membership_ends_before_its_anniversary() -> None:
    anniversary = D(2020, 3, 1).toordinal()
    assert not a7_repaid(None, anniversary)
    assert a7_repaid(anniversary - 1, anniversary)
    assert not a7_repaid(anniversary, anniversary)
    assert not a7_repaid(anniversary + 1, anniversary)


def test_a7_the_fee_belongs_to_the_first_membership_that_is_ongoing_or_reached_its_anniversary() -> None:
    def m(has_fee: bool, end: int | None, anniversary: int = 1000) -> FeeMembership:
        return FeeMembership(has_fee, end, anniversary)

    assert a7_fee_bearing([]) == []
    assert a7_fee_bearing([m(True, None)]) == [True]
    assert a7_fee_bearing([m(True, None), m(True, None)]) == [True, None]
    # repaid, then the next earns it and keeps it, the third earns none
    assert a7_fee_bearing([m(True, 999), m(True, 1000), m(True, None)]) == [False, True, None]
    # two repaid in a row, then one kept
    assert a7_fee_bearing([m(True, 500), m(True, 999), m(True, None)]) == [False, False, True]
    # a membership of a scheme without a fee (OK22) bears none and blocks nothing
    assert a7_fee_bearing([m(False, None), m(True, None)]) == [None, True]
    assert a7_fee_bearing([m(True, 999), m(False, 5), m(True, 1001)]) == [False, None, True]


def test_a7_the_fee_is_per_capacity_on_the_joining_day_and_0_when_repaid() -> None:
    assert a7_startup_fee(1_000_000, 3, repaid=False) == 3_000_000
    assert a7_startup_fee(1_000_000, 3, repaid=True) == 0
    assert a7_startup_fee(250_055, 2, repaid=False) == 500_110


def test_a7_a_fee_is_payable_once_joined_and_eligible() -> None:
    assert a7_payable(eligible_from=DAY, joined=DAY, day=DAY)
    assert not a7_payable(eligible_from=None, joined=DAY - 10, day=DAY)
    assert not a7_payable(eligible_from=DAY + 1, joined=DAY - 10, day=DAY)
    assert not a7_payable(eligible_from=DAY - 10, joined=DAY + 1, day=DAY)
    assert a7_payable(eligible_from=DAY - 10, joined=DAY - 1, day=DAY)


def test_a8_a_move_is_a_membership_coming_straight_from_another_cluster() -> None:
    assert not a8_moved_into(None, "K1")
    assert not a8_moved_into("K1", "K1")
    assert a8_moved_into("K1", "K2")


def test_a9_a_membership_ends_at_its_recorded_leaving_or_the_next_memberships_start() -> None:
    day = 1000
    assert a9_membership_ends([], day) == []
    # leaving known (recorded by the day) or not yet
    assert a9_membership_ends([("K1", 10, 500, 400)], day) == [KnownMembership("K1", 10, 500)]
    assert a9_membership_ends([("K1", 10, 500, 1000)], day) == [KnownMembership("K1", 10, 500)]
    assert a9_membership_ends([("K1", 10, 500, 1001)], day) == [KnownMembership("K1", 10, None)]
    # a leaving without its own recorded date is known from the leaving day
    assert a9_membership_ends([("K1", 10, 1000, None)], day) == [KnownMembership("K1", 10, 1000)]
    assert a9_membership_ends([("K1", 10, 1001, None)], day) == [KnownMembership("K1", 10, None)]
    # the next membership ends it when it begins earlier than the known leaving (or none is known)
    assert a9_membership_ends([("K1", 10, None, None), ("K2", 300, None, None)], day) == [
        KnownMembership("K1", 10, 300),
        KnownMembership("K2", 300, None),
    ]
    assert a9_membership_ends([("K1", 10, 400, 100), ("K2", 300, None, None)], day) == [
        KnownMembership("K1", 10, 300),
        KnownMembership("K2", 300, None),
    ]
    assert a9_membership_ends([("K1", 10, 200, 100), ("K2", 300, None, None)], day)[0].end == 200
    assert a9_membership_ends([("K1", 10, 300, 100), ("K2", 300, None, None)], day)[0].end == 300
    # a known leaving before the next membership begins stands (a gap between the two)
    assert a9_membership_ends(
        [("K1", 10, None, None), ("K2", 300, 650, 200), ("K3", 700, None, None)], day
    ) == [KnownMembership("K1", 10, 300), KnownMembership("K2", 300, 650), KnownMembership("K3", 700, None)]
    # three memberships: each is ended by the one after it, not the one before
    assert a9_membership_ends(
        [("K1", 10, None, None), ("K2", 300, None, None), ("K1", 600, 900, 500)], day
    ) == [KnownMembership("K1", 10, 300), KnownMembership("K2", 300, 600), KnownMembership("K1", 600, 900)]
    assert a9_membership_ends(
        [("K1", 10, None, None), ("K2", 300, 800, 200), ("K3", 700, None, None)], day
    ) == [KnownMembership("K1", 10, 300), KnownMembership("K2", 300, 700), KnownMembership("K3", 700, None)]


def no_one_left(_practice: str) -> bool:
    return False


def everyone_left(_practice: str) -> bool:
    return True


@pytest.mark.parametrize(
    ("fees", "annual", "policy", "has_left", "expected"),
    [
        # nothing to settle
        ({}, 0, "net", everyone_left, ClusterSettlement((), (), "open", 0, 0)),
        # a positive annual total is paid (either policy)
        ({}, 500, "net", everyone_left, ClusterSettlement((), (), "payout", 500, 0)),
        ({}, 500, "claim", everyone_left, ClusterSettlement((), (), "payout", 500, 0)),
        # a negative annual total: netted and carried (net) or one claim (claim)
        ({}, -500, "net", everyone_left, ClusterSettlement((), (), "open", 0, 500)),
        ({}, -500, "claim", everyone_left, ClusterSettlement((), (), "claim", 0, 0)),
        # net: a fee owed to the cluster is netted with the annual total
        ({"100001": 1000}, -400, "net", everyone_left, ClusterSettlement(("100001",), (), "payout", 600, 0)),
        ({"100001": 1000}, -1400, "net", everyone_left, ClusterSettlement((), (), "open", 0, 400)),
        ({"100001": 1000}, -1000, "net", everyone_left, ClusterSettlement((), (), "open", 0, 0)),
        # claim: the fee is paid, the annual total claimed, never netted
        (
            {"100001": 1000},
            -400,
            "claim",
            everyone_left,
            ClusterSettlement(("100001",), (), "claim", 1000, 0),
        ),
        # claim with an annual total of exactly 0: left open, the fee paid
        ({"100001": 1000}, 0, "claim", everyone_left, ClusterSettlement(("100001",), (), "open", 1000, 0)),
        # a negative fee is claimed once the practice has left, else it waits
        ({"100002": -1000}, 0, "net", everyone_left, ClusterSettlement((), ("100002",), "open", 0, 0)),
        ({"100002": -1000}, 0, "net", no_one_left, ClusterSettlement((), (), "open", 0, 0)),
        ({"100002": -1000}, 300, "net", everyone_left, ClusterSettlement((), ("100002",), "payout", 300, 0)),
        # one øre owed is paid, one øre too much claimed
        ({"100001": 1}, 0, "net", everyone_left, ClusterSettlement(("100001",), (), "payout", 1, 0)),
        ({"100001": -1}, 0, "net", everyone_left, ClusterSettlement((), ("100001",), "open", 0, 0)),
        # a practice whose fees sum to 0 is neither paid nor claimed
        ({"100003": 0}, 300, "net", everyone_left, ClusterSettlement((), (), "payout", 300, 0)),
        # several practices, in order
        (
            {"100009": 1000, "100001": 2000, "100005": -1000},
            -500,
            "claim",
            everyone_left,
            ClusterSettlement(("100001", "100009"), ("100005",), "claim", 3000, 0),
        ),
    ],
)
def test_a9_settles_fees_per_practice_and_the_annual_money_as_one_total(
    fees: dict[str, int], annual: int, policy: str, has_left: object, expected: ClusterSettlement
) -> None:
    assert a9_settle_cluster(fees, annual, policy, has_left) == expected  # type: ignore[arg-type]


def test_a9_asks_whether_the_practice_has_left_only_for_a_negative_fee() -> None:
    asked: list[str] = []

    def has_left(practice: str) -> bool:
        asked.append(practice)
        return practice == "100002"

    decision = a9_settle_cluster({"100001": 10, "100002": -20, "100003": -30}, 0, "net", has_left)
    assert asked == ["100002", "100003"]
    assert decision.fees_claimed == ("100002",)
    assert decision == ClusterSettlement(("100001",), ("100002",), "payout", 10, 0)


def test_the_date_window_turns_over_on_danish_new_year_not_greenwichs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from klynge.core import dates

    class NewYearsEve(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> NewYearsEve:  # type: ignore[override]
            moment = cls(2026, 12, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 January 2027 in Denmark
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)  # type: ignore[return-value]

    monkeypatch.setattr(dates.dt, "datetime", NewYearsEve)
    assert dates.date_window().last == D(2032, 12, 31)
