"""The whole ordering flow in the browser: one basket from three merchants (a weighed item and a
booked service among them), the one-page checkout, the sandbox pay page, the order page,
cancelling; and what the pages say when something is short or missing."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order

from communities.models import ResidentAddress
from communities.tests.factories import StandardAddressFactory, UserFactory
from delivery.models import FulfilmentGroup, Slot
from merchants.models import StockRecord
from shop.basket.tests.neighbourhood import PASSWORD, make_neighbourhood
from shop.basket.tests.test_basket_pages import fill, text
from shop.checkout.models import Payment

pytestmark = pytest.mark.django_db


def choose(place, *, payment="sandbox", greens="asap", **extra):
    """The checkout form: greens delivered, medicine at the pickup station, cleaning at home."""
    data = {
        "address_id": place.address.pk,
        f"fulfil_{place.greens.partner_id}": greens,
        f"fulfil_{place.medicine.partner_id}": "station",
        f"station_{place.medicine.partner_id}": place.station.pk,
        f"fulfil_{place.cleaning.partner_id}": "service",
        "payment": payment,
    }
    if greens == "window":
        data[f"window_{place.greens.partner_id}"] = place.window.pk
    data.update(extra)
    return data


def allocated(listing) -> int:
    return StockRecord.objects.get(pk=listing.pk).num_allocated or 0


def booked(slot) -> int:
    return Slot.objects.get(pk=slot.pk).booked


@pytest.fixture
def place(client):
    """A signed-in resident whose basket holds 2 packs of greens, 2 boxes of medicine and the cleaning."""
    place = make_neighbourhood()
    place.sign_in(client)
    fill(client, place)
    return place


def test_anonymous_visitors_are_sent_to_sign_in(client):
    place = make_neighbourhood()
    order = Order.objects.create(number="700001", user=place.resident, currency="CNY", total_incl_tax=1, total_excl_tax=1)
    for url in (reverse("checkout:index"), reverse("checkout:sandbox-pay", args=["20250101abc"]),
                reverse("checkout:order-cancel", args=[order.number]), reverse("checkout:address-add")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("customer:login") + "?next="), url
    response = client.post(reverse("checkout:order-cancel", args=[order.number]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("customer:login"))


def test_the_checkout_page_offers_each_merchant_its_ways(client, place):
    # when the resident opens the checkout page
    page = client.get(reverse("checkout:index"))
    assert page.status_code == 200
    html, body = page.content.decode(), text(page)
    # then the saved address is chosen
    assert f'name="address_id" value="{place.address.pk}" checked' in html
    # and the stall delivers as soon as possible (with the time) or in its window (with room left)
    asap = timezone.localtime() + timezone.timedelta(minutes=45)
    assert re.search(r"尽快送达 预计 \d\d:\d\d 前送达 · 配送费 ¥2\.00", body)
    assert f"预计 {asap:%H:%M} 前送达" in body or f"预计 {asap + timezone.timedelta(minutes=1):%H:%M} 前送达" in body
    window = timezone.localtime(place.window.starts_at)
    assert f"{window:%H:%M}–{timezone.localtime(place.window.ends_at):%H:%M} (还剩 2 单)" in body
    # and pickup at the shop or at the station nearby
    assert "到店自提 青岛路 12 号 · 免配送费" in body and "青岛路自提点 (离您约 0 米)" in body
    # and the cleaning is done at home at its booked time; pickup is not offered for it
    assert "上门服务 服务人员按预约时间到您的收货地址" in body
    assert f'name="fulfil_{place.cleaning.partner_id}" value="shop"' not in html
    # and the weighed greens are an estimate, the totals follow the first choices (fees for delivery)
    assert "称重商品按实际重量结算, 多退少补 (补差不超过 10%)" in body
    assert re.search(r"商品 ¥151\.00 配送费 ¥5\.00 应付 ¥156\.00", body)
    assert 'name="payment" value="cod" checked' in html and 'name="payment" value="sandbox"' in html


def test_the_whole_flow_pay_in_the_sandbox_then_see_groups_and_the_pickup_code(client, place):
    # when checking out with delivery, a pickup station and the service at home, paying online
    response = client.post(reverse("checkout:index"), choose(place))
    # then the order is placed, awaiting payment, and the resident is on the pay page
    order = Order.objects.get(user=place.resident)
    payment = Payment.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == reverse("checkout:sandbox-pay", args=[payment.trade_no])
    assert payment.status == "pending" and payment.amount == Decimal("153.00")  # 151 goods + 2 stall fee
    pay_page = client.get(response["Location"])
    body = text(pay_page)
    assert order.number in body and "¥153.00" in body and "还剩 15 分钟" in body
    assert "确认支付" in body and "稍后支付" in body
    # when confirming on the pay page
    paid = client.post(response["Location"])
    # then the payment went through the gateway's notify code and the resident is on the order page
    assert paid.status_code == 302 and paid["Location"] == reverse("customer:order", kwargs={"order_number": order.number})
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.notifications.get().outcome == "accepted"
    groups = {group.merchant_id: group for group in FulfilmentGroup.objects.filter(order=order)}
    assert {group.status for group in groups.values()} == {"created"}
    station_group = groups[place.medicine.partner_id]
    assert (station_group.method, station_group.pickup_point_id) == ("pickup", place.station.pk)
    order_page = client.get(paid["Location"])
    body = text(order_page)
    assert "支付成功" in body
    for name in ("菜场青菜摊", "社区药房", "好帮手家政"):
        assert name in body
    # (the order page's wording of a status is templates/oscar/customer/order/order_detail.html's)
    assert station_group.pickup_code in body
    assert len(re.findall(r'class="order-group-status">\s*\S', order_page.content.decode())) == 3
    # and the pay page now says it is paid, and the order page no longer offers 去支付
    assert "支付成功" in text(client.get(response["Location"]))
    assert "去支付" not in body and "取消订单" in body


def test_paying_later_keeps_the_order_and_the_order_page_offers_去支付(client, place):
    response = client.post(reverse("checkout:index"), choose(place))
    order = Order.objects.get(user=place.resident)
    order_page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert response["Location"] in order_page.content.decode() and "去支付" in text(order_page)


def test_cash_on_delivery_with_a_window_books_it_and_goes_to_the_order(client, place):
    # when checking out with the stall's delivery window and cash on delivery
    response = client.post(reverse("checkout:index"), choose(place, payment="cod", greens="window"), follow=True)
    # then the order page says it is placed; stock, the service slot and the window are held
    order = Order.objects.get(user=place.resident)
    assert response.redirect_chain[-1][0] == reverse("customer:order", kwargs={"order_number": order.number})
    assert f"下单成功! 订单号 {order.number}" in text(response)
    assert (allocated(place.greens), allocated(place.medicine)) == (2, 2)
    assert (booked(place.slot), booked(place.window)) == (1, 1)
    assert FulfilmentGroup.objects.get(order=order, merchant=place.greens.partner).window_id == place.window.pk


def test_a_short_stock_at_checkout_names_the_product_keeps_the_choices_and_writes_no_order(client, place):
    # given the pharmacy sold all but one box after the resident filled the basket
    StockRecord.objects.filter(pk=place.medicine.pk).update(num_in_stock=1)
    # when submitting the checkout
    response = client.post(reverse("checkout:index"), choose(place))
    # then the page comes back with the message naming the product, next to its line too
    assert response.status_code == 422
    html, body = response.content.decode(), text(response)
    assert "「感冒灵颗粒」库存不足: 您要 2 份, 现在只剩 1 份" in body
    assert re.search(r'class="line-problem"[^>]*>\s*<strong>「感冒灵颗粒」库存不足', html)
    # and nothing the resident chose is lost
    assert f'name="fulfil_{place.medicine.partner_id}" value="station" checked' in html
    assert 'name="payment" value="sandbox" checked' in html
    # and nothing was written or held
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert (allocated(place.greens), allocated(place.medicine), booked(place.slot)) == (0, 0, 0)


def test_missing_or_impossible_choices_are_shown_next_to_their_group(client, place):
    # when submitting without a choice for the stall and asking the pharmacy to deliver below its minimum
    client.post(reverse("basket:line-quantity", args=[
        place.resident.baskets.get(status="Open").lines.get(stockrecord=place.medicine).pk]), {"quantity": 1})
    data = choose(place, **{f"fulfil_{place.medicine.partner_id}": "asap"})
    del data[f"fulfil_{place.greens.partner_id}"]
    response = client.post(reverse("checkout:index"), data)
    # then the stall's group asks for a choice and nothing is written
    assert response.status_code == 422
    html = response.content.decode()
    stall = re.search(rf'id="merchant-{place.greens.partner_id}".*?</fieldset>', html, re.S).group(0)
    assert "请选择送货上门或自提" in stall
    # when choosing for the stall too
    response = client.post(reverse("checkout:index"), choose(place, **{f"fulfil_{place.medicine.partner_id}": "asap"}))
    # then the pharmacy's group says how much is missing for delivery
    pharmacy = re.search(rf'id="merchant-{place.medicine.partner_id}".*?</fieldset>', response.content.decode(), re.S).group(0)
    assert "满 ¥20.00 起送, 还差 ¥7.50" in pharmacy
    assert not Order.objects.exists()


def test_bad_form_values_never_give_a_500(client, place):
    for extra in ({"address_id": "x"}, {"address_id": 999999}, {"payment": "bitcoin"},
                  {f"station_{place.medicine.partner_id}": "abc"}, {f"station_{place.medicine.partner_id}": 999999},
                  {f"fulfil_{place.greens.partner_id}": "window", f"window_{place.greens.partner_id}": place.slot.pk},
                  {f"fulfil_{place.cleaning.partner_id}": "shop"}):
        response = client.post(reverse("checkout:index"), choose(place, **extra))
        assert response.status_code == 422, extra
        assert "订单还没有提交" in text(response), extra
    assert not Order.objects.exists()


def test_cancelling_before_dispatch_restores_stock_and_slot_places(client, place):
    # given an order placed with the stall's window, cash on delivery
    client.post(reverse("checkout:index"), choose(place, payment="cod", greens="window"))
    order = Order.objects.get(user=place.resident)
    order_url = reverse("customer:order", kwargs={"order_number": order.number})
    cancel_url = reverse("checkout:order-cancel", args=[order.number])
    assert cancel_url in client.get(order_url).content.decode()
    # when asking to cancel, the page asks to confirm first
    confirm = client.get(cancel_url)
    assert "确定要取消整个订单吗?" in text(confirm) and "确定取消订单" in text(confirm)
    assert allocated(place.medicine) == 2
    # when confirming
    response = client.post(cancel_url, {"reason": "不想要了"}, follow=True)
    # then the order page says so, and stock, the service slot and the window are back
    assert response.redirect_chain[-1][0] == order_url
    assert f"订单 {order.number} 已取消" in text(response)
    assert (allocated(place.greens), allocated(place.medicine)) == (0, 0)
    assert (booked(place.slot), booked(place.window)) == (0, 0)
    assert set(FulfilmentGroup.objects.filter(order=order).values_list("status", flat=True)) == {"cancelled"}
    # and cancelling again is refused with a message, not an error page
    again = client.post(cancel_url, follow=True)
    assert again.status_code == 200 and "不能取消" in text(again)


def test_someone_elses_order_and_payment_are_not_found(client, place):
    client.post(reverse("checkout:index"), choose(place))
    order = Order.objects.get(user=place.resident)
    other = UserFactory()
    client.logout()
    assert client.login(username=str(other.mobile), password=PASSWORD)
    assert client.get(reverse("checkout:sandbox-pay", args=[order.payment.trade_no])).status_code == 404
    assert client.post(reverse("checkout:sandbox-pay", args=[order.payment.trade_no])).status_code == 404
    assert client.post(reverse("checkout:order-cancel", args=[order.number])).status_code == 404
    assert Payment.objects.get(order=order).status == "pending"


def test_an_expired_payment_shows_that_and_confirming_cancels_the_order(client, place):
    client.post(reverse("checkout:index"), choose(place))
    payment = Payment.objects.get(order__user=place.resident)
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    url = reverse("checkout:sandbox-pay", args=[payment.trade_no])
    page = text(client.get(url))
    assert "支付已超时" in page and "确认支付" not in page
    client.post(url)
    payment.refresh_from_db()
    assert payment.status == "expired" and allocated(place.medicine) == 0 and booked(place.slot) == 0


def test_a_resident_without_an_address_is_asked_to_add_one_from_the_register(client, place):
    # given the resident has no saved address (a room in the register exists)
    ResidentAddress.objects.filter(user=place.resident).delete()
    room = StandardAddressFactory(community=place.address.standard_address.community, compound="颐和路小区",
                                  building="7", unit="", room="201")
    # when opening the checkout page
    page = client.get(reverse("checkout:index"))
    # then it says so and links to adding one
    assert "您还没有保存收货地址" in text(page)
    assert f'href="{reverse("checkout:address-add")}"' in page.content.decode()
    # when searching the register and saving the room with a recipient and phone
    community = room.community_id
    found = client.get(reverse("checkout:address-add"), {"community": community, "compound": "颐和", "building": "7栋"})
    assert "颐和路小区7栋201室" in text(found)
    bad = client.post(reverse("checkout:address-add"), {"community": community, "compound": "颐和",
                                                        "standard_address": room.pk, "recipient": "", "phone": "12"})
    assert bad.status_code == 422 and "请填写收件人姓名" in text(bad) and "请填写11位手机号" in text(bad)
    saved = client.post(reverse("checkout:address-add"), {"community": community, "compound": "颐和",
                                                          "standard_address": room.pk, "recipient": "李阿姨",
                                                          "phone": "13912345678"})
    # then it is the resident's default address and the checkout page has it chosen
    address = ResidentAddress.objects.get(user=place.resident)
    assert (address.standard_address_id, address.recipient, address.is_default) == (room.pk, "李阿姨", True)
    assert saved["Location"] == reverse("checkout:index") + f"?address={address.pk}"
    assert f'name="address_id" value="{address.pk}" checked' in client.get(saved["Location"]).content.decode()


def test_choosing_an_address_out_of_area_updates_the_options_and_says_why(client, place):
    # given a second saved address 5 km away, outside every merchant's area and the station's reach
    from communities.tests.factories import ResidentAddressFactory

    far = ResidentAddressFactory(user=place.resident, standard_address=StandardAddressFactory(
        lat=place.address.standard_address.lat + 0.045, lng=place.address.standard_address.lng))
    # when choosing it and asking for the options
    response = client.post(reverse("checkout:index"), choose(place, address_id=far.pk, action="refresh"))
    # then the page shows that address's options: no delivery, no station, no cleaning at home
    assert response.status_code == 200
    html, body = response.content.decode(), text(response)
    assert f'name="address_id" value="{far.pk}" checked' in html
    assert "您的地址不在该商户的配送范围内" in body and "您的地址附近 2 公里内没有社区自提点" in body
    assert "不能上门: 您的地址不在该商户的服务范围内" in body
    assert "您的地址不在该商户的上门服务范围内" in body  # the cleaning line's own problem
    # when submitting anyway, nothing is written
    response = client.post(reverse("checkout:index"), choose(place, address_id=far.pk))
    assert response.status_code == 422 and not Order.objects.exists()


def test_the_pages_render_in_english_too(client, place):
    client.post(reverse("set_language"), {"language": "en"})
    for url in (reverse("basket:summary"), reverse("checkout:index"), reverse("checkout:address-add"),
                place.cleaning.product.get_absolute_url(), place.greens.product.get_absolute_url()):
        assert client.get(url).status_code == 200, url
    client.post(reverse("checkout:index"), choose(place))
    payment = Payment.objects.get()
    assert client.get(reverse("checkout:sandbox-pay", args=[payment.trade_no])).status_code == 200
    assert client.get(reverse("checkout:order-cancel", args=[payment.order.number])).status_code == 200
