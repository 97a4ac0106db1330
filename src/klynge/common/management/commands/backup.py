"""``klynge backup FILE``: the database and the uploaded documents in one file (klynge.common.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from klynge.common import backup


class Command(BaseCommand):
    help = (
        "Skriver en konsistent kopi af databasen (SQLite: online backup; PostgreSQL: pg_dump) og de "
        "uploadede dokumenter til FILE. Kan køres, mens appen kører."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="backupfilen, der skrives (må ikke findes)")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            summary = backup.backup(file)
        except backup.BackupError as exc:
            raise CommandError(str(exc).removeprefix("klynge: ")) from exc
        self.stdout.write(
            f"Backup skrevet: {summary.path} ({summary.vendor}, {summary.documents} dokumenter)"
        )
