"""再来一单: the same listings from the same shops back in the basket, a new time asked for a
service, and a clear word for what is gone or costs something else now."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from catalog.tests.factories import ProductFactory, ServiceProductClassFactory
from communities.tests.factories import UserFactory
from delivery.tests.factories import SlotFactory, order_with_groups
from delivery.tests.test_courier_api import api
from merchants.models import StockRecord
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.basket.models import Basket
from shop.basket.models import Line as BasketLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_order():
    """Her last order: milk from 东家 (the same milk is also sold by 西家), eggs from 东家 whose
    price went up since, tofu now sold out, a cleaning booking, and bread from a shop that paused."""
    resident = UserFactory(mobile="13911110000")
    east, west, paused = MerchantFactory(name="东家"), MerchantFactory(name="西家"), MerchantFactory(name="停业店")
    milk = ProductFactory(title="鲜牛奶")
    ListingFactory(partner=west, product=milk, price=Decimal("5.00"))  # listed first would be Oscar's pick
    east_milk = ListingFactory(partner=east, product=milk, price=Decimal("6.00"), num_in_stock=50)
    eggs = ListingFactory(partner=east, product=ProductFactory(title="土鸡蛋"), price=Decimal("12.00"), num_in_stock=50)
    tofu = ListingFactory(partner=east, product=ProductFactory(title="嫩豆腐"), price=Decimal("3.00"), num_in_stock=5)
    cleaning = ListingFactory(partner=east, product=ProductFactory(title="家庭保洁", product_class=ServiceProductClassFactory()))
    bread = ListingFactory(partner=paused, product=ProductFactory(title="全麦面包"), price=Decimal("8.00"))
    order = order_with_groups(user=resident, lines=[(east_milk, 2), (eggs, 1), (tofu, 1),
                                                    (cleaning, 1, SlotFactory(merchant=east)), (bread, 1)])
    StockRecord.objects.filter(pk=eggs.pk).update(price=Decimal("13.50"))
    StockRecord.objects.filter(pk=tofu.pk).update(num_allocated=5)
    paused.is_active = False
    paused.save()
    return {"resident": resident, "order": order, "east_milk": east_milk, "eggs": eggs}


def test_buy_again_puts_the_same_listings_back_and_says_what_changed(past_order):
    resident, order = past_order["resident"], past_order["order"]
    answer = api(resident).post(reverse("api:order-buy-again", kwargs={"number": order.number}))
    assert answer.status_code == 200
    body = answer.json()
    assert sorted(a["title"] for a in body["added"]) == ["土鸡蛋", "鲜牛奶"]
    assert [(a["title"], a["old_price"], a["new_price"]) for a in body["price_changed"]] == [("土鸡蛋", 12.0, 13.5)]
    assert [a["title"] for a in body["needs_slot"]] == ["家庭保洁"]
    assert sorted((a["title"], a["note"]) for a in body["unavailable"]) == [("全麦面包", "商户已暂停营业"), ("嫩豆腐", "已售罄")]
    # the same shop's milk, as many as before, at today's price
    lines = {line.stockrecord_id: line for line in BasketLine.objects.filter(basket__owner=resident,
                                                                              basket__status=Basket.OPEN)}
    assert set(lines) == {past_order["east_milk"].pk, past_order["eggs"].pk}
    assert lines[past_order["east_milk"].pk].quantity == 2
    assert lines[past_order["eggs"].pk].price_incl_tax == Decimal("13.50")


def test_someone_elses_order_and_an_order_with_nothing_left(past_order):
    order = past_order["order"]
    stranger = UserFactory(mobile="13911110001")
    assert api(stranger).post(reverse("api:order-buy-again", kwargs={"number": order.number})).status_code == 404
    assert api().post(reverse("api:order-buy-again", kwargs={"number": order.number})).status_code in (401, 403)
    assert not BasketLine.objects.filter(basket__owner=stranger).exists()
    # an order whose only line is gone: 409, nothing written
    gone = ListingFactory(price=Decimal("1.00"))
    lonely = order_with_groups(user=stranger, lines=[(gone, 1)])
    gone.partner.is_active = False
    gone.partner.save()
    answer = api(stranger).post(reverse("api:order-buy-again", kwargs={"number": lonely.number}))
    assert answer.status_code == 409 and answer.json()["error"] == "nothing_to_add"
    assert not BasketLine.objects.filter(basket__owner=stranger).exists()


def test_the_order_page_button_and_oscars_line_reorder_go_through_buy_again(past_order):
    resident, order = past_order["resident"], past_order["order"]
    client = Client()
    client.force_login(resident)
    page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert "再来一单" in page.content.decode()
    page = client.post(reverse("checkout:order-buy-again", kwargs={"number": order.number}), follow=True)
    text = page.content.decode()
    assert page.redirect_chain[-1][0] == reverse("basket:summary")
    assert "土鸡蛋 价格有变" in text and "已售罄" in text and "选择上门时间" in text
    # Oscar's per-line re-order: the same shop's listing, not the first stock record
    BasketLine.objects.filter(basket__owner=resident).delete()
    milk_line = order.lines.get(stockrecord=past_order["east_milk"])
    client.post(reverse("customer:order-line", kwargs={"order_number": order.number, "line_id": milk_line.pk}),
                {"action": "reorder"})
    assert list(BasketLine.objects.filter(basket__owner=resident).values_list("stockrecord_id", flat=True)) == [
        past_order["east_milk"].pk]
