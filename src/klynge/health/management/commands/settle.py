"""``klynge settle FILE --json [--year YYYY]``: settle a klynge-health/1 file (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klynge.core import chart
from klynge.core.health import parse_health, result_to_json
from klynge.core.problems import ProblemsError
from klynge.core.settlement import settle
from klynge.core.sharing import SharingKeyError

MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Settle a health cluster's initiatives from a klynge-health/1 file and print the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="klynge-health/1 JSON file ('-' for standard input)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON (the default)")
        parser.add_argument("--year", type=int, help="settle only this year's costs")
        parser.add_argument("--lang", default="da", choices=["da", "en"], help="language of error messages")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            raw = Path(path).read_bytes() if path != "-" else self.stdin.buffer.read()  # type: ignore[attr-defined]
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        if len(raw) > MAX_BYTES:
            raise CommandError(
                f"{path}: filen er over 50 MB" if options["lang"] == "da" else f"{path}: file over 50 MB"
            )
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise CommandError(f"{path}: ikke gyldig JSON ({exc})") from exc
        try:
            scenario = parse_health(data, known_functions=set(chart.FUNCTIONS))
            result = settle(scenario.members, scenario.initiatives, year=options.get("year"))
        except ProblemsError as exc:
            lines = [f"{p.path}: {p.message(options['lang'])}" for p in exc.problems]
            raise CommandError("\n".join(lines)) from exc
        except SharingKeyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
