"""``python -m klynge.bench``: generate benchmark data and measure the engine (see ``docs/benchmarks.md``).

    python -m klynge.bench generate --scale 1 --out national.json [--seed 1]
    python -m klynge.bench simulate national.json [--digest]
    python -m klynge.bench persist national.json --run-date 2026-01-15   (DATABASE_URL chooses the database)
    python -m klynge.bench time -- klynge import national.json
    python -m klynge.bench web [--quick] [--scale 1] [--database-url URL]   (the pages under load)
    python -m klynge.bench web --in-process [--scale 1]   (each page's CPU per request, no server)
    python -m klynge.bench ledger --postings 1000000 [--repeat 7] [--post-entries 100000] [--single-entries 10000]
        [--tools-repeat 3]

Each measurement prints one JSON object (seconds, peak resident memory in MiB) on standard output;
run each in its own process, as ``bin/bench`` does, so the peak memory is that measurement's own.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from klynge.bench import generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m klynge.bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write a klynge-scenario/1 file of the given scale")
    gen.add_argument("--scale", type=float, default=1.0, help="1 = national (110 clusters, 1.700 practices)")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", required=True, help="the file to write ('-' for standard output)")
    sim = sub.add_parser("simulate", help="time reading, parsing and simulating every run of a file")
    sim.add_argument("file")
    sim.add_argument(
        "--digest", action="store_true", help="also print a SHA-256 of the result JSON (after timing)"
    )
    per = sub.add_parser("persist", help="time a persisted payout run per region (Django, DATABASE_URL)")
    per.add_argument("file")
    per.add_argument("--run-date", default="2026-01-15")
    per.add_argument("--skip-import", action="store_true", help="the file is imported already")
    led = sub.add_parser("ledger", help="the ledger benchmark of issue #12 (Django, DATABASE_URL)")
    led.add_argument("--postings", type=int, default=1_000_000)
    led.add_argument("--repeat", type=int, default=7, help="trial balances timed (median reported)")
    led.add_argument(
        "--post-entries", type=int, default=100_000, help="entries posted for the speed; 0: none"
    )
    led.add_argument("--single-entries", type=int, default=10_000, help="of them also one at a time")
    led.add_argument("--tools-repeat", type=int, default=3, help="runs of hledger/ledger bal; 0: none")
    led.add_argument("--seed", type=int, default=1)
    exp = sub.add_parser("ledger-export", help="write a ledger as hledger or beancount (timed)")
    exp.add_argument("ledger", help="the ledger's code")
    exp.add_argument("format", choices=["hledger", "beancount"])
    exp.add_argument("out")
    web = sub.add_parser("web", help="the pages under load: production server, 1/5/20 clients (#12)")
    web.add_argument("--quick", action="store_true", help="national data, short phases (≤ 3 minutes)")
    web.add_argument("--scale", type=float, default=1.0, help="1 = national; 10 = ten times")
    web.add_argument("--dir", default="data/bench", help="the data files (the database in DIR/web)")
    web.add_argument("--database-url", help="a PostgreSQL database to drop, create and use (default SQLite)")
    web.add_argument("--run-date", default="2026-01-15")
    web.add_argument("--seconds", type=float, help="length of each phase (default 60; --quick 15)")
    web.add_argument("--clients", default="1,5,20", help="the phases' concurrent clients")
    web.add_argument("--json", help="also write the figures to this file")
    web.add_argument(
        "--in-process",
        action="store_true",
        help="no server: each page's CPU per request in this process (Django's test client)",
    )
    tim = sub.add_parser("time", help="run a command and report its wall time and peak memory")
    tim.add_argument("cmd", nargs=argparse.REMAINDER, help="the command (after --)")
    args = parser.parse_args(argv)

    if args.command == "generate":
        if args.out == "-":
            counts = generate.write(sys.stdout, args.scale, args.seed)
        else:
            with Path(args.out).open("w", encoding="utf-8") as handle:
                counts = generate.write(handle, args.scale, args.seed)
        print(json.dumps(counts), file=sys.stderr)
    elif args.command == "simulate":
        from klynge.bench.measure import measure_simulate

        print(json.dumps(measure_simulate(Path(args.file), digest=args.digest)))
    elif args.command == "ledger":
        from klynge.bench.ledger import measure_ledger

        report = measure_ledger(
            args.postings,
            repeat=args.repeat,
            post_entries=args.post_entries,
            single=args.single_entries,
            tools_repeat=args.tools_repeat,
            seed=args.seed,
        )
        print(json.dumps(report))
        print(
            f"trial balance of {args.postings} postings: {report['trial_balance']['median_s']} s "
            f"({report['database']})"
        )
    elif args.command == "ledger-export":
        from klynge.bench.ledger import measure_export

        print(json.dumps(measure_export(args.ledger, args.format, Path(args.out))))
    elif args.command == "web":
        from klynge.bench.web import run_web, summary

        if args.quick and args.scale != 1:
            parser.error("--quick measures the national data (scale 1)")
        if args.in_process:
            from klynge.bench.web import run_in_process

            figures = run_in_process(
                scale=args.scale, directory=Path(args.dir), run_date=args.run_date, requests=20
            )
            for name, page in figures["pages"].items():
                print(
                    f"  {name:22} CPU {page['cpu_median_ms']:6.1f} ms median, {page['cpu_mean_ms']:6.1f} ms mean"
                )
            print(json.dumps(figures))
            print(f"web in process: mean CPU per page {figures['mix_cpu_mean_ms']} ms")
            return
        results = run_web(
            scale=args.scale,
            quick=args.quick,
            directory=Path(args.dir),
            database_url=args.database_url,
            run_date=args.run_date,
            seconds=args.seconds,
            levels=[int(n) for n in args.clients.split(",")],
        )
        print(json.dumps(results))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
        print(summary(results))
    elif args.command == "time":
        from klynge.bench.measure import time_command

        command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        print(json.dumps(time_command(command)))
    else:
        from klynge.bench.measure import measure_persist

        print(json.dumps(measure_persist(Path(args.file), args.run_date, do_import=not args.skip_import)))


if __name__ == "__main__":
    main()
