"""The sandbox gateway's notify flow: verified, idempotent, forged or wrong amounts change nothing."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from delivery.models import Slot
from merchants.models import StockRecord
from shop.checkout import payment as gateway
from shop.checkout.models import Payment, PaymentNotification
from shop.checkout.services import place_order

from .scene import make_scene

pytestmark = pytest.mark.django_db
NOTIFY = "/api/v1/payments/sandbox/notify/"


def notify(client, params):
    """POST as gateways do: application/x-www-form-urlencoded."""
    return client.post(NOTIFY, urlencode(params), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def pending():
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(), address_id=scene.address.pk,
                        groups=scene.choices(), payment="sandbox")
    return scene, order.payment


def state(payment):
    payment.refresh_from_db()
    order = payment.order
    order.refresh_from_db()
    return payment.status, order.status, sorted(order.fulfilment_groups.values_list("status", flat=True))



def test_a_signed_notification_pays_once_and_a_replay_changes_nothing(client, pending):
    scene, payment = pending
    params = gateway.signed_notification(payment)
    # when the gateway calls back, then we answer success and the order is placed
    first = notify(client, params)
    assert (first.status_code, first.content) == (200, b"success")
    assert state(payment) == ("paid", "placed", ["created", "created", "created"])
    paid_at = payment.paid_at
    # when it repeats the same notice (gateways do), then it is acknowledged and nothing moves
    again = notify(client, params)
    assert (again.status_code, again.content) == (200, b"success")
    payment.refresh_from_db()
    assert payment.paid_at == paid_at and state(payment)[0] == "paid"
    assert list(PaymentNotification.objects.order_by("received_at").values_list("outcome", flat=True)) == ["accepted", "duplicate"]


@pytest.mark.parametrize("forge", [
    lambda p: {**p, "sign": "0" * 64},  # forged signature
    lambda p: {**p, "total_amount": "0.01"},  # amount changed after signing
    lambda p: {k: v for k, v in p.items() if k != "sign"},  # unsigned
])
def test_forged_notifications_are_refused_and_change_nothing(client, pending, forge):
    scene, payment = pending
    response = notify(client, forge(gateway.signed_notification(payment)))
    assert (response.status_code, response.content) == (400, b"fail")
    assert state(payment) == ("pending", "awaiting_payment", ["awaiting_payment"] * 3)
    assert PaymentNotification.objects.get().outcome == "bad_signature"


def test_a_correctly_signed_wrong_amount_is_refused(client, pending):
    scene, payment = pending
    response = notify(client, gateway.signed_notification(payment, amount=Decimal("1.00")))
    assert response.status_code == 400
    assert state(payment)[0] == "pending"
    assert PaymentNotification.objects.get().outcome == "bad_amount"


def test_an_unknown_trade_is_refused(client):
    params = {"out_trade_no": "nope", "total_amount": "1.00", "trade_status": "TRADE_SUCCESS"}
    params["sign"] = gateway.sign(params)
    assert notify(client, params).status_code == 400


def test_expired_payments_release_stock_and_slots_and_a_late_notice_changes_nothing(client, pending):
    scene, payment = pending
    # given the deadline passed
    assert gateway.expire_payments(now=timezone.now() + timedelta(minutes=1)) == 0
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    # when the beat task runs (twice: it is idempotent)
    assert gateway.expire_payments() == 1
    assert gateway.expire_payments() == 0
    # then the order is cancelled and everything it held is back
    assert state(payment) == ("expired", "cancelled", ["cancelled"] * 3)
    assert StockRecord.objects.get(pk=scene.greens.pk).num_allocated == 0
    assert StockRecord.objects.get(pk=scene.medicine.pk).num_allocated == 0
    assert Slot.objects.get(pk=scene.slot.pk).booked == 0
    # and a notice arriving after expiry is acknowledged (a refund case) but does not revive the order
    response = notify(client, gateway.signed_notification(payment))
    assert response.status_code == 200
    assert state(payment) == ("expired", "cancelled", ["cancelled"] * 3)
    # (the money taken is recorded as owed back: test_payment_hardening.py)
    assert PaymentNotification.objects.get().outcome == "refund_due"


def test_the_signature_is_hmac_sha256_over_the_sorted_fields():
    import hashlib
    import hmac

    params = {"total_amount": "1.00", "out_trade_no": "T1", "sign_type": "HMAC-SHA256", "empty": ""}
    assert gateway.canonical_string(params) == "out_trade_no=T1&total_amount=1.00"
    assert gateway.sign(params, "k") == hmac.new(b"k", b"out_trade_no=T1&total_amount=1.00", hashlib.sha256).hexdigest()
