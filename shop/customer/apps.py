import oscar.apps.customer.apps as apps
from django.urls import path


class CustomerConfig(apps.CustomerConfig):
    name = "shop.customer"

    def ready(self):
        super().ready()
        from django.contrib.auth.mixins import LoginRequiredMixin

        from shop.customer.views import SmsCodeView, SmsPasswordResetView

        # Oscar mails a stock alert's confirmation to any address a visitor types: residents only
        self.alert_create_view = type("ProductAlertCreateView", (LoginRequiredMixin, self.alert_create_view), {})

        self.sms_code_view = SmsCodeView
        self.sms_password_reset_view = SmsPasswordResetView

    def get_urls(self):
        urls = [
            path("sms-code/", self.sms_code_view.as_view(), name="sms-code"),
            path("password-reset/sms/", self.sms_password_reset_view.as_view(), name="sms-password-reset"),
        ]
        return self.post_process_urls(urls) + super().get_urls()
