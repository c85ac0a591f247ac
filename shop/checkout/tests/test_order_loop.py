"""Every order ends with its stock and money closed: the stock ledger (a group's allocation is
consumed or released exactly once), the money ledger (refunds as records issued through the
sandbox gateway, weighed goods settled, cash collected at handover) and the audits that add
them up."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from communities.tests.factories import UserFactory
from delivery.models import FulfilmentGroup
from delivery.services import record_weights, transition
from merchants.models import StockMovement, StockRecord
from merchants.selectors import stock_drift
from shop.checkout import payment as gateway
from shop.checkout.models import ExtraCharge, GroupSettlement, Payment, Refund
from shop.checkout.money import record_refund, settle_payment, settle_weighing
from shop.checkout.selectors import cash_to_collect, money_drift
from shop.checkout.services import cancel_group, close_stock, place_order, reject_group, release_holdings
from shop.core.errors import DomainError

from .scene import make_scene

pytestmark = pytest.mark.django_db
S = FulfilmentGroup.Status
PATHS = {
    S.DELIVERED: [S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.DELIVERED],
    S.FAILED: [S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.FAILED],
    S.COLLECTED: [S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.READY_FOR_PICKUP, S.COLLECTED],
}


def drive(group, to):
    for status in PATHS[to]:
        group = transition(group_id=group.pk, to=status, actor="test", note="test" if status == S.FAILED else "")
    return group


def order_of(scene, *, payment="cod", greens_g=1000, medicine=2, cleaning=0, medicine_method="delivery"):
    choices = [c for c in scene.choices(medicine=medicine_method, station=False)
               if (c.merchant_id != scene.greens.partner_id or greens_g) and (c.merchant_id != scene.medicine.partner_id or medicine)
               and (c.merchant_id != scene.cleaning.partner_id or cleaning)]
    order = place_order(user=scene.resident, basket=scene.fill(greens_g=greens_g, medicine=medicine, cleaning=cleaning),
                        address_id=scene.address.pk, groups=choices, payment=payment)
    if payment == "sandbox":
        assert gateway.handle_notification(gateway.signed_notification(order.payment)) == "accepted"
    return order


def group_of(order, listing):
    return order.fulfilment_groups.get(merchant_id=listing.partner_id)


def weigh(scene, group, grams):
    """The greens shop's staff weigh the group's one line; returns that staff user."""
    staff = UserFactory()
    scene.greens.partner.users.add(staff)
    record_weights(group_id=group.pk, user=staff, weights={group.lines.get().pk: grams})
    return staff


def counters(listing):
    listing = StockRecord.objects.get(pk=listing.pk)
    return listing.num_in_stock, listing.num_allocated


def issue_all(order):
    """What the worker does after commit: the refunds issued, their notices applied."""
    for refund_id in settle_payment(payment_id=order.payment.pk):
        notice = gateway.issue_refund(refund_id=refund_id)
        assert gateway.handle_refund_notification(notice) == "accepted"


# --- the stock ledger ------------------------------------------------------------------------------


def test_a_delivery_consumes_its_allocation_once_and_the_ledger_adds_up():
    # given a cash order for 2 boxes of medicine (20 on the shelf)
    scene = make_scene()
    order = order_of(scene, greens_g=0)
    assert counters(scene.medicine) == (20, 2)
    # when the group is delivered
    group = drive(group_of(order, scene.medicine), S.DELIVERED)
    # then the 2 units left the shelf and are no longer allocated: one "sold" movement
    assert counters(scene.medicine) == (18, 0)
    sold = StockMovement.objects.filter(group_id=group.pk, reason="sold")
    assert [(m.delta, m.allocated_delta) for m in sold] == [(-2, -2)]
    # and closing it again changes nothing
    assert close_stock(group) == ""
    assert counters(scene.medicine) == (18, 0)
    assert list(stock_drift()) == []


@pytest.mark.parametrize("end", ["failed", "rejected"])
def test_a_failed_or_rejected_group_releases_its_allocation_exactly_once(end):
    scene = make_scene()
    order = order_of(scene, greens_g=0)
    group = group_of(order, scene.medicine)
    if end == "failed":
        group = drive(group, S.FAILED)
    else:
        staff = UserFactory()
        scene.medicine.partner.users.add(staff)
        group = reject_group(group_id=group.pk, user=staff, reason="缺货")
    # the units are back on sale, released once even when the holdings are given back again
    release_holdings(group)
    assert counters(scene.medicine) == (20, 0)
    assert StockMovement.objects.filter(group_id=group.pk, reason="released").count() == 1
    assert list(stock_drift()) == []


# --- the money ledger ------------------------------------------------------------------------------


def test_cash_on_delivery_is_paid_with_what_was_collected_at_the_handover():
    # given a cash order of weighed greens that came out heavier (capped at 10 %: ¥0.60 more)
    scene = make_scene()
    order = order_of(scene, medicine=0)
    group = group_of(order, scene.greens)
    weigh(scene, group, 1500)
    group.refresh_from_db()
    # then the courier's job asks for the weighed price and the fee
    assert cash_to_collect(group_ids=[group.pk]) == {group.pk: Decimal("8.60")}
    # when it is delivered
    drive(group, S.DELIVERED)
    payment = Payment.objects.get(order=order)
    settle_payment(payment_id=payment.pk)  # what the worker does after commit
    payment.refresh_from_db()
    # then the payment is paid with the cash collected, and the order adds up
    assert (payment.status, payment.received_amount) == ("paid", Decimal("8.60"))
    assert GroupSettlement.objects.get(group=group).collected == Decimal("8.60")
    assert money_drift(order_ids=[order.pk]) == []
    order.refresh_from_db()
    assert (order.status, order.total_incl_tax) == ("completed", Decimal("8.60"))


def test_a_lighter_paid_group_is_refunded_the_difference_through_the_gateway():
    scene = make_scene()
    order = order_of(scene, payment="sandbox", medicine=0)
    group = group_of(order, scene.greens)
    staff = weigh(scene, group, 900)
    # when the merchant settles the weighing, then the ¥0.60 is recorded as a refund due
    settle_weighing(group_id=group.pk, user=staff)
    refund = Refund.objects.get(group=group)
    assert (refund.reason, refund.amount, refund.status) == ("weight_lighter", Decimal("0.60"), "due")
    # when the gateway takes the signed call and sends its notice later
    notice = gateway.issue_refund(refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == "requested" and refund.gateway_refund_id.startswith("SBXR")
    assert gateway.handle_refund_notification({**notice, "sign": "0" * 64}) == "bad_signature"
    assert gateway.handle_refund_notification(notice) == "accepted"
    assert gateway.handle_refund_notification(notice) == "duplicate"
    # then, delivered, the order adds up: paid 8.00 − refunded 0.60 = owed 7.40
    drive(group, S.DELIVERED)
    issue_all(order)
    assert money_drift(order_ids=[order.pk]) == []
    assert Refund.objects.get(pk=refund.pk).status == "refunded"


def test_a_heavier_paid_group_asks_for_a_supplementary_payment_the_resident_confirms():
    scene = make_scene()
    order = order_of(scene, payment="sandbox", medicine=0)
    group = group_of(order, scene.greens)
    weigh(scene, group, 1500)
    drive(group, S.DELIVERED)
    charge = ExtraCharge.objects.get(group=group)
    assert (charge.amount, charge.status, charge.provider) == (Decimal("0.60"), "pending", "sandbox")
    # an ended order with a charge unpaid is listed by the audit
    assert [d.pending for d in money_drift(order_ids=[order.pk])] == ["charges unpaid 1"]
    # someone else cannot confirm it; the resident can, once
    with pytest.raises(DomainError):
        gateway.confirm_charge(user=UserFactory(), trade_no=charge.trade_no)
    assert gateway.confirm_charge(user=scene.resident, trade_no=charge.trade_no) == "accepted"
    assert gateway.confirm_charge(user=scene.resident, trade_no=charge.trade_no) == "duplicate"
    assert money_drift(order_ids=[order.pk]) == []


def test_one_merchants_part_is_cancelled_alone_refunded_and_the_totals_follow():
    # given a paid order from the stall (¥6 + ¥2 fee) and the pharmacy (¥25 + ¥3 fee)
    scene = make_scene()
    order = order_of(scene, payment="sandbox")
    assert order.total_incl_tax == Decimal("36.00")
    greens = group_of(order, scene.greens)
    # when the resident cancels the stall's part
    cancel_group(order_number=order.number, group_id=greens.pk, user=scene.resident, reason="不要青菜了")
    # then its stock is back, its ¥8 is a refund due, the order's totals are the pharmacy's part
    order.refresh_from_db()
    assert (order.status, order.total_incl_tax, order.shipping_incl_tax) == ("placed", Decimal("28.00"), Decimal("3.00"))
    refund = Refund.objects.get(group=greens)
    assert (refund.reason, refund.amount) == ("group_cancelled", Decimal("8.00"))
    assert Payment.objects.get(order=order).refunded_amount == Decimal("8.00")
    # and someone else's cancel is "not found"
    with pytest.raises(DomainError):
        cancel_group(order_number=order.number, group_id=greens.pk, user=UserFactory())
    # when the rest is delivered and the refund issued, the order adds up: 36 − 8 = 28
    drive(group_of(order, scene.medicine), S.DELIVERED)
    issue_all(order)
    assert money_drift(order_ids=[order.pk]) == []


def test_a_notice_for_an_expired_order_records_the_refund_and_issues_it():
    scene = make_scene()
    order = place_order(
        user=scene.resident, basket=scene.fill(greens_g=0, medicine=2, cleaning=0), address_id=scene.address.pk,
        groups=[c for c in scene.choices(medicine="delivery") if c.merchant_id == scene.medicine.partner_id],
        payment="sandbox")
    payment = order.payment
    assert gateway.expire_payment(payment_id=payment.pk, now=payment.expires_at)
    # when the gateway's success arrives after all
    assert gateway.handle_notification(gateway.signed_notification(payment, txn_id="LATE-1")) == "refund_due"
    payment.refresh_from_db()
    assert payment.received_amount == payment.amount
    # then it is issued and the order adds up: received − refunded = 0 owed
    issue_all(order)
    assert Refund.objects.get(order=order).status == "refunded"
    assert money_drift(order_ids=[order.pk]) == []


def test_bad_input_is_refused_with_a_clear_message_and_nothing_written():
    scene = make_scene()
    order = order_of(scene, payment="sandbox", medicine=2, greens_g=0)
    staff = UserFactory(is_staff=True)
    api = APIClient()
    api.force_authenticate(staff)
    refunds = Refund.objects.count()
    # a refund above what was paid
    response = api.post(f"/api/v1/orders/{order.number}/refunds/", {"amount": "999.00", "reason": "group_cancelled"},
                        format="json")
    assert response.status_code == 422 and "最多可退" in str(response.json()["fields"]["amount"])
    with pytest.raises(DomainError):
        record_refund(order_id=order.pk, amount=Decimal("-1"), reason="group_cancelled")
    # a settle on a group without weighed goods, and on one not yet weighed
    merchant_staff = UserFactory()
    scene.medicine.partner.users.add(merchant_staff)
    api.force_authenticate(merchant_staff)
    group = group_of(order, scene.medicine)
    response = api.post(f"/api/v1/merchant/groups/{group.pk}/settle/", {}, format="json")
    assert response.status_code == 422 and response.json()["detail"] == "这个履约单没有称重商品"
    weighed_order = order_of(scene, payment="sandbox", medicine=0)
    greens = group_of(weighed_order, scene.greens)
    scene.greens.partner.users.add(merchant_staff)
    response = api.post(f"/api/v1/merchant/groups/{greens.pk}/settle/", {}, format="json")
    assert response.status_code == 422 and "还没有称重" in response.json()["detail"]
    assert Refund.objects.count() == refunds and not ExtraCharge.objects.exists()
