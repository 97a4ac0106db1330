"""The benchmark data generator (issue #3): deterministic, valid klynge-scenario/1, national proportions.
No timing here: the figures are in docs/benchmarks.md, made by bin/bench."""

from __future__ import annotations

import io
import json
from collections import Counter

from stdnum.dk import cvr as stdnum_cvr

from klynge.bench.generate import generate, write
from klynge.core.payouts import simulate
from klynge.core.scenario import parse_scenario

SCALE = 0.2  # 22 clusters, 340 practices


def test_the_same_seed_gives_the_same_document_and_another_seed_another() -> None:
    assert generate(SCALE, seed=7) == generate(SCALE, seed=7)
    assert generate(SCALE, seed=7) != generate(SCALE, seed=8)


def test_the_streamed_file_is_the_document() -> None:
    out = io.StringIO()
    counts = write(out, SCALE, seed=3)
    document = json.loads(out.getvalue())
    assert document == json.loads(json.dumps(generate(SCALE, seed=3)))
    assert counts["practices"] == len(document["practices"])
    assert counts["memberships"] == len(document["memberships"])


def test_it_parses_without_problems_and_has_national_proportions() -> None:
    document = generate(SCALE, seed=1)
    scenario = parse_scenario(document)  # raises ScenarioError listing any problem
    assert len(scenario.regions) == 5
    assert {c.region for c in scenario.clusters} == {r.code for r in scenario.regions}
    assert len(scenario.clusters) == round(110 * SCALE)
    assert len(scenario.practices) == round(1700 * SCALE)
    capacities = sum(p.capacities[0].count for p in scenario.practices)
    assert 1.8 <= capacities / len(scenario.practices) <= 2.4  # 1.700 practices ≈ 3.500 capacities
    numbers = [p.provider_number for p in scenario.practices]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 6 and n.isdigit() for n in numbers)
    assert all(stdnum_cvr.is_valid(c.cvr) for c in scenario.clusters)
    assert len({c.cvr for c in scenario.clusters}) == len(scenario.clusters)
    # every practice is in a cluster; some leave, some move, some are recorded late
    per_practice = Counter(m.practice for m in scenario.memberships)
    assert set(per_practice) == set(numbers)
    assert any(count > 1 for count in per_practice.values())
    assert any(m.left is not None for m in scenario.memberships)
    assert any(m.recorded > m.joined for m in scenario.memberships)
    assert any(v.recorded > v.valid_from for p in scenario.practices for v in p.capacities)
    assert {s.code for s in scenario.schemes} == {"OK18", "OK22"}
    assert min(c.founded_on.year for c in scenario.clusters) >= 2018
    assert max(m.joined.year for m in scenario.memberships) <= 2025
    assert len(scenario.runs) == 32
    assert all(d.day == 15 and d.month in (1, 4, 7, 10) for d in scenario.runs)


def test_the_engine_explains_every_amount_of_the_generated_runs() -> None:
    results = simulate(parse_scenario(generate(SCALE, seed=2)))
    assert sum(len(r.payouts) for r in results) > 0
    for run in results:
        for payout in run.payouts:
            assert payout.amount > 0
            assert sum(line.amount for line in payout.lines) == payout.amount
        for claim in run.claims:
            assert claim.amount > 0
