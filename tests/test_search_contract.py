"""One contract for listing search, run against the database backend and the real Elasticsearch.

Each case builds a small neighbourhood, brings the backend up to date and asks
GET /api/v1/search/; the expected answer is computed independently (haversine, plain Python).
"""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.tests.factories import FreshProductClassFactory, ProductFactory, ServiceProductClassFactory, category
from communities.tests.factories import BASE_LAT, BASE_LNG
from merchants.models import OpeningPeriod
from merchants.tests.factories import ListingFactory, MerchantFactory, business_format
from shop.core.geo import circle_polygon, haversine_m
from tests.test_search_sync import reachable_again, unreachable_elasticsearch

pytestmark = pytest.mark.django_db
NEAR, MID, FAR = 0.003, 0.006, 0.02  # degrees of latitude north of the origin: ~333 m, ~667 m, ~2.2 km


@pytest.fixture
def district():
    """Four merchants on a line north of the origin, with greens, eggs, milk and a cleaning service."""
    vegetables = category("生鲜 > 蔬菜")
    eggs_category = category("生鲜 > 肉禽蛋")
    fresh, service = FreshProductClassFactory(), ServiceProductClassFactory()
    market = MerchantFactory(name="青岛路菜场", format=business_format("wet_market"), lat=BASE_LAT + NEAR, lng=BASE_LNG,
                             rating=Decimal("4.8"))
    store = MerchantFactory(name="湖南路便利店", format=business_format("convenience_store"), lat=BASE_LAT + MID,
                            lng=BASE_LNG, rating=Decimal("4.2"), service_radius_m=None,
                            service_area=circle_polygon(BASE_LAT + MID, BASE_LNG, 400))  # does not reach the origin
    far_market = MerchantFactory(name="江东菜市场", format=business_format("wet_market"), lat=BASE_LAT + FAR,
                                 lng=BASE_LNG, service_radius_m=3000)
    cleaner = MerchantFactory(name="好帮手家政", format=business_format("housekeeping"), lat=BASE_LAT + MID, lng=BASE_LNG,
                              service_radius_m=3000)
    greens = ProductFactory(title="有机青菜", product_class=fresh, categories=[vegetables])
    eggs = ProductFactory(title="土鸡蛋 10枚", product_class=fresh, categories=[eggs_category])
    milk = ProductFactory(title="光明鲜牛奶")
    cleaning = ProductFactory(title="家庭保洁 2小时", product_class=service)
    listings = {
        "market_greens": ListingFactory(partner=market, product=greens, price=Decimal("3.50")),
        "market_eggs": ListingFactory(partner=market, product=eggs, price=Decimal("15.80")),
        "store_greens": ListingFactory(partner=store, product=greens, price=Decimal("4.20")),
        "store_milk": ListingFactory(partner=store, product=milk, price=Decimal("12.00"), num_in_stock=0),
        "far_greens": ListingFactory(partner=far_market, product=greens, price=Decimal("2.90")),
        "cleaning": ListingFactory(partner=cleaner, product=cleaning, price=Decimal("120.00")),
    }
    return type("District", (), {"listings": listings, "market": market, "store": store, "far_market": far_market,
                                 "cleaner": cleaner, "vegetables": vegetables, "eggs": eggs_category})


def search(client, backend, **params):
    response = client.get("/api/v1/search/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["backend"] == backend.name
    return body


def ids(body) -> list[int]:
    return [result["id"] for result in body["results"]]


def pks(district, *names) -> set[int]:
    return {district.listings[name].pk for name in names}


def test_text_search_finds_the_listings_whose_title_holds_the_words(client, district, search_backend):
    search_backend.sync()
    body = search(client, search_backend, q="青菜")
    assert set(ids(body)) == pks(district, "market_greens", "store_greens", "far_greens")
    assert body["count"] == 3
    first = body["results"][0]
    assert set(first) >= {"id", "product_id", "title", "price", "currency", "merchant", "distance_m", "minutes", "in_stock"}
    assert first["currency"] == "CNY" and first["price"].count(".") == 1 and len(first["price"].split(".")[1]) == 2
    # a term may also name the merchant or its format
    assert set(ids(search(client, search_backend, q="菜场"))) == pks(district, "market_greens", "market_eggs")  # not 菜市场


def test_the_walk_circle_keeps_only_merchants_within_reach_with_their_distances(client, district, search_backend):
    search_backend.sync()
    body = search(client, search_backend, lat=BASE_LAT, lng=BASE_LNG, minutes=15, mode="walk", sort="distance")
    # 864 m reach the market (333 m), the store and the cleaner (667 m), not the far market (2.2 km)
    assert set(ids(body)) == pks(district, "market_greens", "market_eggs", "store_greens", "store_milk", "cleaning")
    distances = [result["distance_m"] for result in body["results"]]
    assert distances == sorted(distances)
    for result in body["results"]:
        merchant = {m.pk: m for m in (district.market, district.store, district.cleaner)}[result["merchant"]["id"]]
        assert result["distance_m"] == pytest.approx(haversine_m(BASE_LAT, BASE_LNG, merchant.lat, merchant.lng), abs=1)
        assert result["minutes"] == pytest.approx(result["distance_m"] * 1.25 / 72, abs=0.1)
    assert body["circle"]["radius_m"] == 864.0
    # the elderly circle (660 m) drops the merchants at 667 m
    elderly = search(client, search_backend, lat=BASE_LAT, lng=BASE_LNG, mode="elderly")
    assert set(ids(elderly)) == pks(district, "market_greens", "market_eggs")


def test_sorting_by_price_both_ways(client, district, search_backend):
    search_backend.sync()
    ascending = search(client, search_backend, q="青菜", sort="price-asc")
    assert [r["price"] for r in ascending["results"]] == ["2.90", "3.50", "4.20"]
    descending = search(client, search_backend, q="青菜", sort="price-desc")
    assert [r["price"] for r in descending["results"]] == ["4.20", "3.50", "2.90"]


def test_filters_price_class_stock_and_category(client, district, search_backend):
    search_backend.sync()
    assert set(ids(search(client, search_backend, min_price="3.50", max_price="15.80"))) == pks(
        district, "market_greens", "market_eggs", "store_greens", "store_milk")
    assert set(ids(search(client, search_backend, product_class="service"))) == pks(district, "cleaning")
    in_stock = set(ids(search(client, search_backend, in_stock="true")))
    assert district.listings["store_milk"].pk not in in_stock and len(in_stock) == 5
    # a category includes its descendants: 生鲜 holds greens and eggs
    fresh_root = district.vegetables.get_parent()
    assert set(ids(search(client, search_backend, category=fresh_root.pk))) == pks(
        district, "market_greens", "market_eggs", "store_greens", "far_greens")


def test_facets_count_what_each_choice_would_show(client, district, search_backend):
    search_backend.sync()
    body = search(client, search_backend, format="wet_market")
    assert set(ids(body)) == pks(district, "market_greens", "market_eggs", "far_greens")
    formats = {f["key"]: f["count"] for f in body["facets"]["format"]}
    # the format facet ignores its own selection: every format keeps its count
    assert formats == {"wet_market": 3, "convenience_store": 2, "housekeeping": 1}
    categories = {int(c["key"]): c["count"] for c in body["facets"]["category"]}
    assert categories == {district.vegetables.get_parent().pk: 3}
    prices = {p["key"]: p["count"] for p in body["facets"]["price"]}
    assert prices == {"0-10": 2, "10-30": 1, "30-100": 0, "100-": 0}


def test_open_now_and_delivers_to_me(client, district, search_backend):
    # the market opens 6-12 on Mondays, the store 0-24 (overnight period), the others never
    for weekday in range(7):
        OpeningPeriod.objects.create(partner=district.store, weekday=weekday, opens=time(7), closes=time(7))
    OpeningPeriod.objects.create(partner=district.market, weekday=0, opens=time(6), closes=time(12))
    search_backend.sync()
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    from catalog import selectors

    result = selectors.search_listings(open_now=True, at=monday_9)
    assert {item.pk for item in result.items} == pks(district, "market_greens", "market_eggs", "store_greens", "store_milk")
    monday_13 = monday_9.replace(hour=13)
    assert {item.pk for item in selectors.search_listings(open_now=True, at=monday_13).items} == pks(
        district, "store_greens", "store_milk")
    # delivers to me: the store's polygon does not hold the origin; the cleaner's 3 km radius does
    body = search(client, search_backend, lat=BASE_LAT, lng=BASE_LNG, delivers_to_me="true", minutes=30, mode="walk")
    assert set(ids(body)) == pks(district, "market_greens", "market_eggs", "cleaning")


def test_pages(client, district, search_backend):
    search_backend.sync()
    first = search(client, search_backend, sort="price-asc", page_size=4)
    second = search(client, search_backend, sort="price-asc", page_size=4, page=2)
    assert first["count"] == second["count"] == 6
    assert len(first["results"]) == 4 and len(second["results"]) == 2
    assert not set(ids(first)) & set(ids(second))
    assert client.get("/api/v1/search/", {"page": 3, "page_size": 4}).status_code == 404


def test_suggestions_for_the_search_box(client, district, search_backend):
    search_backend.sync()
    body = client.get("/api/v1/search/suggest/", {"q": "青"}).json()
    assert body["suggestions"] == ["有机青菜"] or "有机青菜" in body["suggestions"]
    assert body["backend"] == search_backend.name


def test_a_nul_character_in_what_was_typed_is_dropped_not_a_500(client, district, search_backend):
    # found by the fuzzing pass: PostgreSQL text refuses NUL, which reached the database backend
    search_backend.sync()
    response = client.get("/api/v1/search/suggest/", {"q": "青\x00"})
    assert response.status_code == 200
    assert response.json()["q"] == "青" and "有机青菜" in response.json()["suggestions"]


@pytest.mark.elasticsearch
def test_pinyin_finds_chinese_titles(client, district, es_index, settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    es_index()
    for typed in ("qingcai", "qc", "QingCai"):
        body = client.get("/api/v1/search/", {"q": typed}).json()
        assert body["backend"] == "elasticsearch"
        assert set(ids(body)) == pks(district, "market_greens", "store_greens", "far_greens"), typed
    suggestions = client.get("/api/v1/search/suggest/", {"q": "qing"}).json()["suggestions"]
    assert "有机青菜" in suggestions


@pytest.mark.elasticsearch
def test_search_answers_from_the_database_while_elasticsearch_is_down(client, district, es_index, settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    es_index()
    url = settings.ELASTICSEARCH_URL
    unreachable_elasticsearch(settings)
    body = client.get("/api/v1/search/", {"q": "青菜", "lat": BASE_LAT, "lng": BASE_LNG}).json()
    assert body["backend"] == "database"
    assert set(ids(body)) == pks(district, "market_greens", "store_greens")
    reachable_again(settings, url)
    assert client.get("/api/v1/search/", {"q": "青菜"}).json()["backend"] == "elasticsearch"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"lat": "abc", "lng": 118.7}, "lat"),
        ({"lat": 32.0}, "lng"),
        ({"lat": 95, "lng": 118.7}, "lat"),
        ({"lat": 32.0, "lng": -181}, "lng"),
        ({"lat": 32.0, "lng": 118.7, "minutes": 0}, "minutes"),
        ({"lat": 32.0, "lng": 118.7, "minutes": 90}, "minutes"),
        ({"lat": 32.0, "lng": 118.7, "mode": "helicopter"}, "mode"),
        ({"format": "casino"}, "format"),
        ({"sort": "cheapest"}, "sort"),
        ({"sort": "distance"}, "sort"),
        ({"page_size": 101}, "page_size"),
        ({"page": 0}, "page"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": 20, "max_price": 10}, "min_price"),
        ({"product_class": "weapons"}, "product_class"),
        ({"category": "veg"}, "category"),
        ({"open_now": "maybe"}, "open_now"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/search/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"], body
