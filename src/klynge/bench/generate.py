"""A deterministic generator of national-scale ``klynge-scenario/1`` documents for the benchmarks.

``scale`` 1 is roughly Denmark: the 5 regions, 110 GP clusters, 1.700 practices with about 3.500
capacities, and eight years (2018-2025) of facts: clusters founded and completed (a few never), founding
and later members, leaves (some before the first anniversary, so the startup fee is claimed back),
moves to another cluster (now and then in another region), re-joins after a pause, capacity changes
(some recorded late, some corrected by a later record for the same day), group-1 patient counts for
the OK22 years, memberships and leaves recorded late, and a payout run every quarter. Clusters and
practices grow linearly with ``scale`` (``scale`` 100 is 11.000 clusters and 170.000 practices); the
regions stay five, because the database ships exactly those.

The same ``scale`` and ``seed`` give the same document, byte for byte (every practice draws from its own
``random.Random`` seeded by the seed and its index). :func:`generate` returns the document as a dict;
:func:`write` streams it as JSON to a file, holding only the clusters and the memberships in memory.

Money is written as strings with two decimals, as the format demands; the generator itself handles no
money beyond the fixed rates.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any, TextIO

FORMAT = "klynge-scenario/1"

# code, name, share of the clusters and practices, annual regulation, processing days
REGIONS: tuple[tuple[str, str, float, str, tuple[int, int]], ...] = (
    ("1081", "Region Nordjylland", 0.10, "net", (14, 28)),
    ("1082", "Region Midtjylland", 0.23, "claim", (10, 21)),
    ("1083", "Region Syddanmark", 0.21, "net", (14, 28)),
    ("1084", "Region Hovedstaden", 0.31, "net", (7, 21)),
    ("1085", "Region Sjælland", 0.15, "claim", (14, 35)),
)
CLUSTERS_PER_SCALE = 110
PRACTICES_PER_SCALE = 1700
FIRST_YEAR, LAST_YEAR = 2018, 2025

SCHEMES: list[dict[str, Any]] = [
    {
        "code": "OK18",
        "basis": "capacity",
        "valid_from": "2018-01-01",
        "valid_to": "2021-12-31",
        "startup_fee_per_capacity": "10000.00",
        "annual_rates": {"2018": "1000.00", "2019": "1000.00", "2020": "1000.00", "2021": "1000.00"},
    },
    {
        "code": "OK22",
        "basis": "patients",
        "valid_from": "2022-01-01",
        "valid_to": None,
        "count_date": "01-31",
        "payment_date": "03-01",
        "annual_rates": {"2022": "1.12", "2023": "2.32", "2024": "3.55", "2025": "3.65"},
    },
]

# Capacities of a practice when it starts: mean ≈ 2,08, so 1.700 practices have ≈ 3.500 capacities.
CAPACITY_WEIGHTS = ((1, 38), (2, 32), (3, 18), (4, 8), (5, 4))
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)

_D = dt.date.toordinal
FIRST = _D(dt.date(FIRST_YEAR, 1, 1))
LAST = _D(dt.date(LAST_YEAR, 12, 31))
OPEN_ENDED = _D(dt.date(LAST_YEAR, 12, 15))  # a leave drawn after this stays open


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def run_dates() -> list[str]:
    """A run every quarter: the 15th of January, April, July and October, 2018-04-15 to 2026-01-15."""
    days = []
    for year in range(FIRST_YEAR, LAST_YEAR + 2):
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, 15)
            if dt.date(FIRST_YEAR, 4, 1) <= day <= dt.date(LAST_YEAR + 1, 1, 31):
                days.append(day.isoformat())
    return days


def cvr_number(index: int) -> str:
    """A CVR number passing the modulus-11 check, different for every ``index`` (below 50.000)."""
    prefix = 2_000_000 + 37 * index
    while True:
        digits = [int(d) for d in str(prefix)]
        check = -sum(d * w for d, w in zip(digits, CVR_WEIGHTS[:7], strict=True)) % 11
        if check < 10:
            return f"{prefix}{check}"
        prefix += 1  # at most a few steps: never reaches the next index's 37


def provider_number(index: int) -> str:
    """A six-digit provider number, different for every ``index`` below 900.000 (7919 is prime)."""
    return str(100_000 + (index * 7919 + 1) % 900_000)


def _split(total: int, shares: list[float]) -> list[int]:
    """``total`` split by ``shares`` (largest remainder), at least 1 each."""
    exact = [total * s / sum(shares) for s in shares]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    return counts


class _Cluster:
    __slots__ = ("completed", "founded", "id", "region")

    def __init__(self, cid: str, region: int, founded: int, completed: int | None) -> None:
        self.id, self.region, self.founded, self.completed = cid, region, founded, completed


class Generator:
    """Draws the document section by section; :meth:`practices` yields each practice with its
    memberships."""

    def __init__(self, scale: float = 1.0, seed: int = 1) -> None:
        if scale <= 0:
            raise ValueError("scale must be above 0")
        self.scale = scale
        self.seed = seed
        self.n_clusters = max(len(REGIONS), round(CLUSTERS_PER_SCALE * scale))
        self.n_practices = max(1, round(PRACTICES_PER_SCALE * scale))
        rng = random.Random(f"klynge-bench-clusters:{seed}")
        per_region = _split(self.n_clusters, [r[2] for r in REGIONS])
        self.clusters: list[_Cluster] = []
        self.by_region: list[list[_Cluster]] = [[] for _ in REGIONS]
        early = (_D(dt.date(2018, 3, 1)), _D(dt.date(2019, 12, 31)))
        late = (_D(dt.date(2020, 1, 1)), _D(dt.date(2023, 6, 30)))
        for region, count in enumerate(per_region):
            for _ in range(count):
                span = early if rng.random() < 0.85 else late
                founded = rng.randint(*span)
                completed = None if rng.random() < 0.04 else founded + rng.randint(20, 240)
                cluster = _Cluster(f"K{len(self.clusters) + 1:05d}", region, founded, completed)
                self.clusters.append(cluster)
                self.by_region[region].append(cluster)

    # --- sections ---------------------------------------------------------------------------------

    def head(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "note": (
                f"Generated by klynge.bench.generate (scale {self.scale:g}, seed {self.seed}); "
                "the OK18 annual rate 1.000 kr. per capacity is an example value."
            ),
            "schemes": SCHEMES,
            "regions": [
                {
                    "code": code,
                    "name": name,
                    "policy": {"annual_regulation": regulation, "processing_days": list(days)},
                }
                for code, name, _share, regulation, days in REGIONS
            ],
            "clusters": [
                {
                    "id": c.id,
                    "name": f"Lægeklynge {REGIONS[c.region][1].removeprefix('Region ')} {j}",
                    "region": REGIONS[c.region][0],
                    "cvr": cvr_number(int(c.id[1:])),
                    "founded_on": _iso(c.founded),
                    "completed_on": _iso(c.completed) if c.completed is not None else None,
                }
                for j, c in enumerate(self.clusters, start=1)
            ],
        }

    def practices(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        for index in range(self.n_practices):
            yield self._practice(index)

    # --- one practice -----------------------------------------------------------------------------

    def _practice(self, index: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = random.Random(self.seed * 10_000_019 + index)
        number = provider_number(index)
        cluster = self.clusters[rng.randrange(len(self.clusters))]
        # When it starts: a founding member of its cluster, or one that joins later (some of those are
        # new practices whose capacities begin shortly before).
        if rng.random() < 0.8:
            joined = cluster.founded + rng.choice((0, 0, 0, rng.randint(1, 45)))
            start = _D(dt.date(2015, 1, 1))
        else:
            joined = min(cluster.founded + rng.randint(30, 1500), LAST - 90)
            start = joined - rng.randint(0, 120) if rng.random() < 0.4 else _D(dt.date(2015, 1, 1))
        capacity = _weighted(rng, CAPACITY_WEIGHTS)
        capacities = [(start, capacity, start)]
        lowest, highest = max(start + 30, FIRST + 150), LAST - 180
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 1, 2)) if lowest < highest else 0):
            change = rng.randint(lowest, highest)
            capacity = max(1, capacity + rng.choice((-1, 1, 1)))
            recorded = change + rng.choice((0, 0, rng.randint(-30, -1), rng.randint(1, 120)))
            capacities.append((change, capacity, recorded))
            if rng.random() < 0.1:  # corrected later: the later record for the same day wins
                capacities.append((change, max(1, capacity + 1), recorded + rng.randint(1, 90)))
        patients = []
        for year in range(2022, LAST_YEAR + 1):
            first = _D(dt.date(year, 1, 1))
            count = _count_on(capacities, first) * rng.randint(700, 1700)
            patients.append((first, count, first + rng.choice((0, 0, rng.randint(1, 45)))))

        memberships: list[dict[str, Any]] = []
        while True:
            membership: dict[str, Any] = {"practice": number, "cluster": cluster.id, "joined": _iso(joined)}
            if rng.random() < 0.22:  # recorded late
                membership["recorded"] = _iso(joined + rng.randint(1, 200))
            memberships.append(membership)
            if rng.random() >= 0.12 or len(memberships) == 3:
                break
            left = joined + rng.randint(60, 2400)
            if left > OPEN_ENDED:
                break
            membership["left"] = _iso(left)
            if rng.random() < 0.3:
                membership["left_recorded"] = _iso(left + rng.randint(-30, 60))
            what = rng.random()
            if what < 0.5:  # moves to another cluster the same day
                joined = left
            elif what < 0.75:  # joins another after a pause
                joined = left + rng.randint(30, 400)
            else:
                break
            region = cluster.region
            if rng.random() < 0.125:
                region = rng.randrange(len(REGIONS))
            choices = [c for c in self.by_region[region] if c.founded <= joined and c is not cluster]
            if not choices or joined > LAST - 30:
                break
            cluster = rng.choice(choices)

        practice = {
            "provider_number": number,
            "name": f"Lægepraksis {number}",
            "capacities": _dated(capacities),
            "group1_patients": _dated(patients),
        }
        return practice, memberships


def _weighted(rng: random.Random, weights: tuple[tuple[int, int], ...]) -> int:
    pick = rng.randrange(sum(w for _v, w in weights))
    for value, weight in weights:
        if pick < weight:
            return value
        pick -= weight
    raise AssertionError("unreachable")


def _count_on(values: list[tuple[int, int, int]], day: int) -> int:
    count = values[0][1]
    for start, value, _recorded in sorted(values):
        if start <= day:
            count = value
    return count


def _dated(values: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen = set()
    for start, count, recorded in values:
        if (start, recorded) in seen:
            continue
        seen.add((start, recorded))
        item: dict[str, Any] = {"from": _iso(start), "count": count}
        if recorded != start:
            item["recorded"] = _iso(recorded)
        out.append(item)
    return out


def generate(scale: float = 1.0, seed: int = 1) -> dict[str, Any]:
    """The whole document as a dict (for modest scales; :func:`write` streams large ones)."""
    gen = Generator(scale, seed)
    document = gen.head()
    practices, memberships = [], []
    for practice, ms in gen.practices():
        practices.append(practice)
        memberships.extend(ms)
    document["practices"] = practices
    document["memberships"] = memberships
    document["runs"] = run_dates()
    return document


def write(out: TextIO, scale: float = 1.0, seed: int = 1) -> dict[str, int]:
    """Stream the document to ``out`` as compact JSON (one practice or membership per line); returns
    the counts written. Equal to ``json.loads`` of :func:`generate`'s document."""
    gen = Generator(scale, seed)

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = gen.head()
    out.write("{\n")
    for key, value in head.items():
        out.write(f"{dump(key)}:{dump(value)},\n")
    out.write('"practices":[')
    memberships: list[str] = []
    capacities = 0
    for i, (practice, ms) in enumerate(gen.practices()):
        out.write(("\n" if i == 0 else ",\n") + dump(practice))
        capacities += practice["capacities"][0]["count"]
        memberships.extend(dump(m) for m in ms)
    out.write("],\n")
    out.write('"memberships":[\n' + ",\n".join(memberships) + "],\n")
    out.write(f'"runs":{dump(run_dates())}\n}}\n')
    return {
        "regions": len(REGIONS),
        "clusters": gen.n_clusters,
        "practices": gen.n_practices,
        "capacities": capacities,
        "memberships": len(memberships),
    }
