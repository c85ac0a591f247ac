"""Placing an order: check → allocate → write, in one transaction.

`place_order` turns the resident's basket into one Oscar order with one fulfilment group per
merchant. It never oversells: `_check` reads and validates everything without locking stock,
`_allocate` locks the stock records and then the slots in primary-key order, re-checks inside
the lock and moves counters with F() (merchants.services.allocate_stock,
delivery.services.book_slots), and `_write` inserts the order, its lines, the groups and their
lines and events, and the payment. A shortage answers 409 naming each short line and writes
nothing; so does every check.

Lock order, the same in every write of the order layer, so two of them never wait on each
other in a circle: basket → payment → fulfilment groups (pk) → stock records (pk) → slots (pk).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.address.models import Country
from oscar.apps.order.models import Line as OrderLine
from oscar.apps.order.models import Order, ShippingAddress
from oscar.apps.order.utils import OrderNumberGenerator

from communities.models import ResidentAddress
from delivery import services as fulfilment
from delivery.models import FulfilmentEvent, FulfilmentGroup, FulfilmentLine, FulfilmentPoint, Slot, new_pickup_code
from delivery.outbox import request_dispatch
from delivery.signals import groups_created
from delivery.travel import promised_at
from merchants.selectors import in_service_area
from merchants.services import allocate_stock
from shop.basket.models import Basket
from shop.basket.selectors import BasketGroup, basket_groups
from shop.core.errors import ConflictError, DomainError
from shop.core.geo import haversine_m
from shop.core.queries import CompiledRead, one_row

from .models import Payment
from .order_status import order_status
from .selectors import PICKUP_POINT_MAX_M

log = logging.getLogger(__name__)
Method = FulfilmentGroup.Method
GroupStatus = FulfilmentGroup.Status
PAYMENTS = {Payment.Provider.COD, Payment.Provider.SANDBOX}


@dataclass(frozen=True)
class GroupChoice:
    """How the resident wants one merchant's part: delivery (ASAP or a window) or pickup."""

    merchant_id: int
    method: str
    slot_id: int | None = None  # a 30-minute delivery window; none means as soon as possible
    pickup_point_id: int | None = None  # a community pickup station; none means at the shop


class LineUnavailable(ConflictError):
    code = "line_unavailable"


# --- checking the choices ----------------------------------------------------------------------


_ADDRESS = CompiledRead(lambda address_id, user_id: ResidentAddress.objects.select_related(
    "standard_address__community").filter(pk=address_id, user_id=user_id).order_by()[:1])
_OPEN_BASKET = CompiledRead(lambda user_id, status: Basket.objects.select_for_update().filter(
    owner_id=user_id, status=status).order_by("pk")[:1])


def _resident_address(*, user, address_id) -> ResidentAddress:
    address = _ADDRESS.one(address_id, user.pk)
    if address is None:
        raise DomainError("no such address", fields={"address_id": [_("请选择您自己的收货地址")]})
    return address


def _check_choices(groups: list[BasketGroup], choices: list[GroupChoice], address) -> dict[int, GroupChoice]:
    """Every merchant in the basket has exactly one choice, and each choice is possible."""
    by_merchant: dict[int, GroupChoice] = {}
    errors: dict[str, list[str]] = {}
    for index, choice in enumerate(choices):
        if choice.merchant_id in by_merchant:
            errors[f"groups[{index}].merchant_id"] = [_("同一商户只能选择一次")]
        by_merchant[choice.merchant_id] = choice
    in_basket = {group.merchant.pk: group for group in groups}
    for merchant_id in sorted(set(in_basket) - set(by_merchant)):
        errors[f"merchant {merchant_id}"] = [_("请为「%(name)s」选择配送或自提") % {"name": in_basket[merchant_id].merchant.name}]
    for merchant_id in sorted(set(by_merchant) - set(in_basket)):
        errors[f"merchant {merchant_id}"] = [_("购物车里没有这个商户的商品")]
    point = address.standard_address
    for merchant_id, group in in_basket.items():
        choice = by_merchant.get(merchant_id)
        if choice is None:
            continue
        merchant, field = group.merchant, f"merchant {merchant_id}"
        if choice.method == Method.PICKUP:
            if group.has_services:
                errors[field] = [_("上门服务不能自提, 请选择上门")]
            if choice.slot_id is not None:
                errors[field] = [_("自提不需要选择配送时段")]
        else:
            if group.has_goods and not merchant.delivers:
                errors[field] = [_("「%(name)s」不提供配送, 请选择自提") % {"name": merchant.name}]
            elif not in_service_area(merchant, point.lat, point.lng):
                errors[field] = [_("您的地址不在「%(name)s」的配送范围内") % {"name": merchant.name}]
            elif group.has_goods and group.below_minimum > 0:
                errors[field] = [_("「%(name)s」满 ¥%(min)s 起送, 还差 ¥%(gap)s") % {
                    "name": merchant.name, "min": merchant.min_order, "gap": group.below_minimum}]
            if choice.pickup_point_id is not None:
                errors[field] = [_("配送上门不需要选择自提点")]
    if errors:
        raise DomainError(_("请检查每个商户的配送方式"), fields=errors)
    return by_merchant


def _pickup_point(choice: GroupChoice, address) -> FulfilmentPoint | None:
    if choice.method != Method.PICKUP or choice.pickup_point_id is None:
        return None
    point = one_row(FulfilmentPoint.objects.filter(  # by its key: no ORDER BY (the model's joins the community)
        pk=choice.pickup_point_id, is_active=True,
        kind__in=[FulfilmentPoint.Kind.PICKUP_STATION, FulfilmentPoint.Kind.LOCKER],
    ))
    home = address.standard_address
    if point is None or haversine_m(point.lat, point.lng, home.lat, home.lng) > PICKUP_POINT_MAX_M:
        raise DomainError("no such pickup point", fields={
            f"merchant {choice.merchant_id}": [_("请选择您附近的社区自提点")]})
    return point


def _delivery_windows(by_merchant: dict[int, GroupChoice]) -> dict[int, Slot]:
    """The chosen delivery windows, each one of its merchant's delivery slots."""
    chosen = {c.merchant_id: c.slot_id for c in by_merchant.values() if c.method == Method.DELIVERY and c.slot_id}
    windows = Slot.objects.in_bulk(list(chosen.values()))
    result = {}
    for merchant_id, slot_id in chosen.items():
        window = windows.get(slot_id)
        if window is None or window.kind != Slot.Kind.DELIVERY or window.merchant_id != merchant_id:
            raise DomainError("no such window", fields={f"merchant {merchant_id}": [_("该商户没有这个配送时段")]})
        result[merchant_id] = window
    return result


# --- placing the order ------------------------------------------------------------------------


_COUNTRY = CompiledRead(lambda code: Country.objects.filter(iso_3166_1_a2=code).order_by())


def china_country() -> Country:
    found = _COUNTRY.rows("CN")  # read on every order: compiled once
    if found:
        return found[0]
    # the first order ever: one INSERT that a concurrent first order's cannot break (no savepoint)
    country = Country(iso_3166_1_a2="CN", iso_3166_1_a3="CHN", iso_3166_1_numeric="156",
                      printable_name="中国", name="People's Republic of China")
    Country.objects.bulk_create([country], ignore_conflicts=True)
    return country


def _shipping_address(address: ResidentAddress) -> ShippingAddress:
    home = address.standard_address
    return ShippingAddress.objects.create(
        last_name=address.recipient, line1=home.label, line2=home.community.name, line3=home.community.street,
        line4=home.community.city, state=home.community.district, country=china_country(),
        phone_number=address.phone, notes=home.code,
    )



@dataclass
class _Checked:
    """What `_check` found: the locked basket, where it goes, each merchant's part and choice."""

    basket: Basket
    address: ResidentAddress
    merchant_groups: list[BasketGroup]
    by_merchant: dict[int, GroupChoice]
    windows: dict[int, Slot]
    pickup_points: dict[int, FulfilmentPoint | None]
    payment: str
    now: object

    @property
    def is_cod(self) -> bool:
        return self.payment == Payment.Provider.COD


@transaction.atomic
def place_order(*, user, basket: Basket | None, address_id, groups: list[GroupChoice], payment: str) -> Order:
    """Check out the resident's open basket: one order, one fulfilment group per merchant.

    Cash on delivery places the order at once (groups "created", dispatch requested);
    the sandbox gateway leaves it awaiting payment with stock and slots held until the
    payment's deadline. ``basket=None``: the user's open basket (read once, under its lock). Raises DomainError (422) for impossible choices, LineUnavailable (409)
    when a line can no longer be bought, InsufficientStock / SlotFull (409) naming each short
    line, and nothing is written in any of those cases.
    """
    checked = _check(user=user, basket=basket, address_id=address_id, choices=groups, payment=payment)
    _allocate(checked)
    order, group_ids = _write(checked, user=user)
    if checked.is_cod:
        groups_placed(group_ids=group_ids)
    return order


def _check(*, user, basket: Basket | None, address_id, choices: list[GroupChoice], payment: str) -> _Checked:
    """Everything that can be refused before a stock record is locked (the basket row is)."""
    if payment not in PAYMENTS or (payment == Payment.Provider.SANDBOX and not settings.SANDBOX_PAYMENT_ENABLED):
        raise DomainError("bad payment", fields={"payment": [_("请选择货到付款或在线支付")]})
    if basket is None:  # the open basket itself, locked; none open is an empty basket (as a new one would be)
        basket = _OPEN_BASKET.one(user.pk, Basket.OPEN)
        if basket is None:
            raise DomainError(_("购物车是空的"), fields={"basket": [_("购物车是空的")]})
    else:
        basket = Basket.objects.select_for_update().filter(pk=basket.pk, owner=user, status=Basket.OPEN).first()
        if basket is None:
            raise ConflictError(_("购物车已提交, 请勿重复下单"), code="basket_submitted")
    # read under the basket's lock: deleting this address or the account locks the baskets too
    # (shop/checkout/erasure.py), so one of the two waits for the other and sees what it did
    address = _resident_address(user=user, address_id=address_id)
    now = timezone.now()
    merchant_groups = basket_groups(basket, address=address.standard_address, now=now)
    if not merchant_groups:
        raise DomainError(_("购物车是空的"), fields={"basket": [_("购物车是空的")]})
    # Stock and slot shortages are left to the locked re-check (_allocate), which names the exact numbers.
    blocked = [line for group in merchant_groups for line in group.lines
               if line.problem and line.problem not in {"short", "sold_out", "slot_full"}]
    if blocked:
        raise LineUnavailable(
            _("部分商品暂时无法购买, 请先处理后再下单"),
            lines=[{"line_id": line.line.pk, "listing_id": line.listing.pk, "problem": line.problem,
                    "message": line.problem_message} for line in blocked],
        )
    by_merchant = _check_choices(merchant_groups, choices, address)
    return _Checked(
        basket=basket, address=address, merchant_groups=merchant_groups, by_merchant=by_merchant,
        windows=_delivery_windows(by_merchant),
        pickup_points={m: _pickup_point(choice, address) for m, choice in by_merchant.items()},
        payment=payment, now=now,
    )


def _allocate(checked: _Checked) -> None:
    """Lock and take: stock records first, then slots (service slots and delivery windows)."""
    stock: dict[int, int] = {}
    slot_places: dict[int, int] = {}
    listing_of_slot = {}
    for group in checked.merchant_groups:
        for line in group.lines:
            if line.slot is not None:
                slot_places[line.slot.pk] = slot_places.get(line.slot.pk, 0) + line.quantity
                listing_of_slot[line.slot.pk] = line.listing.pk
            else:
                stock[line.listing.pk] = stock.get(line.listing.pk, 0) + line.quantity
    for window in checked.windows.values():
        slot_places[window.pk] = slot_places.get(window.pk, 0) + 1
    if stock:  # place_order's own block (a savepoint) rolls back on any error: none needed inside
        allocate_stock(quantities=stock, savepoint=False)
    if slot_places:
        fulfilment.book_slots(quantities=slot_places, listing_of=listing_of_slot)


def _write(checked: _Checked, *, user) -> tuple[Order, list[int]]:
    """The order, its lines, one group per merchant with its lines and first event, the payment.
    Four bulk inserts whatever the number of merchants (PostgreSQL returns the new keys)."""
    merchant_groups, by_merchant, windows, now = checked.merchant_groups, checked.by_merchant, checked.windows, checked.now
    fees = {
        group.merchant.pk: (group.delivery_fee if by_merchant[group.merchant.pk].method == Method.DELIVERY
                            and group.has_goods else Decimal("0.00"))
        for group in merchant_groups
    }
    shipping = sum(fees.values(), Decimal("0.00"))
    total = sum((group.subtotal for group in merchant_groups), Decimal("0.00")) + shipping
    if total <= 0:  # prices are > 0 where they enter; an order worth nothing is never taken
        raise DomainError("bad total", fields={"basket": [_("订单金额必须大于零")]})
    group_status = GroupStatus.CREATED if checked.is_cod else GroupStatus.AWAITING_PAYMENT
    order = Order.objects.create(
        number=str(OrderNumberGenerator().order_number(checked.basket)), site=Site.objects.get_current(),
        basket=checked.basket, user=user, currency=settings.OSCAR_DEFAULT_CURRENCY,
        status=order_status([group_status]), total_incl_tax=total, total_excl_tax=total,
        shipping_incl_tax=shipping, shipping_excl_tax=shipping, shipping_method=_("按商户配送/自提"),
        shipping_code="per-merchant", shipping_address=_shipping_address(checked.address),
    )
    created_groups = FulfilmentGroup.objects.bulk_create([
        FulfilmentGroup(
            order=order, merchant=group.merchant, method=by_merchant[group.merchant.pk].method, status=group_status,
            window=windows.get(group.merchant.pk), dropoff=checked.address.standard_address,
            pickup_point=checked.pickup_points[group.merchant.pk],
            pickup_code=new_pickup_code() if by_merchant[group.merchant.pk].method == Method.PICKUP
            or any(line.slot is not None for line in group.lines) else "",  # a home service ends with it too
            goods_total=group.subtotal, delivery_fee=fees[group.merchant.pk],
            promised_at=promised_at(method=by_merchant[group.merchant.pk].method, window=windows.get(group.merchant.pk),
                                    service_starts=[line.slot.starts_at for line in group.lines if line.slot is not None],
                                    now=now),
        )
        for group in merchant_groups
    ])
    items = [(fulfilment_group, item) for fulfilment_group, group in zip(created_groups, merchant_groups, strict=False)
             for item in group.lines]
    order_lines = OrderLine.objects.bulk_create([
        OrderLine(
            order=order, partner=item.listing.partner, partner_name=item.listing.partner.name,
            partner_sku=item.listing.partner_sku, stockrecord=item.listing, product=item.product,
            title=item.product.get_title(), upc=item.product.upc, quantity=item.quantity,
            line_price_excl_tax=item.amount, line_price_incl_tax=item.amount,
            line_price_before_discounts_excl_tax=item.amount, line_price_before_discounts_incl_tax=item.amount,
            unit_price_excl_tax=item.unit_price, unit_price_incl_tax=item.unit_price,
            num_allocated=item.quantity if item.slot is None else 0,
        )
        for _group, item in items
    ])
    fulfilment_lines = FulfilmentLine.objects.bulk_create([
        FulfilmentLine(
            group=fulfilment_group, order_line=order_line, listing=item.listing, slot=item.slot,
            quantity=item.quantity, unit_price=item.unit_price, estimated_amount=item.amount,
            estimated_weight_g=item.weight_g,
        )
        for (fulfilment_group, item), order_line in zip(items, order_lines, strict=False)
    ])
    events = FulfilmentEvent.objects.bulk_create([
        FulfilmentEvent(group=fulfilment_group, status=group_status, at=now, actor=f"resident:{user.pk}")
        for fulfilment_group in created_groups
    ])
    payment = Payment.objects.create(
        order=order, provider=checked.payment, status=Payment.Status.PENDING, amount=total,
        refunded_amount=Decimal("0.00"), received_amount=Decimal("0.00"),  # as read back (the answer)
        expires_at=None if checked.is_cod else now + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES),
    )
    _submit(checked.basket, now)
    _remember_written(order, payment, created_groups, fulfilment_lines, events)
    return order, [group.pk for group in created_groups]


def _submit(basket: Basket, now) -> None:
    """Oscar's Basket.submit() (status and date), as one UPDATE of those two columns (not a whole-row save)."""
    basket.status, basket.date_submitted = Basket.SUBMITTED, now
    Basket.objects.filter(pk=basket.pk).update(status=basket.status, date_submitted=now)


def _remember_written(order, payment, groups, lines, events) -> None:
    order._written = (payment, groups, lines, events)  # for as_written(); nothing else reads it


def as_written(order: Order) -> Order:
    """The order just placed, holding what `place_order` wrote as `checkout.selectors.orders_of`
    would load it (groups in pk order with their lines and events, the payment), so the answer
    to the checkout reads nothing back. Only for answering at once: later changes are not seen."""
    payment, groups, lines, events = order._written
    order.payment = payment
    for group in groups:
        for name, rows in (("lines", lines), ("events", events)):
            related = getattr(group, name).all()
            related._result_cache = [row for row in rows if row.group is group]
            related._prefetch_done = True
            group._prefetched_objects_cache = {**getattr(group, "_prefetched_objects_cache", {}), name: related}
    placed = order.fulfilment_groups.all()
    placed._result_cache, placed._prefetch_done = list(groups), True
    order._prefetched_objects_cache = {"fulfilment_groups": placed}
    return order


def groups_placed(*, group_ids: list[int]) -> None:
    """Groups just became "created" (cash on delivery at checkout, or paid): ask for dispatch
    through an outbox row written now, and tell whoever listens (the merchants' new-order
    emails, sent after commit: merchants.tasks)."""
    request_dispatch(group_ids=group_ids)
    groups_created.send(sender=FulfilmentGroup, group_ids=group_ids)
