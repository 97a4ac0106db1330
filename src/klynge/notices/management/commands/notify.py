"""``klynge notify [--dry-run] [--date YYYY-MM-DD]``: make and mail the notices that are due (#13):
runs awaiting approval, approved and released, claims raised, overdue, and reminders until they are
repaid. Run nightly by the systemd timer (README, Production); running it twice sends nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from klynge.notices import services


class Command(BaseCommand):
    help = "Lav og send de beskeder, der skal sendes. --dry-run viser dem uden at gemme eller sende."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Vis beskederne uden at gemme eller sende."
        )
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="Dagen (standard: i dag)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"]
        if options["dry_run"]:
            drafts = services.pending(today)
            for d in drafts:
                self.stdout.write(f"{d.kind} {d.object_key} → bruger {d.recipient_id}: {d.subject}")
            self.stdout.write(f"{len(drafts)} beskeder ville blive lavet (intet gemt eller sendt).")
            return
        made, sent = services.notify(today)
        self.stdout.write(f"{made} nye beskeder, {sent} mails sendt.")
