"""Giving back: cancel (the resident), reject (the merchant), release (one group), settle
(the payment and the order's status), each check → give back → write.

Every path moves groups with ``delivery.services.transition`` (which refuses a move the
lifecycle does not allow, 409), gives the stock and slot places back
(``release_holdings``) and settles the payment; the order's status is then derived from its
groups (``order_status.sync_order_status``). Lock order as in placing: payment → groups (pk)
→ stock records (pk) → slots (pk).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.communication.models import Notification
from oscar.apps.order.models import Order

from delivery import services as fulfilment
from delivery.lifecycle import CANCELLABLE, COMPLETED, RETURNS_STOCK, TERMINAL, TROUBLE
from delivery.models import FulfilmentGroup
from merchants.models import StockMovement
from merchants.services import consume_allocation, release_allocation
from shop.core.errors import ConflictError, DomainError, NotFoundError

from .models import Payment
from .money import sync_payment
from .order_status import sync_order_status

GroupStatus = FulfilmentGroup.Status


def close_stock(group: FulfilmentGroup) -> str:
    """The units the group's goods lines allocated at checkout, closed exactly once when it ends:
    consumed when it reached the resident (delivered, collected: `sold` movements), released
    otherwise (cancelled, rejected, failed, expired: `released`). The ledger is the marker: a
    group with a sold or released row of the shop's own stock is closed already. Answers
    "sold", "released" or "" (nothing to do). Stock held at a front warehouse is part of the
    listing's units (PointStock says where some of them are), so a sale is counted once."""
    if group.status not in TERMINAL:
        return ""
    stock: dict[int, int] = {}
    for line in group.lines.all():
        if line.listing_id and not line.slot_id:
            stock[line.listing_id] = stock.get(line.listing_id, 0) + line.quantity
    if not stock or StockMovement.objects.filter(
            group_id=group.pk, point_id__isnull=True,
            reason__in=[StockMovement.Reason.SOLD, StockMovement.Reason.RELEASED]).exists():
        return ""
    if group.status in COMPLETED:
        consume_allocation(quantities=stock, group_id=group.pk)
        return "sold"
    release_allocation(quantities=stock, group_id=group.pk)
    return "released"


def release_holdings(group: FulfilmentGroup) -> None:
    """Stock and slot places the group's lines (and its delivery window) hold go back (the stock
    once: close_stock, which the group's end has usually run already)."""
    places: dict[int, int] = {}
    for line in group.lines.all():
        if line.slot_id:
            places[line.slot_id] = places.get(line.slot_id, 0) + line.quantity
    if group.window_id:
        places[group.window_id] = places.get(group.window_id, 0) + 1
    close_stock(group)
    if places:
        fulfilment.release_slots(quantities=places)


def sync_order_totals(*, order_id: int) -> None:
    """The order's totals follow its groups: what is still owed for the groups that did not end
    early (their weighed price and fees). An order whose every group ended early keeps the
    totals it was placed with (its status says cancelled)."""
    groups = list(FulfilmentGroup.objects.filter(order_id=order_id).only(
        "status", "goods_total", "delivery_fee", "weight_adjustment"))
    kept = [group for group in groups if group.status not in TROUBLE]
    if not kept:
        return
    total = sum((group.total for group in kept), Decimal("0.00"))
    shipping = sum((group.delivery_fee for group in kept), Decimal("0.00"))
    Order.objects.filter(pk=order_id).exclude(total_incl_tax=total, shipping_incl_tax=shipping).update(
        total_incl_tax=total, total_excl_tax=total, shipping_incl_tax=shipping, shipping_excl_tax=shipping)


def _locked_payment(order_id: int) -> Payment | None:
    return Payment.objects.select_for_update().filter(order_id=order_id).first()


def settle_order(order: Order, payment: Payment | None, released: list[FulfilmentGroup]) -> None:
    """After groups were released (the payment locked by the caller): the refunds their ends
    recorded (shop.checkout.money) show on the payment; an unpaid payment whose every group
    ended early is cancelled; the order's status and totals follow its groups."""
    if payment is not None and payment.status == Payment.Status.PENDING:
        live = list(order.fulfilment_groups.exclude(status__in=RETURNS_STOCK))
        if not live:
            payment.status = Payment.Status.CANCELLED
            payment.save(update_fields=["status"])
        else:  # part of an unpaid order cancelled: the resident pays only for the rest
            payment.amount = sum((group.goods_total + group.delivery_fee for group in live), Decimal("0.00"))
            payment.save(update_fields=["amount"])
    elif payment is not None:
        sync_payment(payment)
    sync_order_status(order_id=order.pk)
    sync_order_totals(order_id=order.pk)


@transaction.atomic
def release_group(*, group_id: int, to: str, actor: str, note: str = "") -> FulfilmentGroup:
    """Move one group to cancelled or rejected and give back its stock and slot places.

    Raises BadTransition (409) when the group can no longer be stopped.
    """
    if to not in RETURNS_STOCK:
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
    return _cancel(order, reason=reason or _("居民取消"), actor=actor or f"resident:{user.pk}")


@transaction.atomic
def staff_cancel_order(*, order_number: str, user, reason: str = "") -> Order:
    """Platform staff (Oscar's order dashboard) cancel a whole order, on the same terms as the
    resident: only before anything left the shop (409 naming the groups otherwise); everything
    it held goes back and a payment is settled. 404 for anyone who is not staff."""
    order = Order.objects.filter(number=order_number).first() if getattr(user, "is_staff", False) else None
    if order is None:
        raise NotFoundError(_("没有这个订单"))
    return _cancel(order, reason=reason or _("平台客服取消"), actor=f"staff:{user.pk}")


def _cancel(order: Order, *, reason: str, actor: str) -> Order:
    payment = _locked_payment(order.pk)
    groups = list(FulfilmentGroup.objects.select_for_update().filter(order=order).order_by("pk"))
    live = [group for group in groups if group.status not in RETURNS_STOCK]
    stuck = [group for group in live if group.status not in CANCELLABLE]
    if not live or stuck:
        raise ConflictError(
            _("订单已有商品出库或已完成, 不能取消"), code="cannot_cancel",
            groups=[{"id": group.pk, "status": group.status} for group in (stuck or groups)],
        )
    for group in live:
        fulfilment.transition(group_id=group.pk, to=GroupStatus.CANCELLED, actor=actor, note=reason)
        release_holdings(group)
    order.refresh_from_db()
    settle_order(order, payment, live)
    order.refresh_from_db()
    return order


@transaction.atomic
def cancel_group(*, order_number: str, group_id: int, user, reason: str = "") -> FulfilmentGroup:
    """The resident cancels one merchant's part of the order (before it left the shop): its
    stock and slots go back, what was paid for it is refunded, the order's totals follow.
    404 for someone else's order or a group not in it; 409 when it can no longer be cancelled."""
    order = Order.objects.filter(number=order_number, user=user).first()
    if order is None:
        raise NotFoundError(_("没有这个订单"))
    payment = _locked_payment(order.pk)
    group = FulfilmentGroup.objects.select_for_update().filter(pk=group_id, order=order).first()
    if group is None:
        raise NotFoundError(_("订单里没有这个商户的部分"))
    if group.status not in CANCELLABLE:
        raise ConflictError(_("这部分已出库或已结束, 不能取消"), code="cannot_cancel",
                            groups=[{"id": group.pk, "status": group.status}])
    group = fulfilment.transition(group=group, to=GroupStatus.CANCELLED, actor=f"resident:{user.pk}",
                                  note=(reason or "").strip()[:200] or _("居民取消部分订单"))
    release_holdings(group)
    order.refresh_from_db()
    settle_order(order, payment, [group])
    return group


@transaction.atomic
def reject_group(*, group_id: int, user, reason: str) -> FulfilmentGroup:
    """The merchant refuses its part of the order: the group becomes rejected and gives its
    stock and slots back. "Not found" (404) to anyone who is not staff of the group's merchant."""
    # No lock here: release_group locks the payment before the group (the lock order above).
    pk = fulfilment.group_pk(group_id)
    merchant_id = FulfilmentGroup.objects.filter(pk=pk).values_list("merchant_id", flat=True).first()
    if merchant_id is None or not fulfilment.is_merchant_staff(user, merchant_id):
        raise fulfilment.GroupNotFound()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写拒单原因"), fields={"reason": [_("请填写拒单原因")]})
    return release_group(group_id=pk, to=GroupStatus.REJECTED, actor=fulfilment.merchant_actor(user), note=reason[:200])


PICKUP_EXPIRY = "system:pickup-expiry"


def expire_uncollected(*, now: datetime | None = None, hours: float | None = None) -> list[int]:
    """Cancel the pickups that waited longer than PICKUP_EXPIRY_HOURS (at the shop or a station)
    since they became ready: the goods go back to stock, a paid order is refunded (release_group,
    settle_order), and the resident is told why (the reason on the order's tracking and a
    notification in their account). Each group in its own transaction; a group collected or
    ended meanwhile is skipped (the lifecycle refuses the move). Answers the ids cancelled."""
    now = now or timezone.now()
    hours = settings.PICKUP_EXPIRY_HOURS if hours is None else hours
    cutoff = now - timedelta(hours=hours)
    waiting = (FulfilmentGroup.objects.filter(status=GroupStatus.READY_FOR_PICKUP,
                                              events__status=GroupStatus.READY_FOR_PICKUP)
               .annotate(ready_since=Max("events__at")).filter(ready_since__lt=cutoff)
               .order_by("pk").values_list("pk", flat=True))
    expired = []
    for group_id in waiting:
        try:
            expired.append(_expire_one(group_id, hours))
        except fulfilment.BadTransition:
            continue  # collected (or ended) since it was read
    return expired


@transaction.atomic
def _expire_one(group_id: int, hours: float) -> int:
    note = _("超过 %(hours)s 小时未取货, 订单已取消, 已付款项将原路退回") % {"hours": f"{hours:g}"}
    group = release_group(group_id=group_id, to=GroupStatus.CANCELLED, actor=PICKUP_EXPIRY, note=note)
    if group.order.user_id:
        Notification.objects.create(
            recipient_id=group.order.user_id,
            subject=_("订单 %(number)s 未取货, 已取消") % {"number": group.order.number},
            body=_("%(merchant)s 的商品超过 %(hours)s 小时未取, 已退回商家; 已付款项将原路退回。") % {
                "merchant": group.merchant.name, "hours": f"{hours:g}"},
        )
    return group.pk
