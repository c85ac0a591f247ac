"""Registration signs the new resident in by mobile number (Oscar's uses the email)."""

from django.conf import settings
from django.contrib.auth import login as auth_login
from oscar.apps.customer import mixins as oscar_mixins
from oscar.apps.customer.mixins import AnonymousOrderMixin, PageTitleMixin  # noqa: F401
from oscar.apps.customer.signals import user_registered


class RegisterUserMixin(oscar_mixins.RegisterUserMixin):
    def register_user(self, form):
        user = form.save()  # mobile is unique in the database: a double submit cannot create two
        user_registered.send_robust(sender=self, request=self.request, user=user)
        if settings.OSCAR_SEND_REGISTRATION_EMAIL and user.email:
            self.send_registration_email(user)
        auth_login(self.request, user, backend="shop.accounts.backends.MobileOrEmailBackend")
        return user
