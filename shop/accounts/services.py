"""Accounts: registration and password reset proven by an SMS code, API tokens, the profile,
and erasing an account.

Plain functions for every entry point (storefront forms, the API, the mini-program):

- `request_code` sends a code for registration or reset and answers the same whether the
  number has an account or not (no enumeration); limits in shop/accounts/sms.py.
- `register_resident` needs the number's live code before anything about the number is said.
- `reset_password` needs the code; a wrong code and a number without an account fail alike.
- `issue_token` / `revoke_token` / `revoke_all_tokens`: expiring knox tokens, one per sign-in;
  every token of a user is dropped when the password changes (`drop_tokens_on_password_change`,
  a `pre_save` receiver, whatever changed the password: reset, admin, dashboard, shell).
- `request_mobile_change_code` / `change_mobile`: a new number proven by a code sent to it; that
  it is taken is said (409) only after its code is proven, as at registration.
- `verify_password`: the password a signed-in action asks again (deleting the account), counted
  and locked by django-axes exactly as a sign-in (per account and per address).
- `update_profile` changes the name; `erase_account` deletes an account as PIPL expects: the
  user's row is kept, anonymised, so that orders, shops' records and the bureau's figures keep
  their rows and add up; what identified the person is gone. Every app that keeps personal
  data takes part through shop.accounts.signals.account_erasing (see there).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from shop.accounts import sms
from shop.accounts.models import mobile_validator
from shop.core.errors import ConflictError, DomainError, TooManyAttempts

from .signals import account_erasing

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
    if purpose not in ("register", "reset"):  # "change" is request_mobile_change_code's, signed in
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


def _mobile_taken() -> ConflictError:
    return ConflictError(_("该手机号已被其他账号使用"), code="mobile_taken", fields={"mobile": [_("该手机号已被其他账号使用")]})


def _same_mobile(user, mobile: str) -> None:
    if mobile == user.mobile:
        raise DomainError(_("新手机号与当前手机号相同"), fields={"mobile": [_("新手机号与当前手机号相同")]})


def request_mobile_change_code(*, user, mobile: str, client_ip: str | None) -> None:
    """Send a code to the NEW number `mobile` for `user`; the SMS limits apply (per number, per
    address). Answers alike whether the number is taken (the code is still sent: only its
    holder learns it, at `change_mobile`)."""
    mobile = _valid_mobile(mobile)
    _same_mobile(user, mobile)
    sms.send_code(mobile=mobile, purpose="change", client_ip=client_ip)


@transaction.atomic
def change_mobile(*, user, mobile: str, code: str):
    """Give `user` the number `mobile`, proven by the code sent to it. DomainError (422) for a bad
    number or code, ConflictError 409 `mobile_taken` when another account has it; nothing
    changes then."""
    mobile = _valid_mobile(mobile)
    locked = User._default_manager.select_for_update(no_key=True).get(pk=user.pk)
    _same_mobile(locked, mobile)
    if not sms.check_code(mobile=mobile, purpose="change", code=code):
        raise _code_refused()
    if User._default_manager.filter(mobile=mobile).exclude(pk=locked.pk).exists():
        raise _mobile_taken()
    locked.mobile = mobile
    try:
        with transaction.atomic():
            locked.save(update_fields=["mobile"])
    except IntegrityError:  # taken a moment ago by a concurrent registration
        raise _mobile_taken() from None
    return locked


def verify_password(*, request, user, password: str | None) -> None:
    """Check the password a signed-in action asks again, through authenticate(): django-axes
    counts a wrong one and locks the account (and the address) after AXES_FAILURE_LIMIT, as
    for a sign-in; while locked even the right password is refused (TooManyAttempts, 429).
    An account without a usable password has nothing to check. DomainError (422) when wrong."""
    if not user.has_usable_password():
        return
    checked = authenticate(request, username=user.mobile, password=password if isinstance(password, str) else "")
    if getattr(request, "axes_locked_out", False):
        raise TooManyAttempts(_("尝试次数过多, 请稍后再试"), retry_after=int(settings.AXES_COOLOFF_TIME * 3600))
    if checked is None or checked.pk != user.pk:
        raise DomainError(_("密码不正确"), fields={"password": [_("密码不正确")]})


def issue_token(*, user) -> tuple[str, datetime | None]:
    """A new API token for `user` (the caller checked the password); returns it and its expiry.
    The user's expired tokens are deleted here (requests check only the token they present)."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
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

NAME_MAX = 30
# An erased account's mobile: "x" and the user's id, 11 characters like a number; it is not
# a mobile number (it starts with a letter), so nobody can register it or sign in with it.
ERASED_MOBILE_PREFIX = "x"


def _clean_name(value, field: str, errors: dict) -> str:
    value = value.strip() if isinstance(value, str) else None
    if value is None or len(value) > NAME_MAX or any(ord(c) < 32 for c in value):
        errors[field] = [_("姓名不超过30个字")]
        return ""
    return value


@transaction.atomic
def update_profile(*, user, last_name: str | None = None, first_name: str | None = None):
    """Change the resident's name (family name, given name); at least one of them given, and
    the name as a whole not left empty. DomainError (422) naming each bad field."""
    errors: dict[str, list[str]] = {}
    locked = get_user_model().objects.select_for_update(no_key=True).get(pk=user.pk)
    changes = {}
    if last_name is not None:
        changes["last_name"] = _clean_name(last_name, "last_name", errors)
    if first_name is not None:
        changes["first_name"] = _clean_name(first_name, "first_name", errors)
    if not changes and not errors:
        errors["last_name"] = [_("请填写要修改的姓名")]
    if not errors and not (changes.get("last_name", locked.last_name) or changes.get("first_name", locked.first_name)):
        errors["last_name"] = [_("请填写姓名")]
    if errors:
        raise DomainError(_("姓名没有修改"), fields=errors)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(changes))
    return locked


def _erase_oscar_data(user) -> None:
    """What Oscar's own apps keep about a person: address book, alerts, mails, notifications,
    wish lists, browsing and search history, the name on reviews, API tokens."""
    from oscar.apps.address.models import UserAddress
    from oscar.apps.analytics.models import UserProductView, UserRecord, UserSearch
    from oscar.apps.catalogue.reviews.models import ProductReview
    from oscar.apps.communication.models import Email, Notification
    from oscar.apps.customer.models import ProductAlert
    from oscar.apps.wishlists.models import WishList

    for model, owner in [(UserAddress, "user"), (ProductAlert, "user"), (Email, "user"),
                         (Notification, "recipient"), (WishList, "owner"), (UserProductView, "user"),
                         (UserSearch, "user"), (UserRecord, "user"), (AuthToken, "user")]:
        model.objects.filter(**{owner: user}).delete()
    ProductReview.objects.filter(user=user).update(name="", email="")


@transaction.atomic
def erase_account(*, user, password: str | None) -> None:
    """Delete the resident's account as PIPL expects: orders are kept (the shops' records and
    the bureau's figures still add up), everything that identifies the person is removed or
    masked (see account_erasing), and the account can never sign in again.

    `password` must be the account's password (an account without a usable password skips
    that check). Raises DomainError (422) for a wrong password, ConflictError (409) for a
    staff account or when a receiver refuses (an order still on its way); nothing changes then.
    """
    # FOR NO KEY UPDATE (see communities.services._lock_resident): a checkout in progress may
    # still insert its order while we wait for its basket (account_erasing's receivers)
    locked = get_user_model().objects.select_for_update(no_key=True).get(pk=user.pk)
    if locked.has_usable_password() and not (isinstance(password, str) and locked.check_password(password)):
        raise DomainError(_("密码不正确"), fields={"password": [_("密码不正确")]})
    if locked.is_staff or locked.is_superuser:
        raise ConflictError(_("工作人员账号请联系管理员注销"), code="account_has_role")
    account_erasing.send(sender=type(locked), user=locked)
    _erase_oscar_data(locked)
    locked.mobile = f"{ERASED_MOBILE_PREFIX}{locked.pk:010d}"
    locked.email = None
    locked.first_name = locked.last_name = ""
    locked.is_active = False
    locked.set_unusable_password()
    locked.save(update_fields=["mobile", "email", "first_name", "last_name", "is_active", "password"])
