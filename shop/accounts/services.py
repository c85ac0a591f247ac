"""Accounts: registration and password reset proven by an SMS code, API tokens.

Plain functions for every entry point (storefront forms, the API, the mini-program):

- `request_code` sends a code for registration or reset and answers the same whether the
  number has an account or not (no enumeration); limits in shop/accounts/sms.py.
- `register_resident` needs the number's live code before anything about the number is said.
- `reset_password` needs the code; a wrong code and a number without an account fail alike.
- `issue_token` / `revoke_token` / `revoke_all_tokens`: expiring knox tokens, one per sign-in;
  every token of a user is dropped when the password changes (`drop_tokens_on_password_change`,
  a `pre_save` receiver, whatever changed the password: reset, admin, dashboard, shell).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken

from shop.accounts import sms
from shop.accounts.models import mobile_validator
from shop.core.errors import DomainError

User = get_user_model()


def _valid_mobile(mobile: str) -> str:
    mobile = (mobile or "").strip()
    try:
        mobile_validator(mobile)
    except ValidationError as error:
        raise DomainError("bad mobile", fields={"mobile": list(error.messages)}) from None
    return mobile


def _code_refused() -> DomainError:
    return DomainError("bad code", fields={"code": [_("验证码错误或已过期, 请重新获取")]}, code="invalid_code")


def request_code(*, mobile: str, purpose: str, client_ip: str | None) -> None:
    """Send a one-time code to `mobile` (registration or password reset); same answer for any number."""
    mobile = _valid_mobile(mobile)
    if purpose not in sms.PURPOSES:
        raise DomainError("bad purpose", fields={"purpose": [_("未知用途")]})
    deliver = purpose == "register" or User._default_manager.filter(mobile=mobile, is_active=True).exists()
    sms.send_code(mobile=mobile, purpose=purpose, client_ip=client_ip, deliver=deliver)


def check_registration_code(*, mobile: str, code: str) -> None:
    """Spend the registration code of `mobile`, then say whether the number is taken (only now:
    the caller has just proved it holds the number). Raises DomainError naming the field."""
    if not sms.check_code(mobile=mobile, purpose="register", code=code):
        raise _code_refused()
    if User._default_manager.filter(mobile=mobile).exists():
        raise DomainError("mobile taken", fields={"mobile": [_("该手机号已注册, 请直接登录或找回密码")]})


@transaction.atomic
def register_resident(*, mobile: str, password: str, code: str, email: str | None = None):
    """A new resident account for a number proven by its SMS code."""
    mobile = _valid_mobile(mobile)
    try:
        validate_password(password, User(mobile=mobile))
    except ValidationError as error:
        raise DomainError("bad password", fields={"password": list(error.messages)}) from None
    check_registration_code(mobile=mobile, code=code)
    try:
        with transaction.atomic():
            return User._default_manager.create_user(mobile=mobile, password=password, email=email or None)
    except IntegrityError:  # registered a moment ago by a concurrent request
        raise DomainError("mobile taken", fields={"mobile": [_("该手机号已注册, 请直接登录或找回密码")]}) from None


@transaction.atomic
def reset_password(*, mobile: str, code: str, new_password: str) -> None:
    """Set a new password for the account of `mobile`, proven by its reset code; drops its tokens."""
    mobile = _valid_mobile(mobile)
    if not sms.check_code(mobile=mobile, purpose="reset", code=code):
        raise _code_refused()
    user = User._default_manager.select_for_update().filter(mobile=mobile, is_active=True).first()
    if user is None:  # no code is ever sent to such a number; answer as for a wrong code
        raise _code_refused()
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise DomainError("bad password", fields={"new_password": list(error.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])


def issue_token(*, user) -> tuple[str, datetime | None]:
    """A new API token for `user` (the caller checked the password); returns it and its expiry."""
    instance, token = AuthToken.objects.create(user=user)
    return token, instance.expiry


def revoke_token(*, token: AuthToken) -> None:
    token.delete()


def revoke_all_tokens(*, user) -> int:
    return AuthToken.objects.filter(user=user).delete()[0]


def drop_tokens_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """`pre_save` receiver for the user model: a changed password drops every API token."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        AuthToken.objects.filter(user_id=instance.pk).delete()
