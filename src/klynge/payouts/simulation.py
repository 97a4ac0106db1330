"""``klynge simulate`` and ``POST /api/simulate``: every run of a ``klynge-scenario/1`` document, in
order, by the pure engine; no database is read or written."""

from __future__ import annotations

from typing import Any

from klynge.common import dates
from klynge.core.payouts import result_to_json, simulate
from klynge.core.problems import Problem
from klynge.core.scenario import ScenarioError, cyclic_gc_paused, parse_scenario
from klynge.registry.scenario_io import read_json

MAX_BYTES = 200 * 1024 * 1024


def simulate_document(data: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The simulation of a parsed JSON document, or every problem that stops it (with its path)."""
    try:
        scenario = parse_scenario(data, window=dates.window())
    except ScenarioError as exc:
        return None, list(exc.problems)
    return result_to_json(simulate(scenario)), []


def simulate_bytes(raw: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[dict[str, Any] | None, list[Problem]]:
    # A JSON document has no reference cycles; on a large one the collector's scans of the growing
    # heap cost as much as the reading itself.
    with cyclic_gc_paused():
        data, problems = read_json(raw, max_bytes=max_bytes)
    if problems:
        return None, problems
    return simulate_document(data)
