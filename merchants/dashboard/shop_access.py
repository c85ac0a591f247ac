"""Whose shop a portal page shows, and what the signed-in person may do there.

A member of `Partner.users` works for that shop; `StaffRole` says owner (everything) or clerk
(orders and stock, not prices, settings or staff); a member without a role row is an owner
(shops from before roles). Someone working for two shops switches between them: the chosen
shop's id is kept in the session and re-checked on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from merchants.models import Partner, StaffRole

SESSION_KEY = "merchant_shop_id"
OWNER, CLERK = StaffRole.Role.OWNER, StaffRole.Role.CLERK


@dataclass(frozen=True)
class ShopContext:
    shop: Partner
    role: str
    shops: list[Partner]

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER


def shops_of(user) -> list[Partner]:
    if not user.is_authenticated:
        return []
    return list(Partner.objects.filter(users=user.pk).select_related("format").order_by("name", "pk"))


def role_of(user, shop_id: int) -> str:
    role = StaffRole.objects.filter(partner_id=shop_id, user_id=user.pk).values_list("role", flat=True).first()
    return role or OWNER


def shop_context(request) -> ShopContext | None:
    shops = shops_of(request.user)
    if not shops:
        return None
    chosen = request.session.get(SESSION_KEY)
    shop = next((s for s in shops if s.pk == chosen), shops[0])
    return ShopContext(shop=shop, role=role_of(request.user, shop.pk), shops=shops)


def choose_shop(request, shop_id: int) -> bool:
    """Remember the shop the person works in now; False (nothing kept) if it is not theirs."""
    if not any(shop.pk == shop_id for shop in shops_of(request.user)):
        return False
    request.session[SESSION_KEY] = shop_id
    return True


class ShopViewMixin:
    """Portal views: sign-in required, the person's current shop in `self.ctx`; `owner_only`
    pages answer 403 to a clerk. Someone working for no shop gets 404 (or, on the home page,
    the way to apply)."""

    owner_only = False
    ctx: ShopContext

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        ctx = shop_context(request)
        if ctx is None:
            return self.no_shop(request)
        if self.owner_only and not ctx.is_owner:
            raise PermissionDenied(_("只有店主可以操作"))
        self.ctx = ctx
        return super().dispatch(request, *args, **kwargs)

    def no_shop(self, request):
        raise Http404(_("您还没有店铺"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(ctx=self.ctx, shop=self.ctx.shop, **kwargs)
