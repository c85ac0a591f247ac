"""Writes about baskets: add a listing (with its slot for a home service), change, remove.

Lines are keyed by listing, not by product: the resident picked this merchant's offer, and
Oscar's add_product would pick the first stock record instead. Nothing is reserved here;
checkout locks and re-checks everything. Adding still refuses what is plainly impossible
(more than is in stock, a full or past slot) so the resident learns it at once.
"""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.models import Slot
from delivery.services import SlotFull
from merchants.models import StockRecord
from merchants.services import InsufficientStock, Shortage, available, tracks_stock
from shop.core.errors import ConflictError, DomainError, NotFoundError
from shop.core.queries import CompiledRead

from .models import Basket, Line

MAX_QUANTITY = 99


# the two reads of every basket add, compiled once (shop.core.queries.CompiledRead)
_LISTING = CompiledRead(lambda listing_id: StockRecord.objects.select_related(
    "partner", "product__product_class", "product__parent__product_class").filter(pk=listing_id).order_by()[:1])
_LINE = CompiledRead(lambda basket_id, reference: Line.objects.select_for_update().filter(
    basket_id=basket_id, line_reference=reference).order_by()[:1])  # unique in a basket


def _listing(listing_id) -> StockRecord:
    listing = _LISTING.one(listing_id)
    if listing is None or listing.price is None or not listing.product.is_public or not listing.is_published:
        raise DomainError("no such listing", fields={"listing_id": [_("没有这个商品")]})
    if not listing.partner.is_active:
        raise ConflictError(_("商户已暂停营业"), code="merchant_unavailable",
                            fields={"listing_id": [_("商户已暂停营业")]})
    return listing


def quantity_for(*, listing: StockRecord, quantity=None, weight_g=None) -> int:
    """The line quantity in the listing's sale unit; a weight becomes whole packs, rounded up."""
    product = listing.product
    if weight_g is not None:
        if not product.is_sold_by_weight:
            raise DomainError("weight for a piece product",
                              fields={"weight_g": [_("该商品按件销售, 请填写数量")]})
        if not isinstance(weight_g, int) or weight_g <= 0:
            raise DomainError("bad weight", fields={"weight_g": [_("重量须为正整数 (克)")]})
        quantity = math.ceil(weight_g / product.pack_size_g)
    if quantity is None:
        quantity = 1
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError("bad quantity",
                          fields={"quantity": [_("数量须为 1 到 %(max)s 的整数") % {"max": MAX_QUANTITY}]})
    return quantity


def _slot_for(*, listing: StockRecord, slot_id) -> Slot | None:
    product = listing.product
    if not product.is_service:
        if slot_id is not None:
            raise DomainError("slot for goods", fields={"slot_id": [_("只有上门服务需要选择时段")]})
        return None
    if slot_id is None:
        raise DomainError("slot required", fields={"slot_id": [_("请选择上门服务时间")]})
    slot = Slot.objects.filter(pk=slot_id, kind=Slot.Kind.SERVICE, merchant_id=listing.partner_id).first()
    if slot is None or (slot.product_id not in (None, product.pk)):
        raise DomainError("no such slot", fields={"slot_id": [_("该商户没有这个服务时段")]})
    if slot.starts_at <= timezone.now():
        raise ConflictError(_("所选时段已过"), code="slot_past",
                            fields={"slot_id": [_("所选时段已过, 请重新选择")]})
    return slot


def _check_room(*, listing: StockRecord, slot: Slot | None, quantity: int) -> None:
    if slot is not None:
        if slot.remaining < quantity:
            raise SlotFull([{"slot_id": slot.pk, "listing_id": listing.pk, "requested": quantity, "available": slot.remaining}])
        return
    if tracks_stock(listing) and available(listing) < quantity:
        raise InsufficientStock([Shortage(listing_id=listing.pk, requested=quantity, available=max(available(listing), 0))])


@transaction.atomic
def add_line(*, basket: Basket, listing_id, quantity=None, weight_g=None, slot_id=None) -> Line:
    """Put a listing in the basket (adding to the line already there for the same listing and slot)."""
    listing = _listing(listing_id)
    quantity = quantity_for(listing=listing, quantity=quantity, weight_g=weight_g)
    slot = _slot_for(listing=listing, slot_id=slot_id)
    if not basket.pk:
        basket.save()
    reference = f"{listing.product_id}_{listing.pk}" + (f"_slot{slot.pk}" if slot else "")
    line = _LINE.one(basket.pk, reference)
    if line is not None:
        line.basket = basket  # as basket.lines would (Oscar's Line.save() asks the basket)
    total = quantity + (line.quantity if line else 0)
    if total > MAX_QUANTITY:
        raise DomainError("bad quantity",
                          fields={"quantity": [_("同一商品最多 %(max)s 份") % {"max": MAX_QUANTITY}]})
    _check_room(listing=listing, slot=slot, quantity=total)
    if line:
        line.quantity = total
        line.save(update_fields=["quantity", "date_updated"])
        return line
    return basket.lines.create(
        line_reference=reference, product=listing.product, stockrecord=listing, slot=slot, quantity=quantity,
        price_currency=listing.price_currency, price_excl_tax=listing.price, price_incl_tax=listing.price,
    )


def _own_line(basket: Basket, line_id) -> Line:
    line = basket.lines.select_for_update(of=("self",)).select_related("stockrecord__partner", "product", "slot").filter(pk=line_id).first() if basket.pk else None
    if line is None:
        raise NotFoundError(_("购物车里没有这一项"))
    return line


@transaction.atomic
def set_quantity(*, basket: Basket, line_id, quantity) -> Line | None:
    """Change a line's quantity; 0 removes it (returns None)."""
    line = _own_line(basket, line_id)
    if quantity == 0:
        line.delete()
        return None
    quantity = quantity_for(listing=line.stockrecord, quantity=quantity)
    _check_room(listing=line.stockrecord, slot=line.slot, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity", "date_updated"])
    return line


@transaction.atomic
def remove_line(*, basket: Basket, line_id) -> None:
    _own_line(basket, line_id).delete()
