"""Giving back: cancel (the resident), reject (the merchant), release (one group), settle
(the payment and the order's status), each check → give back → write.

Every path moves groups with ``delivery.services.transition`` (which refuses a move the
lifecycle does not allow, 409), gives the stock and slot places back
(``release_holdings``) and settles the payment; the order's status is then derived from its
groups (``order_status.sync_order_status``). Lock order as in placing: payment → groups (pk)
→ stock records (pk) → slots (pk).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from oscar.apps.order.models import Order

from delivery import services as fulfilment
from delivery.lifecycle import CANCELLABLE, RETURNS_STOCK
from delivery.models import FulfilmentGroup
from merchants.services import release_stock
from shop.core.errors import ConflictError, DomainError, NotFoundError

from .models import Payment
from .order_status import sync_order_status

GroupStatus = FulfilmentGroup.Status


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
        if not order.fulfilment_groups.exclude(status__in=RETURNS_STOCK).exists():
            payment.status = Payment.Status.CANCELLED
            payment.save(update_fields=["status"])
    sync_order_status(order_id=order.pk)


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
        fulfilment.transition(group_id=group.pk, to=GroupStatus.CANCELLED, actor=actor or f"resident:{user.pk}",
                              note=reason or _("居民取消"))
        release_holdings(group)
    order.refresh_from_db()
    settle_order(order, payment, live)
    order.refresh_from_db()
    return order


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
