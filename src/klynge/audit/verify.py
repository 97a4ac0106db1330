"""Checking that nothing was quietly changed: the audit chain, each ledger's chain, balances, vouchers.

Read-only. :func:`verify` walks the audit trail in id order and each ledger's entries in voucher order,
recomputes every hash (:mod:`klynge.common.hashchain`) and stops at the first record that does not
match, naming its table, id and what differs. ``klynge verify`` prints the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from klynge.audit.log import content
from klynge.audit.models import AuditEntry
from klynge.common import hashchain
from klynge.core.money import to_ore
from klynge.ledger.models import DayBalance, JournalEntry, Ledger, Posting
from klynge.ledger.services import entry_content


@dataclass(frozen=True)
class Mismatch:
    table: str
    id: int
    what: str

    def __str__(self) -> str:
        return f"{self.table} id={self.id}: {self.what}"


@dataclass
class Report:
    audit_entries: int = 0
    ledgers: int = 0
    entries: int = 0
    heads: dict[str, str] = field(default_factory=dict)  # chain → its last hash
    mismatch: Mismatch | None = None

    @property
    def ok(self) -> bool:
        return self.mismatch is None

    def summary(self) -> str:
        if self.mismatch is not None:
            return _("Uoverensstemmelse: %(mismatch)s") % {"mismatch": self.mismatch}
        return _(
            "Alt stemmer: %(audit)s revisionsposter; %(entries)s bilag, regnskaber: %(ledgers)s; "
            "revisionssporet ender i %(head)s."
        ) % {
            "audit": self.audit_entries,
            "entries": self.entries,
            "ledgers": self.ledgers,
            "head": self.heads.get("audit") or "-",
        }


def _audit(report: Report) -> Mismatch | None:
    table = AuditEntry._meta.db_table
    previous = hashchain.GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        report.audit_entries += 1
        if entry.previous_hash != previous:
            return Mismatch(
                table, entry.pk, _("forrige hash passer ikke med posten før den (kæden er brudt)")
            )
        if entry.hash != hashchain.digest(previous, content(entry)):
            return Mismatch(table, entry.pk, _("indholdet passer ikke med postens hash (posten er ændret)"))
        previous = entry.hash
    report.heads["audit"] = previous
    return None


def _ledger(report: Report, ledger: Ledger) -> Mismatch | None:
    table = JournalEntry._meta.db_table
    # Entries and their postings read side by side through two cursors in the same order (voucher,
    # entry, posting), so a ledger of any size is checked in bounded memory (#12: 1.000.000 postings
    # took 1,4 GiB when every posting was held at once).
    postings = _Peekable(
        Posting.objects.filter(entry__ledger=ledger)
        .order_by("entry__voucher_number", "entry_id", "id")
        .iterator(chunk_size=5000)
    )
    previous = hashchain.GENESIS
    expected_number = 1
    sums: dict[tuple[int, str], int] = defaultdict(int)  # (account, date) → øre, for _day_balances
    entries = JournalEntry.objects.filter(ledger=ledger).order_by("voucher_number", "id")
    for entry in entries.iterator(chunk_size=2000):
        report.entries += 1
        lines = []
        while (following := postings.peek()) is not None and following.entry_id == entry.pk:
            lines.append(next(postings))
        label = f"{ledger.code} {_('bilag')} {entry.voucher_number}"
        if entry.voucher_number != expected_number:
            return Mismatch(
                table,
                entry.pk,
                _("%(label)s: bilagsnummeret skulle være %(expected)s (bilagsrækken har et hul)")
                % {"label": label, "expected": expected_number},
            )
        expected_number += 1
        if not entry.posted:
            return Mismatch(table, entry.pk, _("%(label)s: er ikke bogført") % {"label": label})
        total = sum(to_ore(p.amount) for p in lines)
        if total != 0 or len(lines) < 2:
            return Mismatch(
                table,
                entry.pk,
                _("%(label)s: posteringerne giver %(total)s øre i %(count)s linjer (skal give 0 i mindst 2)")
                % {"label": label, "total": total, "count": len(lines)},
            )
        if entry.previous_hash != previous:
            return Mismatch(
                table,
                entry.pk,
                _("%(label)s: forrige hash passer ikke med bilaget før det") % {"label": label},
            )
        if entry.hash != hashchain.digest(previous, entry_content(entry, lines)):
            return Mismatch(
                table,
                entry.pk,
                _("%(label)s: bilaget eller dets posteringer passer ikke med bilagets hash")
                % {"label": label},
            )
        previous = entry.hash or ""
        for p in lines:
            sums[p.account_id, entry.date.isoformat()] += to_ore(p.amount)
    report.heads[ledger.code] = previous
    return _day_balances(ledger, sums)


class _Peekable:
    """An iterator whose next item can be looked at before it is taken (``None`` at the end)."""

    def __init__(self, items: Iterator[Posting]) -> None:
        self._items = items
        self._next: Posting | None = next(items, None)

    def peek(self) -> Posting | None:
        return self._next

    def __next__(self) -> Posting:
        item = self._next
        if item is None:
            raise StopIteration
        self._next = next(self._items, None)
        return item


def _day_balances(ledger: Ledger, sums: dict[tuple[int, str], int]) -> Mismatch | None:
    """The running balances the database keeps (issue #12) equal the sums of the posted postings."""
    for row in DayBalance.objects.filter(ledger=ledger).order_by("id"):
        if to_ore(row.amount) != sums.pop((row.account_id, row.date.isoformat()), None):
            return Mismatch(
                DayBalance._meta.db_table,
                row.pk,
                _("%(ledger)s: saldoen for konto %(account)s den %(date)s passer ikke med posteringerne")
                % {"ledger": ledger.code, "account": row.account_id, "date": row.date.isoformat()},
            )
    if sums:
        (account, date), _ore = sorted(sums.items())[0]
        return Mismatch(
            DayBalance._meta.db_table,
            0,
            _("%(ledger)s: saldoen for konto %(account)s den %(date)s mangler")
            % {"ledger": ledger.code, "account": account, "date": date},
        )
    return None


def verify() -> Report:
    """Every chain and every ledger checked; ``report.mismatch`` is the first record that does not match.

    PostgreSQL: in one REPEATABLE READ transaction, so every query sees the same moment however long
    the check takes while others post (entries and their postings are read by two cursors side by
    side, and a posting committed between their starts would otherwise look like a missing line).
    Inside a caller's transaction (the tests) it reads what that transaction sees. SQLite reads each
    query at its own moment (a read transaction would take the database's write lock, see settings:
    ``transaction_mode``): there, run it when nobody posts."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _verify()
    return _verify()


def _verify() -> Report:
    report = Report()
    report.mismatch = _audit(report)
    if report.mismatch is not None:
        return report
    for ledger in Ledger.objects.order_by("code"):
        report.ledgers += 1
        report.mismatch = _ledger(report, ledger)
        if report.mismatch is not None:
            return report
    # A merger of regions (#11): each closed ledger is zero and its balances opened in the successor's.
    from klynge.payouts.mergers import verify_carried

    for problem in verify_carried()[:1]:
        report.mismatch = Mismatch("payouts_regionmerger", 0, problem)
    return report
