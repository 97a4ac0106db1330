"""``klynge reorganise FILE --dry-run [--json] [--lang da|en]``: preview a merger of regions (#11).

FILE is a ``klynge-reorganise/1`` document (docs/reorganise.md). A file with problems gets every
problem with its place on standard error and exit status 1. The preview (text, or JSON with
``--json``) lists what would move and the totals before and after, and why the merger cannot be
carried out yet; nothing is stored. Without ``--dry-run`` the command refuses (exit status 2):
carrying out a merger is not built yet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from klynge.payouts import reorganise
from klynge.registry.scenario_io import read_json


class Command(BaseCommand):
    help = (
        "Vis, hvad en sammenlægning af regioner beskrevet i en klynge-reorganise/1-fil ville flytte, med "
        "tallene før og efter (--dry-run; intet gemmes). Selve sammenlægningen er ikke bygget endnu."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="klynge-reorganise/1 JSON-fil ('-' for standard input)")
        parser.add_argument("--dry-run", action="store_true", help="Vis sammenlægningen uden at gemme noget.")
        parser.add_argument("--json", action="store_true", help="Skriv forhåndsvisningen som JSON.")
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for rapporten.")

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["lang"]
        en = language == "en"
        if not options["dry_run"]:
            raise CommandError(
                "Carrying out a merger is not built yet; run with --dry-run to see the preview."
                if en
                else "Selve sammenlægningen er ikke bygget endnu; kør med --dry-run for at se forhåndsvisningen.",
                returncode=2,
            )
        path = options["file"]
        data, problems = read_json(self._read(path, en), max_bytes=reorganise.MAX_BYTES)
        document = None
        if not problems:
            document, problems = reorganise.check_document(data)
        if problems or document is None:
            whole_file = path
            for problem in problems:
                self.stderr.write(f"  {problem.path or whole_file}: {problem.message(language)}")
            n = len(problems)
            raise CommandError(
                f"The file is rejected. {n} problem{'s' if n != 1 else ''} (above)."
                if en
                else f"Filen er afvist. {n} {'problemer' if n != 1 else 'problem'} (ovenfor).",
                returncode=1,
            )
        with translation.override(language):
            preview = reorganise.preview_for(document)
            if options["json"]:
                self.stdout.write(json.dumps(preview.as_dict(), indent=2, ensure_ascii=False))
            else:
                for line in reorganise.preview_lines(preview):
                    self.stdout.write(line)

    def _read(self, path: str, en: bool) -> bytes:
        limit = reorganise.MAX_BYTES
        try:
            if path == "-":
                return sys.stdin.buffer.read(limit + 1)
            with Path(path).open("rb") as handle:
                return handle.read(limit + 1)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise CommandError(
                f"{path}: the file cannot be read ({reason})."
                if en
                else f"{path}: filen kan ikke læses ({reason}).",
                returncode=1,
            ) from exc
