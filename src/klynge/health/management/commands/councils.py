"""``klynge councils --due [--lang da|en]``: carry out the approved health-council drafts whose first
day has come (#11, docs/health-councils.md). Run nightly (``klynge-jobs.service`` in the README);
running it again changes nothing. A draft that is refused (something changed since it was approved)
stays approved; its reasons go to standard error and the command exits with status 1 after trying the
others."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from klynge.health import councils


class Command(BaseCommand):
    help = "Sundhedsråd: opret de godkendte sundhedsråd, hvis første dag er kommet (--due)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--due", action="store_true", help="Opret godkendte sundhedsråd, hvis første dag er kommet."
        )
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for rapporten.")

    def handle(self, *args: Any, **options: Any) -> None:
        en = options["lang"] == "en"
        if not options["due"]:
            raise CommandError("Give --due." if en else "Angiv --due.", returncode=1)
        done = refused = 0
        with translation.override(options["lang"]):
            for draft in list(councils.councils_due()):
                try:
                    draft = councils.council_carry_out(draft=draft)
                except ValidationError as exc:
                    refused += 1
                    for messages in exc.message_dict.values():
                        for message in messages:
                            self.stderr.write(f"{draft.pk}: {message}")
                    continue
                done += 1
                self.stdout.write(
                    f"Council draft {draft.pk} carried out: {draft.name} from {draft.valid_from}."
                    if en
                    else f"Kladde nr. {draft.pk} er gennemført: {draft.name} fra {draft.valid_from}."
                )
        if not done and not refused:
            self.stdout.write("No health council is due." if en else "Intet sundhedsråd skal oprettes.")
        if refused:
            raise CommandError(
                f"{refused} council draft(s) refused." if en else f"{refused} kladde(r) afvist.", returncode=1
            )
