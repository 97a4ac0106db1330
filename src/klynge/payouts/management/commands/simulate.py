"""``klynge simulate FILE --json``: every payout run of a klynge-scenario/1 file (no database needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klynge.payouts.simulation import simulate_bytes


class Command(BaseCommand):
    help = (
        "Compute every run of a klynge-scenario/1 file in order (each sees only the facts recorded by its "
        "date and what earlier runs settled) and print the payouts and claims with their lines as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="klynge-scenario/1 JSON file ('-' for standard input)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON (the default)")
        parser.add_argument("--lang", default="da", choices=["da", "en"], help="language of error messages")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            raw = Path(path).read_bytes() if path != "-" else sys.stdin.buffer.read()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        result, problems = simulate_bytes(raw)
        if problems:
            language = options["lang"]
            lines = [f"{p.path or path}: {p.message(language)}" for p in problems]
            raise CommandError("\n".join(lines))
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
