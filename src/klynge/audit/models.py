"""The audit trail: who changed what, when, with the values before and after.

Append-only and tamper-evident: the database refuses UPDATE and DELETE (migration 0003, triggers on
PostgreSQL and SQLite), and every entry carries ``hash`` = SHA-256 of the previous entry's hash and its
own content (:mod:`klynge.common.hashchain`, written by :func:`klynge.audit.log.record`), checked by
``klynge verify``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One state change, written by the service function that made it, in the same transaction."""

    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("udført af"),
    )
    action = models.CharField(_("handling"), max_length=64)
    summary = models.CharField(_("beskrivelse"), max_length=500)
    object_type = models.CharField(_("objekttype"), max_length=64)
    object_id = models.CharField(_("objekt-id"), max_length=64)
    region = models.ForeignKey(
        "registry.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gp_cluster = models.ForeignKey(
        "registry.GpCluster", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    before = models.JSONField(_("før"), null=True, blank=True)
    after = models.JSONField(_("efter"), null=True, blank=True)
    # Nullable so adding the columns keeps SQLite's table (and its triggers); every entry has both.
    previous_hash = models.CharField(_("forrige hash"), max_length=64, null=True, editable=False)  # noqa: DJ001
    hash = models.CharField(_("hash"), max_length=64, null=True, editable=False)  # noqa: DJ001

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("revisionspost")
        verbose_name_plural = _("revisionsspor")
        indexes = [models.Index(fields=["region", "at"]), models.Index(fields=["gp_cluster", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.summary}"
