"""Funding schemes, payout runs, payouts with their explanation lines, claims and repayments.

The rules are in :mod:`klynge.core.payouts`; these models hold what a run decided. A released run
never changes: corrections appear as adjustments in later runs. The database allows one open run
(draft or approved) per region.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klynge.common.dates import DB_DATE_MAX, DB_DATE_MIN, db_window
from klynge.common.money import MoneyField


class FundingScheme(models.Model):
    """A collective agreement's funding scheme, valid for a period (OK18, OK22, ...)."""

    class Basis(models.TextChoices):
        CAPACITY = "capacity", _("Lægekapaciteter (dagsforholdsmæssigt)")
        PATIENTS = "patients", _("Gruppe 1-patienter (én gang om året)")

    code = models.CharField(_("kode"), max_length=20, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    basis = models.CharField(_("grundlag"), max_length=16, choices=Basis.choices)
    valid_from = models.DateField(_("gælder fra"))
    valid_to = models.DateField(_("gælder til"), null=True, blank=True)
    startup_fee_per_capacity = MoneyField(_("opstartshonorar pr. kapacitet"), null=True, blank=True)
    count_month = models.PositiveSmallIntegerField(_("optællingsmåned"), null=True, blank=True)
    count_day = models.PositiveSmallIntegerField(_("optællingsdag"), null=True, blank=True)
    payment_month = models.PositiveSmallIntegerField(_("udbetalingsmåned"), null=True, blank=True)
    payment_day = models.PositiveSmallIntegerField(_("udbetalingsdag"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("ordning")
        verbose_name_plural = _("ordninger")
        constraints = [
            models.CheckConstraint(
                name="scheme_valid_period",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            ),
            models.CheckConstraint(
                name="scheme_patients_have_dates",
                condition=~Q(basis="patients")
                | Q(
                    count_month__isnull=False,
                    count_day__isnull=False,
                    payment_month__isnull=False,
                    payment_day__isnull=False,
                ),
            ),
            models.CheckConstraint(name="scheme_valid_from_in_window", condition=db_window("valid_from")),
            models.CheckConstraint(
                name="scheme_valid_to_in_window", condition=db_window("valid_to", nullable=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class SchemeRate(models.Model):
    """The rate of one year: per capacity per year (capacity basis) or per group-1 patient."""

    scheme = models.ForeignKey(FundingScheme, on_delete=models.PROTECT, related_name="rates")
    year = models.PositiveSmallIntegerField(_("år"))
    rate = MoneyField(_("sats"))
    is_example = models.BooleanField(
        _("eksempelsats"), default=False, help_text=_("Sæt kryds, hvis satsen ikke er den officielle.")
    )
    source = models.CharField(_("kilde"), max_length=300, blank=True)

    class Meta:
        ordering = ["scheme", "year"]
        verbose_name = _("sats")
        verbose_name_plural = _("satser")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year"], name="scheme_rate_one_per_year"),
            models.CheckConstraint(
                name="scheme_rate_year_in_window",
                condition=Q(year__gte=DB_DATE_MIN.year, year__lte=DB_DATE_MAX.year),
            ),
            models.CheckConstraint(name="scheme_rate_not_negative", condition=Q(rate__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.year}: {self.rate}"


class PayoutRun(models.Model):
    """A region's payout run on a date: drafted, approved by another person, released."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        APPROVED = "approved", _("Godkendt")
        RELEASED = "released", _("Frigivet")
        DISCARDED = "discarded", _("Kasseret")

    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="payout_runs")
    run_date = models.DateField(_("kørselsdato"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(_("forberedt"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("godkendt"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("frigivet"), null=True, blank=True)
    total_payouts = MoneyField(_("udbetalinger i alt"), default=0)
    total_claims = MoneyField(_("krav i alt"), default=0)
    payment_file = models.BinaryField(_("betalingsfil (pain.001)"), null=True, blank=True, editable=False)
    # The day the bank is asked to pay (pain.001 ReqdExctnDt), chosen at the release (#13).
    execution_date = models.DateField(_("betalingsdato"), null=True, blank=True)

    class Meta:
        ordering = ["region", "-run_date", "-id"]
        verbose_name = _("udbetalingskørsel")
        verbose_name_plural = _("udbetalingskørsler")
        constraints = [
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(status__in=["draft", "approved"]),
                name="payout_one_open_run_per_region",
            ),
            models.CheckConstraint(
                name="payout_run_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
            ),
            models.CheckConstraint(
                name="payout_run_status_has_people",
                condition=Q(status__in=["draft", "discarded"])
                | (Q(status="approved") & Q(approved_by__isnull=False))
                | (Q(status="released") & Q(approved_by__isnull=False) & Q(released_by__isnull=False)),
            ),
            models.CheckConstraint(name="payout_run_date_in_window", condition=db_window("run_date")),
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.run_date} ({self.get_status_display()})"


class Payout(models.Model):
    """What one run pays one cluster, explained by its lines."""

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="payouts")
    cluster = models.ForeignKey("registry.GpCluster", on_delete=models.PROTECT, related_name="payouts")
    amount = MoneyField(_("beløb"))
    arrival_from = models.DateField(_("forventet på kontoen fra"))
    arrival_to = models.DateField(_("forventet på kontoen senest"))
    paid_on = models.DateField(_("betalt"), null=True, blank=True)

    class Meta:
        ordering = ["run", "cluster__name"]
        verbose_name = _("udbetaling")
        verbose_name_plural = _("udbetalinger")
        constraints = [
            models.UniqueConstraint(fields=["run", "cluster"], name="payout_one_per_cluster_per_run"),
            models.CheckConstraint(name="payout_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="payout_paid_on_in_window", condition=db_window("paid_on", nullable=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} {self.amount}"


class PayoutLine(models.Model):
    """One explanation line: rule, practice, period, days, capacities or patients, rate, amount."""

    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.CASCADE, related_name="lines")
    claim = models.ForeignKey(
        "RepaymentClaim", null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField(_("art"), max_length=20)  # startup_fee | annual | adjustment
    rule = models.CharField(_("regel"), max_length=8)
    practice = models.CharField(_("ydernummer"), max_length=6, blank=True)
    period_from = models.DateField(_("fra"), null=True, blank=True)
    period_to = models.DateField(_("til"), null=True, blank=True)
    days = models.PositiveIntegerField(_("dage"), null=True, blank=True)
    days_in_year = models.PositiveIntegerField(_("dage i året"), null=True, blank=True)
    capacities = models.PositiveIntegerField(_("kapaciteter"), null=True, blank=True)
    patients = models.PositiveIntegerField(_("gruppe 1-patienter"), null=True, blank=True)
    rate = MoneyField(_("sats"), null=True, blank=True)
    amount = MoneyField(_("beløb"))
    text = models.CharField(_("forklaring"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("forklaringslinje")
        verbose_name_plural = _("forklaringslinjer")
        constraints = [
            models.CheckConstraint(
                name="payout_line_belongs_to_one",
                condition=Q(payout__isnull=False, claim__isnull=True)
                | Q(payout__isnull=True, claim__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.practice} {self.amount}"


class RepaymentClaim(models.Model):
    """A claim that a cluster repays the region (A7 startup fee, or an annual overpayment by policy)."""

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="claims")
    cluster = models.ForeignKey("registry.GpCluster", on_delete=models.PROTECT, related_name="claims")
    amount = MoneyField(_("beløb"))
    reason = models.CharField(_("årsag"), max_length=40)
    rule = models.CharField(_("regel"), max_length=8)
    practice = models.CharField(_("ydernummer"), max_length=6, blank=True)
    due_on = models.DateField(_("betalingsfrist"))

    class Meta:
        ordering = ["run", "cluster__name"]
        verbose_name = _("tilbagebetalingskrav")
        verbose_name_plural = _("tilbagebetalingskrav")
        constraints = [models.CheckConstraint(name="claim_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return f"{self.cluster} {self.amount}"

    @property
    def payment_reference(self) -> str:
        """The claim's payment reference (#13): an ISO 11649 creditor reference, ``RF`` + two check
        digits + ``KLYNGE`` + the region's code + the claim's number (e.g. ``RF83KLYNGE10815``). It never
        changes; the claim letter carries it and the bank-file import matches repayments by it."""
        from klynge.payouts.bankfiles import creditor_reference

        return creditor_reference(self.run.region.code, self.pk)


class SettledAmount(models.Model):
    """What a run settled for one key of the engine (cluster × practice × kind × period).

    The sum over a region's runs that were not discarded is the engine's ``SettledState``: the next
    run pays or claims only the difference to what the facts make payable (A9). Keys carried forward
    (a negative balance left to net) are not settled and have no row.
    """

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="settled")
    cluster = models.ForeignKey("registry.GpCluster", on_delete=models.PROTECT, related_name="+")
    practice = models.CharField(_("ydernummer"), max_length=6)
    kind = models.CharField(_("art"), max_length=20)  # startup_fee | annual
    period = models.CharField(_("periode"), max_length=10)  # joined date (ISO) or year
    amount = MoneyField(_("beløb"))
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(
        "RepaymentClaim", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["run", "cluster", "practice", "kind", "period"]
        verbose_name = _("afregnet beløb")
        verbose_name_plural = _("afregnede beløb")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "cluster", "practice", "kind", "period"], name="settled_one_per_key_per_run"
            ),
            models.CheckConstraint(name="settled_not_zero", condition=~Q(amount=0)),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.practice} {self.kind} {self.period}: {self.amount}"


class CarriedForward(models.Model):
    """A cluster's negative balance that a run left to net against later payouts (A9, "net")."""

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="carried_forward")
    cluster = models.ForeignKey("registry.GpCluster", on_delete=models.PROTECT, related_name="+")
    amount = MoneyField(_("beløb"))

    class Meta:
        ordering = ["run", "cluster"]
        verbose_name = _("til modregning")
        verbose_name_plural = _("til modregning")
        constraints = [
            models.UniqueConstraint(fields=["run", "cluster"], name="carried_one_per_cluster_per_run"),
            models.CheckConstraint(name="carried_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id} {self.amount}"


class Repayment(models.Model):
    """Money received from a cluster against a claim."""

    claim = models.ForeignKey(RepaymentClaim, on_delete=models.PROTECT, related_name="repayments")
    amount = MoneyField(_("beløb"))
    received_on = models.DateField(_("modtaget"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on"]
        verbose_name = _("indbetaling")
        verbose_name_plural = _("indbetalinger")
        constraints = [
            models.CheckConstraint(name="repayment_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="repayment_received_on_in_window", condition=db_window("received_on")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} {self.amount}"


class ClaimWriteOff(models.Model):
    """Writing off (part of) what a cluster still owes on a claim (#13): a region officer proposes it
    with a reason, a region approver who did not propose it approves (then it is posted in the ledger)
    or refuses it. The database holds four eyes, a reason and at most one open proposal per claim;
    the amount (more than 0, at most what is outstanding) is checked by the service."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Foreslået")
        APPROVED = "approved", _("Godkendt")
        REFUSED = "refused", _("Afvist")

    claim = models.ForeignKey(RepaymentClaim, on_delete=models.PROTECT, related_name="write_offs")
    amount = MoneyField(_("beløb"))
    reason = models.TextField(_("begrundelse"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("foreslået"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("besluttet"), null=True, blank=True)
    refusal_reason = models.TextField(_("begrundelse for afvisning"), blank=True)

    class Meta:
        ordering = ["claim", "proposed_at", "id"]
        verbose_name = _("afskrivning")
        verbose_name_plural = _("afskrivninger")
        constraints = [
            models.CheckConstraint(name="write_off_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="write_off_reason_given", condition=Q(reason__regex=r"\S")),
            models.CheckConstraint(
                name="write_off_four_eyes",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
            ),
            models.CheckConstraint(
                name="write_off_status_has_people",
                condition=Q(status="proposed", decided_by__isnull=True, decided_at__isnull=True)
                | Q(status__in=["approved", "refused"], decided_by__isnull=False, decided_at__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(status="proposed"), name="write_off_one_open_per_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.amount} ({self.status})"


class RegionMerger(models.Model):
    """A merger of regions (#11): prepared as a draft with its preview, approved by a second
    administrator, carried out on its date in one transaction (:mod:`klynge.payouts.mergers`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        APPROVED = "approved", _("Godkendt")
        CARRIED_OUT = "carried_out", _("Gennemført")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    effective_on = models.DateField(_("dato"))
    predecessors = models.ManyToManyField(
        "registry.Region", through="MergerPredecessor", related_name="mergers", verbose_name=_("regioner")
    )
    successor = models.ForeignKey(
        "registry.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("efterfølger"),
    )
    successor_code = models.CharField(_("efterfølgerens regionskode"), max_length=4)
    successor_name = models.CharField(_("efterfølgerens navn"), max_length=100)
    # The successor's settings chosen in the draft, resolved (docs/reorganise.md, "settings").
    region_settings = models.JSONField(_("efterfølgerens indstillinger"), default=dict)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(_("forberedt"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("godkendt"), null=True, blank=True)
    carried_out_at = models.DateTimeField(_("gennemført"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("trukket tilbage"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("begrundelse"), blank=True)
    preview_prepared = models.JSONField(_("forhåndsvisning ved forberedelsen"), default=dict)
    preview_carried_out = models.JSONField(_("forhåndsvisning ved gennemførelsen"), null=True, blank=True)
    outcome = models.JSONField(_("resultat"), null=True, blank=True)

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name = _("sammenlægning")
        verbose_name_plural = _("sammenlægninger")
        constraints = [
            models.CheckConstraint(
                name="merger_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
            ),
            models.CheckConstraint(
                name="merger_status_has_people",
                condition=(
                    Q(status="draft", approved_by__isnull=True, carried_out_at__isnull=True)
                    & Q(withdrawn_by__isnull=True)
                )
                | Q(
                    status="approved",
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                    carried_out_at__isnull=True,
                    withdrawn_by__isnull=True,
                )
                | Q(
                    status="carried_out",
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                    carried_out_at__isnull=False,
                    successor__isnull=False,
                    withdrawn_by__isnull=True,
                )
                | Q(
                    status="withdrawn",
                    withdrawn_by__isnull=False,
                    withdrawn_at__isnull=False,
                    carried_out_at__isnull=True,
                ),
            ),
            models.CheckConstraint(
                name="merger_successor_code_four_digits", condition=Q(successor_code__regex=r"^[0-9]{4}$")
            ),
            models.CheckConstraint(name="merger_effective_on_in_window", condition=db_window("effective_on")),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.successor_name} ({self.successor_code}) {self.effective_on}"


class MergerPredecessor(models.Model):
    """A region merged by a merger. ``withdrawn`` follows the merger's status, so that the database
    allows a region in at most one merger that is not withdrawn (draft, approved or carried out)."""

    merger = models.ForeignKey(RegionMerger, on_delete=models.PROTECT, related_name="parts")
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("nummer"))
    withdrawn = models.BooleanField(_("trukket tilbage"), default=False)

    class Meta:
        ordering = ["merger", "position"]
        verbose_name = _("region i sammenlægning")
        verbose_name_plural = _("regioner i sammenlægninger")
        constraints = [
            models.UniqueConstraint(fields=["merger", "region"], name="merger_region_once"),
            models.UniqueConstraint(
                fields=["region"], condition=Q(withdrawn=False), name="merger_region_in_one_merger"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merger_id}: {self.region_id}"


class BankImport(models.Model):
    """A bank file read into the application (#13): a camt.054 debit/credit notification or a pain.002
    status report of one region's account. The file's SHA-256 makes a second import of it a no-op."""

    class Kind(models.TextChoices):
        CAMT054 = "camt054", _("Debit/kredit-advisering (camt.054)")
        PAIN002 = "pain002", _("Statusrapport (pain.002)")

    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="bank_imports")
    kind = models.CharField(_("art"), max_length=8, choices=Kind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    message_id = models.CharField(_("bankens meddelelses-id"), max_length=35)
    filename = models.CharField(_("filnavn"), max_length=200, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("indlæst"), auto_now_add=True)
    entries_count = models.PositiveIntegerField(_("poster"), default=0)
    matched_count = models.PositiveIntegerField(_("afstemt"), default=0)
    partly_count = models.PositiveIntegerField(_("delvis afstemt"), default=0)
    unmatched_count = models.PositiveIntegerField(_("ikke afstemt"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("indlæst bankfil")
        verbose_name_plural = _("indlæste bankfiler")

    def __str__(self) -> str:
        return f"{self.region_id} {self.kind} {self.message_id}"


class BankEntry(models.Model):
    """One transaction of a bank file: a booked credit (money in), a debit (money out) or a payment's
    status, with what it was matched to, or why not (``reason``) until a person matches it."""

    class Kind(models.TextChoices):
        CREDIT = "credit", _("Indbetaling")
        DEBIT = "debit", _("Udbetaling")
        STATUS = "status", _("Betalingsstatus")

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("Afstemt")
        PARTLY = "partly", _("Delvis afstemt")
        UNMATCHED = "unmatched", _("Ikke afstemt")
        REJECTED = "rejected", _("Afvist af banken")
        ACCEPTED = "accepted", _("Accepteret af banken")
        INFO = "info", _("Til orientering")

    bank_import = models.ForeignKey(BankImport, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(_("nummer"))
    kind = models.CharField(_("art"), max_length=8, choices=Kind.choices)
    amount = MoneyField(_("beløb"), null=True, blank=True)
    currency = models.CharField(_("valuta"), max_length=3, blank=True)
    booked_on = models.DateField(_("bogført"), null=True, blank=True)
    end_to_end_id = models.CharField(_("end-to-end-id"), max_length=35, blank=True)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    bank_reference = models.CharField(_("bankens reference"), max_length=35, blank=True)
    party_name = models.CharField(_("navn"), max_length=140, blank=True)
    party_id = models.CharField(_("CVR eller konto"), max_length=35, blank=True)
    status_code = models.CharField(_("status fra banken"), max_length=4, blank=True)
    outcome = models.CharField(_("resultat"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("årsag"), max_length=24, blank=True)
    detail = models.CharField(_("detalje"), max_length=300, blank=True)
    remainder = MoneyField(_("ikke afstemt beløb"), default=0)
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(
        RepaymentClaim, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    repayment = models.ForeignKey(
        Repayment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("afklaret"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["bank_import", "position"]
        verbose_name = _("bankpost")
        verbose_name_plural = _("bankposter")
        constraints = [
            models.UniqueConstraint(fields=["bank_import", "position"], name="bank_entry_position_once"),
            models.CheckConstraint(name="bank_entry_remainder_not_negative", condition=Q(remainder__gte=0)),
            models.CheckConstraint(
                name="bank_entry_booked_on_in_window", condition=db_window("booked_on", nullable=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_import_id}/{self.position} {self.kind} {self.amount}"
