"""``klynge demo``: build the demo data (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError
from django.utils import translation

from klynge.accounts.models import Role
from klynge.registry import demo


class Command(BaseCommand):
    help = (
        "Byg demodata: to regioner med klynger, praksis, medlemskaber, dokumenter og et login pr. rolle. "
        "Kan køres igen; ændrer intet, når demodata findes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-if-present", action="store_true", help="Skriv intet, hvis demodata allerede findes."
        )
        parser.add_argument(
            "--print-logins", action="store_true", help="Skriv adressen og en tabel over demo-logins."
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Adressen, der skrives med logins."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Fjern demodata (og kun dem) og byg dem forfra."
        )
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for meddelelser.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        english = options["lang"] == "en"
        if options["reset"] and demo.is_present():
            try:
                demo.reset()
            except demo.DemoResetRefused as exc:
                raise CommandError(
                    "The demo is in the audit trail (and its payouts in the ledger), which is append-only, "
                    "so the demo cannot be removed. Delete the database (data/klynge.sqlite3) and run "
                    "bin/demo again."
                    if english
                    else "Demoen står i revisionssporet (og dens udbetalinger i regnskabet), og begge kan kun "
                    "tilføjes til; demodata kan derfor ikke fjernes. Slet databasen (data/klynge.sqlite3), "
                    "og kør bin/demo igen."
                ) from exc
            except ProtectedError as exc:
                raise CommandError(
                    "Other data refers to the demo data; it cannot be removed."
                    if english
                    else "Andre data henviser til demodata; de kan ikke fjernes."
                ) from exc
            self.stdout.write("Demo data removed." if english else "Demodata fjernet.")
        present = demo.is_present()
        if present and options["quiet_if_present"] and not options["print_logins"]:
            return
        if not present:
            result = demo.build()
            counts = result.counts
            self.stdout.write(
                (
                    "Demo data built: {clusters} clusters, {practices} practices, {memberships} memberships."
                    if english
                    else "Demodata bygget: {clusters} klynger, {practices} praksis, {memberships} medlemskaber."
                ).format(**counts)
            )
        elif not options["print_logins"]:
            self.stdout.write(
                "Demo data already present; nothing changed."
                if english
                else "Demodata findes allerede; intet er ændret."
            )
        if options["print_logins"]:
            self._print_logins(options["url"], english)

    def _print_logins(self, url: str, english: bool) -> None:
        everything = "all" if english else "alle"
        rows = [
            (login.username, str(Role(login.role).label), login.full_name, login.scope or everything)
            for login in demo.logins()
        ]
        headers = (
            ("username", "role", "name", "scope") if english else ("brugernavn", "rolle", "navn", "omfang")
        )
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Klyngeøkonomi: {url}")
        self.stdout.write(
            f"Demo logins (password for all: {demo.PASSWORD})"
            if english
            else f"Demo-logins (adgangskode for alle: {demo.PASSWORD})"
        )
        self.stdout.write("")
        for row in [headers, tuple("-" * w for w in widths), *rows]:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write("")
