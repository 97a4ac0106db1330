"""A double-entry subledger shared by GP-cluster payouts and health-cluster settlements.

Rules the database itself enforces (migration 0002, on PostgreSQL and SQLite alike):
- a posted journal entry balances: its postings sum to zero øre and there are at least two;
- posted entries and their postings are append-only: no UPDATE, no DELETE; corrections are reversals;
- voucher numbers are gapless per ledger: each new entry takes the previous number + 1;
- an entry is reversed at most once.

Posted entries are also hash-chained per ledger (``hash``, ``previous_hash``; set by
``ledger.services.entry_post`` in the same UPDATE that sets ``posted``), checked by ``klynge verify``.

The ledger keeps its own running balances (migration 0005): when an entry is posted, a database
trigger adds its postings to :class:`DayBalance` (per ledger, account and date), and the table takes no
other change: every row written must add exactly the postings of newly posted entries (SQLite: one
entry's; PostgreSQL, which posts a batch with one statement since migration 0008: those of a range of
vouchers after the row's last one); no row is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klynge.common.money import MoneyField


class Ledger(models.Model):
    """One set of books: a region's cluster-fund ledger, or a health-cluster member's."""

    code = models.CharField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("navn"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("regnskab")
        verbose_name_plural = _("regnskaber")

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """An account of the chart. ``kind`` decides the sign convention in reports."""

    class Kind(models.TextChoices):
        ASSET = "asset", _("Aktiv")
        LIABILITY = "liability", _("Passiv")
        EXPENSE = "expense", _("Udgift")
        INCOME = "income", _("Indtægt")
        EQUITY = "equity", _("Egenkapital")

    code = models.CharField(_("kontonummer"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("konto")
        verbose_name_plural = _("konti")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class JournalEntry(models.Model):
    """A voucher: a dated, balanced set of postings in one ledger."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="entries")
    voucher_number = models.PositiveIntegerField(_("bilagsnummer"))
    date = models.DateField(_("dato"))
    text = models.CharField(_("tekst"), max_length=300)
    source = models.CharField(_("kilde"), max_length=64, blank=True)
    source_id = models.CharField(_("kilde-id"), max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted = models.BooleanField(_("bogført"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when posted. Nullable so adding the columns keeps SQLite's table (and its triggers).
    previous_hash = models.CharField(_("forrige hash"), max_length=64, null=True, editable=False)  # noqa: DJ001
    hash = models.CharField(_("hash"), max_length=64, null=True, editable=False)  # noqa: DJ001

    class Meta:
        ordering = ["ledger", "voucher_number"]
        verbose_name = _("bilag")
        verbose_name_plural = _("bilag")
        constraints = [
            models.UniqueConstraint(fields=["ledger", "voucher_number"], name="ledger_voucher_unique"),
            models.CheckConstraint(name="ledger_voucher_positive", condition=Q(voucher_number__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.ledger.code}-{self.voucher_number}: {self.text}"


class Posting(models.Model):
    """One line of an entry: ``amount`` is positive for debit, negative for credit, never zero."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = MoneyField(_("beløb"))
    party = models.CharField(
        _("part"), max_length=64, blank=True, help_text=_("Klynge, kommune eller region.")
    )
    text = models.CharField(_("tekst"), max_length=300, blank=True)

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("postering")
        verbose_name_plural = _("posteringer")
        constraints = [models.CheckConstraint(name="posting_amount_not_zero", condition=~Q(amount=0))]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount}"


class DayBalance(models.Model):
    """The sum of the posted postings of one account in one ledger on one date, kept by the database.

    Written only by the trigger that posts entries (migrations 0005 and 0008), never by the
    application: each write adds the postings of the entries posted, up to ``last_voucher``, and the
    database refuses any other write. A trial balance sums these rows instead of every posting."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("dato"))
    amount = MoneyField(_("saldo"))
    last_voucher = models.PositiveIntegerField(_("seneste bilag"))

    class Meta:
        verbose_name = _("dagssaldo")
        verbose_name_plural = _("dagssaldi")
        constraints = [
            models.UniqueConstraint(fields=["ledger", "account", "date"], name="ledger_daybalance_unique"),
        ]
        # A trial balance reads the index alone (no row lookups): ledger, then each account's dates.
        indexes = [
            models.Index(fields=["ledger", "account", "date", "amount"], name="ledger_daybalance_cover")
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.account_id} {self.date}: {self.amount}"
