"""Weighed goods: the difference the merchant records is shown to the resident; refunds are what was paid."""

from decimal import Decimal

import pytest

from communities.tests.factories import UserFactory
from delivery.services import record_weights
from shop.checkout import payment as gateway
from shop.checkout.services import place_order, reject_group

from .scene import make_scene

pytestmark = pytest.mark.django_db


def weighed_order(payment="cod"):
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(greens_g=1000, medicine=0, cleaning=0),
                        address_id=scene.address.pk, groups=scene.choices()[:1], payment=payment)
    staff = UserFactory()
    scene.greens.partner.users.add(staff)
    return scene, order, order.fulfilment_groups.get(), staff


def test_a_lighter_weight_is_a_refund_shown_on_the_order_page(client):
    scene, order, group, staff = weighed_order()
    # 1,000 g estimated at ¥3.00 per 500 g; the stall weighs 900 g: ¥5.40, ¥0.60 back
    record_weights(group_id=group.pk, user=staff, weights={group.lines.get().pk: 900})
    group.refresh_from_db()
    assert (group.weight_adjustment, group.weight_refund, group.weight_extra) == (Decimal("-0.60"), Decimal("0.60"), 0)
    client.force_login(scene.resident)
    page = client.get(f"/accounts/orders/{order.number}/").content.decode()
    assert "称重结算: 实际比预估轻, 退还 ¥0.60" in page


def test_a_heavier_weight_is_charged_up_to_the_cap_and_shown(client):
    scene, order, group, staff = weighed_order()
    # 1,500 g would be ¥3.00 more; the stall's cap is 10% of the ¥6.00 estimate: ¥0.60
    record_weights(group_id=group.pk, user=staff, weights={group.lines.get().pk: 1500})
    group.refresh_from_db()
    assert group.weight_extra == Decimal("0.60")
    client.force_login(scene.resident)
    page = client.get(f"/accounts/orders/{order.number}/").content.decode()
    assert "补收 ¥0.60 (最多为预估金额的 10%)" in page


def test_rejecting_a_weighed_paid_group_refunds_what_was_paid():
    scene, order, group, staff = weighed_order(payment="sandbox")
    assert gateway.handle_notification(gateway.signed_notification(order.payment)) == "accepted"
    record_weights(group_id=group.pk, user=staff, weights={group.lines.get().pk: 900})
    reject_group(group_id=group.pk, user=staff, reason="青菜不新鲜了")
    order.payment.refresh_from_db()
    # the estimate and the delivery fee were paid (¥6.00 + ¥2.00); all of it goes back
    assert order.payment.refunded_amount == Decimal("8.00") and order.payment.status == "refunded"
