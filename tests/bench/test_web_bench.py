"""The web benchmark's arithmetic and its summary line (python -m klynge.bench web, #12); the load
itself is measured by bin/bench web, not here."""

from __future__ import annotations

from klynge.bench.web import Phase, percentile, report, summary


def test_the_95th_percentile_is_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0, 1.0, 2.0], 0.95) == 3.0
    assert percentile([], 0.95) == 0.0


def test_a_phase_is_reported_per_page_and_the_quick_summary_has_the_agreed_words() -> None:
    one = Phase(1, seconds=2.0, samples={"a": [0.010, 0.020], "b": [0.030, 0.040]}, cpu_s=0.1)
    many = Phase(20, seconds=1.0, samples={"a": [0.100] * 150, "b": [0.200] * 50}, errors=["500 /x"])
    first, last = report(one), report(many)
    assert first["requests"] == 4 and first["requests_per_s"] == 2.0 and first["p95_ms"] == 40
    assert first["pages"]["b"] == {"n": 2, "p50_ms": 35, "p95_ms": 40, "max_ms": 40}
    assert first["server_cpu_ms_per_request"] == 25
    assert last["errors"] == 1 and last["p95_ms"] == 200 and last["requests_per_s"] == 200.0
    line = summary({"phases": [first, last]})
    assert line == "web: p95 1 client 40 ms; p95 20 clients 200 ms; 200 requests/s"
