import oscar.apps.partner.apps as apps
from django.utils.translation import gettext_lazy as _


class PartnerConfig(apps.PartnerConfig):
    name = "merchants"
    verbose_name = _("商户 Merchants")

    def ready(self):
        super().ready()
        from django.db.models.signals import post_save

        from . import tasks  # noqa: F401  the new-order email listens to delivery.signals.groups_created
        from .models import StockRecord
        from .receivers import open_ledger

        post_save.connect(open_ledger, sender=StockRecord, dispatch_uid="stock-ledger-opening")
