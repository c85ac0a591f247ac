from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauConfig(AppConfig):
    name = "bureau"
    verbose_name = _("商务局")
    default_auto_field = "django.db.models.BigAutoField"
