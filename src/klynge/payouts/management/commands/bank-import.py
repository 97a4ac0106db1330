"""``klynge bank-import FILE [--dry-run] --user USERNAME [--lang en]``: read the bank's camt.054
debit/credit notification or pain.002 status report (#13, docs/bank-files.md).

Payouts are marked paid by their end-to-end id, repayments matched to claims; what is not matched is
listed (and waits on the region's bank-file page). A refusal is one line, in Danish or with
``--lang en`` in English, with exit status 1 and no traceback. Importing a file again changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from klynge.payouts import bank, bankfiles
from klynge.registry.management.commands import actor_for


class Command(BaseCommand):
    help = (
        "Indlæs bankens camt.054-advisering eller pain.002-statusrapport: udbetalinger registreres som "
        "betalt, indbetalinger afstemmes med krav. --dry-run viser resultatet uden at gemme noget."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="camt.054.001.02- eller pain.002.001.03-fil (XML)")
        parser.add_argument("--dry-run", action="store_true", help="Vis resultatet uden at gemme det.")
        parser.add_argument("--user", required=True, help="Brugernavn på den sagsbehandler, der indlæser.")
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for rapporten.")

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["lang"]
        en = language == "en"
        with translation.override(language):
            path = Path(options["file"])
            try:
                with path.open("rb") as handle:
                    data = handle.read(bankfiles.MAX_BYTES + 1)  # never more than the limit into memory
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise CommandError(
                    f"{path}: the file cannot be read ({reason})."
                    if en
                    else f"{path}: filen kan ikke læses ({reason}).",
                    returncode=1,
                ) from None
            actor = actor_for(options["user"], en)
            try:
                report = bank.bank_import(
                    actor=actor, data=data, dry_run=options["dry_run"], filename=path.name
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=1) from None
            except PermissionDenied as exc:
                raise CommandError(str(exc), returncode=1) from None
            for line in report.summary():
                self.stdout.write(line)
