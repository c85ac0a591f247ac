"""The service circle: arithmetic, merchant sets (against haversine), formats, the API."""

import random

import pytest

from communities.circle import make_circle
from communities.tests.factories import (
    BASE_LAT,
    BASE_LNG,
    CommunityFactory,
    ResidentAddressFactory,
    StandardAddressFactory,
)
from merchants.models import Partner
from merchants.tests.factories import MerchantFactory, business_format
from shop.core.geo import circle_polygon, haversine_m

pytestmark = pytest.mark.django_db


def test_a_15_minute_walk_reaches_864_m_and_an_elderly_walk_660_m():
    assert make_circle(lat=BASE_LAT, lng=BASE_LNG).radius_m == pytest.approx(864.0)
    assert make_circle(lat=BASE_LAT, lng=BASE_LNG, mode="elderly").radius_m == pytest.approx(660.0)
    assert make_circle(lat=BASE_LAT, lng=BASE_LNG, minutes=10, mode="delivery").radius_m == pytest.approx(2000.0)


def test_speeds_can_be_overridden_in_settings(settings):
    settings.SERVICE_CIRCLE = {"speeds_m_per_min": {"walk": 80.0}, "detour_factor": 1.0}
    assert make_circle(lat=BASE_LAT, lng=BASE_LNG, minutes=10).radius_m == pytest.approx(800.0)


def scatter_merchants(rng: random.Random, count: int, spread_deg: float = 0.02) -> list[Partner]:
    community = CommunityFactory()
    formats = ["convenience_store", "wet_market", "breakfast", "pharmacy", "bakery", "gym"]
    return Partner.objects.bulk_create(
        Partner(
            name=f"商户{i}", code=f"m-{i}", format=business_format(rng.choice(formats)), community=community,
            lat=BASE_LAT + rng.uniform(-spread_deg, spread_deg), lng=BASE_LNG + rng.uniform(-spread_deg, spread_deg),
            delivery_capability="platform", service_radius_m=rng.choice([800, 1500, 3000]),
        )
        for i in range(count)
    )


def get_circle(client, **params):
    response = client.get("/api/v1/circle/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_circle_holds_exactly_the_merchants_within_the_radius_by_haversine(client, search_backend):
    # given 400 merchants scattered over ~4 km around the origin
    rng = random.Random(7)
    merchants = scatter_merchants(rng, 400)
    search_backend.sync()
    for _ in range(10):
        lat, lng = BASE_LAT + rng.uniform(-0.01, 0.01), BASE_LNG + rng.uniform(-0.01, 0.01)
        # when the 15-minute walk circle is asked for
        body = get_circle(client, lat=lat, lng=lng, minutes=15, mode="walk")
        # then it holds every merchant within 864 m and no other (1 m tolerance at the edge), by distance
        expected = {m.pk for m in merchants if haversine_m(lat, lng, m.lat, m.lng) <= 864.0}
        got = {m["id"] for m in body["merchants"]}
        edge = {m.pk for m in merchants if abs(haversine_m(lat, lng, m.lat, m.lng) - 864.0) <= 1.0}
        assert got - edge == expected - edge
        distances = [m["distance_m"] for m in body["merchants"]]
        assert distances == sorted(distances)
        assert all(m["minutes"] == pytest.approx(m["distance_m"] * 1.25 / 72, abs=0.06) for m in body["merchants"])
        assert body["radius_m"] == 864.0 and body["speed_m_per_min"] == 72.0 and body["detour_factor"] == 1.25
        assert body["origin"] == {"lat": lat, "lng": lng}
        assert body["truncated"] is False
        assert body["backend"] == search_backend.name


def test_formats_covered_and_missing_are_checked_against_the_26_reference_formats(client, search_backend):
    MerchantFactory(format=business_format("wet_market"), lat=BASE_LAT + 0.001, lng=BASE_LNG)
    MerchantFactory(format=business_format("pharmacy"), lat=BASE_LAT, lng=BASE_LNG + 0.002)
    MerchantFactory(format=business_format("gym"), lat=BASE_LAT + 0.05, lng=BASE_LNG)  # 5.5 km away
    search_backend.sync()
    body = get_circle(client, lat=BASE_LAT, lng=BASE_LNG)
    assert body["backend"] == search_backend.name
    assert body["formats_covered"] == ["wet_market", "pharmacy"]
    assert len(body["formats_missing"]) == 24
    assert "gym" in body["formats_missing"] and "convenience_store" in body["formats_missing"]


def test_more_than_500_merchants_are_truncated_to_the_nearest_500(client, search_backend):
    rng = random.Random(3)
    merchants = scatter_merchants(rng, 520, spread_deg=0.004)  # all within ~600 m
    search_backend.sync()
    body = get_circle(client, lat=BASE_LAT, lng=BASE_LNG)
    nearest = sorted(merchants, key=lambda m: (haversine_m(BASE_LAT, BASE_LNG, m.lat, m.lng), m.pk))[:500]
    assert [m["id"] for m in body["merchants"]] == [m.pk for m in nearest]
    assert len(body["merchants"]) == 500
    assert body["truncated"] is True
    assert body["total"] == 520


def test_delivery_reaches_the_merchants_whose_service_area_holds_the_origin(client, search_backend):
    # a shop 1.5 km away delivering within 2 km; one with a polygon that holds the origin;
    # one whose polygon does not; one that does not deliver at all
    near_radius = MerchantFactory(lat=BASE_LAT + 0.0135, lng=BASE_LNG, service_radius_m=2000)
    polygon_yes = MerchantFactory(lat=BASE_LAT - 0.009, lng=BASE_LNG, service_radius_m=None,
                                  service_area=circle_polygon(BASE_LAT, BASE_LNG, 300))
    MerchantFactory(lat=BASE_LAT - 0.009, lng=BASE_LNG, service_radius_m=5000,
                    service_area=circle_polygon(BASE_LAT - 0.009, BASE_LNG, 300))
    MerchantFactory(lat=BASE_LAT, lng=BASE_LNG, delivery_capability=Partner.Delivery.NONE)
    small_radius = MerchantFactory(lat=BASE_LAT + 0.0135, lng=BASE_LNG, service_radius_m=1000)
    search_backend.sync()
    body = get_circle(client, lat=BASE_LAT, lng=BASE_LNG, minutes=15, mode="delivery")
    assert body["backend"] == search_backend.name
    assert {m["id"] for m in body["merchants"]} == {near_radius.pk, polygon_yes.pk}
    assert small_radius.pk not in {m["id"] for m in body["merchants"]}
    assert body["speed_m_per_min"] == 250.0


def test_the_origin_can_be_a_saved_address_or_a_community(client):
    community = CommunityFactory(centroid_lat=BASE_LAT + 0.02, centroid_lng=BASE_LNG)
    shop = MerchantFactory(lat=BASE_LAT + 0.02, lng=BASE_LNG + 0.001, community=community)
    body = get_circle(client, community_id=community.pk)
    assert body["origin"] == {"lat": BASE_LAT + 0.02, "lng": BASE_LNG}
    assert [m["id"] for m in body["merchants"]] == [shop.pk]

    address = ResidentAddressFactory(standard_address=StandardAddressFactory(community=community))
    client.force_login(address.user)
    assert get_circle(client, address_id=address.pk)["merchants"][0]["id"] == shop.pk


def test_someone_elses_saved_address_is_a_404(client):
    address = ResidentAddressFactory()
    other = ResidentAddressFactory()
    client.force_login(other.user)
    response = client.get("/api/v1/circle/", {"address_id": address.pk})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "lat"),
        ({"lat": 32.0}, "lng"),
        ({"lat": "north", "lng": 118.7}, "lat"),
        ({"lat": 32.0, "lng": "x"}, "lng"),
        ({"lat": 91, "lng": 118.7}, "lat"),
        ({"lat": -90.5, "lng": 118.7}, "lat"),
        ({"lat": 32.0, "lng": 180.1}, "lng"),
        ({"lat": 32.0, "lng": 118.7, "minutes": 0}, "minutes"),
        ({"lat": 32.0, "lng": 118.7, "minutes": -5}, "minutes"),
        ({"lat": 32.0, "lng": 118.7, "minutes": 61}, "minutes"),
        ({"lat": 32.0, "lng": 118.7, "minutes": "soon"}, "minutes"),
        ({"lat": 32.0, "lng": 118.7, "mode": "car"}, "mode"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/circle/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"], body


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_coordinates_are_a_400(client, value):
    response = client.get("/api/v1/circle/", {"lat": value, "lng": 118.7})
    assert response.status_code == 400
    assert "lat" in response.json()["fields"]
