"""``klynge verify``: check the audit chain, each ledger's chain, balances and voucher sequences.

Exit 0 with a one-line summary; exit 1 naming the first record that does not match."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from klynge.audit.verify import verify


class Command(BaseCommand):
    help = "Check that the audit trail and the ledger are unchanged: hash chains, balances, vouchers."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify()
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())
