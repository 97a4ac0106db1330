"""The payout rules of GP-cluster funds, A1-A10 of the brief (§3), one function each.

Each function is named by its rule and quotes the brief's sentence it implements; the engine
(:mod:`klynge.core.payouts`) only indexes the facts, calls these rules and keeps the books. Where the
brief leaves room, the choice is written beside the rule. Dates are ``datetime.date`` here, or their
ordinals (``int``) where the engine calls a rule inside its loops (said in the signature). Money is
whole øre (``int``) until the engine makes it ``Decimal`` kroner: exact, and the same as rounding the
``Decimal`` product half up (A10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

# --- A1 Completion --------------------------------------------------------------------------------


def a1_completed(completed_on: int | None, day: int) -> bool:
    """A1: "The region pays only once the cluster is completed." (``completed_on`` ≤ the run date)."""
    return completed_on is not None and completed_on <= day


# --- A2 Cut-off date -------------------------------------------------------------------------------


def a2_entitlement_start(joined: dt.date, founded_on: dt.date) -> dt.date:
    """A2: "Entitlement starts at the founding assembly date, even when CVR and NemKonto came months
    later: the first payout is retroactive to that date. A member's entitlement starts at
    ``max(joined, founded_on)``." """
    return max(joined, founded_on)


# --- A3 Arrival ------------------------------------------------------------------------------------


def a3_expected_arrival(run_day: int, processing_days: tuple[int, int]) -> tuple[int, int]:
    """A3: "The system shows the expected arrival window of every payout (per-region processing
    time)": the run date plus the region's fastest and slowest processing days (default 14-28, the
    FAQ's "2-4 weeks")."""
    fastest, slowest = processing_days
    return run_day + fastest, run_day + slowest


# --- A5 New practices after completion --------------------------------------------------------------


def a5_eligible_from(recorded: dt.date, completed_on: dt.date | None) -> dt.date | None:
    """A5: "a membership recorded on or before the completion date is *eligible* from the completion
    date; one recorded later is eligible from 1 January of the year after it was recorded."

    ``None`` while the cluster is not completed (A1). Once eligible, a membership is paid
    retroactively from its start (A2)."""
    if completed_on is None:
        return None
    if a5_recorded_after_completion(recorded, completed_on):
        return dt.date(recorded.year + 1, 1, 1)
    return completed_on


def a5_recorded_after_completion(recorded: dt.date, completed_on: dt.date | None) -> bool:
    """A5: a membership "recorded later" than the completion (its lines carry rule A5)."""
    return completed_on is not None and recorded > completed_on


# --- A6 Annual funds ---------------------------------------------------------------------------------


def a6_last_day_paid(end: int | None, year_last: int) -> int:
    """A6: "a run on date D pays, for every eligible membership, the days from its start to
    ``min(left, 31 Dec of D's year)``" — the last day paid in a year (``end`` is the first day no
    longer a member, ``None`` while ongoing; ``year_last`` is 31 December of the year)."""
    return year_last if end is None else min(end - 1, year_last)


def a6_annual_amount(rate_ore: int, capacities: int, days: int, days_in_year: int) -> int:
    """A6: "day-prorated (actual days / days in that calendar year), at each year's rate and the
    capacities valid on each day": one constant-capacity stretch, in øre, rounded by A10."""
    return a10_round_half_up(rate_ore * capacities * days, days_in_year)


def ok22_patient_amount(rate_ore: int, patients: int) -> int:
    """OK22: "for a patient-based year Y, a run on or after Y's payment date pays, for each eligible
    membership that covers the count date and was recorded by it, the year's rate × the practice's
    group-1 patients on the count date; no proration and no startup fee." """
    return rate_ore * patients


def ok22_pays(
    *, start: int, end: int | None, recorded: int, count_day: int, payment_day: int, day: int
) -> bool:
    """OK22: whether a membership is paid a patient year on ``day``: the run is on or after the
    year's payment date, and the membership covers the count date (its entitlement began by then and
    it had not ended) and was recorded by it."""
    return (
        day >= payment_day
        and start <= count_day
        and recorded <= count_day
        and (end is None or end > count_day)
    )


# --- A7 Startup fee ------------------------------------------------------------------------------------


def a7_anniversary(joined: dt.date) -> dt.date:
    """A7: "The anniversary of 29 February is 1 March." The first anniversary of ``joined``: the first
    day on which leaving no longer repays the fee (on it the practice has been a member a whole year)."""
    try:
        return joined.replace(year=joined.year + 1)
    except ValueError:  # 29 February
        return dt.date(joined.year + 1, 3, 1)


def a7_repaid(end: int | None, anniversary: int) -> bool:
    """A7: "if ``left`` is before the first anniversary of ``joined``, the fee is repaid to the
    region" — as far as the run knows the membership's end (A9)."""
    return end is not None and end < anniversary


class FeeMembership(NamedTuple):
    """What A7 needs of one membership of a practice (in the order they began)."""

    has_fee: bool  # the scheme in force on ``joined`` has a startup fee (OK18; not OK22)
    end: int | None  # the first day no longer a member, as far as the run knows (A9), or None
    anniversary: int  # a7_anniversary(joined), as an ordinal


def a7_fee_bearing(memberships: Iterable[FeeMembership]) -> list[bool | None]:
    """A7: "the fee belongs to the practice's first membership that is ongoing or reached its first
    anniversary, *whether or not that cluster is completed yet*: completion only delays the payment
    (A1), it does not move the fee to another cluster. A later membership earns a fee only if every
    earlier fee-bearing membership ended before its anniversary."

    Per membership: ``True`` it bears the fee and keeps it; ``False`` it bore the fee but is repaid
    (ended before its anniversary); ``None`` no fee (a fee was kept earlier, or its scheme has none).
    """
    found: list[bool | None] = []
    kept = False
    for m in memberships:
        if kept or not m.has_fee:
            found.append(None)
            continue
        kept = not a7_repaid(m.end, m.anniversary)
        found.append(kept)
    return found


def a7_startup_fee(fee_per_capacity_ore: int, capacities_on_joined: int, *, repaid: bool) -> int:
    """A7: "10.000 kr. per capacity (capacities on the day it joined), once per practice, to the
    cluster it joins. It is kept only if the practice stays at least one year": a repaid fee is due
    as 0, so a fee already paid becomes a claim (A9)."""
    return 0 if repaid else fee_per_capacity_ore * capacities_on_joined


def a7_payable(*, eligible_from: int | None, joined: int, day: int) -> bool:
    """A7: "A fee is payable once the practice has joined" — and, as all funds, once the membership
    is eligible (A1, A5)."""
    return eligible_from is not None and eligible_from <= day and joined <= day


# --- A8 Moves ---------------------------------------------------------------------------------------


def a8_moved_into(previous_cluster: str | None, cluster: str) -> bool:
    """A8: "A practice moving to another cluster leaves one and joins the other. The receiving cluster
    gets funds for it from the next 1 January run (A5), retroactive to the day it joined" — a
    membership whose practice came straight from another cluster (its lines carry rule A8). That no
    period is paid twice follows from A9's membership end: a practice is in one cluster on any day."""
    return previous_cluster is not None and previous_cluster != cluster


# --- A9 Settlement of differences -----------------------------------------------------------------------


class KnownMembership(NamedTuple):
    """A membership as a run sees it: its cluster, its first day and its first day no longer a member
    (or ``None``), each as an ordinal."""

    cluster: str
    joined: int
    end: int | None


def a9_membership_ends(
    memberships: Iterable[tuple[str, int, int | None, int | None]], day: int
) -> list[KnownMembership]:
    """A9: "A membership ends, as far as a run knows, at its recorded ``left`` or at the start of the
    practice's next membership recorded by the run's date, whichever is earlier."

    ``memberships``: (cluster, joined, left, left_recorded) of the memberships recorded by ``day``,
    in the order they began; ``left`` counts only once ``left_recorded`` ≤ ``day``."""
    ms = list(memberships)
    known = []
    for i, (cluster, joined, left, left_recorded) in enumerate(ms):
        end = left if left is not None and (left_recorded or left) <= day else None
        if i + 1 < len(ms) and (end is None or ms[i + 1][1] < end):
            end = ms[i + 1][1]
        known.append(KnownMembership(cluster, joined, end))
    return known


class ClusterSettlement(NamedTuple):
    """What A9 decides for one cluster in one run (amounts in øre)."""

    fees_paid: tuple[str, ...]  # practices whose (positive) fee difference is in the payout
    fees_claimed: tuple[str, ...]  # practices with one startup-fee claim each
    annual: str  # "payout": the annual differences are in the payout; "claim": one annual claim;
    #              "open": left for a later run (netted: carried forward, or a total of 0)
    payout: int  # the payout (0: none)
    carried: int  # what is left to net against the next payouts (policy "net"), else 0


def a9_settle_cluster(
    fee_differences: Mapping[str, int],
    annual_total: int,
    policy: str,
    has_left: Callable[[str], bool],
) -> ClusterSettlement:
    """A9: "At each run, per cluster: *payable* (what the facts known at D make due by D) minus what
    was already settled."

    * "Startup fees are settled per practice and cluster (the sum of the fees of the practice's
      memberships in that cluster): a positive difference is paid, a negative one raises a repayment
      claim for that practice." A7: "A cluster is never asked to repay a fee of a practice that has
      not left it": a negative difference waits until the practice has left the cluster
      (``has_left``; e.g. a leaving registered in advance is claimed on its day).
    * "Annual amounts are settled as one total per cluster (all practices, all years): a positive
      total is paid, with any negative keys shown as ``adjustment`` lines. A negative annual total is
      netted against what the cluster is paid in the same and the next runs (policy ``net``, the
      default) or, under policy ``claim``, raised at once as one annual claim on the cluster."
    * "In one run a cluster is never both paid and claimed annual money, nor one practice's fee".

    ``fee_differences``: per practice, the sum of its startup-fee differences in the cluster (only
    practices with a non-zero difference of some key); ``annual_total``: the sum of the cluster's
    annual differences. With policy ``net`` the paid fees and the annual total are one pool: a
    positive pool is paid; a negative one is carried forward and nothing in it is settled (a fee
    owed to the cluster is netted too: the region pays only what the cluster is owed on balance).
    """
    fees_paid = tuple(p for p in sorted(fee_differences) if fee_differences[p] > 0)
    fees_claimed = tuple(p for p in sorted(fee_differences) if fee_differences[p] < 0 and has_left(p))
    pool = sum(fee_differences[p] for p in fees_paid)
    if policy == "claim" and annual_total < 0:
        annual = "claim"
    elif policy == "claim" and annual_total == 0:
        annual = "open"
    else:
        annual = "payout"
        pool += annual_total
    if pool > 0:
        return ClusterSettlement(fees_paid, fees_claimed, annual, pool, 0)
    # nothing is paid: the fees and the annual differences in the pool stay open for a later run
    return ClusterSettlement((), fees_claimed, "claim" if annual == "claim" else "open", 0, max(-pool, 0))


# --- A10 Rounding ----------------------------------------------------------------------------------------


def a10_round_half_up(numerator: int, denominator: int) -> int:
    """A10: "Each line (membership × calendar year × constant-capacity stretch) is rounded to øre, half
    up; totals are sums of rounded lines." ``numerator / denominator`` øre (both ≥ 0), half up."""
    amount, rest = divmod(numerator, denominator)
    return amount + 1 if 2 * rest >= denominator else amount
