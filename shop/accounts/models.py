"""The user model: residents, shop staff and couriers sign in with a mainland mobile number."""

from django.contrib.auth.models import BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.customer.abstract_models import AbstractUser

mobile_validator = RegexValidator(
    r"^1[3-9][0-9]{9}\Z", _("请输入11位中国大陆手机号码 (Enter an 11-digit mainland mobile number).")
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, mobile, password=None, **extra_fields):
        if not mobile:
            raise ValueError("A mobile number is required")
        email = extra_fields.pop("email", None) or None
        user = self.model(mobile=mobile, email=email and self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(mobile, password, **extra_fields)


class User(AbstractUser):
    """Oscar's user, keyed by mobile number; email is optional."""

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, validators=[mobile_validator])
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS: list[str] = []

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def clean(self):
        super().clean()  # Oscar's clean normalises the email, turning None into ""
        self.email = self.email or None

    def save(self, *args, **kwargs):
        self.email = self.email or None  # "" would collide with every other user without email
        super().save(*args, **kwargs)

    def get_full_name(self):
        # Chinese order: family name first, no space.
        full_name = f"{self.last_name}{self.first_name}".strip()
        return full_name or self.masked_mobile

    def get_short_name(self):
        return self.get_full_name()

    @property
    def masked_mobile(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if self.mobile else ""

    def __str__(self):
        return self.get_full_name()
