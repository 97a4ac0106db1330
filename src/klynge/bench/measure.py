"""The measurements of ``bin/bench``: wall time (``time.perf_counter``) and the process's peak resident
memory (``resource.getrusage``, so run each measurement in a process of its own)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


class TreeMemory:
    """Samples the resident memory of this process and its descendants (``/proc``) while it is used as
    a context manager: ``peak_rss_mib`` is the highest sum of their RSS (every 50 ms; pages shared with
    a forked process counted in each), ``peak_pss_mib`` the highest sum of their proportional set size
    (every second; shared pages divided among the processes sharing them). Both 0 without ``/proc``.

    The sampling runs in a process of its own (not counted)."""

    def __init__(self) -> None:
        self.peak_rss_mib = 0.0
        self.peak_pss_mib = 0.0
        self._monitor: subprocess.Popen[str] | None = None

    def __enter__(self) -> TreeMemory:
        code = f"from klynge.bench.measure import monitor_tree; monitor_tree({os.getpid()})"
        self._monitor = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._monitor is not None
        out, _err = self._monitor.communicate("")
        if out.strip():
            self.peak_rss_mib, self.peak_pss_mib = json.loads(out)


def monitor_tree(pid: int, interval: float = 0.05, pss_every: int = 20) -> None:
    """The sampling process of :class:`TreeMemory`: until its standard input closes, sum the memory of
    ``pid`` and its descendants but itself (RSS from ``statm`` every ``interval`` seconds; PSS from
    ``smaps_rollup``, which walks the page tables and would slow the processes down if read as often,
    every ``pss_every`` samples); then print ``[peak RSS, peak PSS]`` in MiB."""
    import select

    me = os.getpid()
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    peak_rss = peak_pss = 0
    sample = 0
    while True:
        rss = pss = 0
        with_pss = sample % pss_every == 0
        for process in _tree(pid):
            if process == me:
                continue
            try:
                with open(f"/proc/{process}/statm", encoding="ascii") as handle:
                    rss += int(handle.read().split()[1]) * page_kib
                if with_pss:
                    with open(f"/proc/{process}/smaps_rollup", encoding="ascii") as handle:
                        pss += sum(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
            except OSError:
                continue
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        sample += 1
        if select.select([sys.stdin], [], [], interval)[0]:
            break
    print(json.dumps([round(peak_rss / 1024, 1), round(peak_pss / 1024, 1)]))


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``/proc/PID/task/*/children``)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def cpu_seconds() -> float:
    """User and system CPU time of this process so far (less disturbed by other work on the machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 3)


def measure_simulate(path: Path, *, digest: bool = False) -> dict[str, Any]:
    """Read, parse and simulate every run of a scenario file: the engine end to end, in one process,
    no database. ``peak_mib`` is the process's peak resident memory."""
    from klynge.core.payouts import result_to_json, simulate
    from klynge.core.scenario import cyclic_gc_paused, parse_scenario

    start = time.perf_counter()
    # The collector paused while the JSON is read, as klynge simulate does (simulation.py): a JSON
    # document has no reference cycles, and on a large one the collector's scans of the growing heap
    # take longer than the reading.
    with path.open("rb") as handle, cyclic_gc_paused():
        data = json.load(handle)
    loaded = time.perf_counter()
    scenario = parse_scenario(data)
    del data
    parsed = time.perf_counter()
    results = simulate(scenario)
    done = time.perf_counter()
    report: dict[str, Any] = {
        "file": str(path),
        "clusters": len(scenario.clusters),
        "practices": len(scenario.practices),
        "memberships": len(scenario.memberships),
        "runs": len(results),
        "payouts": sum(len(r.payouts) for r in results),
        "claims": sum(len(r.claims) for r in results),
        "lines": sum(len(p.lines) for r in results for p in r.payouts),
        "load_s": round(loaded - start, 3),
        "parse_s": round(parsed - loaded, 3),
        "simulate_s": round(done - parsed, 3),
        "total_s": round(done - start, 3),
        "cpu_s": cpu_seconds(),
        "peak_mib": peak_mib(),
    }
    if digest:
        text = json.dumps(result_to_json(results), sort_keys=True, separators=(",", ":"))
        report["digest"] = hashlib.sha256(text.encode()).hexdigest()
    return report


def measure_persist(path: Path, run_date: str, *, do_import: bool = True) -> dict[str, Any]:
    """Prepare a persisted payout run for every region (``klynge.payouts.runs.run_prepare``) on the
    database of ``DATABASE_URL``, after importing ``path`` unless it is imported already."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klynge.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from klynge.accounts.models import User
    from klynge.payouts import runs
    from klynge.registry.models import Region

    report: dict[str, Any] = {"file": str(path), "database": connection.vendor, "run_date": run_date}
    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        actor = User.objects.create_superuser("bench", "bench@example.invalid", None)
    if do_import:
        start = time.perf_counter()
        call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        report["import_s"] = round(time.perf_counter() - start, 3)
    day = dt.date.fromisoformat(run_date)
    regions = []
    total = 0.0
    for region in Region.objects.order_by("code"):
        start = time.perf_counter()
        run = runs.run_prepare(actor=actor, region=region, run_date=day)
        seconds = time.perf_counter() - start
        total += seconds
        regions.append(
            {
                "region": region.code,
                "seconds": round(seconds, 3),
                "payouts": run.payouts.count(),
                "claims": run.claims.count(),
                "total_payouts": f"{run.total_payouts:.2f}",
            }
        )
    report["regions"] = regions
    report["run_prepare_s"] = round(total, 3)
    report["peak_mib"] = peak_mib()
    return report


def time_command(command: list[str]) -> dict[str, Any]:
    """Run ``command`` and report its wall time and its peak resident memory."""
    with TreeMemory() as tree:
        start = time.perf_counter()
        completed = subprocess.run(command, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
        seconds = time.perf_counter() - start
    if completed.returncode:
        sys.exit(completed.returncode)
    return {
        "command": " ".join(command),
        "seconds": round(seconds, 3),
        "peak_mib": peak_mib(resource.RUSAGE_CHILDREN),  # the largest single descendant's
        "tree_peak_rss_mib": tree.peak_rss_mib,  # all of them together (this process included)
        "tree_peak_pss_mib": tree.peak_pss_mib,
    }
