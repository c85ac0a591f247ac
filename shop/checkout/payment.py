"""The sandbox payment gateway, built like the asynchronous notify flow of Chinese gateways.

1. Checkout creates a pending Payment (its order's stock and slots are held meanwhile).
2. The resident is sent to the gateway's pay page (here `/checkout/pay/<trade_no>/`, the
   sandbox standing in for the gateway's own page) and confirms.
3. The gateway calls our notify URL server to server, `POST /api/v1/payments/sandbox/notify/`,
   with form fields signed by HMAC-SHA256 (the scheme is in docs/api.md). We verify the
   signature and the amount, mark the payment paid, and answer `success`; anything else
   makes a real gateway retry. A repeated notification changes nothing and answers
   `success` again; a forged or wrong-amount one changes nothing and answers `fail`.
4. A beat task (`orders.expire_payments`) cancels orders whose payment is still pending at
   its deadline, giving their stock and slots back.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery import services as fulfilment
from delivery.models import FulfilmentGroup

from .models import Payment, PaymentNotification
from .order_status import sync_order_status
from .placing import groups_placed
from .releasing import release_holdings, settle_order

SUCCESS = "TRADE_SUCCESS"
Outcome = PaymentNotification.Outcome


def canonical_string(params: dict) -> str:
    """`key=value` pairs sorted by key, joined by `&`; `sign`, `sign_type` and empty values left out."""
    return "&".join(
        f"{key}={params[key]}" for key in sorted(params) if key not in {"sign", "sign_type"} and params[key] not in ("", None)
    )


def sign(params: dict, secret: str | None = None) -> str:
    secret = secret if secret is not None else settings.SANDBOX_PAYMENT_SECRET
    return hmac.new(secret.encode(), canonical_string(params).encode(), hashlib.sha256).hexdigest()


def signed_notification(payment: Payment, *, amount: Decimal | None = None, txn_id: str | None = None) -> dict:
    """What the sandbox gateway posts when the resident pays (tests use it to act as the gateway)."""
    params = {
        "out_trade_no": payment.trade_no,
        "trade_no": txn_id or f"SBX{payment.pk:010d}",
        "total_amount": f"{amount if amount is not None else payment.amount:.2f}",
        "trade_status": SUCCESS,
        "notify_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "sign_type": "HMAC-SHA256",
    }
    params["sign"] = sign(params)
    return params


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


@transaction.atomic
def handle_notification(params: dict) -> str:
    """Verify and apply one gateway notification; returns the outcome (always recorded).

    Accepted: payment paid, the order placed, its groups created (merchants told, dispatch
    requested). Everything else changes nothing but the audit row.
    """
    params = {key: str(value) for key, value in params.items()}
    expected = sign(params)
    if not hmac.compare_digest(expected, params.get("sign", "")):
        PaymentNotification.objects.create(params=params, outcome=Outcome.BAD_SIGNATURE)
        return Outcome.BAD_SIGNATURE
    payment = Payment.objects.select_for_update().filter(trade_no=params.get("out_trade_no", "")).first()
    if payment is None:
        PaymentNotification.objects.create(params=params, outcome=Outcome.UNKNOWN_TRADE)
        return Outcome.UNKNOWN_TRADE

    def record(outcome):
        PaymentNotification.objects.create(payment=payment, params=params, outcome=outcome)
        return outcome

    if _amount(params.get("total_amount")) != payment.amount:
        return record(Outcome.BAD_AMOUNT)
    if payment.status == Payment.Status.PAID:
        return record(Outcome.DUPLICATE)
    if payment.status != Payment.Status.PENDING or params.get("trade_status") != SUCCESS or payment.provider != Payment.Provider.SANDBOX:
        return record(Outcome.NOT_PAYABLE)
    payment.status, payment.paid_at, payment.gateway_txn_id = Payment.Status.PAID, timezone.now(), params.get("trade_no", "")
    payment.save(update_fields=["status", "paid_at", "gateway_txn_id"])
    group_ids = list(
        payment.order.fulfilment_groups.filter(status=FulfilmentGroup.Status.AWAITING_PAYMENT).order_by("pk").values_list("pk", flat=True)
    )
    for group_id in group_ids:
        fulfilment.transition(group_id=group_id, to=FulfilmentGroup.Status.CREATED, actor="payment:sandbox",
                              note=_("在线支付成功"))
    sync_order_status(order_id=payment.order_id)
    groups_placed(group_ids=group_ids)
    return record(Outcome.ACCEPTED)


@transaction.atomic
def expire_payment(*, payment_id: int, now=None) -> bool:
    """Cancel one order whose payment is still pending past its deadline; False if it moved on."""
    now = now or timezone.now()
    payment = Payment.objects.select_for_update().filter(
        pk=payment_id, status=Payment.Status.PENDING, provider=Payment.Provider.SANDBOX, expires_at__lte=now
    ).first()
    if payment is None:
        return False
    groups = list(payment.order.fulfilment_groups.select_for_update().order_by("pk"))
    for group in groups:
        if group.status == FulfilmentGroup.Status.AWAITING_PAYMENT:
            group = fulfilment.transition(group_id=group.pk, to=FulfilmentGroup.Status.CANCELLED,
                                          actor="payment:expiry", note=_("超时未支付, 订单已自动取消"))
            release_holdings(group)
    payment.status = Payment.Status.EXPIRED
    payment.save(update_fields=["status"])
    settle_order(payment.order, None, [])
    return True


def expire_payments(*, now=None) -> int:
    """Cancel every order whose sandbox payment passed its deadline; one transaction each."""
    now = now or timezone.now()
    due = Payment.objects.filter(
        status=Payment.Status.PENDING, provider=Payment.Provider.SANDBOX, expires_at__lte=now
    ).order_by("pk").values_list("pk", flat=True)
    return sum(expire_payment(payment_id=payment_id, now=now) for payment_id in list(due))
