"""Oscar's order dashboard goes through our order layer: staff cancel a whole order (stock back,
dispatch stopped) and nothing else; line and payment actions are refused, nothing written."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from oscar.apps.order.models import Order, ShippingEvent

from communities.tests.factories import UserFactory
from delivery.models import FulfilmentGroup
from delivery.tests.factories import order_with_groups
from merchants.models import StockRecord
from merchants.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(mobile="13300000001", is_staff=True))
    return client


def placed(status=S.CREATED):
    listing = ListingFactory(num_in_stock=10, num_allocated=3, price=Decimal("4.00"))
    order = order_with_groups(lines=[(listing, 3)], status=status)
    return order, listing


def test_staff_cancel_an_order_through_the_order_layer(staff_client):
    order, listing = placed()
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})
    assert "取消整单" in staff_client.get(url).content.decode()
    page = staff_client.post(url, {"order_action": "change_order_status", "new_status": "cancelled"}, follow=True)
    assert "订单已取消" in page.content.decode()
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert FulfilmentGroup.objects.get(order=order).status == S.CANCELLED
    assert StockRecord.objects.get(pk=listing.pk).num_allocated == 0


def test_staff_cannot_set_a_status_or_act_on_lines(staff_client):
    order, listing = placed(status=S.PICKED_UP)
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})
    # the goods left the shop: cancelling is refused with the reason, nothing written
    page = staff_client.post(url, {"order_action": "change_order_status", "new_status": "cancelled"}, follow=True)
    assert "不能取消" in page.content.decode()
    page = staff_client.post(url, {"order_action": "change_order_status", "new_status": "completed"}, follow=True)
    assert "订单状态由各商家的履约进度决定" in page.content.decode()
    line = order.lines.get()
    page = staff_client.post(url, {"line_action": "create_shipping_event", "selected_line": [line.pk],
                                   f"selected_line_qty_{line.pk}": 1, "shipping_event_type": "x"}, follow=True)
    assert "已停用" in page.content.decode()
    listed = staff_client.post(reverse("dashboard:order-list"), {"action": "change_order_statuses",
                                                                 "selected_order": [order.pk], "new_status": "completed"},
                               follow=True)
    assert "不能批量修改" in listed.content.decode()
    assert Order.objects.get(pk=order.pk).status == "placed"
    assert FulfilmentGroup.objects.get(order=order).status == S.PICKED_UP
    assert StockRecord.objects.get(pk=listing.pk).num_allocated == 3
    assert not ShippingEvent.objects.filter(order=order).exists()
