from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "klynge.payouts"
    label = "payouts"
    verbose_name = _("Udbetalinger")
