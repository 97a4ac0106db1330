"""The ledger benchmark of issue #12: ``python -m klynge.bench ledger --postings N``.

On the database of ``DATABASE_URL`` (migrated): posts a deterministic journal of ``N`` postings into
the ledger ``BENCH-N`` through :func:`klynge.ledger.services.entries_post` (so the hash chain, the
audit trail and the running balances are the real ones and ``klynge verify`` passes), runs
``ANALYZE``, and measures

- the trial balance (:func:`klynge.ledger.selectors.balances`) several times, with the same sum over
  every posting (``balances_from_postings``, the way before #12) beside it;
- the hledger and beancount exports, each in a process of its own (time, peak memory, size), and
  ``hledger bal`` / ``ledger bal`` on the exported journal when they are installed;
- posting speed: entries through ``entry_post`` one at a time (each its own transaction) and through
  ``entries_post`` in batches.

It prints one JSON object and then ``trial balance of N postings: X s (database)`` (the median).
A ledger ``BENCH-N`` already holding ``N`` postings is measured as it is (no new journal).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from klynge.bench.measure import cpu_seconds, peak_mib

KINDS = ("asset", "liability", "expense", "income", "equity")
ACCOUNTS = 60  # BENCH-1000 … BENCH-1059, the kinds in turn
FIRST_DAY = dt.date(2018, 1, 1)
DAYS = 8 * 365  # 2018-2025
ENTRIES_PER_CALL = 10_000  # entries per entries_post call (one transaction) while generating


def account_codes() -> list[str]:
    return [f"BENCH-{1000 + i}" for i in range(ACCOUNTS)]


def journal(postings: int, seed: int = 1) -> Iterator[Any]:
    """Entries (``services.Draft``) with ``postings`` postings in all, in date order over 2018-2025: most
    of two postings, every fifth of three and every tenth of four; amounts up to 100.000 kr., a party on
    every other entry. The same ``postings`` and ``seed`` give the same journal."""
    from klynge.ledger.services import Draft, Line

    rng = random.Random(f"klynge-bench-ledger:{seed}")
    codes = account_codes()
    entries = max(1, postings * 10 // 23)  # 2,3 postings per entry on average
    left = postings
    for i in range(entries):
        width = 4 if i % 10 == 9 else 3 if i % 5 == 4 else 2
        width = left if i == entries - 1 else min(width, left - 2 * (entries - 1 - i))
        width = max(width, 2)
        left -= width
        day = FIRST_DAY + dt.timedelta(days=i * DAYS // entries)
        party = f"K{rng.randrange(1, 2000):05d}" if i % 2 else ""
        amounts = [Decimal(rng.randrange(1, 10_000_000)) / 100 for _ in range(width - 1)]
        accounts = rng.sample(codes, width)
        lines = [Line(a, x, party=party) for a, x in zip(accounts, amounts, strict=False)]
        lines.append(Line(accounts[-1], -sum(amounts, Decimal(0))))
        yield Draft(date=day, text=f"Bilag {i + 1}: udbetaling", lines=lines, source="bench")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klynge.settings")
    import django

    django.setup()
    from django.conf import settings

    # As in production: no query log (DJANGO_DEBUG=1, which the commands need on this machine, would
    # keep every query's SQL and time).
    settings.DEBUG = False


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _spread(seconds: list[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(seconds), 4),
        "min_s": round(min(seconds), 4),
        "max_s": round(max(seconds), 4),
        "runs": [round(s, 4) for s in seconds],
    }


def _analyze() -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return round(time.perf_counter() - start, 2)


def _load_load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "?"


def measure_ledger(
    postings: int,
    *,
    repeat: int = 7,
    post_entries: int = 100_000,
    single: int = 10_000,
    tools_repeat: int = 3,
    seed: int = 1,
) -> dict[str, Any]:
    _setup()
    from django.db import connection

    from klynge.accounts.models import User
    from klynge.ledger import selectors, services
    from klynge.ledger.models import Account, Posting

    report: dict[str, Any] = {"database": connection.vendor, "postings": postings, "load_start": _load_load()}
    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    for i, code in enumerate(account_codes()):
        Account.objects.get_or_create(code=code, defaults={"name": f"Bench {code}", "kind": KINDS[i % 5]})
    code = f"BENCH-{postings}"
    ledger = services.ledger_get_or_create(code=code, name=f"Benchmark, {postings} postings")
    have = Posting.objects.filter(entry__ledger=ledger).count()
    if have not in (0, postings):
        raise SystemExit(f"ledger {code} holds {have} postings, not {postings}: use a fresh database")
    if have == 0:
        start = time.perf_counter()
        batch: list[Any] = []
        posted, analysed = 0, 0
        for draft in journal(postings, seed):
            batch.append(draft)
            # Small calls first: on PostgreSQL the triggers' queries are planned with the statistics
            # of the moment, and a plan made for an empty table scans it.
            if len(batch) >= min(ENTRIES_PER_CALL, max(500, posted)):
                services.entries_post(actor=actor, ledger=ledger, drafts=batch)
                posted += len(batch)
                batch = []
                if posted >= 2 * analysed:
                    # Statistics for the growing tables, so the triggers' queries use the indexes (a
                    # plan made while the tables were empty scans them); again whenever they doubled.
                    _analyze()
                    analysed = posted
        services.entries_post(actor=actor, ledger=ledger, drafts=batch)
        report["generate_s"] = round(time.perf_counter() - start, 1)
        report["analyze_s"] = _analyze()
    report["entries"] = ledger.entries.count()

    selectors.balances(ledger)  # a first read: connection, caches
    runs = []
    for _ in range(repeat):
        seconds, result = _timed(lambda: selectors.balances(ledger))
        runs.append(seconds)
    report["trial_balance"] = _spread(runs)
    report["trial_balance"]["accounts"] = len(result)
    old_runs = []
    for _ in range(3):
        seconds, old = _timed(lambda: selectors.balances_from_postings(ledger))
        old_runs.append(seconds)
    report["trial_balance_from_postings"] = _spread(old_runs)
    if old != result:
        raise SystemExit("the running balances differ from the postings' sums")
    report["load_after_trial_balance"] = _load_load()

    with tempfile.TemporaryDirectory(prefix="klynge-bench-ledger-") as folder:
        for fmt in ("hledger", "beancount"):
            out = Path(folder) / f"{code}.{fmt}"
            command = [sys.executable, "-m", "klynge.bench", "ledger-export", code, fmt, str(out)]
            done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
            report[f"export_{fmt}"] = json.loads(done.stdout)
        if tools_repeat:
            report["tools"] = _tools(Path(folder) / f"{code}.hledger", result, repeat=tools_repeat)
    report["load_after_exports"] = _load_load()

    if post_entries:
        report["posting"] = measure_posting(post_entries, actor, single)
    report["load_end"] = _load_load()
    report["cpu_s"] = cpu_seconds()
    report["peak_mib"] = peak_mib()
    return report


def _tools(journal_file: Path, ours: dict[str, Decimal], *, repeat: int) -> dict[str, Any]:
    """``hledger bal`` and ``ledger bal`` on the exported journal, when installed: their time (best and
    median of ``repeat``) and whether their totals agree with the trial balance."""
    found: dict[str, Any] = {}
    for tool in ("hledger", "ledger"):
        path = shutil.which(tool)
        if path is None:
            found[tool] = "not installed"
            continue
        command = [path, "-f", str(journal_file), "bal", "--flat", "--no-total"]
        if tool == "hledger":
            command += ["-O", "csv"]
        else:  # ledger-cli: one "account<TAB>amount" line per account
            command += ["--balance-format", "%(account)\t%(display_total)\n"]
        runs = []
        for _ in range(repeat):
            run = functools.partial(subprocess.run, command, check=True, capture_output=True, text=True)
            seconds, done = _timed(run)
            runs.append(seconds)
        found[tool] = _spread(runs)
        totals = _hledger_totals(done.stdout) if tool == "hledger" else _ledger_totals(done.stdout)
        found[tool]["agrees"] = totals == {k: v for k, v in ours.items() if v}
    return found


def _hledger_totals(csv_text: str) -> dict[str, Decimal]:
    rows = (row.split('","') for row in csv_text.strip().splitlines()[1:])
    return _totals((account.strip('"'), amount.strip('"')) for account, amount in rows)


def _ledger_totals(text: str) -> dict[str, Decimal]:
    rows = (line.split("\t") for line in text.strip().splitlines())
    return _totals((account, amount) for account, amount in rows)


def _totals(rows: Iterable[tuple[str, str]]) -> dict[str, Decimal]:
    """Account code → balance from (journal account name, "1.234,56 DKK") rows."""
    from klynge.ledger.export import account_name
    from klynge.ledger.models import Account

    code_of = {account_name(a): a.code for a in Account.objects.all()}
    totals = {}
    for account, amount in rows:
        value = Decimal(amount.replace(" DKK", "").replace(".", "").replace(",", "."))
        if value:
            totals[code_of[account]] = value
    return totals


def measure_export(code: str, fmt: str, out: Path) -> dict[str, Any]:
    """Write the ledger ``code`` as ``fmt`` (hledger, beancount) to ``out``, piece by piece."""
    _setup()
    from klynge.ledger import export
    from klynge.ledger.models import Ledger

    ledger = Ledger.objects.get(code=code)
    chunks = export.hledger_chunks if fmt == "hledger" else export.beancount_chunks
    start = time.perf_counter()
    with out.open("w", encoding="utf-8") as handle:
        for chunk in chunks(ledger):
            handle.write(chunk)
    seconds = time.perf_counter() - start
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "mib": round(out.stat().st_size / 2**20, 1),
        "peak_mib": peak_mib(),
        "cpu_s": cpu_seconds(),
    }


def measure_posting(entries: int, actor: Any, single: int = 10_000) -> dict[str, Any]:
    """``entries`` two-posting entries through ``entries_post`` (batches of 10.000, a transaction each),
    and ``single`` of them (fewer: it is slow) through ``entry_post`` one at a time, each its own
    transaction as a caller outside a transaction makes them; into the ledger ``BENCH-POST``."""
    from klynge.ledger import services
    from klynge.ledger.services import Line

    codes = account_codes()
    ledger = services.ledger_get_or_create(code="BENCH-POST", name="Benchmark, posting speed")
    day = dt.date(2025, 12, 31)

    def lines(i: int) -> list[Line]:
        amount = Decimal(1000 + i % 997) / 100
        return [Line(codes[i % 60], amount, party=f"K{i % 2000:05d}"), Line(codes[(i + 7) % 60], -amount)]

    report: dict[str, Any] = {"entries": entries, "entry_post_entries": single}
    start = time.perf_counter()
    for i in range(single):
        services.entry_post(actor=actor, ledger=ledger, date=day, text=f"Årsafslutning {i}", lines=lines(i))
    seconds = time.perf_counter() - start
    report["entry_post_s"] = round(seconds, 1)
    report["entry_post_per_s"] = round(single / seconds) if single else None
    start = time.perf_counter()
    for first in range(0, entries, ENTRIES_PER_CALL):
        drafts = [
            services.Draft(date=day, text=f"Årsafslutning {i}", lines=lines(i))
            for i in range(first, min(entries, first + ENTRIES_PER_CALL))
        ]
        services.entries_post(actor=actor, ledger=ledger, drafts=drafts)
    seconds = time.perf_counter() - start
    report["entries_post_s"] = round(seconds, 1)
    report["entries_post_per_s"] = round(entries / seconds)
    return report
