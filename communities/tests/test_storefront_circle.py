"""The storefront's location picker (我的位置) and circle page (我的15分钟生活圈)."""

import random
import re

import pytest
from django.urls import reverse

from communities import location as locations
from communities.tests.factories import (
    BASE_LAT,
    BASE_LNG,
    CommunityFactory,
    ResidentAddressFactory,
    StandardAddressFactory,
    UserFactory,
)
from communities.tests.storefront import CIRCLE_URL, LOCATION_URL, offset, page_text, shop
from shop.core.geo import haversine_m

pytestmark = pytest.mark.django_db


def _svg(response) -> str:
    match = re.search(r'<svg class="circle-map".*?</svg>', response.content.decode(), flags=re.S)
    assert match, "the circle page has no map"
    return match.group(0)


def _chip(response) -> str:
    match = re.search(r'<div class="location-chip.*?</div>', response.content.decode(), flags=re.S)
    assert match, "the header has no location chip"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# --- 我的位置: choosing a location --------------------------------------------------------


def test_without_a_location_the_header_offers_to_choose_one(client, home):
    response = client.get(reverse("catalogue:index"))
    chip = _chip(response)
    assert "还没有选择您的位置" in chip and "选择我的位置" in chip
    assert f'href="{LOCATION_URL}?next=' in response.content.decode()


def test_picking_a_community_stores_its_centre_and_the_header_shows_it(client, home):
    # when a visitor picks the community
    response = client.post(LOCATION_URL, {"kind": "community", "community": home.pk}, follow=True)
    # then it is stored in the session and they land on their circle, told what happened
    assert response.redirect_chain == [(CIRCLE_URL, 302)]
    assert "已把“山西路社区”设为我的位置" in page_text(response)
    stored = client.session[locations.SESSION_KEY]
    assert (stored["kind"], stored["lat"], stored["lng"], stored["community_id"]) == ("community", BASE_LAT, BASE_LNG, home.pk)
    # and every page's header shows it, with links to change it and to the circle
    page = client.get(reverse("catalogue:index"))
    chip = _chip(page)
    assert "我的位置" in chip and "山西路社区" in chip and "更换" in chip and "看我的15分钟生活圈" in chip
    assert f'href="{CIRCLE_URL}"' in page.content.decode()


def test_picking_a_saved_address_stores_it_and_the_header_shows_it(client, home):
    address = ResidentAddressFactory(
        standard_address=StandardAddressFactory(community=home, compound="云南北路小区", building="14", unit="1",
                                                room="1802", lat=BASE_LAT + 0.001, lng=BASE_LNG)
    )
    client.force_login(address.user)
    # the page lists the resident's own addresses
    page = client.get(LOCATION_URL)
    assert "云南北路小区14栋1单元1802室" in page_text(page)
    # when they choose it
    response = client.post(LOCATION_URL, {"kind": "address", "address": address.pk})
    assert response.status_code == 302
    stored = client.session[locations.SESSION_KEY]
    assert (stored["kind"], stored["lat"], stored["address_id"]) == ("address", BASE_LAT + 0.001, address.pk)
    assert "山西路社区 云南北路小区14栋1单元1802室" in _chip(client.get(CIRCLE_URL))


def test_picking_a_point_stores_it_and_returns_to_the_page_asked_for(client, home):
    catalogue_url = reverse("catalogue:index")
    response = client.post(LOCATION_URL, {"kind": "point", "lat": "32.07", "lng": "118.78", "next": catalogue_url})
    assert response.status_code == 302 and response["Location"] == catalogue_url
    stored = client.session[locations.SESSION_KEY]
    assert (stored["kind"], stored["lat"], stored["lng"]) == ("point", 32.07, 118.78)
    assert "坐标 32.07000, 118.78000" in _chip(client.get(catalogue_url))


def test_next_may_not_leave_the_site(client, home):
    response = client.post(LOCATION_URL, {"kind": "community", "community": home.pk, "next": "https://evil.example/"})
    assert response["Location"] == CIRCLE_URL


def test_someone_elses_saved_address_is_refused_with_a_form_error(client, home):
    # given another resident's address
    theirs = ResidentAddressFactory(standard_address=StandardAddressFactory(community=home))
    mine = ResidentAddressFactory(standard_address=StandardAddressFactory(community=home))
    client.force_login(mine.user)
    # when posting its id
    response = client.post(LOCATION_URL, {"kind": "address", "address": theirs.pk})
    # then the page comes back with a plain Chinese form error, and nothing is stored
    assert response.status_code == 200
    text = page_text(response)
    assert "这个地址不在您保存的地址里" in text and "位置还没有保存" in text
    assert locations.SESSION_KEY not in client.session
    assert theirs.standard_address.label not in text  # nothing of theirs is shown


def test_a_saved_address_needs_a_signed_in_resident(client, home):
    address = ResidentAddressFactory(standard_address=StandardAddressFactory(community=home))
    response = client.post(LOCATION_URL, {"kind": "address", "address": address.pk})
    assert response.status_code == 200
    assert "请先登录" in page_text(response)
    assert locations.SESSION_KEY not in client.session


def test_a_saved_address_location_belongs_to_the_resident_who_chose_it(client, home):
    address = ResidentAddressFactory(standard_address=StandardAddressFactory(community=home))
    client.force_login(address.user)
    client.post(LOCATION_URL, {"kind": "address", "address": address.pk})
    # when someone else signs in on the same session
    client.force_login(UserFactory())
    # then the address is no longer their location
    assert "还没有选择您的位置" in _chip(client.get(reverse("catalogue:index")))


@pytest.mark.parametrize(
    "data, message",
    [
        ({"lat": "91", "lng": "118.7"}, "纬度要填 -90 到 90 之间的数字"),
        ({"lat": "-90.5", "lng": "118.7"}, "纬度要填 -90 到 90 之间的数字"),
        ({"lat": "abc", "lng": "118.7"}, "纬度要填 -90 到 90 之间的数字"),
        ({"lat": "nan", "lng": "118.7"}, "纬度要填 -90 到 90 之间的数字"),
        ({"lat": "32.0", "lng": "180.1"}, "经度要填 -180 到 180 之间的数字"),
        ({"lat": "32.0"}, "请填写经度"),
    ],
)
def test_a_bad_point_is_a_form_error(client, home, data, message):
    response = client.post(LOCATION_URL, {"kind": "point", **data})
    assert response.status_code == 200
    assert message in page_text(response)
    assert locations.SESSION_KEY not in client.session


@pytest.mark.parametrize("data", [{"kind": "community", "community": "999999"}, {"kind": "community", "community": "x"},
                                  {"kind": "community"}, {"kind": "teleport"}, {}])
def test_a_bad_community_or_kind_is_a_message_never_a_500(client, home, data):
    response = client.post(LOCATION_URL, data, follow=True)
    assert response.status_code == 200
    text = page_text(response)
    assert "社区" in text and ("请从列表中选择" in text or "请选择" in text or "请在下面选择" in text)
    assert locations.SESSION_KEY not in client.session


def test_the_location_can_be_cleared(client, home):
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    client.post(LOCATION_URL, {"kind": "clear"})
    assert locations.SESSION_KEY not in client.session


# --- 我的15分钟生活圈 ---------------------------------------------------------------------------


def test_the_circle_page_lists_exactly_the_merchants_within_the_radius_grouped_by_format(client, home, search_backend):
    # given shops at known distances from the community's centre (a 15-minute walk reaches 864 m)
    corner = shop(home, "街角便利店", "convenience_store", north_m=200)  # 200 m: 3.5 min
    pharmacy = shop(home, "平价药房", "pharmacy", east_m=500)  # 500 m: 8.7 min
    market = shop(home, "虹桥菜场", "wet_market", north_m=-800)  # 800 m: 13.9 min
    late = shop(home, "夜猫便利店", "convenience_store", east_m=-600)  # 600 m: 10.4 min
    shop(home, "远处便利店", "convenience_store", north_m=950)  # beyond the circle
    shop(home, "远处健身房", "gym", east_m=3000)
    search_backend.sync()
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    # when the resident opens their circle
    response = client.get(CIRCLE_URL)
    assert response.status_code == 200
    page = response.context["page"]
    # then the parameters are stated in plain words
    text = page_text(response)
    assert "步行15分钟约864米" in text and "每分钟步行72米" in text and "1.25" in text
    # and the groups are the formats in the guide's order, each shop by distance with its minutes
    groups = [(g.code, g.name, [(m.id, m.minutes) for m in g.merchants]) for g in page.groups]
    assert groups == [
        ("convenience_store", "便利店", [(corner.pk, 4), (late.pk, 11)]),
        ("wet_market", "菜市场", [(market.pk, 14)]),
        ("pharmacy", "药店", [(pharmacy.pk, 9)]),
    ]
    # and the page says so with Chinese headings and minute badges
    for needle in ["便利店", "菜市场", "药店", "街角便利店", "约 4 分钟", "距离 200 米", "约 9 分钟", "距离 500 米",
                   "约 14 分钟", "距离 800 米", "圈内有 4 家商户"]:
        assert needle in text, needle
    assert "远处便利店" not in text and "远处健身房" not in text


def test_the_circle_matches_haversine_for_scattered_shops(client, home):
    # given 150 shops scattered over ~3 km
    rng = random.Random(11)
    codes = ["convenience_store", "wet_market", "breakfast", "pharmacy", "bakery", "gym"]
    shops = [shop(home, f"商户{i}", rng.choice(codes), north_m=rng.uniform(-1500, 1500), east_m=rng.uniform(-1500, 1500))
             for i in range(150)]
    # when walking 10 minutes from the centre (576 m)
    response = client.get(CIRCLE_URL, {"community": home.pk, "minutes": 10})
    page = response.context["page"]
    listed = {m.id for group in page.groups for m in group.merchants}
    expected = {s.pk for s in shops if haversine_m(BASE_LAT, BASE_LNG, s.lat, s.lng) <= 576}
    edge = {s.pk for s in shops if abs(haversine_m(BASE_LAT, BASE_LNG, s.lat, s.lng) - 576) <= 1}
    assert listed - edge == expected - edge
    assert len(expected) > 10
    assert len(_svg(response).split('class="merchant-dot')) - 1 == len(listed)


def test_missing_formats_are_listed_and_basic_ones_stand_out(client, home):
    shop(home, "街角便利店", "convenience_store", north_m=100)
    shop(home, "平价药房", "pharmacy", east_m=100)
    shop(home, "书店", "bookstore", east_m=-100)
    response = client.get(CIRCLE_URL, {"community": home.pk})
    page = response.context["page"]
    missing_basic = [m.name for m in page.missing_basic]
    assert "菜市场" in missing_basic and "早餐店" in missing_basic
    assert "便利店" not in missing_basic and "药店" not in missing_basic
    assert len(page.missing_basic) == 12 and len(page.missing_quality) == 11
    assert "新式书店" not in [m.name for m in page.missing_quality]
    text = page_text(response)
    assert "圈内缺少的日常必需店 (基本保障类)" in text and "菜市场" in text
    assert "圈内还缺少 11 种品质提升类的店" in text
    assert "覆盖 3 / 26 种业态" in text


def test_the_map_has_one_dot_per_merchant_the_boundaries_and_no_external_urls(client, home):
    # given three shops in the circle, one outside, and a neighbouring community
    inside = [shop(home, "街角便利店", "convenience_store", north_m=100), shop(home, "平价药房", "pharmacy", east_m=300),
              shop(home, "书店", "bookstore", east_m=-400)]
    shop(home, "远处便利店", "convenience_store", north_m=2000)
    CommunityFactory(name="马台街社区", centroid_lat=BASE_LAT + 0.006, centroid_lng=BASE_LNG + 0.006)
    response = client.get(CIRCLE_URL, {"community": home.pk})
    svg = _svg(response)
    # then one dot per shop in the circle, each with its name in a tooltip
    dots = re.findall(r'class="merchant-dot (\w+)" data-merchant-id="(\d+)"', svg)
    assert sorted(int(pk) for _tier, pk in dots) == sorted(s.pk for s in inside)
    assert {tier for tier, _pk in dots} == {"basic", "quality"}
    for merchant in inside:
        assert re.search(rf"<title>{merchant.name} · [^<]*约 \d+ 分钟[^<]*</title>", svg)
    assert "远处便利店" not in svg
    # the circle, the origin and both communities' boundaries
    assert svg.count('class="map-circle"') == 1 and 'class="map-origin"' in svg
    assert len(re.findall(r'<path class="map-area', svg)) == 2 and "马台街社区" in svg
    # and nothing points anywhere else
    assert "http" not in svg and "//" not in svg and "xlink" not in svg and "<image" not in svg


def test_nothing_in_reach_is_an_empty_state(client, home):
    shop(home, "远处便利店", "convenience_store", north_m=2000)
    response = client.get(CIRCLE_URL, {"community": home.pk, "minutes": 5})
    assert response.status_code == 200
    text = page_text(response)
    assert "步行5分钟约288米的范围内还没有商户" in text
    assert "看看30分钟内的店" in text and "看看能送到家的店" in text
    assert "圈内缺少的日常必需店" not in text  # every format is missing: the empty state says it all
    assert 'class="merchant-dot' not in _svg(response)


def test_without_a_location_the_circle_page_asks_for_one(client, home):
    response = client.get(CIRCLE_URL)
    assert response.status_code == 200
    assert "还没有选择您的位置" in page_text(response)
    assert f'href="{LOCATION_URL}?next=' in response.content.decode()


def test_modes_and_minutes_change_the_circle(client, home):
    shop(home, "街角便利店", "convenience_store", north_m=700)  # 12.2 min on foot, 15.9 min for an older walker
    walk = client.get(CIRCLE_URL, {"community": home.pk})
    elderly = client.get(CIRCLE_URL, {"community": home.pk, "mode": "elderly"})
    delivery = client.get(CIRCLE_URL, {"community": home.pk, "mode": "delivery", "minutes": 30})
    assert "约 13 分钟" in page_text(walk)
    assert "老人步行15分钟约660米" in page_text(elderly) and "街角便利店" not in page_text(elderly)
    assert "配送30分钟约6000米" in page_text(delivery) and "送货范围" in page_text(delivery)
    assert "街角便利店" in page_text(delivery)
    # the option links keep the place
    assert f'href="/circle/?community={home.pk}&amp;mode=elderly"' in walk.content.decode()


def test_a_place_in_the_link_can_be_made_my_location(client, home):
    other = CommunityFactory(name="颐和路社区", centroid_lat=BASE_LAT - 0.01, centroid_lng=BASE_LNG)
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    response = client.get(CIRCLE_URL, {"community": other.pk, "minutes": 10})
    text = page_text(response)
    assert "颐和路社区" in text and "设为我的位置" in text and "回到我的位置 (山西路社区)" in text
    client.post(LOCATION_URL, {"kind": "community", "community": other.pk})
    assert client.session[locations.SESSION_KEY]["community_id"] == other.pk


def test_a_point_in_the_link_draws_the_circle_around_it(client, home):
    corner = shop(home, "街角便利店", "convenience_store", north_m=2000)
    lat, lng = offset(north_m=2100)
    response = client.get(CIRCLE_URL, {"lat": lat, "lng": lng})
    assert [m.id for g in response.context["page"].groups for m in g.merchants] == [corner.pk]
    assert "约 2 分钟" in page_text(response)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lat": "abc", "lng": "118.7"}, "纬度要填 -90 到 90 之间的数字"),
        ({"lat": "91", "lng": "118.7"}, "纬度要填 -90 到 90 之间的数字"),
        ({"lat": "32.0", "lng": "inf"}, "经度要填 -180 到 180 之间的数字"),
        ({"lat": "32.0"}, "纬度和经度要一起填写"),
        ({"minutes": "0"}, "时间只能选 5、10、15、20 或 30 分钟"),
        ({"minutes": "-5"}, "时间只能选 5、10、15、20 或 30 分钟"),
        ({"minutes": "soon"}, "时间只能选 5、10、15、20 或 30 分钟"),
        ({"minutes": "1e9"}, "时间只能选 5、10、15、20 或 30 分钟"),
        ({"mode": "car"}, "出行方式只能选 步行、老人步行 或 配送"),
        ({"community": "999999"}, "没有找到这个社区"),
        ({"community": "abc"}, "没有找到这个社区"),
        ({"address": "999999"}, "这个地址不在您保存的地址里"),
    ],
)
def test_bad_query_parameters_are_a_friendly_message_never_a_500(client, home, params, message):
    # given a resident with a chosen location
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    # when a link carries a bad parameter
    response = client.get(CIRCLE_URL, params)
    # then the page still shows their circle, with the defaults, and says what was wrong
    assert response.status_code == 200
    text = page_text(response)
    assert message in text
    assert "链接里有看不懂的内容" in text
    assert "Traceback" not in text
    assert response.context["page"] is not None


def test_someone_elses_address_in_the_link_is_refused(client, home):
    theirs = ResidentAddressFactory(standard_address=StandardAddressFactory(community=home))
    client.force_login(UserFactory())
    response = client.get(CIRCLE_URL, {"address": theirs.pk})
    assert response.status_code == 200
    assert "这个地址不在您保存的地址里" in page_text(response)
    assert response.context["origin"] is None


def test_the_circle_is_in_the_header_navigation(client, home):
    response = client.get(reverse("catalogue:index"))
    html = response.content.decode()
    assert re.search(rf'<a href="{CIRCLE_URL}"[^>]*>生活圈</a>', html)


def test_the_circle_page_renders_in_english(client, home):
    shop(home, "街角便利店", "convenience_store", north_m=200)
    chosen = client.post(LOCATION_URL, {"kind": "community", "community": home.pk}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "“山西路社区” is now your location." in page_text(chosen)
    response = client.get(CIRCLE_URL, {"minutes": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    text = page_text(response)
    for needle in ["My 15-minute circle", "On foot 15 min: about 864 m", "72 m a minute", "convenience store",
                   "about 4 min", "200 m away", "My location", "Minutes can only be 5, 10, 15, 20 or 30",
                   "Missing everyday essentials", "Change location"]:
        assert needle in text, needle
    assert "我的位置" not in text and "步行" not in text
    assert "My location" in page_text(client.get(LOCATION_URL, HTTP_ACCEPT_LANGUAGE="en"))
