"""Beat's sweep of payments behind the money ledger: a group's end was recorded (cash collected,
a refund due) but the after-commit ``payments.settle`` never ran — the worker was busy or killed.
In these tests the after-commit callbacks never run (a test transaction never commits), which is
exactly that lost task."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shop.checkout import money
from shop.checkout import payment as gateway
from shop.checkout.models import GroupSettlement, Payment, Refund
from shop.checkout.selectors import money_drift, payments_behind

from .scene import make_scene
from .test_order_loop import S, drive, group_of, order_of, weigh

pytestmark = pytest.mark.django_db


def settle_behind():
    """What beat's payments.settle_behind does, without the broker: select, then settle."""
    return money.settle_behind(payment_ids=payments_behind())


def snapshot(payment_id):
    payment = Payment.objects.get(pk=payment_id)
    return (payment.status, payment.received_amount, payment.refunded_amount, payment.paid_at,
            list(Refund.objects.filter(payment=payment).values_list("pk", "status", "amount")))


def test_cash_collected_but_never_settled_is_caught_by_the_sweep_once():
    # given two cash orders delivered: the cash is recorded at the handover, the settle task lost
    scene = make_scene()
    orders = [order_of(scene, greens_g=0), order_of(scene, greens_g=0)]
    for order in orders:
        drive(group_of(order, scene.medicine), S.DELIVERED)
    payments = [order.payment.pk for order in orders]
    assert [GroupSettlement.objects.get(order=o).collected for o in orders] == [Decimal("28.00")] * 2
    assert {Payment.objects.get(pk=pk).status for pk in payments} == {"pending"}
    assert len(money_drift(order_ids=[o.pk for o in orders])) == 2  # the drift the N=1,520 run found
    with pytest.raises(CommandError, match="2 orders drift"):
        call_command("money_audit", stdout=StringIO())
    assert sorted(payments_behind()) == sorted(payments)
    # when beat's sweep runs
    assert settle_behind() == []  # no refunds due for cash
    # then both are paid with the cash collected and the audit is at zero
    for pk in payments:
        payment = Payment.objects.get(pk=pk)
        assert (payment.status, payment.received_amount) == ("paid", Decimal("28.00"))
        assert payment.paid_at is not None
    assert money_drift(order_ids=[o.pk for o in orders]) == []
    out = StringIO()
    call_command("money_audit", stdout=out)
    assert "drifting: 0" in out.getvalue()
    # and a second sweep selects nothing and changes nothing
    before = [snapshot(pk) for pk in payments]
    assert payments_behind() == [] and settle_behind() == []
    assert [snapshot(pk) for pk in payments] == before


def test_a_cash_order_still_on_its_way_is_left_alone():
    # given a cash order not yet delivered
    scene = make_scene()
    order = order_of(scene, greens_g=0)
    drive_to = group_of(order, scene.medicine)
    assert drive_to.status not in (S.DELIVERED, S.COLLECTED)
    # then the sweep has nothing to do with it
    assert payments_behind() == []
    assert settle_behind() == []
    assert Payment.objects.get(order=order).status == "pending"


def test_a_refund_recorded_at_the_handover_but_never_counted_is_counted_and_issued():
    # given a paid order of greens weighed lighter and delivered: the refund is recorded at the
    # handover (the group's end never touches the payment row), the settle task lost
    scene = make_scene()
    order = order_of(scene, payment="sandbox", medicine=0)
    group = group_of(order, scene.greens)
    weigh(scene, group, 900)
    drive(group, S.DELIVERED)
    refund = Refund.objects.get(group=group)
    assert (refund.status, Payment.objects.get(order=order).refunded_amount) == ("due", Decimal("0.00"))
    # when the sweep runs, then the payment counts the refund and it is due to issue
    assert payments_behind() == [order.payment.pk]
    assert settle_behind() == [refund.pk]
    assert Payment.objects.get(order=order).refunded_amount == Decimal("0.60")
    notice = gateway.issue_refund(refund_id=refund.pk)
    assert gateway.handle_refund_notification(notice) == "accepted"
    assert money_drift(order_ids=[order.pk]) == []
    # and a second sweep changes nothing
    before = snapshot(order.payment.pk)
    assert payments_behind() == [] and settle_behind() == []
    assert snapshot(order.payment.pk) == before


def test_a_cash_order_whose_only_delivery_failed_is_cancelled_not_left_pending():
    # given a cash order whose one group failed at the door: no cash came, the settle task lost
    scene = make_scene()
    order = order_of(scene, greens_g=0)
    drive(group_of(order, scene.medicine), S.FAILED)
    assert Payment.objects.get(order=order).status == "pending"
    assert payments_behind() == [order.payment.pk]
    # when the sweep runs, then the payment is cancelled with nothing received
    assert settle_behind() == []
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.received_amount, payment.paid_at) == ("cancelled", Decimal("0.00"), None)
    assert money_drift(order_ids=[order.pk]) == []
    # and a second sweep selects nothing
    assert payments_behind() == []
