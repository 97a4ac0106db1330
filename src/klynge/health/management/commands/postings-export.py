"""``klynge postings-export --organisation CODE (--year YYYY | --from DATE --to DATE) --user USERNAME
[--output FILE] [--lang en]``: one organisation's postings as CSV for its finance system (#13,
docs/postings-export.md).

The same export as the page "Konteringer til økonomisystemet", with the same checks: the user named
by ``--user`` gets only its own organisation's postings. A refusal is one line in Danish (``--lang
en``: English) with exit status 1, and no file is left half-written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from klynge.health import organisation_postings
from klynge.registry.management.commands import actor_for


class Command(BaseCommand):
    help = (
        "Skriv en kommunes eller regions konteringer som CSV til dens økonomisystem "
        "(semikolon, UTF-8 med BOM, decimalkomma; se docs/postings-export.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="Kommunekode eller regionskode, fx 851.")
        parser.add_argument("--year", help="Kalenderåret, fx 2024.")
        parser.add_argument("--from", dest="first", help="Første dag, fx 2024-01-01 eller 01.01.2024.")
        parser.add_argument("--to", dest="last", help="Sidste dag (med), fx 2024-06-30.")
        parser.add_argument("--user", required=True, help="Brugernavn på den, der henter konteringerne.")
        parser.add_argument("--output", "-o", help="Filen, der skrives (standard: standard output).")
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for meddelelser.")

    def handle(self, *args: Any, **options: Any) -> None:
        en = options["lang"] == "en"
        with translation.override(options["lang"]):
            actor = actor_for(options["user"], en)
            try:
                found = organisation_postings.export(
                    actor=actor,
                    organisation_code=options["organisation"],
                    year=self._year(options.get("year")),
                    first=organisation_postings.parse_day(options.get("first"), field="fra", label=_("Fra")),
                    last=organisation_postings.parse_day(options.get("last"), field="til", label=_("Til")),
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=1) from None
            except PermissionDenied as exc:
                raise CommandError(str(exc), returncode=1) from None
            self._write(found, options.get("output"), en)

    @staticmethod
    def _year(text: str | None) -> int | None:
        if text is None:
            return None
        try:
            return int(text.strip())
        except ValueError:
            raise ValidationError(
                {"aar": [_("År: «%(text)s» er ikke et årstal. Skriv fx 2024.") % {"text": text[:20]}]}
            ) from None

    def _write(self, found: organisation_postings.Export, output: str | None, en: bool) -> None:
        if not output or output == "-":
            for chunk in found.chunks:
                self.stdout.write(chunk, ending="")
            return
        target = Path(output)
        temporary = ""
        try:  # written next to the target and renamed, so a failed export never leaves half a file
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                for chunk in found.chunks:
                    handle.write(chunk)
            os.replace(temporary, target)
        except OSError as exc:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            raise CommandError(
                f"{output}: cannot be written ({exc.strerror})."
                if en
                else f"{output}: kan ikke skrives ({exc.strerror}).",
                returncode=1,
            ) from exc
        self.stderr.write(
            f"Wrote the postings of {found.organisation} to {output}."
            if en
            else f"Skrev konteringerne for {found.organisation} til {output}."
        )
