"""simulate in two processes (issue #3) gives exactly the result of one: the clusters are split in two
halves, a practice that moved between them is computed in both, each half settles its own clusters."""

from __future__ import annotations

import json
import os

import pytest

from klynge.bench.generate import generate
from klynge.core import payouts
from klynge.core.payouts import result_to_json, simulate
from klynge.core.scenario import parse_scenario

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _json(results: list[payouts.RunResult]) -> str:
    return json.dumps(result_to_json(results), sort_keys=True)


@pytest.mark.parametrize("seed", [1, 5])
def test_two_processes_give_the_result_of_one(seed: int) -> None:
    scenario = parse_scenario(generate(0.5, seed=seed))
    one = simulate(scenario, workers=1)
    two = simulate(scenario, workers=2)
    assert two == one
    assert _json(two) == _json(one)


def test_the_halves_split_the_clusters_and_share_only_movers() -> None:
    scenario = parse_scenario(generate(0.5, seed=2))
    (first_practices, first), (second_practices, second) = payouts._halves(scenario)
    assert first and second and not first & second
    assert max(first) < min(second)  # the first half's results come first in cluster order
    by_practice: dict[str, set[str]] = {}
    for m in scenario.memberships:
        by_practice.setdefault(m.practice, set()).add(m.cluster)
    for practice, clusters in by_practice.items():
        assert (practice in first_practices) == bool(clusters & first)
        assert (practice in second_practices) == bool(clusters & second)


def test_a_failing_worker_is_replaced_by_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = parse_scenario(generate(0.3, seed=3))
    one = simulate(scenario, workers=1)
    real = payouts._simulate_part
    parent = os.getpid()

    def failing_in_the_child(*args: object, **kwargs: object) -> list[payouts.RunResult]:
        if os.getpid() != parent:
            raise RuntimeError("the worker fails")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(payouts, "_simulate_part", failing_in_the_child)
    assert simulate(scenario, workers=2) == one


def test_small_scenarios_stay_in_one_process() -> None:
    assert not payouts._may_fork(parse_scenario(generate(0.2, seed=1)))
