"""The storefront's extra filters: price (buckets and a custom range), open now, in stock,
product type and delivers-to-me, their removable chips and the friendly price messages.

The `catalogue` fixture (catalog/tests/conftest.py) lists, on the database backend:
cabbage ¥2.50 at the greengrocer (fresh), cabbage ¥3.20 at the corner shop (fresh, out of
stock), apples ¥12.80 at the greengrocer (fresh), eggs ¥29.90 at the corner shop (packaged),
cleaning ¥100.00 at the housekeeper (service).
"""

import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from communities import location as locations
from communities.tests.factories import BASE_LAT, BASE_LNG
from merchants.models import Partner
from merchants.tests.factories import ListingFactory, OpeningPeriodFactory

pytestmark = pytest.mark.django_db

INDEX = "/catalogue/"
BAD_PRICE = "价格请填写 0 或以上的数字"
PRICE_ORDER = "最低价不能高于最高价"


def _text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _cards(response) -> list[tuple[str, Decimal]]:
    return sorted((listing.product.title, listing.price) for listing in response.context["listings"])


def _query(url: str) -> dict:
    return parse_qs(urlsplit(unescape(url)).query)


def _link(response, label: str) -> str:
    """The href of the sidebar link (or chip) whose visible text starts with a label."""
    for href, inner in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', response.content.decode(), flags=re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip()
        if text.startswith(label):
            return unescape(href)
    raise AssertionError(f"no link {label!r}")


def _choose_location(client):
    session = client.session
    session[locations.SESSION_KEY] = locations.location_from_point(lat=BASE_LAT, lng=BASE_LNG).as_session()
    session.save()


# --- each filter narrows the cards ------------------------------------------------------------


def test_the_price_facet_shows_buckets_with_counts_and_a_bucket_link_narrows(client, catalogue):
    response = client.get(INDEX)
    facet = {item["key"]: item for item in response.context["price_facet"]}
    # empty buckets are not offered; [from, to) like the backend's counts
    assert {key: item["count"] for key, item in facet.items()} == {"0-10": 2, "10-30": 2, "100-": 1}
    assert "¥10 以下 (2)" in _text(response) and "¥100 以上 (1)" in _text(response)

    response = client.get(facet["10-30"]["url"])
    assert _cards(response) == [("土鸡蛋 30枚", Decimal("29.90")), ("烟台红富士苹果", Decimal("12.80"))]
    assert [item["selected"] for item in response.context["price_facet"] if item["key"] == "10-30"] == [True]


def test_a_bucket_ending_at_a_price_excludes_that_price_like_its_count(client, catalogue):
    ListingFactory(product=ProductFactory(title="整十元"), partner=catalogue.greengrocer, price=Decimal("10.00"))
    response = client.get(INDEX, {"max_price": "9.99"})
    assert Decimal("10.00") not in [price for _title, price in _cards(response)]
    assert response.context["filter_chips"][0]["label"] == "¥10 以下"


def test_a_custom_price_range_is_inclusive(client, catalogue):
    response = client.get(INDEX, {"min_price": "3.20", "max_price": "12.8"})
    assert _cards(response) == [("本地小白菜", Decimal("3.20")), ("烟台红富士苹果", Decimal("12.80"))]
    # and the form shows what was asked
    page = response.content.decode()
    assert 'name="min_price"' in page and 'value="3.20"' in page and "自定义价格" in page


def test_a_max_price_of_zero_means_free_only(client, catalogue):
    response = client.get(INDEX, {"max_price": "0"})
    assert _cards(response) == []


def test_in_stock_drops_what_is_out_of_stock(client, catalogue):
    response = client.get(_link(client.get(INDEX), "只看有货"))
    titles = _cards(response)
    assert ("本地小白菜", Decimal("3.20")) not in titles and len(titles) == 4


def test_open_now_keeps_only_merchants_open_now(client, catalogue):
    for weekday in range(7):  # 00:00–00:00 runs round the clock
        OpeningPeriodFactory(partner=catalogue.greengrocer, weekday=weekday, opens="00:00", closes="00:00")
    response = client.get(_link(client.get(INDEX), "只看营业中"))
    assert {listing.partner.name for listing in response.context["listings"]} == {"青岛路菜店"}
    assert 'aria-checked="true"' in response.content.decode()


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["service"], ["日常保洁 2小时"]),
        (["packaged"], ["土鸡蛋 30枚"]),
        (["fresh"], ["本地小白菜", "本地小白菜", "烟台红富士苹果"]),
        (["fresh", "service"], ["日常保洁 2小时", "本地小白菜", "本地小白菜", "烟台红富士苹果"]),
    ],
)
def test_product_type_keeps_those_kinds(client, catalogue, kinds, expected):
    response = client.get(INDEX, {"product_class": kinds})
    assert sorted(title for title, _price in _cards(response)) == sorted(expected)


def test_product_type_links_add_to_the_selection(client, catalogue):
    def option(response, kind):
        return next(item["url"] for item in response.context["product_class_options"] if item["value"] == kind)

    response = client.get(option(client.get(INDEX), "service"))
    response = client.get(option(response, "packaged"))
    assert sorted(title for title, _price in _cards(response)) == ["土鸡蛋 30枚", "日常保洁 2小时"]


def test_delivers_to_me_is_only_offered_with_a_location(client, catalogue):
    response = client.get(INDEX, {"delivers_to_me": "1"})
    assert "送货上门" not in _text(response)
    assert len(response.context["listings"]) == 5  # ignored without a location
    assert "delivers_to_me" not in _query(response.context["clear_filters_url"])


@pytest.mark.parametrize("scope", ["circle", "all"])
def test_delivers_to_me_keeps_merchants_that_deliver_here(client, catalogue, scope):
    Partner.objects.filter(pk=catalogue.housekeeper.pk).update(delivery_capability=Partner.Delivery.NONE)
    _choose_location(client)
    params = {} if scope == "circle" else {"scope": "all"}
    response = client.get(_link(client.get(INDEX, params), "送货上门"))
    assert response.status_code == 200
    assert "日常保洁 2小时" not in [title for title, _price in _cards(response)]
    assert len(response.context["listings"]) == 4
    assert _query(response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"]).get("scope") == (
        None if scope == "circle" else ["all"])
    assert "步行约" in _text(response)  # the cards still show walking minutes


# --- links keep the other parameters ------------------------------------------------------------


def test_filter_links_keep_query_format_sort_and_scope_and_reset_the_page(client, catalogue):
    _choose_location(client)
    response = client.get(reverse("search:search"), {
        "q": "白菜", "format": "fresh_grocery", "sort_by": "price-asc", "scope": "all", "page": "1",
    })
    keep = {"q": ["白菜"], "format": ["fresh_grocery"], "sort_by": ["price-asc"], "scope": ["all"]}
    for label, added in [("只看营业中", {"open_now": ["1"]}), ("只看有货", {"in_stock": ["1"]}),
                         ("送货上门", {"delivers_to_me": ["1"]}), ("包装商品", {"product_class": ["packaged"]}),
                         ("¥10 以下", {"max_price": ["9.99"]})]:
        assert _query(_link(response, label)) == {**keep, **added}, label
    # the custom price form carries the same parameters as hidden fields
    hidden = dict(response.context["price_form_hidden"])
    assert hidden == {"q": "白菜", "format": "fresh_grocery", "sort_by": "price-asc", "scope": "all"}


# --- chips ----------------------------------------------------------------------------------------


def test_chips_show_the_filters_and_each_removal_drops_only_its_filter(client, catalogue):
    _choose_location(client)
    params = {"q": "", "sort_by": "price-asc", "open_now": "1", "in_stock": "1", "product_class": "fresh",
              "min_price": "10", "max_price": "29.99", "delivers_to_me": "1", "format": "fresh_grocery"}
    params.pop("q")
    response = client.get(INDEX, params)
    text = _text(response)
    assert "已选:" in text and "营业中 ✕" in text and "清除全部" in text
    chips = {chip["label"]: _query(chip["url"]) for chip in response.context["filter_chips"]}
    full = {name: [value] for name, value in params.items()}

    def without(*names):
        return {name: value for name, value in full.items() if name not in names}

    assert chips == {
        "生鲜超市(菜店)": without("format"),
        "生鲜": without("product_class"),
        "¥10–30": without("min_price", "max_price"),
        "营业中": without("open_now"),
        "有货": without("in_stock"),
        "送货上门": without("delivers_to_me"),
    }
    # 清除全部 keeps only the sort
    assert _query(response.context["clear_filters_url"]) == {"sort_by": ["price-asc"]}
    assert f'href="{response.context["clear_filters_url"]}">清除全部<' in response.content.decode()


def test_a_category_chip_on_the_catalogue_removes_the_category(client, catalogue):
    response = client.get(INDEX, {"category": catalogue.fruit.pk, "in_stock": "1"})
    chips = {chip["label"]: _query(chip["url"]) for chip in response.context["filter_chips"]}
    assert chips["水果"] == {"in_stock": ["1"]}


def test_no_chips_without_filters(client, catalogue):
    response = client.get(INDEX)
    assert response.context["filter_chips"] == [] and "已选:" not in _text(response)


# --- bad prices -----------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"min_price": "abc"}, {"max_price": "-3"}, {"min_price": "1e999"}, {"max_price": "NaN"},
    {"min_price": "12345678901234"}, {"min_price": "1.234"},
])
def test_a_bad_price_is_ignored_with_a_friendly_message(client, catalogue, params):
    response = client.get(INDEX, {**params, "in_stock": "1"})
    assert response.status_code == 200
    assert _text(response).count(BAD_PRICE) >= 1
    assert len(response.context["listings"]) == 4  # in stock still applies, the price does not
    # links no longer carry the bad value
    assert _query(_link(response, "只看营业中")) == {"in_stock": ["1"], "open_now": ["1"]}


def test_min_above_max_is_ignored_with_a_message(client, catalogue):
    response = client.get(INDEX, {"min_price": "50", "max_price": "3"})
    assert response.status_code == 200
    assert PRICE_ORDER in _text(response)
    assert len(response.context["listings"]) == 5
    assert response.context["filter_chips"] == []


def test_a_bad_price_on_the_search_page_is_not_a_500(client, catalogue):
    response = client.get(reverse("search:search"), {"q": "白菜", "min_price": "十元"})
    assert response.status_code == 200 and BAD_PRICE in _text(response)


# --- English, bounded queries ------------------------------------------------------------------------


def test_the_filters_read_in_english(client, catalogue):
    _choose_location(client)
    response = client.get(INDEX, {"open_now": "1", "max_price": "9.99", "product_class": "service"},
                          HTTP_ACCEPT_LANGUAGE="en")
    text = _text(response)
    for label in ["Open now only", "In stock only", "Delivers to me", "Product type", "Packaged goods",
                  "Home service", "Your own price range", "Filter by price", "Chosen:", "Open now ✕",
                  "Under ¥10 ✕", "Clear all"]:
        assert label in text, label
    assert "只看" not in text and "已选" not in text

    response = client.get(INDEX, {"min_price": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Please enter a price of 0 or more" in _text(response)


def test_the_number_of_queries_does_not_grow_with_the_cards(client, catalogue):
    params = {"in_stock": "1", "product_class": ["fresh", "packaged"], "min_price": "1", "max_price": "500"}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INDEX, params).status_code == 200
        return len(queries)

    client.get(INDEX, params)  # warm caches (sessions, site, formats)
    before = count()
    for n in range(10):
        ListingFactory(product=ProductFactory(title=f"加购{n}"), partner=catalogue.corner_shop, price=Decimal("5"))
    assert count() == before
