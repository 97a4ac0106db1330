"""Splitting an amount by a key to the øre (brief §4): largest remainder, ties by member order.

Every part is a whole number of øre, no part is negative, and the parts always sum to the whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from klynge.core.money import ORE


class SharingKeyError(ValueError):
    """A cost-sharing key that cannot be used (sums to the wrong total, negative, unknown member)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Key:
    """A cost-sharing key: ``equal``, ``population`` or ``percent`` with shares per member."""

    type: str
    shares: tuple[tuple[str, Decimal], ...] = ()


def allocate(total: Decimal, weights: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Split ``total`` (≥ 0, whole øre) in proportion to ``weights``, in the given member order.

    Each member first gets its exact share rounded down to øre; the øre left over go one each to the
    members with the largest remainders, and on equal remainders to the member listed first.
    """
    if total < 0 or total != total.quantize(ORE):
        raise SharingKeyError("bad_total", str(total))
    if not weights:
        raise SharingKeyError("no_members")
    if any(w < 0 for _m, w in weights):
        raise SharingKeyError("negative_weight")
    weight_sum = sum((w for _m, w in weights), Decimal(0))
    if weight_sum <= 0:
        raise SharingKeyError("zero_weights")
    total_ore = int(total * 100)
    floors: list[int] = []
    remainders: list[tuple[Decimal, int]] = []
    for index, (_member, weight) in enumerate(weights):
        exact = Decimal(total_ore) * weight / weight_sum
        floor = int(exact)  # exact ≥ 0, so int() rounds down
        floors.append(floor)
        remainders.append((exact - floor, index))
    left = total_ore - sum(floors)
    for _remainder, index in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
        floors[index] += 1
    return {member: Decimal(ore) / 100 for (member, _w), ore in zip(weights, floors, strict=True)}


def weights_for(key: Key, members: Sequence[str], population: Mapping[str, int]) -> list[tuple[str, Decimal]]:
    """The weights of ``members`` (in order) under ``key``; percentages must sum to exactly 100."""
    if key.type == "equal":
        return [(m, Decimal(1)) for m in members]
    if key.type == "population":
        missing = [m for m in members if population.get(m) is None]
        if missing:
            raise SharingKeyError("population_missing", ", ".join(missing))
        return [(m, Decimal(population[m])) for m in members]
    if key.type == "percent":
        shares = dict(key.shares)
        unknown = sorted(set(shares) - set(members))
        if unknown:
            raise SharingKeyError("unknown_member", ", ".join(unknown))
        if any(v < 0 for v in shares.values()):
            raise SharingKeyError("negative_share")
        total = sum(shares.values(), Decimal(0))
        if total != Decimal(100):
            raise SharingKeyError("percent_sum", f"{total}")
        return [(m, shares.get(m, Decimal(0))) for m in members]
    raise SharingKeyError("unknown_key_type", key.type)
