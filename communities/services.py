"""Writes about communities: a resident's saved addresses, each one of the standard addresses.

Every write here locks the resident's user row first, so two requests of one resident (a
phone and a browser) never both make an address the default or both delete the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import DomainError, NotFoundError

from .models import ResidentAddress, StandardAddress
from .signals import resident_address_deleting

# A mainland mobile number (optionally +86), or a landline with its area code. ASCII digits
# only: `\d` would also take full-width digits.
PHONE = re.compile(r"^(?:(?:\+?86)?1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})\Z")
RECIPIENT_MAX = 32


@dataclass(frozen=True)
class SavedAddress:
    address: ResidentAddress
    created: bool  # False when the room was already saved and only its recipient and phone changed


def _clean_recipient(recipient, errors: dict) -> str:
    recipient = (recipient or "").strip() if isinstance(recipient, str) else ""
    if not recipient or len(recipient) > RECIPIENT_MAX or any(ord(c) < 32 for c in recipient):
        errors["recipient"] = [_("请填写收件人姓名 (不超过32个字)")]
    return recipient


def _clean_phone(phone, errors: dict) -> str:
    phone = re.sub(r"[\s()]", "", phone) if isinstance(phone, str) else ""
    if not PHONE.match(phone):
        errors["phone"] = [_("请填写11位手机号, 或带区号的固定电话")]
    return phone


def _lock_resident(user) -> None:
    """One writer of a resident's addresses at a time (the default must stay one).

    FOR NO KEY UPDATE: it does not block the key-share lock that inserting a row pointing at the
    user takes (a checkout's order), so a checkout holding its basket never waits on us while
    we wait on its basket (a deadlock with a plain FOR UPDATE)."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).first()


def _own_address(*, user, address_id) -> ResidentAddress:
    """The resident's own address, locked; another resident's is not found (never "not yours")."""
    address = (ResidentAddress.objects.select_for_update().filter(pk=address_id, user=user).first()
               if str(address_id).isdigit() else None)
    if address is None:
        raise NotFoundError(_("没有这个地址"), fields={"address_id": [_("没有这个地址")]})
    return address


@transaction.atomic
def add_resident_address(*, user, standard_address_id, recipient: str, phone: str,
                         make_default: bool = False) -> SavedAddress:
    """Save a room of the standard address register as the resident's own.

    Saving a room already saved updates its recipient and phone (created=False). The first
    saved address becomes the default one; `make_default` makes this one the default.
    Raises DomainError (422) naming each bad field; nothing is written then.
    """
    errors: dict[str, list[str]] = {}
    standard = (StandardAddress.objects.filter(pk=standard_address_id).first()
                if str(standard_address_id).isdigit() else None)
    if standard is None:
        errors["standard_address_id"] = [_("请从查到的地址里选择一个")]
    recipient = _clean_recipient(recipient, errors)
    phone = _clean_phone(phone, errors)
    if errors:
        raise DomainError(_("地址还没有保存"), fields=errors)
    _lock_resident(user)
    existing = ResidentAddress.objects.filter(user=user, standard_address=standard).first()
    if existing is not None:
        existing.recipient, existing.phone = recipient, phone
        existing.save(update_fields=["recipient", "phone"])
        address, created = existing, False
    else:
        is_first = not ResidentAddress.objects.filter(user=user).exists()
        address = ResidentAddress.objects.create(user=user, standard_address=standard, recipient=recipient,
                                                 phone=phone, is_default=is_first)
        created = True
    if make_default and not address.is_default:
        address = _make_default(user=user, address=address)
    return SavedAddress(address=address, created=created)


def save_resident_address(*, user, standard_address_id, recipient: str, phone: str) -> ResidentAddress:
    """add_resident_address for the storefront's form: the saved address only."""
    return add_resident_address(user=user, standard_address_id=standard_address_id, recipient=recipient,
                                phone=phone).address


@transaction.atomic
def edit_resident_address(*, user, address_id, recipient: str | None = None,
                          phone: str | None = None) -> ResidentAddress:
    """Change the recipient and/or phone of one of the resident's addresses (the room stays: to
    move, add the new room and delete the old one). NotFoundError for anyone else's address;
    DomainError naming each bad field."""
    errors: dict[str, list[str]] = {}
    changes = {}
    if recipient is not None:
        changes["recipient"] = _clean_recipient(recipient, errors)
    if phone is not None:
        changes["phone"] = _clean_phone(phone, errors)
    if not changes and not errors:
        errors["recipient"] = [_("请填写要修改的收件人或电话")]
    if errors:
        raise DomainError(_("地址没有修改"), fields=errors)
    _lock_resident(user)
    address = _own_address(user=user, address_id=address_id)
    for name, value in changes.items():
        setattr(address, name, value)
    address.save(update_fields=list(changes))
    return address


def _make_default(*, user, address: ResidentAddress) -> ResidentAddress:
    # the partial unique index allows one default a resident: clear the old one first
    ResidentAddress.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
    ResidentAddress.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def set_default_address(*, user, address_id) -> ResidentAddress:
    """Make one of the resident's addresses the default (the others stop being it)."""
    _lock_resident(user)
    return _make_default(user=user, address=_own_address(user=user, address_id=address_id))


@transaction.atomic
def delete_resident_address(*, user, address_id) -> None:
    """Delete one of the resident's saved addresses.

    Refused (ConflictError from a receiver of resident_address_deleting, 409) while an open
    order goes to it. When the default address goes, the oldest remaining one becomes the default.
    """
    _lock_resident(user)
    address = _own_address(user=user, address_id=address_id)
    resident_address_deleting.send(sender=ResidentAddress, user=user, address=address)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = ResidentAddress.objects.filter(user=user).order_by("pk").first()
        if successor is not None:
            _make_default(user=user, address=successor)


def erase_addresses(*, user) -> int:
    """Delete every saved address of a resident whose account is erased (shop.accounts)."""
    deleted, _by_model = ResidentAddress.objects.filter(user=user).delete()
    return deleted


def quarter_of(moment) -> str:
    """The survey quarter of an aware datetime, in local time: "2026Q4"."""
    from django.utils import timezone

    local = timezone.localtime(moment)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def survey_community(*, user):
    """The community a resident answers the survey for: that of the default saved address
    (else the first one); None when the resident has no saved address."""
    address = ResidentAddress.objects.filter(user=user).select_related("standard_address__community").first()
    return address.standard_address.community if address else None


def answer_survey(*, user, scores: dict[str, int], comment: str = "", now):
    """Record the resident's quarterly survey answer for their community.

    Raises DomainError (422) for a resident without an address or a score outside 1–5, and
    ConflictError (409, code `already_answered`) when this quarter is already answered."""
    from django.db import IntegrityError, transaction
    from django.utils.translation import gettext as _

    from shop.core.errors import ConflictError, DomainError

    from .models import SurveyResponse

    community = survey_community(user=user)
    if community is None:
        raise DomainError(_("请先添加您的住址, 再填写所在社区的问卷"), code="no_address")
    bad = {a: [_("请选择 1 到 5 分")] for a in SurveyResponse.ASPECTS
           if not isinstance(scores.get(a), int) or not 1 <= scores[a] <= 5}
    if bad or len(comment or "") > 300:
        if len(comment or "") > 300:
            bad["comment"] = [_("最多 300 字")]
        raise DomainError(_("问卷填写有误"), fields=bad, code="invalid")
    quarter = quarter_of(now)
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                user=user, community=community, quarter=quarter, comment=(comment or "").strip(), answered_at=now,
                **{a: scores[a] for a in SurveyResponse.ASPECTS},
            )
    except IntegrityError:
        raise ConflictError(_("本季度已经填写过问卷, 谢谢您"), code="already_answered") from None


def survey_answered(*, user, now) -> bool:
    from .models import SurveyResponse

    community = survey_community(user=user)
    return community is not None and SurveyResponse.objects.filter(
        user=user, community=community, quarter=quarter_of(now)).exists()
