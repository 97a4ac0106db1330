"""``klynge simulate FILE --json [--lang da|en]``: every payout run of a klynge-scenario/1 file (no
database needed).

The result is ``result_to_json(simulate(scenario))`` (exchange-format.md). A file that cannot be
simulated prints every problem with its place in the file, writes nothing to standard output and
exits with status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from klynge.payouts import simulation


class Command(BaseCommand):
    help = (
        "Compute every run of a klynge-scenario/1 file in order (each sees only the facts recorded by its "
        "date and what earlier runs settled) and print the payouts and claims with their lines as JSON."
    )
    requires_system_checks: list[str] = []  # a pure computation: no database, no models

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="klynge-scenario/1 JSON file ('-' for standard input)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON (the default)")
        parser.add_argument("--lang", default="da", choices=["da", "en"], help="language of error messages")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        limit = simulation.MAX_BYTES
        try:
            if path == "-":
                raw = _read(sys.stdin.buffer, limit)
            else:
                with Path(path).open("rb") as file:
                    raw = _read(file, limit)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        warnings: list[simulation.MissingRate] = []
        result, problems = simulation.simulate_bytes(raw, max_bytes=limit, warnings=warnings)
        if problems:
            language = options["lang"]
            raise CommandError(
                "\n".join(
                    f"{p.path if p.path not in ('', '$') else path}: {p.message(language)}" for p in problems
                )
            )
        with translation.override(options["lang"]):
            for warning in warnings:  # on standard error, so that standard output stays the JSON document
                self.stderr.write(
                    _("Advarsel: %(warning)s; kørslerne udbetaler intet for året.") % {"warning": warning}
                )
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))


def _read(stream: BinaryIO, limit: int) -> bytes:
    """At most one byte more than ``limit``: enough to tell that a file is too large, without reading
    all of it."""
    return stream.read(limit + 1)
