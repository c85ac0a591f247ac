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

from .models import Payment, PaymentNotification, Refund
from .order_status import sync_order_status
from .placing import groups_placed
from .releasing import release_holdings, settle_order

SUCCESS = "TRADE_SUCCESS"
Outcome = PaymentNotification.Outcome
# What a notice's audit row keeps: the gateway's fields, each cut short. Bad-signature rows are
# written by anyone who can reach the URL, so they are kept small and few (the newest
# BAD_SIGNATURE_ROWS_KEPT), and the notify URL takes no file uploads.
NOTICE_FIELDS = ("out_trade_no", "trade_no", "total_amount", "trade_status", "notify_time", "sign_type", "sign")
NOTICE_VALUE_MAX = 128
BAD_SIGNATURE_ROWS_KEPT = 1000


def available_payments() -> list[tuple[str, str]]:
    """The payment choices offered at checkout: the sandbox only where SANDBOX_PAYMENT_ENABLED."""
    return [(value, label) for value, label in Payment.Provider.choices
            if value in (Payment.Provider.COD, Payment.Provider.SANDBOX)
            and (value != Payment.Provider.SANDBOX or settings.SANDBOX_PAYMENT_ENABLED)]


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
    # bytes, not str: compare_digest refuses a str with non-ASCII text (a 500 before)
    if not hmac.compare_digest(expected.encode(), params.get("sign", "").encode("utf-8", "replace")):
        _record_bad_signature(params)
        return Outcome.BAD_SIGNATURE
    payment = Payment.objects.select_for_update().filter(trade_no=params.get("out_trade_no", "")).first()
    if payment is None:
        PaymentNotification.objects.create(params=params, outcome=Outcome.UNKNOWN_TRADE)
        return Outcome.UNKNOWN_TRADE

    def record(outcome):
        PaymentNotification.objects.create(payment=payment, params=_kept(params), outcome=outcome)
        return outcome

    if _amount(params.get("total_amount")) != payment.amount:
        return record(Outcome.BAD_AMOUNT)
    txn_id = params.get("trade_no", "")[:64]
    paid = params.get("trade_status") == SUCCESS and payment.provider == Payment.Provider.SANDBOX
    if payment.status == Payment.Status.PAID:
        if paid and txn_id and txn_id != payment.gateway_txn_id:
            # the same order charged twice (another gateway trade number): the second is owed back
            _refund_due(payment, txn_id=txn_id, reason=Refund.Reason.DUPLICATE_PAYMENT)
            return record(Outcome.REFUND_DUE)
        return record(Outcome.DUPLICATE)
    if paid and payment.status in LATE_REASONS:
        # money taken for an order we no longer hold (expired or cancelled): owed back
        _refund_due(payment, txn_id=txn_id, reason=LATE_REASONS[payment.status])
        return record(Outcome.REFUND_DUE)
    if payment.status != Payment.Status.PENDING or not paid:
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


LATE_REASONS = {
    Payment.Status.EXPIRED: Refund.Reason.PAID_AFTER_EXPIRY,
    Payment.Status.CANCELLED: Refund.Reason.PAID_AFTER_CANCEL,
}


def _kept(params: dict) -> dict:
    return {key: params[key][:NOTICE_VALUE_MAX] for key in NOTICE_FIELDS if key in params}


def _record_bad_signature(params: dict) -> None:
    """The audit row of a refused notice, bounded: known fields only, short, the newest few kept."""
    PaymentNotification.objects.create(params=_kept(params), outcome=Outcome.BAD_SIGNATURE)
    stale = (
        PaymentNotification.objects.filter(outcome=Outcome.BAD_SIGNATURE)
        .order_by("-received_at", "-pk").values_list("pk", flat=True)[BAD_SIGNATURE_ROWS_KEPT:BAD_SIGNATURE_ROWS_KEPT + 100]
    )
    if stale:
        PaymentNotification.objects.filter(pk__in=list(stale)).delete()


def _refund_due(payment: Payment, *, txn_id: str, reason: str) -> Refund:
    """Record (once per gateway charge) the whole payment as owed back; the gateway issues it."""
    refund, _created = Refund.objects.get_or_create(
        payment=payment, gateway_txn_id=txn_id or f"unknown:{payment.trade_no}", group=None,
        defaults={"order": payment.order, "amount": payment.amount, "reason": reason},
    )
    return refund


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
