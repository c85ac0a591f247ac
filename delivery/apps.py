from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("配送 Delivery")

    def ready(self):
        from . import tasks  # noqa: F401  the drain listens to delivery.signals.dispatch_requested
