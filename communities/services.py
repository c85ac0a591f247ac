"""Writes about communities: a resident saving one of the standard addresses as their own."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import DomainError

from .models import ResidentAddress, StandardAddress

# A mainland mobile number (optionally +86), or a landline with its area code.
PHONE = re.compile(r"^(?:(?:\+?86)?1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})\Z")  # ASCII digits only


@transaction.atomic
def save_resident_address(*, user, standard_address_id, recipient: str, phone: str) -> ResidentAddress:
    """Save a standard address as the resident's own (updating the recipient and phone when it
    is already saved). The first saved address becomes the default one."""
    recipient, phone = (recipient or "").strip(), re.sub(r"[\s()]", "", phone or "")
    errors = {}
    standard = StandardAddress.objects.filter(pk=standard_address_id).first() if str(standard_address_id).isdigit() else None
    if standard is None:
        errors["standard_address"] = [_("请从查到的地址里选择一个")]
    if not recipient or len(recipient) > 32:
        errors["recipient"] = [_("请填写收件人姓名 (不超过32个字)")]
    if not PHONE.match(phone):
        errors["phone"] = [_("请填写11位手机号, 或带区号的固定电话")]
    if errors:
        raise DomainError(_("地址还没有保存"), fields=errors)
    # one default address per resident: lock the resident while deciding
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    existing = ResidentAddress.objects.filter(user=user, standard_address=standard).first()
    if existing is not None:
        existing.recipient, existing.phone = recipient, phone
        existing.save(update_fields=["recipient", "phone"])
        return existing
    is_first = not ResidentAddress.objects.filter(user=user).exists()
    return ResidentAddress.objects.create(user=user, standard_address=standard, recipient=recipient, phone=phone,
                                          is_default=is_first)
