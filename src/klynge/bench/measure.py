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


def cpu_seconds() -> float:
    """User and system CPU time of this process so far (less disturbed by other work on the machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 3)


def measure_simulate(path: Path, *, digest: bool = False) -> dict[str, Any]:
    """Read, parse and simulate every run of a scenario file: the engine end to end, no database."""
    from klynge.core.payouts import result_to_json, simulate
    from klynge.core.scenario import parse_scenario

    start = time.perf_counter()
    with path.open("rb") as handle:
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
    start = time.perf_counter()
    completed = subprocess.run(command, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
    seconds = time.perf_counter() - start
    if completed.returncode:
        sys.exit(completed.returncode)
    return {
        "command": " ".join(command),
        "seconds": round(seconds, 3),
        "peak_mib": peak_mib(resource.RUSAGE_CHILDREN),
    }
