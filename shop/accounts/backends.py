from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MobileOrEmailBackend(ModelBackend):
    """Sign in with a mobile number (residents) or an email address (staff who have one)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = (username or kwargs.get(get_user_model().USERNAME_FIELD) or "").strip()
        if not username or password is None:
            return None
        User = get_user_model()
        field = "email__iexact" if "@" in username else "mobile"
        try:
            user = User._default_manager.get(**{field: username})
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Every sign-in that reaches us over HTTP passes its request (Django's, Oscar's and Wagtail's
    login forms, the token API), and axes counts and locks those. A call without a request
    (Django's test client `login()`, a shell) has no address to count and is left to the next
    backend instead of failing (axes' own backend raises there).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
