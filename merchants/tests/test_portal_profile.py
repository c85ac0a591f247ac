"""The shop's profile from the portal: hours with breaks, holidays, a pause, money and the
service area; what residents see follows at once (search outbox); only the owner may."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import SearchOutbox
from communities.tests.factories import CommunityFactory
from merchants import selectors
from merchants.models import OpeningException, OpeningPeriod, Partner
from merchants.tests.portal_helpers import shop_with_staff


@pytest.fixture
def shop():
    return shop_with_staff()


def fresh(shop) -> Partner:
    return Partner.objects.get(pk=shop.pk)


@pytest.mark.django_db
def test_hours_with_a_break_and_a_holiday(client, shop):
    shop, owner, _clerk = shop
    client.force_login(owner)
    client.post(reverse("merchant-portal:period-add"), {"weekday": 0, "opens": "08:00", "closes": "12:00"})
    client.post(reverse("merchant-portal:period-add"), {"weekday": 0, "opens": "14:00", "closes": "20:00"})
    overlapping = client.post(reverse("merchant-portal:period-add"), {"weekday": 0, "opens": "11:00", "closes": "15:00"},
                              follow=True)
    assert "重叠" in overlapping.content.decode()
    assert OpeningPeriod.objects.filter(partner=shop).count() == 2
    monday_noon = timezone.make_aware(dt.datetime(2030, 1, 7, 13, 0))
    monday_ten = timezone.make_aware(dt.datetime(2030, 1, 7, 10, 0))
    assert not selectors.is_open_at(fresh(shop), monday_noon) and selectors.is_open_at(fresh(shop), monday_ten)
    SearchOutbox.objects.all().delete()
    client.post(reverse("merchant-portal:exception-add"), {"date": "2030-01-07", "is_closed": "1", "note": "元旦调休"})
    assert OpeningException.objects.filter(partner=shop, date=dt.date(2030, 1, 7), is_closed=True).exists()
    assert not selectors.is_open_at(fresh(shop), monday_ten)
    assert SearchOutbox.objects.filter(kind="merchant", object_id=shop.pk).exists()


@pytest.mark.django_db
def test_a_pause_closes_the_shop_until_then_and_resume_opens_it(client, shop):
    shop, owner, _clerk = shop
    OpeningPeriod.objects.create(partner=shop, weekday=timezone.localdate().weekday(), opens="00:00", closes="23:59")
    client.force_login(owner)
    until = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("merchant-portal:pause"), {"until": until, "reason": "家中有事"})
    assert fresh(shop).pause_reason == "家中有事" and fresh(shop).is_paused(timezone.now())
    assert "家中有事" in client.get(reverse("merchant-portal:profile")).content.decode()
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("merchant-portal:pause"), {"resume": "1"})
    assert fresh(shop).paused_until is None
    assert "晚于现在" in client.post(reverse("merchant-portal:pause"), {"until": past}, follow=True).content.decode()


@pytest.mark.django_db
def test_money_settings_and_bad_values(client, shop):
    shop, owner, _clerk = shop
    client.force_login(owner)
    client.post(reverse("merchant-portal:profile-save"), {
        "phone": "025-1234567", "min_order": "20.00", "delivery_fee": "3.50", "delivery_capability": "own"})
    assert (fresh(shop).min_order, fresh(shop).delivery_fee, fresh(shop).delivery_capability) == (
        Decimal("20.00"), Decimal("3.50"), "own")
    client.post(reverse("merchant-portal:profile-save"), {"min_order": "-1", "delivery_fee": "x",
                                                           "delivery_capability": "drone"})
    assert fresh(shop).min_order == Decimal("20.00")


@pytest.mark.django_db
def test_service_area_by_radius_communities_or_a_drawn_polygon(client, shop):
    shop, owner, _clerk = shop
    near = CommunityFactory(centroid_lat=shop.lat, centroid_lng=shop.lng)
    client.force_login(owner)
    assert client.get(reverse("merchant-portal:profile")).status_code == 200
    client.post(reverse("merchant-portal:profile-area"), {"radius_m": "800", "communities": [near.pk]})
    shop_now = fresh(shop)
    assert shop_now.service_radius_m == 800 and list(shop_now.communities_served.all()) == [near]
    assert shop_now.service_area is not None
    lng, lat = shop.lng, shop.lat
    square = {"type": "Polygon", "coordinates": [[[lng - .01, lat - .01], [lng + .01, lat - .01], [lng + .01, lat + .01],
                                                  [lng - .01, lat + .01], [lng - .01, lat - .01]]]}
    client.post(reverse("merchant-portal:profile-area"), {"radius_m": "", "polygon": json.dumps(square)})
    assert fresh(shop).service_area == square
    assert selectors.in_service_area(fresh(shop), lat + .005, lng) and not selectors.in_service_area(fresh(shop), lat + .02, lng)
    crossing = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    response = client.post(reverse("merchant-portal:profile-area"), {"polygon": json.dumps(crossing)}, follow=True)
    assert "无效" in response.content.decode() and fresh(shop).service_area == square


@pytest.mark.django_db
def test_a_clerk_cannot_change_the_profile(client, shop):
    shop, _owner, clerk = shop
    client.force_login(clerk)
    assert client.get(reverse("merchant-portal:profile")).status_code == 403
    assert client.post(reverse("merchant-portal:profile-save"), {"min_order": "99", "delivery_fee": "0",
                                                                  "delivery_capability": "none"}).status_code == 403
    assert fresh(shop).min_order == Decimal("0.00")
