"""Writes about who runs a shop: staff and their roles (owner, clerk), and opening a shop on
the platform (an application, then an operator's review). Split from merchants.services (the
stock ledger and listings)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shop.core.errors import ConflictError, DomainError

from .models import MerchantApplication, Partner, StaffRole

# --- staff and roles ----------------------------------------------------------------------------


def _grant_dashboard(user) -> None:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))


@transaction.atomic
def add_staff(*, shop_id: int, mobile: str, role: str) -> StaffRole:
    """The owner adds someone (an existing account, by mobile number) as owner or clerk."""
    from django.contrib.auth import get_user_model

    if role not in StaffRole.Role.values:
        raise DomainError(_("角色须为店主或店员"), fields={"role": [_("角色须为店主或店员")]})
    digits = "".join(ch for ch in str(mobile) if ch.isdigit())[-11:]
    user = get_user_model().objects.filter(mobile__endswith=digits).first() if len(digits) == 11 else None
    if user is None:
        raise DomainError(_("没有用这个手机号注册的用户, 请对方先注册"), fields={"mobile": [_("没有这个手机号的用户")]})
    shop = Partner.objects.select_for_update().get(pk=shop_id)
    shop.users.add(user)
    _grant_dashboard(user)
    staff, _created = StaffRole.objects.update_or_create(partner=shop, user=user, defaults={"role": role})
    return staff


@transaction.atomic
def remove_staff(*, shop_id: int, user_id: int, by_user_id: int) -> None:
    """The owner removes a staff member; a shop always keeps at least one owner."""
    shop = Partner.objects.select_for_update().get(pk=shop_id)
    members = set(shop.users.values_list("pk", flat=True))
    if user_id not in members:
        raise DomainError(_("没有这个员工"), fields={"user": [_("没有这个员工")]})
    roles = dict(StaffRole.objects.filter(partner=shop).values_list("user_id", "role"))
    owners = {pk for pk in members if roles.get(pk, StaffRole.Role.OWNER) == StaffRole.Role.OWNER}
    if owners == {user_id}:
        raise ConflictError(_("店铺至少要有一位店主"), code="last_owner", fields={"user": [_("店铺至少要有一位店主")]})
    shop.users.remove(user_id)
    StaffRole.objects.filter(partner=shop, user_id=user_id).delete()


# --- opening a shop on the platform ---------------------------------------------------------------


@transaction.atomic
def apply_for_shop(*, applicant, name: str, format_code: str, address_id: int, phone: str, licence_number: str,
                   licence_photo, is_chain: bool, floor_area_m2: int) -> MerchantApplication:
    """A shop's application; an operator reviews it (review_application)."""
    if MerchantApplication.objects.filter(applicant=applicant, status=MerchantApplication.Status.PENDING).exists():
        raise ConflictError(_("您已有一份待审核的申请"), code="application_pending")
    return MerchantApplication.objects.create(
        applicant=applicant, name=name.strip(), format_id=format_code, address_id=address_id, phone=phone.strip(),
        licence_number=licence_number.strip(), licence_photo=licence_photo, is_chain=is_chain,
        floor_area_m2=floor_area_m2,
    )


@transaction.atomic
def review_application(*, application_id: int, reviewer, approve: bool, reason: str = "", now) -> MerchantApplication:
    """Approve (the shop is created, listed, and the applicant becomes its owner) or refuse
    with a reason. Only a pending application can be reviewed (409 otherwise)."""
    application = (
        MerchantApplication.objects.select_for_update().select_related("address__community", "applicant")
        .filter(pk=application_id).first()
    )
    if application is None:
        raise DomainError(_("没有这份申请"), fields={"application": [_("没有这份申请")]})
    if application.status != MerchantApplication.Status.PENDING:
        raise ConflictError(_("这份申请已经审核过了"), code="already_reviewed")
    reason = (reason or "").strip()[:200]
    if not approve and not reason:
        raise DomainError(_("不通过时请写明原因"), fields={"reason": [_("不通过时请写明原因")]})
    application.reviewed_by, application.reviewed_at, application.reason = reviewer, now, reason
    if approve:
        address = application.address
        shop = Partner.objects.create(
            name=application.name, format_id=application.format_id, community=address.community,
            address=address.label, lat=address.lat, lng=address.lng, phone=application.phone,
            is_chain=application.is_chain, licence_number=application.licence_number, licence_verified=True,
            floor_area_m2=application.floor_area_m2, is_active=True,
        )
        shop.users.add(application.applicant)
        _grant_dashboard(application.applicant)
        StaffRole.objects.create(partner=shop, user=application.applicant, role=StaffRole.Role.OWNER)
        application.partner = shop
        application.status = MerchantApplication.Status.APPROVED
    else:
        application.status = MerchantApplication.Status.REFUSED
    application.save()
    return application
