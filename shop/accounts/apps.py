from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shop.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from shop.accounts.services import drop_tokens_on_password_change

        pre_save.connect(drop_tokens_on_password_change, sender=get_user_model(),
                         dispatch_uid="shop.accounts.drop_tokens_on_password_change")
