from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "klynge.accounts"
    label = "accounts"
    verbose_name = _("Brugere og roller")

    def ready(self) -> None:
        # Signal receivers: the audit of lock-outs, and logging out everywhere (#10).
        from klynge.accounts import lockout, sessions  # noqa: F401

        checks.register(relaxed_two_factor_in_production, checks.Tags.security, deploy=False)


def relaxed_two_factor_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """KLYNGE_RELAX_TWO_FACTOR is for bin/demo and the tests; with DEBUG off it is a mistake."""
    from django.conf import settings

    if getattr(settings, "KLYNGE_RELAX_TWO_FACTOR", False) and not settings.DEBUG:
        return [
            checks.Warning(
                "KLYNGE_RELAX_TWO_FACTOR is on with DEBUG off: region approvers, region officers and "
                "administrators can log in without two-factor login.",
                hint="Unset KLYNGE_RELAX_TWO_FACTOR in production; it is meant for bin/demo and the tests.",
                id="klynge.W001",
            )
        ]
    return []
