"""Writes about a user's own account: the profile (name) and erasing the account (PIPL).

Erasing keeps the user's row, anonymised, so that orders, shops' records and the bureau's
figures keep their rows and add up; what identified the person is gone. Every app that keeps
personal data takes part through shop.accounts.signals.account_erasing (see there).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import ConflictError, DomainError

from .signals import account_erasing

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
    from rest_framework.authtoken.models import Token

    for model, owner in [(UserAddress, "user"), (ProductAlert, "user"), (Email, "user"),
                         (Notification, "recipient"), (WishList, "owner"), (UserProductView, "user"),
                         (UserSearch, "user"), (UserRecord, "user"), (Token, "user")]:
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
