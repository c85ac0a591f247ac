"""Shared givens of the merchant portal tests: a shop with an owner and a clerk."""

from django.contrib.auth.models import Permission

from communities.tests.factories import UserFactory
from merchants.models import StaffRole
from merchants.tests.factories import MerchantFactory


def staff(shop, *, mobile: str, role: str = StaffRole.Role.OWNER):
    user = UserFactory(mobile=mobile)
    user.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    shop.users.add(user)
    StaffRole.objects.create(partner=shop, user=user, role=role)
    return user


def shop_with_staff(**kwargs):
    shop = MerchantFactory(**kwargs)
    return shop, staff(shop, mobile=f"1390000{shop.pk:04d}"), staff(shop, mobile=f"1391000{shop.pk:04d}",
                                                                          role=StaffRole.Role.CLERK)
