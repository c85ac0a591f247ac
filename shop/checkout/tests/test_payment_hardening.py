"""The gateway's notify URL and the sandbox under hostile or late input: no 500, nothing
forgotten (money after cancel or expiry, a second charge, becomes a refund due), bounded audit
rows, the sandbox off unless switched on, no order worth nothing."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shop.checkout import payment as gateway
from shop.checkout.models import Payment, PaymentNotification, Refund
from shop.checkout.services import cancel_order, place_order

from .scene import make_scene
from .test_ordering_api import api_for, checkout_body, fill
from .test_payment import NOTIFY, notify, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(), address_id=scene.address.pk,
                        groups=scene.choices(), payment="sandbox")
    return scene, order.payment


def test_a_signature_with_non_ascii_text_is_refused_not_a_500(client, pending):
    _scene, payment = pending
    params = {**gateway.signed_notification(payment), "sign": "签名错误ünïcode"}
    response = notify(client, params)
    assert (response.status_code, response.content) == (400, b"fail")
    assert state(payment)[0] == "pending"


def test_a_notice_with_nul_characters_lone_surrogates_or_objects_is_refused_not_a_500(client, pending):
    # given a notice whose fields carry what PostgreSQL's jsonb refuses (found by the fuzzing pass)
    _scene, payment = pending
    params = {**gateway.signed_notification(payment), "sign": "bad\x00sign\udbc5",
              "trade_status": {"nested": [1, 2]}, "notify_time": "2026\x00-01-01"}

    # when the gateway posts it as JSON
    response = client.post(NOTIFY, data=json.dumps(params), content_type="application/json")

    # then it is refused as a bad signature, recorded without the bad characters, and nothing is paid
    assert (response.status_code, response.content) == (400, b"fail")
    row = PaymentNotification.objects.filter(outcome=PaymentNotification.Outcome.BAD_SIGNATURE).latest("pk")
    assert row.params["sign"] == "badsign?" and "\x00" not in row.params["notify_time"]
    assert state(payment)[0] == "pending"


def test_money_arriving_after_expiry_is_a_refund_due_recorded_once(client, pending):
    # given a payment that expired (its order cancelled, stock released)
    _scene, payment = pending
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert gateway.expire_payments() == 1
    # when the gateway then reports the money taken, twice (gateways repeat)
    params = gateway.signed_notification(payment, txn_id="GW-LATE-1")
    assert notify(client, params).content == b"success"
    assert notify(client, params).content == b"success"
    # then the order stays cancelled and one refund of the whole amount is due
    assert state(payment)[:2] == ("expired", "cancelled")
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.order_id, refund.amount, refund.reason, refund.status, refund.gateway_txn_id) == (
        payment.pk, payment.order_id, payment.amount, "paid_after_expiry", "due", "GW-LATE-1")
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == ["refund_due", "refund_due"]


def test_money_arriving_after_the_resident_cancelled_is_a_refund_due(client, pending):
    scene, payment = pending
    cancel_order(order_number=payment.order.number, user=scene.resident, reason="不要了")
    assert notify(client, gateway.signed_notification(payment, txn_id="GW-C-1")).content == b"success"
    assert state(payment)[:2] == ("cancelled", "cancelled")
    assert Refund.objects.get().reason == "paid_after_cancel"


def test_a_second_charge_with_another_gateway_number_is_a_refund_not_a_duplicate(client, pending):
    _scene, payment = pending
    assert notify(client, gateway.signed_notification(payment, txn_id="GW-1")).content == b"success"
    # the same notice again is a plain duplicate
    assert notify(client, gateway.signed_notification(payment, txn_id="GW-1")).content == b"success"
    assert not Refund.objects.exists()
    # a second charge (another gateway trade number) is owed back
    assert notify(client, gateway.signed_notification(payment, txn_id="GW-2")).content == b"success"
    refund = Refund.objects.get()
    assert (refund.reason, refund.gateway_txn_id, refund.amount) == ("duplicate_payment", "GW-2", payment.amount)
    payment.refresh_from_db()
    assert (payment.status, payment.gateway_txn_id) == ("paid", "GW-1")


def test_bad_signature_rows_are_bounded_and_files_are_not_taken(client, pending, monkeypatch):
    _scene, payment = pending
    monkeypatch.setattr(gateway, "BAD_SIGNATURE_ROWS_KEPT", 3)
    for n in range(6):
        junk = {**gateway.signed_notification(payment), "sign": f"bad{n}", "extra": "x" * 5000, "more": "y"}
        assert notify(client, junk).status_code == 400
    rows = list(PaymentNotification.objects.filter(outcome="bad_signature"))
    assert len(rows) == 3
    assert all("extra" not in row.params and len(str(row.params)) < 2000 for row in rows)
    # a multipart POST (a file upload) is refused before anything is stored
    upload = client.post(NOTIFY, {"sign": "x", "file": ("a.html", b"<script>")})
    assert upload.status_code == 415
    assert PaymentNotification.objects.count() == 3


def test_the_sandbox_is_off_when_switched_off(client, settings, pending):
    scene, payment = pending
    settings.SANDBOX_PAYMENT_ENABLED = False
    # the notify URL and the pay page are gone
    assert notify(client, gateway.signed_notification(payment)).status_code == 404
    client.force_login(scene.resident)
    assert client.get(f"/checkout/pay/{payment.trade_no}/").status_code == 404
    assert client.post(f"/checkout/pay/{payment.trade_no}/").status_code == 404
    assert state(payment)[0] == "pending"
    # and a checkout asking for it is refused, naming the field
    api = api_for(scene.resident)
    fill(api, scene)
    response = api.post("/api/v1/checkout/", checkout_body(scene, "sandbox"), format="json")
    assert response.status_code == 422 and "payment" in response.json()["fields"]
    assert "sandbox" not in client.get("/checkout/").content.decode().split('name="payment"', 1)[-1][:400]


def test_the_production_settings_switch_the_sandbox_off_unless_stated():
    import subprocess
    import sys

    env = {"DJANGO_SETTINGS_MODULE": "shop.settings.production", "DJANGO_SECRET_KEY": "x" * 60,
           "SANDBOX_PAYMENT_SECRET": "s", "DJANGO_ALLOWED_HOSTS": "example.org",
           "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x", "REDIS_URL": "redis://127.0.0.1:1/0",
           "PATH": "/usr/bin:/bin"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SANDBOX_PAYMENT_ENABLED)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
