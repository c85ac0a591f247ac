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
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery import services as fulfilment
from delivery.models import FulfilmentGroup
from shop.core.errors import NotFoundError

from .models import ExtraCharge, Payment, PaymentNotification, Refund
from .money import settle_later, sync_payment
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
        charge = ExtraCharge.objects.filter(trade_no=params.get("out_trade_no", "")).first()
        if charge is not None:
            return _charge_notification(charge, params)
        PaymentNotification.objects.create(params=_kept(params), outcome=Outcome.UNKNOWN_TRADE)
        return Outcome.UNKNOWN_TRADE

    def record(outcome):
        PaymentNotification.objects.create(payment=payment, params=_kept(params), outcome=outcome)
        return outcome

    if _amount(params.get("total_amount")) != payment.amount:
        return record(Outcome.BAD_AMOUNT)
    txn_id = params.get("trade_no", "")[:64]
    paid = params.get("trade_status") == SUCCESS and payment.provider == Payment.Provider.SANDBOX
    if payment.status in (Payment.Status.PAID, Payment.Status.REFUNDED):
        if paid and txn_id and txn_id != payment.gateway_txn_id:
            # the same order charged twice (another gateway trade number): the second is owed back
            if _refund_due(payment, txn_id=txn_id, reason=Refund.Reason.DUPLICATE_PAYMENT):
                return record(Outcome.REFUND_DUE)
        return record(Outcome.DUPLICATE)
    if paid and payment.status in LATE_REASONS:
        # money taken for an order we no longer hold (expired or cancelled): owed back, and issued
        _refund_due(payment, txn_id=txn_id, reason=LATE_REASONS[payment.status])
        return record(Outcome.REFUND_DUE)
    if payment.status != Payment.Status.PENDING or not paid:
        return record(Outcome.NOT_PAYABLE)
    payment.status, payment.paid_at, payment.gateway_txn_id = Payment.Status.PAID, timezone.now(), params.get("trade_no", "")
    payment.received_amount += payment.amount
    payment.save(update_fields=["status", "paid_at", "gateway_txn_id", "received_amount"])
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
    return {key: _storable(params[key]) for key in NOTICE_FIELDS if key in params}


def _storable(value) -> str:
    """A notice's value as text PostgreSQL's jsonb accepts: a string, without NUL characters or
    lone surrogates (either one made the audit row's INSERT fail, a 500), and short."""
    text = (value if isinstance(value, str) else str(value)).replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:NOTICE_VALUE_MAX]


def _record_bad_signature(params: dict) -> None:
    """The audit row of a refused notice, bounded: known fields only, short, the newest few kept."""
    PaymentNotification.objects.create(params=_kept(params), outcome=Outcome.BAD_SIGNATURE)
    stale = (
        PaymentNotification.objects.filter(outcome=Outcome.BAD_SIGNATURE)
        .order_by("-received_at", "-pk").values_list("pk", flat=True)[BAD_SIGNATURE_ROWS_KEPT:BAD_SIGNATURE_ROWS_KEPT + 100]
    )
    if stale:
        PaymentNotification.objects.filter(pk__in=list(stale)).delete()


def _refund_due(payment: Payment, *, txn_id: str, reason: str) -> Refund | None:
    """Record (once per gateway charge) the whole charge as received and owed back, and have it
    issued after commit; None when this charge was recorded already (a replayed notice)."""
    refund, created = Refund.objects.get_or_create(
        payment=payment, gateway_txn_id=txn_id or f"unknown:{payment.trade_no}", group=None,
        defaults={"order": payment.order, "amount": payment.amount, "reason": reason},
    )
    if not created:
        return None
    Payment.objects.filter(pk=payment.pk).update(received_amount=F("received_amount") + payment.amount)
    payment.refresh_from_db(fields=["received_amount"])
    sync_payment(payment)
    settle_later(payment_id=payment.pk)
    return refund


def _charge_notification(charge: ExtraCharge, params: dict) -> str:
    """The gateway's notice for a supplementary charge (补差价): paid once, at its amount."""
    charge = ExtraCharge.objects.select_for_update().get(pk=charge.pk)
    payment = Payment.objects.filter(order_id=charge.order_id).first()

    def record(outcome):
        PaymentNotification.objects.create(payment=payment, params=_kept(params), outcome=outcome)
        return outcome

    if _amount(params.get("total_amount")) != charge.amount:
        return record(Outcome.BAD_AMOUNT)
    if charge.status == ExtraCharge.Status.PAID:
        return record(Outcome.DUPLICATE)
    if charge.status != ExtraCharge.Status.PENDING or params.get("trade_status") != SUCCESS:
        return record(Outcome.NOT_PAYABLE)
    charge.status, charge.paid_at, charge.gateway_txn_id = ExtraCharge.Status.PAID, timezone.now(), params.get("trade_no", "")[:64]
    charge.save(update_fields=["status", "paid_at", "gateway_txn_id"])
    return record(Outcome.ACCEPTED)


def charge_notification(charge: ExtraCharge, *, txn_id: str | None = None) -> dict:
    """What the sandbox gateway posts when the resident confirms a supplementary charge."""
    params = {
        "out_trade_no": charge.trade_no, "trade_no": txn_id or f"SBXC{charge.pk:09d}",
        "total_amount": f"{charge.amount:.2f}", "trade_status": SUCCESS,
        "notify_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "sign_type": "HMAC-SHA256",
    }
    params["sign"] = sign(params)
    return params


@transaction.atomic
def confirm_charge(*, user, trade_no: str) -> str:
    """The resident confirms a supplementary charge on the sandbox pay page; the gateway's
    signed notice marks it paid. 404 for someone else's charge."""
    charge = ExtraCharge.objects.filter(trade_no=trade_no, order__user=user).first()
    if charge is None:
        raise NotFoundError(_("没有这笔补差价"))
    return handle_notification(charge_notification(charge))


# --- refunds: the sandbox gateway's signed refund call and its asynchronous refund notice ------

REFUND_SUCCESS = "REFUND_SUCCESS"


def refund_request(refund: Refund) -> dict:
    """Our signed refund call to the gateway (the scheme of the pay notice, docs/api.md)."""
    params = {
        "out_trade_no": refund.payment.trade_no, "trade_no": refund.gateway_txn_id,
        "out_request_no": f"R{refund.pk}", "refund_amount": f"{refund.amount:.2f}",
        "refund_reason": refund.reason, "sign_type": "HMAC-SHA256",
    }
    params["sign"] = sign(params)
    return params


def sandbox_gateway_refund(params: dict) -> dict:
    """The sandbox gateway's side of a refund call: checks our signature and accepts the
    request with its refund id; the result comes later as a signed refund notice."""
    params = {key: str(value) for key, value in params.items()}
    if not hmac.compare_digest(sign(params).encode(), params.get("sign", "").encode("utf-8", "replace")):
        return {"code": "40004", "msg": "invalid signature"}
    refund_id = "SBXR" + hashlib.sha256(params["out_request_no"].encode()).hexdigest()[:16]
    notice = {"out_trade_no": params["out_trade_no"], "out_request_no": params["out_request_no"],
              "refund_id": refund_id, "refund_amount": params["refund_amount"], "refund_status": REFUND_SUCCESS,
              "notify_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "sign_type": "HMAC-SHA256"}
    notice["sign"] = sign(notice)
    return {"code": "10000", "refund_id": refund_id, "notice": notice}


@transaction.atomic
def issue_refund(*, refund_id: int) -> dict | None:
    """Send one due refund to the gateway: DUE → REQUESTED with the gateway's refund id. Answers
    the notice the sandbox gateway will post (the caller delivers it later), None when the
    refund was not due (issued already, or failed) — idempotent."""
    payment_id = Refund.objects.filter(pk=refund_id).values_list("payment_id", flat=True).first()
    if payment_id is None:
        return None
    Payment.objects.select_for_update().filter(pk=payment_id).first()  # the lock order: payment → refund
    refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.DUE:
        return None
    answer = sandbox_gateway_refund(refund_request(refund))
    if answer.get("code") != "10000":
        refund.status = Refund.Status.FAILED
        refund.save(update_fields=["status"])
        return None
    refund.status, refund.gateway_refund_id = Refund.Status.REQUESTED, answer["refund_id"]
    refund.save(update_fields=["status", "gateway_refund_id"])
    return answer["notice"]


@transaction.atomic
def handle_refund_notification(params: dict) -> str:
    """The gateway's asynchronous refund notice: verified, then the refund is REFUNDED (once)."""
    params = {key: str(value) for key, value in params.items()}
    if not hmac.compare_digest(sign(params).encode(), params.get("sign", "").encode("utf-8", "replace")):
        return Outcome.BAD_SIGNATURE
    request_no = params.get("out_request_no", "")
    refund = Refund.objects.filter(pk=int(request_no[1:])).first() if request_no[1:].isdigit() else None
    if refund is None or refund.gateway_refund_id != params.get("refund_id"):
        return Outcome.UNKNOWN_TRADE
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if _amount(params.get("refund_amount")) != refund.amount:
        return Outcome.BAD_AMOUNT
    if refund.status == Refund.Status.REFUNDED:
        return Outcome.DUPLICATE
    if params.get("refund_status") != REFUND_SUCCESS:
        refund.status = Refund.Status.FAILED
        refund.save(update_fields=["status"])
        sync_payment(payment)
        return Outcome.NOT_PAYABLE
    refund.status, refund.refunded_at = Refund.Status.REFUNDED, timezone.now()
    refund.save(update_fields=["status", "refunded_at"])
    sync_payment(payment)
    return Outcome.ACCEPTED


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
