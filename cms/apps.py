from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("社区页面 CMS")

    def ready(self):
        from cms import signals  # a saved community gets its page

        signals.connect_page_signals()
