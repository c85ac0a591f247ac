from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("社区 Communities")

    def ready(self):
        from shop.accounts.signals import account_erasing

        from . import services

        account_erasing.connect(lambda sender, *, user, **kwargs: services.erase_addresses(user=user),
                                dispatch_uid="communities-erase-addresses", weak=False)
