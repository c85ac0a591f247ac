"""The basket in the browser: the product page's add form, the basket grouped by merchant,
− / + / 删除, and lines that can no longer be bought."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import StockRecord
from shop.basket.selectors import open_basket

from .neighbourhood import make_neighbourhood

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def add(client, listing, **fields):
    return client.post(reverse("basket:add-listing"), {"listing_id": listing.pk, **fields})


def fill(client, place):
    """Greens (2 packs), two boxes of medicine and the cleaning slot, as the product pages post them."""
    for listing, fields in ((place.greens, {"packs": 2}), (place.medicine, {"quantity": 2}),
                            (place.cleaning, {"slot_id": place.slot.pk, "quantity": 1})):
        response = add(client, listing, next=listing.product.get_absolute_url(), **fields)
        assert response.status_code == 302 and response["Location"] == listing.product.get_absolute_url()


def lines_of(user):
    return {line.stockrecord_id: line for line in open_basket(user=user).lines.all()}


def test_the_product_page_offers_packs_for_weighed_goods_slots_for_services_and_a_quantity_otherwise(client):
    # given the neighbourhood's three listings
    place = make_neighbourhood()
    # when opening each product page
    greens = text(client.get(place.greens.product.get_absolute_url()))
    cleaning = client.get(place.cleaning.product.get_absolute_url())
    medicine = client.get(place.medicine.product.get_absolute_url()).content.decode()
    # then the greens come in packs with their weight and estimated price
    assert "1 份 ≈ 500 g, 约 ¥3.00" in greens and "3 份 ≈ 1500 g, 约 ¥9.00" in greens
    # and the cleaning offers the merchant's next slot with its places left
    start = timezone.localtime(place.slot.starts_at)
    assert f"{start:%H:%M}–{timezone.localtime(place.slot.ends_at):%H:%M}" in text(cleaning)
    assert f'name="slot_id" value="{place.slot.pk}"' in cleaning.content.decode() and "还可预约 3 户" in text(cleaning)
    # and the medicine a quantity, each form posting that merchant's listing
    assert 'name="quantity"' in medicine and f'name="listing_id" value="{place.medicine.pk}"' in medicine


def test_a_resident_fills_one_basket_from_three_merchants_and_sees_it_grouped(client):
    # given a signed-in resident
    place = make_neighbourhood()
    place.sign_in(client)
    # when adding the greens by weight, the medicine and the booked cleaning from the product pages
    fill(client, place)
    add(client, place.greens, weight_g=800)  # 800 g more: two more packs
    page = client.get(reverse("basket:summary"))
    # then the basket page shows one group per merchant with subtotal, minimum order and fee
    assert page.status_code == 200
    body = text(page)
    for name in ("菜场青菜摊", "社区药房", "好帮手家政"):
        assert body.count(name) == 1
    assert re.search(r"社区药房 起送 ¥20\.00 · 配送费 ¥3\.00 .*感冒灵颗粒 .*小计: ¥25\.00", body)
    # and the greens say what the price is: per pack, per kilo, an estimate until weighed
    assert "¥3.00 / 份 (每份约 500 克) · 折合 ¥6.00/公斤" in body and "预估重量 约 2000 克" in body
    assert "称重商品按实际重量结算, 多退少补 (补差不超过 10%)" in body
    # and the cleaning its time, and the page a big 去结算 button
    start = timezone.localtime(place.slot.starts_at)
    assert f"上门时间: {start.month}月{start.day}日" in body and f"{start:%H:%M}" in body
    assert f'href="{reverse("checkout:index")}"' in page.content.decode() and "去结算" in body
    assert "商品合计: ¥157.00" in body  # 4 × 3.00 + 2 × 12.50 + 120.00


def test_below_the_minimum_order_the_group_says_how_much_is_missing(client):
    place = make_neighbourhood()
    place.sign_in(client)
    add(client, place.medicine, quantity=1)
    body = text(client.get(reverse("basket:summary")))
    assert "还差 ¥7.50 起送" in body and "不够起送金额也可以选择到店自提" in body


def test_plus_minus_and_remove_change_the_line(client):
    # given two boxes of medicine in the basket
    place = make_neighbourhood()
    place.sign_in(client)
    add(client, place.medicine, quantity=2)
    line = lines_of(place.resident)[place.medicine.pk]
    page = client.get(reverse("basket:summary")).content.decode()
    assert 'name="quantity" value="3"' in page and 'name="quantity" value="1"' in page
    # when pressing + then − twice
    client.post(reverse("basket:line-quantity", args=[line.pk]), {"quantity": 3})
    assert lines_of(place.resident)[place.medicine.pk].quantity == 3
    client.post(reverse("basket:line-quantity", args=[line.pk]), {"quantity": 1})
    response = client.post(reverse("basket:line-quantity", args=[line.pk]), {"quantity": 0}, follow=True)
    # then the last − took the line out, and said so
    assert lines_of(place.resident) == {}
    assert "已从购物车删除「感冒灵颗粒」" in text(response)
    # and the empty basket points to the catalogue
    empty = client.get(reverse("basket:summary"))
    assert "购物车是空的" in text(empty) and f'href="{reverse("catalogue:index")}"' in empty.content.decode()


def test_the_remove_button_removes_a_line(client):
    place = make_neighbourhood()
    place.sign_in(client)
    fill(client, place)
    line = lines_of(place.resident)[place.greens.pk]
    response = client.post(reverse("basket:line-remove", args=[line.pk]), follow=True)
    assert "已从购物车删除「青菜」" in text(response)
    assert set(lines_of(place.resident)) == {place.medicine.pk, place.cleaning.pk}


def test_a_sold_out_line_shows_its_message_in_a_red_box_and_can_be_removed(client):
    # given medicine in the basket, then sold out by the shop
    place = make_neighbourhood()
    place.sign_in(client)
    fill(client, place)
    StockRecord.objects.filter(pk=place.medicine.pk).update(num_in_stock=0)
    # when opening the basket
    page = client.get(reverse("basket:summary"))
    # then the line says so in its red box with a remove button, and the page warns at the top
    assert page.status_code == 200
    html = page.content.decode()
    line = lines_of(place.resident)[place.medicine.pk]
    box = re.search(rf'id="line-{line.pk}".*?class="line-problem".*?</div>', html, re.S).group(0)
    assert "已售罄" in box and "删除这件商品" in box and reverse("basket:line-remove", args=[line.pk]) in box
    assert "有 1 件商品暂时买不了" in text(page)
    # when removing it
    client.post(reverse("basket:line-remove", args=[line.pk]))
    # then the other two lines remain and nothing is flagged any more
    assert set(lines_of(place.resident)) == {place.greens.pk, place.cleaning.pk}
    assert "暂时买不了" not in text(client.get(reverse("basket:summary")))


def test_a_full_slot_and_a_closed_merchant_show_their_messages(client):
    place = make_neighbourhood()
    place.sign_in(client)
    fill(client, place)
    place.slot.booked = place.slot.capacity
    place.slot.save()
    place.medicine.partner.opening_periods.all().delete()
    body = text(client.get(reverse("basket:summary")))
    assert "所选时段已约满, 请重新选择" in body and "商户休息中, 营业后再来下单" in body


def test_asking_for_more_than_is_in_stock_names_the_product_and_adds_nothing(client):
    place = make_neighbourhood()
    place.sign_in(client)
    StockRecord.objects.filter(pk=place.medicine.pk).update(num_in_stock=3)
    response = add(client, place.medicine, quantity=5, next=place.medicine.product.get_absolute_url())
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "「感冒灵颗粒」库存不足, 仅剩 3 份" in text(page)
    assert lines_of(place.resident) == {}


def test_bad_input_gives_a_message_never_a_500(client):
    # given a resident and another merchant's slot
    place = make_neighbourhood()
    place.sign_in(client)
    cases = [
        ({"listing_id": "abc"}, "请选择商品"),
        ({"listing_id": 999999}, "没有这个商品"),
        ({"listing_id": place.medicine.pk, "quantity": -2}, "数量至少为 1"),
        ({"listing_id": place.medicine.pk, "quantity": 500}, "数量不能超过 99"),
        ({"listing_id": place.cleaning.pk}, "请选择上门服务时间"),
        ({"listing_id": place.cleaning.pk, "slot_id": place.window.pk}, "该商户没有这个服务时段"),
        ({"listing_id": place.medicine.pk, "slot_id": place.slot.pk}, "只有上门服务需要选择时段"),
    ]
    for fields, message in cases:
        # when posting it
        response = client.post(reverse("basket:add-listing"), fields, follow=True)
        # then the page answers with the message and nothing is added
        assert response.status_code == 200, fields
        assert message in text(response), (fields, text(response)[:400])
    assert lines_of(place.resident) == {}
    # and changing or removing someone else's (or no) line is a message too
    for url, data in ((reverse("basket:line-quantity", args=[424242]), {"quantity": 2}),
                      (reverse("basket:line-quantity", args=[424242]), {"quantity": "x"}),
                      (reverse("basket:line-remove", args=[424242]), {})):
        assert client.post(url, data, follow=True).status_code == 200


def test_a_visitor_can_fill_a_basket_and_is_asked_to_sign_in_at_checkout(client):
    # given a visitor who has not signed in
    place = make_neighbourhood()
    # when adding the greens and opening the basket
    add(client, place.greens, packs=1)
    page = client.get(reverse("basket:summary"))
    # then the basket shows them, and 去结算 asks to sign in first
    assert "青菜" in text(page) and "¥3.00" in text(page)
    checkout = client.get(reverse("checkout:index"))
    assert checkout.status_code == 302 and checkout["Location"].startswith(reverse("customer:login"))
    # and after signing in the lines are the resident's
    place.sign_in(client)
    client.get(reverse("basket:summary"))
    assert set(lines_of(place.resident)) == {place.greens.pk}
