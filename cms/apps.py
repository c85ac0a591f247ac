from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("社区页面 CMS")

    def ready(self):
        from cms import signals  # a saved community gets its page

        signals.connect_page_signals()
        from cms import services  # an erased account's event sign-ups go (seats given up first)
        from shop.accounts.signals import account_erasing

        account_erasing.connect(lambda sender, *, user, **kwargs: services.erase_signups(user=user),
                                dispatch_uid="cms-erase-signups", weak=False)
