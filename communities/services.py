"""Writes about communities: a resident saving one of the standard addresses as their own."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import DomainError

from .models import ResidentAddress, StandardAddress

# A mainland mobile number (optionally +86), or a landline with its area code.
PHONE = re.compile(r"^(?:(?:\+?86)?1\d{10}|0\d{2,3}-?\d{7,8})$")


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
