import oscar.apps.partner.apps as apps
from django.utils.translation import gettext_lazy as _


class PartnerConfig(apps.PartnerConfig):
    name = "merchants"
    verbose_name = _("商户 Merchants")

    def ready(self):
        super().ready()
        from . import tasks  # noqa: F401  the new-order email listens to delivery.signals.groups_created
