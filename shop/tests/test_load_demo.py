"""`manage.py load_demo`: the demo district, loaded once for this module.

The load runs inside a transaction that is rolled back when the module ends, so other test
modules never see the demo data; each test runs in a savepoint inside it.
"""

import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from shapely.geometry import shape
from wagtail.models import GroupPagePermission

from catalog.models import Category, Product, ProductClass
from cms.models import CommunityIndexPage
from communities.models import Community, ResidentAddress, StandardAddress
from delivery.models import Courier, FulfilmentPoint, PointStock
from merchants.models import BusinessFormat, OpeningException, OpeningPeriod, Partner, StockRecord
from merchants.selectors import stock_drift
from shop.accounts.models import User
from shop.core.geo import haversine_m, polygon_contains
from shop.demo import DEMO_USERS
from shop.demo.builder import counts, database_digest, read_formats
from shop.demo.people import BUREAU_ANALYST_GROUP, COMMUNITY_EDITOR_GROUP
from shop.demo.plan import make_plan, plan_digest

SEED = 7
WALK_15_MIN_M = 864.0  # 15 min × 72 m/min ÷ 1.25 detour


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once; rolled back after the module."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_demo", seed=SEED, verbosity=0)
            yield
            transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def by_role(role):
    return next(u for u in DEMO_USERS if u.role == role)


# --- what is loaded -------------------------------------------------------------------------


def test_counts_are_in_the_expected_ranges():
    # given the demo, when we count rows, then each model holds a realistic amount
    assert 10 <= Community.objects.count() <= 14
    assert 180 <= Partner.objects.count() <= 230
    assert 2_500 <= StockRecord.objects.count() <= 3_800
    assert 300 <= Product.objects.count() <= 500
    assert 35 <= Courier.objects.count() <= 45
    residents = User.objects.filter(resident_addresses__isnull=False).distinct().count()
    assert 95 <= residents <= 110
    assert OpeningPeriod.objects.count() > 1_000 and OpeningException.objects.exists()


def test_communities_are_real_places_of_the_right_size():
    for community in Community.objects.all():
        assert community.district == "鼓楼区" and community.city == "南京市"
        assert 32.03 < community.centroid_lat < 32.11 and 118.72 < community.centroid_lng < 118.80
        assert 2_000 <= community.households <= 7_000
        assert 2.3 <= community.population / community.households <= 2.9
        polygon = shape(community.boundary)
        assert polygon.is_valid and polygon.covers(shape({"type": "Point", "coordinates": [
            community.centroid_lng, community.centroid_lat]}))
        width_m = haversine_m(polygon.bounds[1], polygon.bounds[0], polygon.bounds[1], polygon.bounds[2])
        assert 250 <= width_m <= 900
    statuses = Counter(Community.objects.values_list("demonstration_status", flat=True))
    assert statuses["national"] and statuses["provincial"] and statuses["none"]
    years = set(Community.objects.exclude(demonstration_status="none").values_list("pilot_year", flat=True))
    assert years <= {2022, 2023, 2024, 2025}


def test_community_boundaries_do_not_overlap():
    polygons = [shape(c.boundary) for c in Community.objects.all()]
    for i, a in enumerate(polygons):
        for b in polygons[i + 1:]:
            assert a.intersection(b).area == 0


def test_every_business_format_has_merchants_unevenly():
    # given the formats in the database (read, not hard-coded)
    codes = set(BusinessFormat.objects.values_list("code", flat=True))
    assert len(codes) == 26
    # then each has merchants, common formats many and rare ones few
    per_format = Counter(Partner.objects.values_list("format_id", flat=True))
    assert set(per_format) == codes
    assert per_format["convenience_store"] >= 20 and per_format["breakfast"] >= 12
    assert per_format["bookstore"] <= 3 and per_format["gym"] <= 3
    assert per_format["convenience_store"] > 5 * per_format["bookstore"]


def test_some_communities_lack_some_basic_formats_within_a_15_minute_walk():
    # given the basic formats and every merchant's position
    basic = set(BusinessFormat.objects.filter(tier="basic").values_list("code", flat=True))
    merchants = list(Partner.objects.values_list("format_id", "lat", "lng"))
    lacking = {}
    for community in Community.objects.all():
        # when we list the basic formats within 864 m of the community's centre
        reachable = {
            fmt for fmt, lat, lng in merchants
            if haversine_m(community.centroid_lat, community.centroid_lng, lat, lng) <= WALK_15_MIN_M
        }
        lacking[community.slug] = basic - reachable
    # then some communities lack some, as real ones do, while most reach most of them
    sizes = sorted(len(missing) for missing in lacking.values())
    assert sizes[-1] > 0
    assert sizes[len(sizes) // 2] <= 5 and sizes[-1] <= 9
    # and the gaps declared in the district data hold
    assert {"wet_market", "fresh_grocery"} <= lacking["gulou-yihelu"]
    assert {"repair", "laundry"} <= lacking["gulou-longjiang"]


def test_merchants_look_like_shops():
    merchants = list(Partner.objects.all())
    phone = re.compile(r"^(025-8\d{7}|1[3-9]\d{9})$")
    for m in merchants:
        assert m.name and m.address.startswith("鼓楼区") and phone.match(m.phone), m.name
        assert Decimal("3.5") <= m.rating <= Decimal("5.0")
        assert m.community_id is not None and m.format_id
        if m.delivers:
            assert m.service_radius_m or m.service_area
        else:
            assert m.service_radius_m is None and m.service_area is None
    assert len({m.name for m in merchants}) == len(merchants)
    chain_share = sum(m.is_chain for m in merchants) / len(merchants)
    assert 0.2 <= chain_share <= 0.4
    assert any(m.service_area for m in merchants)
    assert sum(m.licence_verified for m in merchants) > 0.8 * len(merchants)


def test_opening_hours_fit_the_format():
    breakfast = OpeningPeriod.objects.filter(partner__format_id="breakfast")
    assert breakfast.exists()
    assert {(p.opens.strftime("%H:%M"), p.closes.strftime("%H:%M")) for p in breakfast} == {("06:00", "10:30")}
    # some convenience stores never close, some run past midnight
    convenience = OpeningPeriod.objects.filter(partner__format_id="convenience_store")
    assert convenience.filter(opens="00:00", closes="23:59").exists()
    assert any(p.closes <= p.opens for p in convenience)
    # some shops close on Mondays
    open_days = {}
    for partner_id, weekday in OpeningPeriod.objects.values_list("partner_id", "weekday"):
        open_days.setdefault(partner_id, set()).add(weekday)
    assert any(0 not in days and 1 in days for days in open_days.values())
    # and there are holiday closings and shorter hours on the eve of the Spring Festival
    assert OpeningException.objects.filter(is_closed=True, note__contains="春节").exists()
    assert OpeningException.objects.filter(is_closed=False, opens__isnull=False).exists()


def test_the_category_tree_and_product_classes():
    kinds = {pc.name: (pc.kind, pc.track_stock, pc.requires_shipping) for pc in ProductClass.objects.all()}
    assert kinds["生鲜"][0] == "fresh" and kinds["包装商品"][0] == "packaged"
    assert kinds["上门服务"] == ("service", False, False)
    fresh = Category.objects.get(depth=1, name="生鲜")
    assert {c.name for c in fresh.get_children()} == {"蔬菜", "水果", "肉禽蛋", "水产"}
    assert {c.name for c in Category.objects.get(depth=1, name="药品").get_children()} >= {"非处方药", "医疗器械"}
    roots = set(Category.objects.filter(depth=1).values_list("name", flat=True))
    assert {"粮油调味", "家政保洁", "居家养老", "儿童托管", "家电维修", "洗衣", "美容美发"} <= roots
    assert not Product.objects.filter(categories__isnull=True).exists()


def test_products_carry_their_kind_facts():
    weighed = Product.objects.filter(sale_unit="weight")
    assert weighed.exists() and not weighed.filter(pack_size_g__isnull=True).exists()
    assert Product.objects.get(title="本地青菜").pack_size_g == 500
    services = Product.objects.filter(product_class__kind="service")
    assert services.filter(title="日常保洁 2小时", service_duration_min=120).exists()
    assert services.filter(service_duration_min__isnull=False).count() > 0.8 * services.count()
    assert not Product.objects.exclude(product_class__kind="service").filter(service_duration_min__isnull=False).exists()


def test_listings_fit_the_merchant_and_share_products():
    paths = {c.pk: c.full_name for c in Category.objects.all()}
    rows = StockRecord.objects.values_list(
        "partner__format_id", "product__categories", "product__product_class__kind",
        "price", "price_currency", "num_in_stock",
    )
    for fmt, category_id, kind, price, currency, stock in rows:
        category = paths[category_id]
        assert currency == "CNY" and price > 0
        if fmt == "pharmacy":
            assert category.startswith(("药品", "个护清洁")), category
        if fmt == "wet_market":
            assert category.startswith("生鲜"), category
        if kind == "service":
            assert stock is None
            assert fmt not in {"convenience_store", "supermarket", "wet_market", "pharmacy", "fresh_grocery"}
        else:
            assert stock is not None and stock >= 0
    # a packaged product is offered by several shops at slightly different prices
    milk = StockRecord.objects.filter(product__title="光明 鲜牛奶 950ml")
    prices = set(milk.values_list("price", flat=True))
    assert milk.count() >= 3 and len(prices) >= 2 and max(prices) < Decimal("1.5") * min(prices)


def test_fulfilment_points_and_couriers():
    delivering = Partner.objects.exclude(delivery_capability="none")
    stores = FulfilmentPoint.objects.filter(kind="store")
    assert stores.count() == delivering.exclude(format_id="front_warehouse").count()
    assert set(stores.values_list("merchant_id", flat=True)) <= set(delivering.values_list("pk", flat=True))
    kinds = Counter(FulfilmentPoint.objects.values_list("kind", flat=True))
    assert kinds["front_warehouse"] >= 3 and kinds["pickup_station"] == Community.objects.count()
    assert kinds["locker"] >= Community.objects.count()
    for courier in Courier.objects.select_related("home_point", "user"):
        assert courier.home_point is not None and courier.user.mobile
        assert haversine_m(courier.last_lat, courier.last_lng, courier.home_point.lat, courier.home_point.lng) < 1_500


def test_front_warehouses_hold_their_owners_goods():
    warehouses = FulfilmentPoint.objects.filter(kind="front_warehouse").select_related("merchant")
    chains = [w for w in warehouses if w.merchant.format_id == "supermarket"]
    assert chains and len(chains) < len(warehouses)
    for warehouse in warehouses:
        goods = StockRecord.objects.filter(partner=warehouse.merchant, num_in_stock__isnull=False)
        held = PointStock.objects.filter(point=warehouse)
        # only the owner's goods, never a home service, and some units of each
        assert set(held.values_list("listing__partner_id", flat=True)) == {warehouse.merchant_id}
        assert not held.filter(listing__num_in_stock__isnull=True).exists()
        assert not held.filter(num_in_stock=0).exists()
        if warehouse in chains:  # a chain's 到家 warehouse carries a part of the range
            assert 0.3 * goods.count() <= held.count() <= 0.8 * goods.count()
        else:  # a warehouse business's only premises holds everything it sells
            assert held.count() == goods.count()


def test_residents_live_inside_their_community():
    for address in StandardAddress.objects.select_related("community"):
        assert polygon_contains(address.community.boundary, address.lat, address.lng), address.code
        assert address.code.startswith("320106") and address.building and address.room
    resident = User.objects.get(mobile=by_role("resident").mobile)
    saved = ResidentAddress.objects.filter(user=resident)
    assert saved.count() == 2 and saved.filter(is_default=True).count() == 1


# --- demo users -------------------------------------------------------------------------------


@pytest.mark.parametrize("demo_user", DEMO_USERS, ids=lambda u: u.role)
def test_demo_users_sign_in_with_their_mobile(client, demo_user):
    assert client.login(username=demo_user.mobile, password=demo_user.password)


def test_demo_roles_have_their_rights(client):
    admin = User.objects.get(mobile=by_role("admin").mobile)
    assert admin.is_superuser and admin.is_staff

    # the merchant's staff sees the dashboard, limited to its own shop (so it is not is_staff)
    staff = User.objects.get(mobile=by_role("merchant").mobile)
    assert staff.partners.count() == 1 and staff.has_perm("partner.dashboard_access") and not staff.is_staff
    client.force_login(staff)
    assert client.get("/dashboard/").status_code == 200

    courier = User.objects.get(mobile=by_role("courier").mobile)
    assert Courier.objects.filter(user=courier, home_point__isnull=False).exists()

    analyst = User.objects.get(mobile=by_role("bureau_analyst").mobile)
    assert analyst.groups.filter(name=BUREAU_ANALYST_GROUP).exists()

    # the community editor edits two communities' pages, not the whole district (issue 14)
    editor = User.objects.get(mobile=by_role("community_editor").mobile)
    assert editor.has_perm("wagtailadmin.access_admin")
    root = CommunityIndexPage.objects.get()
    assert not GroupPagePermission.objects.filter(group__user=editor, page=root).exists()
    granted = {(slug, codename) for slug, codename in GroupPagePermission.objects.filter(group__user=editor)
               .values_list("page__slug", "permission__codename")}
    assert {slug for slug, _ in granted} == {"gulou-shanxilu", "gulou-yihelu"}
    assert {("gulou-shanxilu", c) for c in ("add_page", "change_page", "publish_page")} <= granted
    assert not editor.groups.filter(name=COMMUNITY_EDITOR_GROUP).exists()
    client.force_login(editor)
    assert client.get("/cms-admin/").status_code == 200


def test_the_demo_shop_owner_sees_a_week_of_sales_low_stock_and_a_booking(client):
    # the merchant portal's demo (shop/demo/portal.py), and a stock ledger that adds up
    from merchants import selectors as merchant_selectors

    client.force_login(User.objects.get(mobile=by_role("merchant").mobile))
    home = client.get("/dashboard/shop/").content.decode()
    assert "data-low-listing=" in home and "data-booked-slot=" in home
    orders = int(home.split('data-figure="orders">')[1].split("<")[0])
    assert orders >= 3
    figures = client.get("/dashboard/shop/figures/?period=month").content.decode()
    assert 'data-figure="sales">¥0.00' not in figures
    assert list(merchant_selectors.stock_drift()) == []


# --- determinism, idempotency, arguments, scale -------------------------------------------------


def test_loading_twice_duplicates_nothing():
    # given the loaded demo (two listings counted low through the stock ledger)
    before, digest = counts(), database_digest()
    stock = list(StockRecord.objects.order_by("pk").values_list("pk", "num_in_stock", "num_allocated"))
    # when it is loaded again with the same seed
    call_command("load_demo", seed=SEED, verbosity=0)
    # then every count, every merchant and every listing's stock is unchanged, and the stock
    # ledger still adds up (a second load once reset the counted listings behind its back)
    assert counts() == before
    assert database_digest() == digest
    assert list(StockRecord.objects.order_by("pk").values_list("pk", "num_in_stock", "num_allocated")) == stock
    assert list(stock_drift()) == []


def test_the_same_seed_gives_the_same_data():
    formats = read_formats()
    # the database holds exactly the plan of its seed, and a plan is a function of its seed
    assert database_digest() == plan_digest(make_plan(SEED, formats))
    assert plan_digest(make_plan(SEED, formats)) == plan_digest(make_plan(SEED, formats))
    assert plan_digest(make_plan(SEED + 1, formats)) != plan_digest(make_plan(SEED, formats))
    assert make_plan(-3, formats).listing_count > 0 and make_plan(0, formats).merchants


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "abc"], "--seed must be an integer"),
        (["--seed", "1.5"], "--seed must be an integer"),
        (["--scale", "lots"], "--scale must be a whole number"),
        (["--scale", "-5"], "--scale must be a positive number"),
        (["--scale", "0"], "--scale must be a positive number"),
        (["--scale", "2000000"], "above the maximum of 1,000,000"),
        (["--scale", "100"], "below the base load"),
    ],
)
def test_bad_arguments_give_a_clear_error(args, message):
    before = counts()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("load_demo", *args, verbosity=0)
    assert counts() == before


def test_scale_adds_the_requested_listings():
    # given the demo
    target = StockRecord.objects.count() + 1_500
    # when it is scaled up to the target
    call_command("load_demo", seed=SEED, scale=target, verbosity=0)
    # then the listings reach the target exactly, and asking again adds nothing
    assert StockRecord.objects.count() == target
    extras = StockRecord.objects.filter(partner_sku__startswith="X")
    assert extras.count() == 1_500
    call_command("load_demo", seed=SEED, scale=target, verbosity=0)
    assert StockRecord.objects.count() == target
    # and each extra listing is a variant of something its merchant already sells
    for listing in extras.select_related("product", "partner")[:200]:
        category = listing.product.categories.get()
        assert StockRecord.objects.filter(
            partner=listing.partner, product__categories=category
        ).exclude(partner_sku__startswith="X").exists()
