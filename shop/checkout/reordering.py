"""再来一单 (buy again): the same listings from the same shops back in the resident's basket.

Oscar's re-order takes the first stock record of each product (maybe another shop) and drops
the service slot; this takes each fulfilment line's own listing and says, line by line, what
happened:

    added         in the basket, as many as before (or as many as are left: `short`)
    price_changed in the basket, at today's price (the old one is named)
    needs_slot    a home service: the resident picks a new time on its page (a past slot is gone)
    unavailable   not sold any more, the shop paused, sold out (nothing added)

    buy_again(*, user, order_number, order_line_ids=None) -> BuyAgain   (only those order lines)
        NotFoundError (404) for an order that is not the user's; ConflictError (409,
        "nothing_to_add") when no line could go back, and then nothing is written.

Lines go in through shop.basket.services.add_line, the same checks as adding by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from oscar.apps.order.models import Order

from delivery.models import FulfilmentLine
from merchants.services import available, tracks_stock
from shop.basket import services as basket_services
from shop.basket.selectors import open_basket
from shop.core.errors import ConflictError, DomainError, NotFoundError


@dataclass(frozen=True)
class Again:
    listing_id: int | None
    title: str
    merchant: str
    quantity: int
    note: str = ""
    old_price: Decimal | None = None
    new_price: Decimal | None = None
    product_id: int | None = None


@dataclass
class BuyAgain:
    order_number: str
    added: list[Again] = field(default_factory=list)
    price_changed: list[Again] = field(default_factory=list)
    needs_slot: list[Again] = field(default_factory=list)
    unavailable: list[Again] = field(default_factory=list)

    def messages(self) -> list[tuple[str, str]]:
        """(level, text) for the page, one per line that did not simply go back."""
        said = [("success", _("已把 %(n)s 件商品放回购物车") % {"n": len(self.added)})] if self.added else []
        said += [("warning", _("%(title)s 价格有变: 原价 ¥%(old)s, 现价 ¥%(new)s")
                  % {"title": a.title, "old": a.old_price, "new": a.new_price}) for a in self.price_changed]
        said += [("warning", a.note) for a in self.added if a.note]
        said += [("info", _("%(title)s 是上门服务, 请重新选择上门时间") % {"title": a.title}) for a in self.needs_slot]
        said += [("error", _("%(title)s: %(why)s") % {"title": a.title, "why": a.note}) for a in self.unavailable]
        return said


def _why_not(listing) -> str:
    if listing is None:
        return _("商品已下架")
    if listing.price is None or not listing.product.is_public:
        return _("商品已下架")
    if not listing.partner.is_active:
        return _("商户已暂停营业")
    return ""


@transaction.atomic
def buy_again(*, user, order_number: str, order_line_ids: list[int] | None = None) -> BuyAgain:
    order = Order.objects.filter(number=order_number, user=user).first() if user.is_authenticated else None
    if order is None:
        raise NotFoundError(_("没有这个订单"))
    lines = FulfilmentLine.objects.filter(group__order=order)
    if order_line_ids is not None:
        lines = lines.filter(order_line_id__in=order_line_ids)
    lines = list(lines
                 .select_related("listing__partner", "listing__product", "order_line", "slot").order_by("pk"))
    result = BuyAgain(order_number=order.number)
    basket = open_basket(user=user)
    for line in lines:
        listing = line.listing
        title = line.order_line.title
        merchant = line.order_line.partner_name
        why = _why_not(listing)
        if why:
            result.unavailable.append(Again(None, title, merchant, line.quantity, note=why))
            continue
        if line.slot_id:  # a home service: a new time is the resident's to choose
            result.needs_slot.append(Again(listing.pk, title, merchant, line.quantity, product_id=listing.product_id))
            continue
        quantity, note = line.quantity, ""
        if tracks_stock(listing):
            left = max(available(listing), 0)
            if left <= 0:
                result.unavailable.append(Again(listing.pk, title, merchant, line.quantity, note=_("已售罄")))
                continue
            if left < quantity:
                quantity = left
                note = _("%(title)s 只剩 %(n)s 份, 已按现有数量放入") % {"title": title, "n": left}
        try:
            basket_services.add_line(basket=basket, listing_id=listing.pk, quantity=quantity)
        except DomainError as error:
            result.unavailable.append(Again(listing.pk, title, merchant, line.quantity, note=str(error.detail)))
            continue
        again = Again(listing.pk, title, merchant, quantity, note=note, old_price=line.unit_price,
                      new_price=listing.price, product_id=listing.product_id)
        result.added.append(again)
        if listing.price != line.unit_price:
            result.price_changed.append(again)
    if not result.added and not result.needs_slot:
        raise ConflictError(_("这个订单的商品都已无法购买"), code="nothing_to_add",
                            lines=[{"title": a.title, "reason": a.note} for a in result.unavailable])
    return result
