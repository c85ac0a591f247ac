"""The money ledger: what each group's end means for the resident's money, written as records.

    Payment        the order's charge (sandbox) or cash on delivery; ``received_amount`` is the
                   money that actually arrived (the gateway's charge, a late or second charge,
                   the cash collected at each handover)
    Refund         money owed back, per group and reason (cancelled, rejected, failed, expired,
                   weighed lighter) or per charge (paid after expiry/cancel, paid twice); issued
                   through the sandbox gateway's signed refund call, closed by its refund notice
    ExtraCharge    补差价: weighed goods came out heavier (capped when weighed); a supplementary
                   sandbox payment the resident confirms (cash on delivery collects it instead)
    GroupSettlement one per ended group: what the resident owes for it (``owed``) and the cash
                   collected at its handover; written exactly once, when the group ends

``close_group_money`` runs in the group's end (``delivery.signals.group_ended``, inside the
transition's transaction, the group locked). It never locks or updates the payment row: a
cancel locks payment → groups, a handover locks the group first, and taking the payment there
could deadlock the two. The payment's derived counters (``refunded_amount``, COD's
``received_amount``, its status) are brought up to date by ``sync_payment`` under the
payment's lock: in the releasing services (which hold it), and after commit (``settle_later``).

``money_audit`` (selectors.money_drift) checks per order:
received − refunded = owed for what was delivered.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.lifecycle import COMPLETED, TERMINAL, WEIGHT_SETTLED, Status
from delivery.models import FulfilmentGroup
from shop.core.errors import ConflictError, DomainError

from .models import ExtraCharge, GroupSettlement, Payment, Refund

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")
LIVE_REFUNDS = (Refund.Status.DUE, Refund.Status.REQUESTED, Refund.Status.REFUNDED)
# why a paid group's money goes back, by the status it ended in (anything else: cancelled)
END_REASONS = {
    Status.CANCELLED: Refund.Reason.GROUP_CANCELLED,
    Status.REJECTED: Refund.Reason.MERCHANT_REJECTED,
    Status.FAILED: Refund.Reason.DELIVERY_FAILED,
    "expired": Refund.Reason.PICKUP_EXPIRED,
}


def owed_for(group: FulfilmentGroup) -> Decimal:
    """What the resident owes for one group: its goods (weighed price), its fee, when it
    reached them; nothing for a group that ended without reaching them."""
    return group.total if group.status in COMPLETED else ZERO


def collect_on_delivery(group: FulfilmentGroup) -> Decimal:
    """The cash a courier or counter collects for a cash-on-delivery group (the weighed price)."""
    return group.total


def weighed(group: FulfilmentGroup) -> bool:
    lines = list(group.lines.all())
    return any(line.is_weighed for line in lines) and all(
        line.actual_weight_g is not None for line in lines if line.is_weighed)


def _paid_online(payment: Payment | None) -> bool:
    return (payment is not None and payment.provider == Payment.Provider.SANDBOX
            and payment.status in (Payment.Status.PAID, Payment.Status.REFUNDED))


def _refund(payment: Payment, group: FulfilmentGroup, amount: Decimal, reason: str) -> Refund | None:
    if amount <= 0:
        return None
    refund, _created = Refund.objects.get_or_create(
        group=group, reason=reason,
        defaults={"payment": payment, "order_id": group.order_id, "amount": amount,
                  "gateway_txn_id": payment.gateway_txn_id or payment.trade_no},
    )
    return refund


def _settle_weight(payment: Payment, group: FulfilmentGroup) -> None:
    """A paid group's weighing difference: lighter → a refund; heavier → a supplementary charge."""
    if group.weight_adjustment < 0:
        _refund(payment, group, -group.weight_adjustment, Refund.Reason.WEIGHT_LIGHTER)
    elif group.weight_adjustment > 0:
        ExtraCharge.objects.get_or_create(group=group, defaults={
            "order_id": group.order_id, "provider": Payment.Provider.SANDBOX, "amount": group.weight_adjustment})


def paid_for_group(group: FulfilmentGroup) -> Decimal:
    """What the resident paid online for one group so far: the estimate and the fee, less a
    lighter-weight refund already recorded, plus a supplementary charge paid."""
    lighter = Refund.objects.filter(group=group, reason=Refund.Reason.WEIGHT_LIGHTER,
                                    status__in=LIVE_REFUNDS).aggregate(s=Sum("amount"))["s"] or ZERO
    extra = ExtraCharge.objects.filter(group=group, status=ExtraCharge.Status.PAID).aggregate(
        s=Sum("amount"))["s"] or ZERO
    return group.goods_total + group.delivery_fee - lighter + extra


def close_group_money(group: FulfilmentGroup) -> GroupSettlement | None:
    """The money side of a group's end, once (the settlement row is the marker). Called with the
    group locked and in a terminal status; never touches the payment row (module docstring)."""
    if group.status not in TERMINAL or GroupSettlement.objects.filter(group=group).exists():
        return None
    payment = Payment.objects.filter(order_id=group.order_id).first()
    owed, collected = owed_for(group), ZERO
    if payment is not None and payment.provider == Payment.Provider.COD:
        collected = owed  # the courier or the counter took the cash for what was handed over
    elif _paid_online(payment):
        if group.status in COMPLETED:
            _settle_weight(payment, group)
        else:
            ExtraCharge.objects.filter(group=group, status=ExtraCharge.Status.PENDING).update(
                status=ExtraCharge.Status.CANCELLED)
            _refund(payment, group, paid_for_group(group), END_REASONS.get(group.status, Refund.Reason.GROUP_CANCELLED))
    settlement = GroupSettlement.objects.create(group=group, order_id=group.order_id, owed=owed, collected=collected)
    if payment is not None:
        settle_later(payment_id=payment.pk)
    return settlement


def settle_later(*, payment_id: int) -> None:
    """After commit: bring the payment's counters up to date and issue the refunds due."""
    transaction.on_commit(lambda: _send("payments.settle", payment_id))


def _send(name: str, *args) -> None:
    """Queue a task by its name (the domain never imports shop.checkout.tasks); never raises."""
    from celery import current_app

    try:
        current_app.tasks[name].apply_async(args, retry=False)
    except Exception:  # the broker is away: beat (payments.issue_due_refunds) carries on
        log.warning("could not queue %s%s; beat will", name, args, exc_info=True)


def sync_payment(payment: Payment) -> Payment:
    """Recompute the payment's derived counters, with the payment locked by the caller:
    `refunded_amount` (refunds recorded and not failed), a COD payment's `received_amount`
    (the cash collected) and status (paid once all its groups ended with cash collected,
    cancelled once all ended with none)."""
    refunded = Refund.objects.filter(payment=payment, status__in=LIVE_REFUNDS).aggregate(s=Sum("amount"))["s"] or ZERO
    fields = []
    if refunded != payment.refunded_amount:
        payment.refunded_amount = refunded
        fields.append("refunded_amount")
    if payment.provider == Payment.Provider.COD:
        collected = GroupSettlement.objects.filter(order_id=payment.order_id).aggregate(s=Sum("collected"))["s"] or ZERO
        if collected != payment.received_amount:
            payment.received_amount = collected
            fields.append("received_amount")
        all_ended = not FulfilmentGroup.objects.filter(order_id=payment.order_id).exclude(status__in=TERMINAL).exists()
        if all_ended and payment.status == Payment.Status.PENDING:
            if collected > 0:
                payment.status, payment.paid_at = Payment.Status.PAID, timezone.now()
                fields += ["status", "paid_at"]
            else:  # nothing reached the resident (the deliveries failed): no cash will come
                payment.status = Payment.Status.CANCELLED
                fields.append("status")
    elif payment.status == Payment.Status.PAID and refunded > 0 and refunded >= max(payment.received_amount, payment.amount):
        payment.status = Payment.Status.REFUNDED
        fields.append("status")
    if fields:
        payment.save(update_fields=fields)
    return payment


@transaction.atomic
def settle_payment(*, payment_id: int) -> list[int]:
    """The after-commit half: the payment's counters, then the refunds due to issue (ids)."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        return []
    sync_payment(payment)
    return list(Refund.objects.filter(payment=payment, status=Refund.Status.DUE).order_by("pk")
                .values_list("pk", flat=True))


@transaction.atomic
def record_refund(*, order_id: int, amount: Decimal, reason: str, group_id: int | None = None) -> Refund:
    """An operator's refund of part of a paid order. Refused (422, nothing written) above what
    was received and not yet refunded, for a payment not received, or a bad amount."""
    payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception:
        raise DomainError(_("退款金额格式不对"), fields={"amount": [_("请填写金额, 如 12.80")]}) from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError(_("退款金额必须大于零"), fields={"amount": [_("退款金额必须大于零")]})
    if payment is None or payment.provider != Payment.Provider.SANDBOX or payment.received_amount <= 0:
        raise ConflictError(_("这笔订单没有在线支付的款项可退"), code="nothing_to_refund")
    if reason not in Refund.Reason.values:
        raise DomainError(_("请选择退款原因"), fields={"reason": [_("请选择退款原因")]})
    refunded = Refund.objects.filter(payment=payment, status__in=LIVE_REFUNDS).aggregate(s=Sum("amount"))["s"] or ZERO
    if amount > payment.received_amount - refunded:
        left = payment.received_amount - refunded
        raise DomainError(_("退款金额超过已支付未退的 ¥%(left)s") % {"left": left},
                          fields={"amount": [_("最多可退 ¥%(left)s") % {"left": left}]})
    group = None
    if group_id is not None:
        group = FulfilmentGroup.objects.filter(pk=group_id, order_id=order_id).first()
        if group is None:
            raise DomainError(_("订单里没有这个履约单"), fields={"group": [_("订单里没有这个履约单")]})
    if group is not None and Refund.objects.filter(group=group, reason=reason).exists():
        raise ConflictError(_("这个履约单已因同一原因退款"), code="already_refunded")
    refund = Refund.objects.create(payment=payment, order_id=order_id, group=group, amount=amount, reason=reason,
                                   gateway_txn_id=payment.gateway_txn_id or payment.trade_no)
    sync_payment(payment)
    settle_later(payment_id=payment.pk)
    return refund


@transaction.atomic
def settle_weighing(*, group_id: int, user) -> FulfilmentGroup:
    """The merchant settles a weighed group's difference now rather than at handover: lighter →
    the refund is recorded and issued; heavier → the supplementary charge is asked for.
    422 when the group has no weighed goods or they are not weighed yet; for cash on delivery
    nothing is written (the courier collects the weighed price)."""
    from delivery import services as fulfilment

    pk = fulfilment.group_pk(group_id)
    order_id = FulfilmentGroup.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        raise fulfilment.GroupNotFound()
    payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
    group = FulfilmentGroup.objects.select_for_update().get(pk=pk)
    if not fulfilment.is_merchant_staff(user, group.merchant_id):
        raise fulfilment.GroupNotFound()
    if not any(line.is_weighed for line in group.lines.all()):
        raise DomainError(_("这个履约单没有称重商品"), fields={"group": [_("这个履约单没有称重商品")]})
    if not weighed(group):
        raise DomainError(_("称重商品还没有称重, 不能结算差价"), fields={"group": [_("请先称重")]})
    if group.status in TERMINAL and group.status not in COMPLETED:
        raise ConflictError(_("履约单已结束, 不能结算差价"), code="group_ended")
    if _paid_online(payment):
        _settle_weight(payment, group)
        if group.weight_adjustment and not group.events.filter(status=WEIGHT_SETTLED).exists():
            fulfilment.record_event(group=group, status=WEIGHT_SETTLED, actor=f"merchant:{user.pk}",
                                    note=f"{group.weight_adjustment:+}")  # the weights are final now
        sync_payment(payment)
        settle_later(payment_id=payment.pk)
    return group


def settle_behind(*, payment_ids: list[int]) -> list[int]:
    """Beat's catch-up of ``settle_later``: each payment behind the ledger (selectors.
    payments_behind: cash collected but the payment still pending, refunds not counted) is
    settled under its lock, as the lost after-commit task would have; answers the refunds now
    due to issue. Idempotent: a payment in step is not selected, and settling one twice writes
    nothing the second time."""
    due: list[int] = []
    for payment_id in payment_ids:
        try:
            due += settle_payment(payment_id=payment_id)
        except Exception:  # one bad row never stops the sweep
            log.exception("could not settle payment %s", payment_id)
    return due
