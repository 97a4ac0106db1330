from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "klynge.notices"
    label = "notices"
    verbose_name = _("Beskeder")
    default_auto_field = "django.db.models.BigAutoField"
