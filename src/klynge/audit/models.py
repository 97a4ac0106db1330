"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One state change, written by the service function that made it, in the same transaction."""

    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
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

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("revisionspost")
        verbose_name_plural = _("revisionsspor")
        indexes = [models.Index(fields=["region", "at"]), models.Index(fields=["gp_cluster", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.summary}"
