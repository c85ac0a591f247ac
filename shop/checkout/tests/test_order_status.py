"""The order's status is derived from its groups in one function (shop.checkout.order_status)."""

import pytest

from delivery.lifecycle import Status as S
from shop.checkout.order_status import order_status


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([S.AWAITING_PAYMENT, S.AWAITING_PAYMENT], "awaiting_payment"),
        ([S.CREATED], "placed"),
        ([S.CREATED, S.REJECTED], "placed"),
        ([S.DELIVERED, S.PICKED_UP], "placed"),
        ([S.DELIVERED, S.COLLECTED], "completed"),
        ([S.DELIVERED, S.REJECTED], "completed"),
        ([S.FAILED, S.CANCELLED], "cancelled"),  # nothing reached her: the order has ended
        ([S.FAILED], "cancelled"),
        ([S.FAILED, S.PICKED_UP], "placed"),
        ([S.FAILED, S.DELIVERED], "completed"),
        ([S.CANCELLED, S.REJECTED], "cancelled"),
        ([S.CANCELLED], "cancelled"),
    ],
)
def test_the_order_status_follows_its_groups(groups, expected):
    # given groups in these statuses / when the order's status is derived / then
    assert order_status(groups) == expected


@pytest.mark.django_db
def test_delivering_the_last_group_completes_the_order():
    from delivery.services import transition
    from delivery.tests.factories import order_with_groups

    # given an order whose only group is on its way
    from merchants.tests.factories import ListingFactory

    order = order_with_groups(lines=[(ListingFactory(), 1)], status=S.PICKED_UP)
    group = order.fulfilment_groups.get()
    # when the courier delivers it
    transition(group_id=group.pk, to=S.DELIVERED, actor="courier:1")
    # then the order is completed
    order.refresh_from_db()
    assert order.status == "completed"
