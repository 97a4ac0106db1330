"""``klynge simulate`` and ``POST /api/simulate``: every run of a ``klynge-scenario/1`` document, in
order, by the pure engine; no database is read or written."""

from __future__ import annotations

from typing import Any

from klynge.common import dates
from klynge.core.payouts import result_to_json, simulate
from klynge.core.problems import Problem
from klynge.core.scenario import ScenarioError, cyclic_gc_paused, parse_scenario
from klynge.payouts.rates import MissingRate, years_without_rate
from klynge.registry.scenario_io import read_json

MAX_BYTES = 200 * 1024 * 1024


def simulate_document(
    data: Any, warnings: list[MissingRate] | None = None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The simulation of a parsed JSON document, or every problem that stops it (with its path).

    ``warnings``, when given, gets the years from the first founding through the last run's year that
    have no rate in the document's scheme in force (#9): the runs pay nothing for them."""
    try:
        scenario = parse_scenario(data, window=dates.window())
    except ScenarioError as exc:
        return None, list(exc.problems)
    if warnings is not None and scenario.clusters and scenario.runs:
        first = min(c.founded_on for c in scenario.clusters).year
        warnings += years_without_rate(scenario.schemes, range(first, scenario.runs[-1].year + 1))
    return result_to_json(simulate(scenario)), []


def simulate_bytes(
    raw: bytes, *, max_bytes: int = MAX_BYTES, warnings: list[MissingRate] | None = None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    # A JSON document has no reference cycles; on a large one the collector's scans of the growing
    # heap cost as much as the reading itself.
    with cyclic_gc_paused():
        data, problems = read_json(raw, max_bytes=max_bytes)
    if problems:
        return None, problems
    return simulate_document(data, warnings)
