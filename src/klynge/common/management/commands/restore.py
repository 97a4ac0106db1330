"""``klynge restore FILE``: a ``klynge backup`` file into an empty database (klynge.common.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klynge.common import backup


class Command(BaseCommand):
    help = (
        "Lægger en backup fra klynge backup tilbage i en tom database (DATABASE_URL) og en tom "
        "dokumentmappe. Kør derefter klynge migrate, hvis backuppen er fra en ældre version."
    )
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="backupfilen fra klynge backup")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            summary = backup.restore(file)
        except backup.BackupError as exc:
            raise CommandError(str(exc).removeprefix("klynge: ")) from exc
        self.stdout.write(
            f"Backup lagt tilbage: {summary.path} ({summary.vendor}, {summary.documents} dokumenter)"
        )
