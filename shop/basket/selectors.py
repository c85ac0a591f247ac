"""Reads about baskets: the resident's open basket, grouped by merchant, with what blocks each line.

Prices shown are the listings' current prices (a basket line keeps the price it was added at
only for the record). A line that can no longer be bought carries a `problem` the page and
the API show next to it; checkout refuses a basket while any line has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import StandardAddress
from delivery.models import Slot
from merchants.selectors import in_service_area, is_open_at, open_merchants
from merchants.services import available
from shop.core.queries import CompiledRead

from .models import Basket, Line

ZERO = Decimal("0.00")


@dataclass
class BasketLine:
    line: Line
    quantity: int
    unit_price: Decimal
    amount: Decimal
    weight_g: int | None = None  # estimated weight for goods sold by weight
    problem: str = ""  # code: sold_out, short, merchant_closed, merchant_inactive, slot_full, slot_past, out_of_area, unavailable
    problem_message: str = ""

    @property
    def listing(self):
        return self.line.stockrecord

    @property
    def product(self):
        return self.line.product

    @property
    def slot(self):
        return self.line.slot


@dataclass
class BasketGroup:
    merchant: object
    lines: list[BasketLine] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def min_order(self) -> Decimal:
        return self.merchant.min_order

    @property
    def delivery_fee(self) -> Decimal:
        return self.merchant.delivery_fee

    @property
    def below_minimum(self) -> Decimal:
        """How much is missing to reach the merchant's minimum for delivery (0 when reached)."""
        return max(self.min_order - self.subtotal, ZERO)

    @property
    def has_services(self) -> bool:
        return any(line.product.is_service for line in self.lines)

    @property
    def has_goods(self) -> bool:
        return any(not line.product.is_service for line in self.lines)

    @property
    def has_weighed(self) -> bool:
        """Some lines are fresh goods sold by weight: their amount is an estimate until weighed."""
        return any(line.weight_g is not None for line in self.lines)

    @property
    def problems(self) -> list[BasketLine]:
        return [line for line in self.lines if line.problem]


def open_basket(*, user) -> Basket:
    """The user's open basket (created when missing), as Oscar's middleware would find it."""
    basket, _created = Basket.open.get_or_create(owner=user)
    return basket


def basket_lines(basket: Basket):
    return (
        basket.lines.select_related(*_LINE_JOINS)
        .order_by("stockrecord__partner_id", "pk")
    )


_LINE_JOINS = ("stockrecord__partner", "product__product_class", "product__parent__product_class", "slot")
# basket_lines' read compiled once (shop.core.queries.CompiledRead): ~1 ms of compiling a
# 6-table select on every basket page and checkout; no ORDER BY (sorted in Python, below)
_LINES = CompiledRead(lambda basket_id: Line.objects.filter(basket_id=basket_id).select_related(*_LINE_JOINS).order_by())


def line_problem(line: Line, *, address: StandardAddress | None, now, open_now: set[int] | None = None) -> tuple[str, str]:
    """What stops this line from being bought now, as (code, message); ("", "") when nothing.
    `open_now`: the pks of the merchants open now, when the caller read them for many lines."""
    listing, product = line.stockrecord, line.product
    if listing.price is None or not product.is_public or not listing.is_published:
        return "unavailable", _("该商品已下架")
    merchant = listing.partner
    if not merchant.is_active:
        return "merchant_inactive", _("商户已暂停营业")
    if product.is_service:
        slot = line.slot
        if slot is None:
            return "slot_missing", _("请选择上门服务时间")
        if slot.starts_at <= now:
            return "slot_past", _("所选时段已过, 请重新选择")
        if slot.remaining < line.quantity:
            return "slot_full", _("所选时段已约满, 请重新选择")
        if address is not None and not in_service_area(merchant, address.lat, address.lng):
            return "out_of_area", _("您的地址不在该商户的上门服务范围内")
        return "", ""
    if not (merchant.pk in open_now if open_now is not None else is_open_at(merchant, now)):
        return "merchant_closed", _("商户休息中, 营业后再来下单")
    product_class = product.get_product_class()
    if product_class is None or product_class.track_stock:
        left = available(listing)
        if left <= 0:
            return "sold_out", _("已售罄")
        if left < line.quantity:
            return "short", _("库存仅剩 %(left)s 份") % {"left": left}
    return "", ""


def basket_groups(basket: Basket, *, address: StandardAddress | None = None, now=None) -> list[BasketGroup]:
    """The basket's lines grouped by merchant (in merchant order), each line priced and checked."""
    now = now or timezone.now()
    groups: dict[int, BasketGroup] = {}
    # ordered here, not in SQL: an ORDER BY makes Django hash every selected column (~100 here)
    lines = sorted(_LINES.rows(basket.pk), key=lambda line: (line.stockrecord.partner_id, line.pk))
    for line in lines:
        line.basket = basket  # as basket.lines would (the read above does not know the basket)
    # the hours of the merchants selling goods here (services book slots instead), in one read
    open_now = open_merchants({line.stockrecord.partner for line in lines if not line.product.is_service}, now)
    for line in lines:
        listing, product = line.stockrecord, line.product
        unit_price = listing.price if listing.price is not None else (line.price_incl_tax or ZERO)
        code, message = line_problem(line, address=address, now=now, open_now=open_now)
        item = BasketLine(
            line=line,
            quantity=line.quantity,
            unit_price=unit_price,
            amount=(unit_price * line.quantity).quantize(Decimal("0.01")),
            weight_g=line.quantity * product.pack_size_g if product.is_sold_by_weight and product.pack_size_g else None,
            problem=code,
            problem_message=message,
        )
        groups.setdefault(listing.partner_id, BasketGroup(merchant=listing.partner)).lines.append(item)
    return list(groups.values())


# --- the product page's add-to-basket form ----------------------------------------------------


def service_slots(listing, *, now=None, limit: int = 8) -> list[Slot]:
    """The merchant's next bookable slots for a home-service listing: future, with places left,
    for this service or for all of the merchant's services."""
    now = now or timezone.now()
    return list(
        Slot.objects.filter(kind=Slot.Kind.SERVICE, merchant_id=listing.partner_id, starts_at__gt=now,
                            booked__lt=F("capacity"))
        .filter(Q(product__isnull=True) | Q(product_id=listing.product_id))
        .order_by("starts_at", "pk")[:limit]
    )


@dataclass(frozen=True)
class PackChoice:
    """How many packs of a weighed product, about how heavy, about how much."""

    packs: int
    weight_g: int
    amount: Decimal


def pack_choices(listing, *, most: int = 6) -> list[PackChoice]:
    """1 to `most` packs of a weighed listing with their estimated weight and price (empty for
    goods sold by the piece)."""
    product = listing.product
    if not product.is_sold_by_weight or not product.pack_size_g or listing.price is None:
        return []
    return [PackChoice(packs=n, weight_g=n * product.pack_size_g, amount=(listing.price * n).quantize(Decimal("0.01")))
            for n in range(1, most + 1)]


def listing_title(listing_id) -> str:
    """The product title of a listing, for messages ("" when there is no such listing)."""
    from merchants.models import StockRecord

    listing = StockRecord.objects.select_related("product__parent").filter(pk=listing_id).first()
    return listing.product.get_title() if listing else ""


def line_title(basket: Basket, line_id) -> str:
    """The product title of one of the basket's lines, for messages ("" when it is not there)."""
    line = basket.lines.select_related("product__parent").filter(pk=line_id).first() if basket.pk else None
    return line.product.get_title() if line else ""


def listing_slots(*, listing_id: int, now=None) -> list[Slot] | None:
    """The next bookable slots of a published listing (empty for goods); None when there is no
    such listing on sale (the API's 404)."""
    from merchants.models import StockRecord

    listing = (StockRecord.objects.select_related("partner", "product").filter(
        pk=listing_id, is_published=True, product__is_public=True, partner__is_active=True).first())
    if listing is None or listing.price is None:
        return None
    return service_slots(listing, now=now)
