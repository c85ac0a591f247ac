"""Writes about orders: checkout over many merchants, cancellation, and giving back what a group held.

`place_order` turns the resident's basket into one Oscar order with one fulfilment group per
merchant, all in one transaction. It never oversells: the stock records and then the slots
are locked in primary-key order, availability is re-checked inside the lock and counters
move with F() (merchants.services.allocate_stock, delivery.services.book_slots); a shortage
answers 409 naming each short line and writes nothing.

Lock order, the same in every write here, so two of them never wait on each other in a
circle: payment → fulfilment groups (pk) → stock records (pk) → slots (pk).
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
from merchants.selectors import in_service_area
from merchants.services import allocate_stock, release_stock
from shop.basket.models import Basket
from shop.basket.selectors import BasketGroup, basket_groups
from shop.core.errors import ConflictError, DomainError, NotFoundError
from shop.core.geo import haversine_m

from .models import Payment

log = logging.getLogger(__name__)
Method = FulfilmentGroup.Method
GroupStatus = FulfilmentGroup.Status
PAYMENTS = {Payment.Provider.COD, Payment.Provider.SANDBOX}
# A community pickup station must be within this distance of the resident's address.
PICKUP_POINT_MAX_M = 2000


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


def _resident_address(*, user, address_id) -> ResidentAddress:
    address = (
        ResidentAddress.objects.select_related("standard_address__community")
        .filter(pk=address_id, user=user)
        .first()
    )
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
    point = FulfilmentPoint.objects.filter(
        pk=choice.pickup_point_id, is_active=True,
        kind__in=[FulfilmentPoint.Kind.PICKUP_STATION, FulfilmentPoint.Kind.LOCKER],
    ).first()
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


def china_country() -> Country:
    country, _created = Country.objects.get_or_create(
        iso_3166_1_a2="CN", defaults={"iso_3166_1_a3": "CHN", "iso_3166_1_numeric": "156",
                                      "printable_name": "中国", "name": "People's Republic of China"},
    )
    return country


def _shipping_address(address: ResidentAddress) -> ShippingAddress:
    home = address.standard_address
    return ShippingAddress.objects.create(
        last_name=address.recipient, line1=home.label, line2=home.community.name, line3=home.community.street,
        line4=home.community.city, state=home.community.district, country=china_country(),
        phone_number=address.phone, notes=home.code,
    )


def _promise(*, choice: GroupChoice, group: BasketGroup, window: Slot | None, now):
    if window is not None:
        return window.ends_at
    service_starts = [line.slot.starts_at for line in group.lines if line.slot is not None]
    if service_starts:
        return min(service_starts)
    minutes = settings.DELIVERY_ASAP_MINUTES if choice.method == Method.DELIVERY else 30
    return now + timedelta(minutes=minutes)


@transaction.atomic
def place_order(*, user, basket: Basket, address_id, groups: list[GroupChoice], payment: str) -> Order:
    """Check out the resident's open basket: one order, one fulfilment group per merchant.

    Cash on delivery places the order at once (groups "created", dispatch requested);
    the sandbox gateway leaves it awaiting payment with stock and slots held until the
    payment's deadline. Raises DomainError (422) for impossible choices, LineUnavailable (409)
    when a line can no longer be bought, InsufficientStock / SlotFull (409) naming each short
    line, and nothing is written in any of those cases.
    """
    if payment not in PAYMENTS or (payment == Payment.Provider.SANDBOX and not settings.SANDBOX_PAYMENT_ENABLED):
        raise DomainError("bad payment", fields={"payment": [_("请选择货到付款或在线支付")]})
    address = _resident_address(user=user, address_id=address_id)
    basket = Basket.objects.select_for_update().filter(pk=basket.pk, owner=user, status=Basket.OPEN).first()
    if basket is None:
        raise ConflictError(_("购物车已提交, 请勿重复下单"), code="basket_submitted")
    now = timezone.now()
    merchant_groups = basket_groups(basket, address=address.standard_address, now=now)
    if not merchant_groups:
        raise DomainError(_("购物车是空的"), fields={"basket": [_("购物车是空的")]})
    # Stock and slot shortages are left to the locked re-check below, which names the exact numbers.
    blocked = [line for group in merchant_groups for line in group.lines
               if line.problem and line.problem not in {"short", "sold_out", "slot_full"}]
    if blocked:
        raise LineUnavailable(
            _("部分商品暂时无法购买, 请先处理后再下单"),
            lines=[{"line_id": line.line.pk, "listing_id": line.listing.pk, "problem": line.problem,
                    "message": line.problem_message} for line in blocked],
        )
    by_merchant = _check_choices(merchant_groups, groups, address)
    windows = _delivery_windows(by_merchant)
    pickup_points = {m: _pickup_point(choice, address) for m, choice in by_merchant.items()}

    # Lock and allocate: stock records first, then slots (service slots and delivery windows).
    stock = {}
    slot_places: dict[int, int] = {}
    listing_of_slot = {}
    for group in merchant_groups:
        for line in group.lines:
            if line.slot is not None:
                slot_places[line.slot.pk] = slot_places.get(line.slot.pk, 0) + line.quantity
                listing_of_slot[line.slot.pk] = line.listing.pk
            else:
                stock[line.listing.pk] = stock.get(line.listing.pk, 0) + line.quantity
    for window in windows.values():
        slot_places[window.pk] = slot_places.get(window.pk, 0) + 1
    if stock:
        allocate_stock(quantities=stock)
    if slot_places:
        fulfilment.book_slots(quantities=slot_places, listing_of=listing_of_slot)

    goods_total = sum((group.subtotal for group in merchant_groups), Decimal("0.00"))
    fees = {
        group.merchant.pk: (group.delivery_fee if by_merchant[group.merchant.pk].method == Method.DELIVERY and group.has_goods else Decimal("0.00"))
        for group in merchant_groups
    }
    total = goods_total + sum(fees.values(), Decimal("0.00"))
    if total <= 0:  # prices are > 0 where they enter; an order worth nothing is never taken
        raise DomainError("bad total", fields={"basket": [_("订单金额必须大于零")]})
    is_cod = payment == Payment.Provider.COD
    order = Order.objects.create(
        number=OrderNumberGenerator().order_number(basket), site=Site.objects.get_current(), basket=basket,
        user=user, currency=settings.OSCAR_DEFAULT_CURRENCY, status="placed" if is_cod else "awaiting_payment",
        total_incl_tax=total, total_excl_tax=total, shipping_incl_tax=sum(fees.values(), Decimal("0.00")),
        shipping_excl_tax=sum(fees.values(), Decimal("0.00")), shipping_method=_("按商户配送/自提"),
        shipping_code="per-merchant", shipping_address=_shipping_address(address),
    )
    group_status = GroupStatus.CREATED if is_cod else GroupStatus.AWAITING_PAYMENT
    # Four bulk inserts whatever the number of merchants (PostgreSQL returns the new keys).
    created_groups = FulfilmentGroup.objects.bulk_create([
        FulfilmentGroup(
            order=order, merchant=group.merchant, method=by_merchant[group.merchant.pk].method, status=group_status,
            window=windows.get(group.merchant.pk), dropoff=address.standard_address,
            pickup_point=pickup_points[group.merchant.pk],
            pickup_code=new_pickup_code() if by_merchant[group.merchant.pk].method == Method.PICKUP else "",
            goods_total=group.subtotal, delivery_fee=fees[group.merchant.pk],
            promised_at=_promise(choice=by_merchant[group.merchant.pk], group=group,
                                 window=windows.get(group.merchant.pk), now=now),
        )
        for group in merchant_groups
    ])
    items = [(fulfilment_group, item) for fulfilment_group, group in zip(created_groups, merchant_groups) for item in group.lines]
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
    FulfilmentLine.objects.bulk_create([
        FulfilmentLine(
            group=fulfilment_group, order_line=order_line, listing=item.listing, slot=item.slot,
            quantity=item.quantity, unit_price=item.unit_price, estimated_amount=item.amount,
            estimated_weight_g=item.weight_g,
        )
        for (fulfilment_group, item), order_line in zip(items, order_lines)
    ])
    FulfilmentEvent.objects.bulk_create([
        FulfilmentEvent(group=fulfilment_group, status=group_status, at=now, actor=f"resident:{user.pk}")
        for fulfilment_group in created_groups
    ])

    Payment.objects.create(
        order=order, provider=payment, status=Payment.Status.PENDING, amount=total,
        expires_at=None if is_cod else now + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES),
    )
    basket.submit()
    if is_cod:
        groups_placed(group_ids=[group.pk for group in created_groups])
    return order


def groups_placed(*, group_ids: list[int]) -> None:
    """Groups just became "created" (cash on delivery at checkout, or paid): tell the merchants
    and ask for dispatch. Both happen after commit; dispatch through an outbox row written now."""
    from delivery.outbox import request_dispatch
    from merchants.tasks import notify_new_order

    request_dispatch(group_ids=group_ids)

    def notify() -> None:
        # After commit the order exists whatever happens here: a broker outage must not turn
        # it into an error page. The email is a courtesy; the dashboard lists the order anyway.
        for group_id in group_ids:
            try:
                notify_new_order.apply_async((group_id,), retry=False)
            except Exception:
                log.warning("could not queue the new-order email of group %s", group_id, exc_info=True)
                return

    transaction.on_commit(notify)


# --- giving back ------------------------------------------------------------------------------


def release_holdings(group: FulfilmentGroup) -> None:
    """Stock and slot places the group's lines (and its delivery window) hold go back."""
    stock: dict[int, int] = {}
    places: dict[int, int] = {}
    for line in group.lines.all():
        if line.slot_id:
            places[line.slot_id] = places.get(line.slot_id, 0) + line.quantity
        elif line.listing_id:
            stock[line.listing_id] = stock.get(line.listing_id, 0) + line.quantity
    if group.window_id:
        places[group.window_id] = places.get(group.window_id, 0) + 1
    if stock:
        release_stock(quantities=stock)
    if places:
        fulfilment.release_slots(quantities=places)


def _locked_payment(order_id: int) -> Payment | None:
    return Payment.objects.select_for_update().filter(order_id=order_id).first()


def settle_order(order: Order, payment: Payment | None, released: list[FulfilmentGroup]) -> None:
    """After groups were released: refund what was paid for them; cancel the order when none is left."""
    if payment is not None and payment.status == Payment.Status.PAID:
        # What was paid for them: the estimate and the fee (a weighing difference was never charged).
        payment.refunded_amount += sum((group.goods_total + group.delivery_fee for group in released), Decimal("0.00"))
        if payment.refunded_amount >= payment.amount:
            payment.status = Payment.Status.REFUNDED
        payment.save(update_fields=["refunded_amount", "status"])
    elif payment is not None and payment.status == Payment.Status.PENDING:
        if not order.fulfilment_groups.exclude(status__in=fulfilment.RETURNS_STOCK).exists():
            payment.status = Payment.Status.CANCELLED
            payment.save(update_fields=["status"])
    if not order.fulfilment_groups.exclude(status__in=fulfilment.RETURNS_STOCK).exists():
        Order.objects.filter(pk=order.pk).update(status="cancelled")


@transaction.atomic
def release_group(*, group_id: int, to: str, actor: str, note: str = "") -> FulfilmentGroup:
    """Move one group to cancelled or rejected and give back its stock and slot places.

    Raises BadTransition (409) when the group can no longer be stopped.
    """
    if to not in fulfilment.RETURNS_STOCK:
        raise ValueError(f"release_group moves to cancelled or rejected, not {to}")
    order_id = FulfilmentGroup.objects.values_list("order_id", flat=True).get(pk=group_id)
    payment = _locked_payment(order_id)
    group = fulfilment.transition(group_id=group_id, to=to, actor=actor, note=note)
    release_holdings(group)
    settle_order(group.order, payment, [group])
    return group


@transaction.atomic
def cancel_order(*, order_number: str, user, reason: str = "", actor: str = "") -> Order:
    """The resident cancels a whole order before anything left the shop; everything it held goes back.

    Raises DomainError 404-style for someone else's order and ConflictError (409) naming the
    groups that can no longer be cancelled.
    """
    order = Order.objects.filter(number=order_number, user=user).first()
    if order is None:
        raise NotFoundError(_("没有这个订单"))
    payment = _locked_payment(order.pk)
    groups = list(FulfilmentGroup.objects.select_for_update().filter(order=order).order_by("pk"))
    live = [group for group in groups if group.status not in fulfilment.RETURNS_STOCK]
    stuck = [group for group in live if group.status not in fulfilment.CANCELLABLE]
    if not live or stuck:
        raise ConflictError(
            _("订单已有商品出库或已完成, 不能取消"), code="cannot_cancel",
            groups=[{"id": group.pk, "status": group.status} for group in (stuck or groups)],
        )
    for group in live:
        fulfilment.transition(group_id=group.pk, to=GroupStatus.CANCELLED, actor=actor or f"resident:{user.pk}",
                              note=reason or _("居民取消"))
        release_holdings(group)
    order.refresh_from_db()
    settle_order(order, payment, live)
    order.refresh_from_db()
    return order
