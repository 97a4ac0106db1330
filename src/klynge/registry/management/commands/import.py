"""``klynge import FILE [--dry-run] [--user USERNAME] [--lang en]``: load a klynge-scenario/1 file."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from klynge.registry import scenario_io
from klynge.registry.management.commands import actor_for


class Command(BaseCommand):
    help = (
        "Importér klynger, praksis og medlemskaber fra en klynge-scenario/1-fil (alt eller intet). "
        "--dry-run viser, hvad der ville ske, uden at gemme noget."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="klynge-scenario/1 JSON-fil ('-' for standard input)")
        parser.add_argument("--dry-run", action="store_true", help="Vis ændringerne uden at gemme dem.")
        parser.add_argument(
            "--user", help="Brugernavn, importen udføres som (standard: den første administrator)."
        )
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for rapporten.")

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["lang"]
        with translation.override(language):
            self._handle(options, language)

    def _handle(self, options: dict[str, Any], language: str) -> None:
        en = language == "en"
        path = options["file"]
        data, problems = scenario_io.read_json(self._read(path, en))
        if problems:
            report = scenario_io.ImportReport(dry_run=options["dry_run"], problems=problems)
        else:
            actor = actor_for(options.get("user"), en)
            report = scenario_io.import_scenario(
                data,
                actor=actor,
                dry_run=options["dry_run"],
                progress=_Progress(self.stderr, en),
                source=Path(path).name if path != "-" else "",
            )
        if not report.ok:
            headline, *details = report.lines(language)
            for line in details:
                self.stderr.write(line)
            raise CommandError(headline.rstrip(":"), returncode=1)
        for line in report.lines(language):
            self.stdout.write(line)

    def _read(self, path: str, en: bool) -> bytes:
        limit = scenario_io.MAX_BYTES
        try:
            if path == "-":
                raw = sys.stdin.buffer.read(limit + 1)
            else:
                with Path(path).open("rb") as handle:
                    raw = handle.read(limit + 1)  # never more than the limit into memory
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise CommandError(
                f"{path}: the file cannot be read ({reason})."
                if en
                else f"{path}: filen kan ikke læses ({reason})."
            ) from exc
        return raw


class _Progress:
    """Shows how far a large import has come on stderr, at most a few times a second."""

    def __init__(self, stream: Any, en: bool, min_total: int = 1000) -> None:
        self.stream = stream
        self.label = "Importing" if en else "Importerer"
        self.min_total = min_total
        self.shown_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        now = time.monotonic()
        if done < total and now - self.shown_at < 0.5:
            return
        self.shown_at = now
        self.stream.write(f"{self.label}: {done}/{total}")
