"""``klynge reorganise``: a merger of regions (#11, docs/reorganise.md).

* ``klynge reorganise FILE --dry-run [--json] [--lang da|en]``: the preview of the merger a
  ``klynge-reorganise/1`` file describes; nothing is stored.
* ``klynge reorganise FILE --user USERNAME``: an administrator prepares the merger as a draft; prints
  its number and the preview.
* ``klynge reorganise --approve N --user USERNAME``: another administrator approves draft N; on or
  after its date it is carried out at once.
* ``klynge reorganise --due``: carries out the approved mergers whose date has come (the nightly
  timer; running it again changes nothing).

A file with problems gets every problem with its place on standard error; a refusal is one line per
reason, in Danish or with ``--lang en`` in English; both exit with status 1 and no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from klynge.accounts.models import User
from klynge.payouts import mergers, reorganise
from klynge.payouts.models import RegionMerger
from klynge.registry.scenario_io import read_json


class Command(BaseCommand):
    help = (
        "Sammenlægning af regioner: vis den (FILE --dry-run), forbered den som kladde (FILE --user), "
        "godkend den (--approve N --user) og gennemfør dem, hvis dato er kommet (--due)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="klynge-reorganise/1 JSON-fil ('-' for standard input)")
        parser.add_argument("--dry-run", action="store_true", help="Vis sammenlægningen uden at gemme noget.")
        parser.add_argument("--json", action="store_true", help="Skriv forhåndsvisningen som JSON.")
        parser.add_argument("--lang", choices=["da", "en"], default="da", help="Sprog for rapporten.")
        parser.add_argument("--user", help="Administratorens brugernavn (forbered, godkend).")
        parser.add_argument("--approve", type=int, metavar="N", help="Godkend sammenlægning nr. N.")
        parser.add_argument(
            "--due", action="store_true", help="Gennemfør godkendte sammenlægninger, hvis dato er kommet."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["lang"]
        self.en = language == "en"
        with translation.override(language):
            if options["due"]:
                self._due()
            elif options["approve"] is not None:
                self._approve(options["approve"], options["user"])
            elif not options["file"]:
                self._fail("Give a file, --approve N or --due.", "Angiv en fil, --approve N eller --due.")
            elif options["dry_run"]:
                self._preview(self._document(options["file"], language), options["json"])
            elif not options["user"]:
                self._fail(
                    "--user: give the preparing administrator's username (or --dry-run for the preview).",
                    "--user: angiv den forberedende administrators brugernavn (eller --dry-run for at se "
                    "forhåndsvisningen).",
                )
            else:
                self._prepare(self._document(options["file"], language), options["user"], options["json"])

    # --- the steps ------------------------------------------------------------------------------

    def _preview(self, document: reorganise.Reorganisation, as_json: bool) -> None:
        preview = reorganise.preview_for(document)
        if as_json:
            self.stdout.write(json.dumps(preview.as_dict(), indent=2, ensure_ascii=False))
        else:
            for line in reorganise.preview_lines(preview):
                self.stdout.write(line)

    def _prepare(self, document: reorganise.Reorganisation, username: str, as_json: bool) -> None:
        actor = self._user(username)
        try:
            merger = mergers.merger_prepare(actor=actor, document=document)
        except (ValidationError, PermissionDenied) as exc:
            self._refused(exc)
        self.stdout.write(
            f"Merger {merger.pk} prepared as a draft; another administrator approves it with "
            f"'klynge reorganise --approve {merger.pk} --user NAME'."
            if self.en
            else f"Sammenlægning nr. {merger.pk} er forberedt som kladde; en anden administrator godkender "
            f"den med 'klynge reorganise --approve {merger.pk} --user NAVN'."
        )
        self._preview(document, as_json)

    def _approve(self, number: int, username: str | None) -> None:
        if not username:
            self._fail(
                "--user: give the approving administrator's username.",
                "--user: angiv godkenderens brugernavn.",
            )
        actor = self._user(username or "")
        merger = RegionMerger.objects.filter(pk=number).first()
        if merger is None:
            self._fail(
                f"--approve: there is no merger {number}.",
                f"--approve: der er ingen sammenlægning nr. {number}.",
            )
        try:
            merger = mergers.merger_approve(actor=actor, merger=merger)
        except (ValidationError, PermissionDenied) as exc:
            self._refused(exc)
        if merger.status == RegionMerger.Status.CARRIED_OUT:
            self.stdout.write(
                f"Merger {merger.pk} approved and carried out: {merger.successor_name} from {merger.effective_on}."
                if self.en
                else f"Sammenlægning nr. {merger.pk} er godkendt og gennemført: {merger.successor_name} fra "
                f"{merger.effective_on}."
            )
        else:
            self.stdout.write(
                f"Merger {merger.pk} approved; it is carried out on {merger.effective_on} (klynge reorganise --due)."
                if self.en
                else f"Sammenlægning nr. {merger.pk} er godkendt; den gennemføres {merger.effective_on} "
                "(klynge reorganise --due)."
            )

    def _due(self) -> None:
        """Carry out every approved merger whose day has come. One that is refused stays approved with
        its reasons on standard error; the others are still carried out; the exit status is then 1."""
        done = refused = 0
        for merger in list(mergers.mergers_due()):
            try:
                merger = mergers.merger_carry_out(merger=merger)
            except ValidationError as exc:
                refused += 1
                for message in (m for values in exc.message_dict.values() for m in values):
                    self.stderr.write(f"{merger.pk}: {message}")
                continue
            done += 1
            self.stdout.write(
                f"Merger {merger.pk} carried out: {merger.successor_name} from {merger.effective_on}."
                if self.en
                else f"Sammenlægning nr. {merger.pk} er gennemført: {merger.successor_name} fra {merger.effective_on}."
            )
        if refused:
            self._fail(
                f"{refused} merger(s) due could not be carried out (above); they stay approved.",
                f"{refused} sammenlægning(er) kunne ikke gennemføres (ovenfor); de forbliver godkendt.",
            )
        if not done:
            self.stdout.write("No merger is due." if self.en else "Ingen sammenlægning skal gennemføres.")

    # --- helpers --------------------------------------------------------------------------------

    def _fail(self, en: str, da: str) -> NoReturn:
        raise CommandError(en if self.en else da, returncode=1)

    def _refused(self, exc: Exception, prefix: str = "") -> NoReturn:
        if isinstance(exc, ValidationError):
            messages = [m for values in exc.message_dict.values() for m in values]
        else:
            messages = [str(exc)]
        for message in messages[:-1]:
            self.stderr.write(prefix + message)
        raise CommandError(prefix + messages[-1], returncode=1)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            self._fail(
                f"--user: there is no active user {username}.",
                f"--user: der er ingen aktiv bruger {username}.",
            )
        return user

    def _document(self, path: str, language: str) -> reorganise.Reorganisation:
        data, problems = read_json(self._read(path), max_bytes=reorganise.MAX_BYTES)
        document = None
        if not problems:
            document, problems = reorganise.check_document(data)
        if problems or document is None:
            for problem in problems:
                self.stderr.write(f"  {problem.path or path}: {problem.message(language)}")
            n = len(problems)
            self._fail(
                f"The file is rejected. {n} problem{'s' if n != 1 else ''} (above).",
                f"Filen er afvist. {n} {'problemer' if n != 1 else 'problem'} (ovenfor).",
            )
        return document

    def _read(self, path: str) -> bytes:
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
                if self.en
                else f"{path}: filen kan ikke læses ({reason}).",
                returncode=1,
            ) from exc
