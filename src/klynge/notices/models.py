"""A notice (#13): one message to one user about one thing, made by ``klynge notify``.

The database holds each (recipient, kind, object) once, so a second run of the command, or two at the
same time, can never make or send a notice twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    class Kind(models.TextChoices):
        RUN_AWAITING = "run_awaiting", _("Kørsel venter på godkendelse")
        RUN_APPROVED = "run_approved", _("Kørsel godkendt")
        RUN_RELEASED = "run_released", _("Kørsel frigivet")
        CLAIM_RAISED = "claim_raised", _("Krav rejst")
        CLAIM_OVERDUE = "claim_overdue", _("Krav ikke betalt til fristen")
        CLAIM_REMINDER = "claim_reminder", _("Påmindelse om krav")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices", verbose_name=_("modtager")
    )
    kind = models.CharField(_("art"), max_length=32, choices=Kind.choices)
    # What the notice is about: "run:12", "claim:5", "claim:5:2" (the second reminder), …
    object_key = models.CharField(_("om"), max_length=100)
    subject = models.CharField(_("emne"), max_length=200)
    body = models.TextField(_("tekst"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    # When it was mailed (or, for the release mail, when the release sent it); empty: not yet.
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    mailed_to = models.CharField(_("sendt til"), max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("besked")
        verbose_name_plural = _("beskeder")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "object_key"], name="notice_once"),
        ]

    def __str__(self) -> str:
        return self.subject
