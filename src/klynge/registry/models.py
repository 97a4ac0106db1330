"""The GP-cluster registry: regions, clusters, practices, memberships and documents (brief §3).

Models hold data and database-level invariants only; every change goes through
:mod:`klynge.registry.services`, and the rules live in :mod:`klynge.core`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from klynge.common.dates import db_window


class Region(models.Model):
    """One of the five Danish regions, with its own policy and instructions."""

    class AnnualRegulation(models.TextChoices):
        NET = "net", _("Modregnes i næste udbetaling")
        CLAIM = "claim", _("Tilbagebetalingskrav med det samme")

    code = models.CharField(_("regionskode"), max_length=4, unique=True)
    name = models.CharField(_("navn"), max_length=100)
    instructions = models.TextField(
        _("instruktioner til nye klynger"),
        blank=True,
        help_text=_("Sendes med velkomstmailen til klyngens koordinator."),
    )
    processing_days_min = models.PositiveSmallIntegerField(_("behandlingstid, mindst (dage)"), default=14)
    processing_days_max = models.PositiveSmallIntegerField(_("behandlingstid, højst (dage)"), default=28)
    annual_regulation = models.CharField(
        _("regulering af årlige midler"), max_length=8, choices=AnnualRegulation.choices, default="net"
    )
    payment_iban = models.CharField(
        _("regionens konto (IBAN)"),
        max_length=34,
        blank=True,
        help_text=_("Konto, som klyngemidlerne betales fra."),
    )
    payment_bic = models.CharField(_("regionens bank (BIC)"), max_length=11, blank=True)
    repayment_instructions = models.TextField(
        _("sådan betales et krav tilbage"),
        blank=True,
        help_text=_("Står i brevet om tilbagebetaling: konto, reference og kontaktperson."),
    )
    claim_days = models.PositiveSmallIntegerField(_("betalingsfrist for krav (dage)"), default=30)
    required_documents: models.ManyToManyField[DocumentType, Any] = models.ManyToManyField(
        "DocumentType", blank=True, related_name="required_by", verbose_name=_("krævede dokumenter")
    )
    # A life as data (#11): the first and last day the region exists (empty: always, open), and the
    # region that takes over when it ends (a merger).
    valid_from = models.DateField(_("gælder fra"), null=True, blank=True)
    valid_to = models.DateField(_("gælder til og med"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("efterfølger"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regioner")
        constraints = [
            models.CheckConstraint(
                name="region_processing_days_ordered",
                condition=Q(processing_days_min__lte=F("processing_days_max")),
            ),
            models.CheckConstraint(
                name="region_valid_to_after_valid_from",
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
            ),
            models.CheckConstraint(
                name="region_not_own_successor",
                condition=Q(successor__isnull=True) | ~Q(successor=F("pk")),
            ),
            models.CheckConstraint(
                name="region_valid_from_in_window", condition=db_window("valid_from", nullable=True)
            ),
            models.CheckConstraint(
                name="region_valid_to_in_window", condition=db_window("valid_to", nullable=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentType(models.Model):
    """A kind of document a cluster uploads (statutes, founding-assembly minutes, ...)."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("navn"), max_length=120)
    name_en = models.CharField(_("navn (engelsk)"), max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dokumenttype")
        verbose_name_plural = _("dokumenttyper")

    def __str__(self) -> str:
        return self.name


class GpCluster(models.Model):
    """A GP cluster (praksisklynge)."""

    class Status(models.TextChoices):
        REGISTERING = "registering", _("Under oprettelse")
        COMPLETED = "completed", _("Færdigmeldt")

    name = models.CharField(_("navn"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="gp_clusters", verbose_name=_("region")
    )
    external_id = models.CharField(
        _("eksternt id"), max_length=40, unique=True, help_text=_("Id i udvekslingsformatet, fx K1.")
    )
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True)
    nemkonto_confirmed_on = models.DateField(_("NemKonto bekræftet"), null=True, blank=True)
    founded_on = models.DateField(_("dato for stiftende generalforsamling"))
    all_practices_registered = models.BooleanField(_("alle klyngens praksis er registreret"), default=False)
    completed_on = models.DateField(_("færdigmeldt"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERING)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("praksisklynge")
        verbose_name_plural = _("praksisklynger")
        constraints = [
            models.CheckConstraint(
                name="gpcluster_completed_status_matches_date",
                condition=(Q(status="completed") & Q(completed_on__isnull=False))
                | (Q(status="registering") & Q(completed_on__isnull=True)),
            ),
            models.CheckConstraint(
                name="gpcluster_cvr_eight_digits_or_blank",
                condition=Q(cvr="") | Q(cvr__regex=r"^[0-9]{8}$"),
            ),
            models.CheckConstraint(name="gpcluster_founded_on_in_window", condition=db_window("founded_on")),
            models.CheckConstraint(
                name="gpcluster_completed_on_in_window", condition=db_window("completed_on", nullable=True)
            ),
            models.CheckConstraint(
                name="gpcluster_nemkonto_confirmed_on_in_window",
                condition=db_window("nemkonto_confirmed_on", nullable=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    """A general practice, identified by its provider number (ydernummer)."""

    provider_number = models.CharField(_("ydernummer"), max_length=6, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="practices", verbose_name=_("region")
    )

    class Meta:
        ordering = ["provider_number"]
        verbose_name = _("praksis")
        verbose_name_plural = _("praksis")
        constraints = [
            models.CheckConstraint(
                name="practice_provider_number_six_digits", condition=Q(provider_number__regex=r"^[0-9]{6}$")
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider_number})"


class CapacityRecord(models.Model):
    """The practice has ``count`` doctor capacities from ``valid_from`` until the next record.

    ``recorded_on`` is when the value became known; a later record for the same ``valid_from`` corrects it.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="capacities")
    valid_from = models.DateField(_("gælder fra"))
    count = models.PositiveSmallIntegerField(_("lægekapaciteter"))
    recorded_on = models.DateField(_("registreret"))

    class Meta:
        ordering = ["practice", "valid_from", "recorded_on"]
        verbose_name = _("kapacitet")
        verbose_name_plural = _("kapaciteter")
        constraints = [
            models.CheckConstraint(name="capacity_at_least_one", condition=Q(count__gte=1)),
            models.UniqueConstraint(
                fields=["practice", "valid_from", "recorded_on"], name="capacity_one_value_per_day_and_record"
            ),
            models.CheckConstraint(name="capacity_valid_from_in_window", condition=db_window("valid_from")),
            models.CheckConstraint(name="capacity_recorded_on_in_window", condition=db_window("recorded_on")),
        ]

    def __str__(self) -> str:
        return f"{self.count} fra {self.valid_from}"


class PatientCount(models.Model):
    """The practice has ``count`` group-1 patients from ``valid_from`` until the next record."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="patient_counts")
    valid_from = models.DateField(_("gælder fra"))
    count = models.PositiveIntegerField(_("gruppe 1-patienter"))
    recorded_on = models.DateField(_("registreret"))

    class Meta:
        ordering = ["practice", "valid_from", "recorded_on"]
        verbose_name = _("patienttal")
        verbose_name_plural = _("patienttal")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "valid_from", "recorded_on"], name="patients_one_value_per_day_and_record"
            ),
            models.CheckConstraint(name="patients_valid_from_in_window", condition=db_window("valid_from")),
            models.CheckConstraint(name="patients_recorded_on_in_window", condition=db_window("recorded_on")),
        ]

    def __str__(self) -> str:
        return f"{self.count} fra {self.valid_from}"


class Membership(models.Model):
    """Practice × cluster from ``joined`` (first day a member) to ``left`` (first day no longer one).

    The database refuses two memberships of one practice that share a day (see migration 0002).
    """

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="memberships")
    cluster = models.ForeignKey(GpCluster, on_delete=models.PROTECT, related_name="memberships")
    joined = models.DateField(_("indtrådt"))
    left = models.DateField(_("udtrådt"), null=True, blank=True)
    recorded_on = models.DateField(_("indtræden registreret"))
    left_recorded_on = models.DateField(_("udtræden registreret"), null=True, blank=True)

    class Meta:
        ordering = ["cluster", "practice__provider_number", "joined"]
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        constraints = [
            models.CheckConstraint(
                name="membership_left_after_joined", condition=Q(left__isnull=True) | Q(left__gt=F("joined"))
            ),
            models.CheckConstraint(
                name="membership_left_recorded_with_left",
                condition=Q(left__isnull=True, left_recorded_on__isnull=True)
                | Q(left__isnull=False, left_recorded_on__isnull=False),
            ),
            models.CheckConstraint(name="membership_joined_in_window", condition=db_window("joined")),
            models.CheckConstraint(
                name="membership_left_in_window", condition=db_window("left", nullable=True)
            ),
            models.CheckConstraint(
                name="membership_recorded_on_in_window", condition=db_window("recorded_on")
            ),
            models.CheckConstraint(
                name="membership_left_recorded_on_in_window",
                condition=db_window("left_recorded_on", nullable=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice} i {self.cluster} fra {self.joined}"


document_storage = FileSystemStorage(location=settings.DOCUMENT_ROOT, base_url=None)


def documents_storage() -> FileSystemStorage:
    """The storage of uploaded documents, as a callable so migrations do not record a machine's path."""
    return document_storage


class Document(models.Model):
    """A document uploaded by a cluster: checked by content, stored outside the web root."""

    cluster = models.ForeignKey(GpCluster, on_delete=models.PROTECT, related_name="documents")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, verbose_name=_("dokumenttype"))
    file = models.FileField(storage=documents_storage, upload_to="%Y/%m")
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(_("filtype"), max_length=100)
    size = models.PositiveIntegerField(_("størrelse (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploadet"), auto_now_add=True)
    removed_at = models.DateTimeField(_("fjernet"), null=True, blank=True)

    class Meta:
        ordering = ["cluster", "document_type__name", "-uploaded_at"]
        verbose_name = _("dokument")
        verbose_name_plural = _("dokumenter")

    def __str__(self) -> str:
        return self.original_name
