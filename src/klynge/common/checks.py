"""Deployment checks of our own (`klynge check --deploy`, #10)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_https(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Links in mails (KLYNGE_SITE_URL) must lead to the HTTPS site in production."""
    if settings.DEBUG or str(settings.SITE_URL).startswith("https://"):
        return []
    return [
        Warning(
            f"KLYNGE_SITE_URL er {settings.SITE_URL!r}; i produktion skal den være sidens https://-adresse "
            "(den bruges i mails).",
            hint="Sæt KLYNGE_SITE_URL=https://<værtsnavn> (README, 'Production').",
            id="klynge.W010",
        )
    ]
