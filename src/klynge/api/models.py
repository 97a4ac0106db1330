"""Personal API tokens for scripts: only a SHA-256 hash of each token is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token that acts as ``user``. The plaintext is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("bruger"),
    )
    name = models.CharField(
        _("navn"), max_length=100, help_text=_("Hvad nøglen bruges til, fx 'månedsudtræk'.")
    )
    key_hash = models.CharField(_("SHA-256 af nøglen"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("API-nøgle")
        verbose_name_plural = _("API-nøgler")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
