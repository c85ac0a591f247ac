from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.models.signals import pre_save

        from shop.core.html import clean_html_fields

        # every model: the receiver looks the model up in shop.core.html.HTML_FIELDS
        pre_save.connect(clean_html_fields, dispatch_uid="shop.core.clean_html_fields")
