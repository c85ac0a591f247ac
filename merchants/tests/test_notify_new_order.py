"""A merchant's staff hear of a new order by email (locmem in tests, console in the demo)."""

import logging
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalog.tests.factories import FreshProductClassFactory, ProductFactory
from communities.tests.factories import UserFactory
from delivery.models import FulfilmentGroup
from delivery.tests.factories import order_with_groups, shipping_address
from merchants.tasks import notify_new_order
from merchants.tests.factories import ListingFactory, MerchantFactory


@pytest.fixture
def order():
    """A butcher with two staff (one without email) and a grocer, in one resident's order."""
    butcher = MerchantFactory(name="湖南路肉铺")
    butcher.users.add(UserFactory(email="boss@rou.example.cn"), UserFactory(email="clerk@rou.example.cn"), UserFactory())
    pork = ListingFactory(
        partner=butcher, price=Decimal("30.00"),
        product=ProductFactory(title="黑猪五花肉", product_class=FreshProductClassFactory(), sale_unit="weight",
                               pack_size_g=500),
    )
    sausage = ListingFactory(partner=butcher, product=ProductFactory(title="自制香肠"))
    noodles = ListingFactory(product=ProductFactory(title="手工挂面"))
    return order_with_groups(
        lines=[(pork, 2), (sausage, 1), (noodles, 1)], method={butcher: "pickup", noodles.partner: "delivery"},
        address=shipping_address(recipient="李阿姨", phone="+8613812340001"),
    )


@pytest.mark.django_db
def test_the_merchants_staff_get_the_order_number_lines_method_and_link(order):
    group = order.fulfilment_groups.get(merchant__name="湖南路肉铺")
    # when the task runs (in-process here, whatever the broker)
    sent = notify_new_order.apply(args=[group.pk]).get()
    # then one email goes to the staff who have an address
    assert sent == 2 and len(mail.outbox) == 1
    email = mail.outbox[0]
    assert sorted(email.to) == ["boss@rou.example.cn", "clerk@rou.example.cn"]
    assert order.number in email.subject and "湖南路肉铺" in email.subject
    assert "黑猪五花肉 × 2" in email.body and "约 1000 克" in email.body and "自制香肠 × 1" in email.body
    assert "自提" in email.body
    assert reverse("merchant-orders:group-detail", kwargs={"pk": group.pk}) in email.body
    # and nothing of the other shop's lines or of the customer
    assert "手工挂面" not in email.body and "李阿姨" not in email.body and "13812340001" not in email.body


@pytest.mark.django_db
def test_sending_again_is_harmless(order):
    group = order.fulfilment_groups.get(merchant__name="湖南路肉铺")
    notify_new_order(group.pk)
    notify_new_order(group.pk)
    assert len(mail.outbox) == 2 and mail.outbox[0].body == mail.outbox[1].body


@pytest.mark.django_db
def test_without_any_staff_email_the_message_goes_to_the_log(order, caplog):
    group = order.fulfilment_groups.exclude(merchant__name="湖南路肉铺").get()
    group.merchant.users.add(UserFactory())
    with caplog.at_level(logging.WARNING, logger="merchants.tasks"):
        assert notify_new_order(group.pk) == 0
    assert not mail.outbox
    assert order.number in caplog.text and "手工挂面" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["awaiting_payment", "cancelled", "rejected"])
def test_no_email_for_an_unpaid_or_stopped_group(order, status):
    group = order.fulfilment_groups.get(merchant__name="湖南路肉铺")
    FulfilmentGroup.objects.filter(pk=group.pk).update(status=status)
    assert notify_new_order(group.pk) == 0
    assert notify_new_order(10**9) == 0
    assert not mail.outbox
