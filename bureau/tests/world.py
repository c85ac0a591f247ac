"""A small city for the bureau's tests: two communities 3 km apart with households placed at
known walking distances from a few shops, six weeks of orders, ratings and survey answers.

Distances are chosen far from the circle's edge (864 m walking, 660 m for older residents),
so a straight-line check and the metrics' projection agree on every household."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from communities.models import Community, SurveyResponse
from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory, StandardAddressFactory, UserFactory
from delivery.models import FulfilmentGroup, GroupRating
from delivery.tests.factories import order_with_groups
from merchants.tests.factories import ListingFactory, MerchantFactory, business_format

M_PER_DEG_LAT = 111_195.0
TODAY = date(2026, 11, 30)
START = date(2026, 11, 1)


def north(lat: float, metres: float) -> float:
    return lat + metres / M_PER_DEG_LAT


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class World:
    a: Community = None
    b: Community = None
    households_a: list = field(default_factory=list)
    households_b: list = field(default_factory=list)
    analyst: object = None
    shops: dict = field(default_factory=dict)


def build_world() -> World:
    w = World()
    w.a = CommunityFactory(name="甲社区", slug="jia", centroid_lat=BASE_LAT, centroid_lng=BASE_LNG,
                           demonstration_status="national", pilot_year=2024, population=9000)
    b_lat = north(BASE_LAT, 3000)
    w.b = CommunityFactory(name="乙社区", slug="yi", street="宁海路街道", centroid_lat=b_lat, centroid_lng=BASE_LNG)
    # households of A: 8 at 100 m north, 4 at 1.5 km south (out of every shop's reach)
    for metres, count in ((100, 8), (-1500, 4)):
        for _ in range(count):
            w.households_a.append(StandardAddressFactory(community=w.a, lat=north(BASE_LAT, metres), lng=BASE_LNG))
    # households of B: 7 at its centre
    for _ in range(7):
        w.households_b.append(StandardAddressFactory(community=w.b, lat=b_lat, lng=BASE_LNG))
    # shops of A: two convenience stores at the centre (one chain), an elderly-care point 700 m
    # 850 m north (750 m from the 100 m households: walkable at 72 m/min (864 m), not at 55 m/min (660 m)),
    # and a breakfast shop 2.2 km north (reaches none of A's households; B's are 800 m away)
    w.shops["store"] = MerchantFactory(name="甲便利店", community=w.a, lat=BASE_LAT, lng=BASE_LNG, is_chain=True,
                                       floor_area_m2=120)
    w.shops["store2"] = MerchantFactory(name="甲便利店二", community=w.a, lat=BASE_LAT, lng=BASE_LNG, floor_area_m2=80)
    w.shops["care"] = MerchantFactory(name="甲养老", community=w.a, format=business_format("elderly_care"),
                                      lat=north(BASE_LAT, 850), lng=BASE_LNG, licence_verified=False)
    w.shops["breakfast"] = MerchantFactory(name="乙早餐", community=w.b, format=business_format("breakfast"),
                                           lat=north(BASE_LAT, 2200), lng=BASE_LNG)
    w.shops["closed"] = MerchantFactory(name="已关门药店", community=w.a, format=business_format("pharmacy"),
                                        lat=BASE_LAT, lng=BASE_LNG, is_active=False, closed_on=date(2026, 10, 1))
    listing = ListingFactory(partner=w.shops["store"], price=Decimal("20.00"))
    listing_b = ListingFactory(partner=w.shops["breakfast"], price=Decimal("8.00"))

    # orders: A's households, one a day from 3 November; late ones every 4th, one cancelled, one failed
    residents = [UserFactory() for _ in range(40)]
    for i in range(12):
        day = START + timedelta(days=2 + i)
        home = w.households_a[i % 8]
        status = {5: "cancelled", 9: "failed"}.get(i, "delivered" if i % 3 else "collected")
        order = order_with_groups(user=residents[i], lines=[(listing, 1 + i % 2)], status=status,
                                  method="pickup" if status == "collected" else "delivery")
        group = order.fulfilment_groups.get()
        placed = at(day, 9 + i % 8)
        late = i % 4 == 0
        FulfilmentGroup.objects.filter(pk=group.pk).update(
            dropoff=home, created_at=placed, promised_at=placed + timedelta(minutes=45),
            completed_at=(placed + timedelta(minutes=60 if late else 30 + i)) if status in ("delivered", "collected") else None,
            delivery_fee=Decimal("3.00"),
        )
        if status in ("delivered", "collected"):
            GroupRating.objects.create(group=group, merchant=w.shops["store"], user=residents[i], score=5 - i % 3,
                                       rated_at=placed + timedelta(hours=3))
    # B: three delivered orders (fewer than 5: shown as "<5")
    for i in range(3):
        order = order_with_groups(user=residents[20 + i], lines=[(listing_b, 2)], status="delivered")
        placed = at(START + timedelta(days=5 + i), 8)
        FulfilmentGroup.objects.filter(pk=order.fulfilment_groups.get().pk).update(
            dropoff=w.households_b[i], created_at=placed, promised_at=placed + timedelta(minutes=30),
            completed_at=placed + timedelta(minutes=25))
    # the survey: 32 answers in A (30 or more: satisfaction shown), 3 in B (hidden)
    for i in range(32):
        low = i % 8 == 0
        SurveyResponse.objects.create(
            user=UserFactory(), community=w.a, quarter="2026Q4", convenience=3 if low else 5, price=3 if low else 4,
            quality=4, service=3 if low else 5, answered_at=at(START + timedelta(days=i % 20), 19))
    for i in range(3):
        SurveyResponse.objects.create(user=UserFactory(), community=w.b, quarter="2026Q4", convenience=4, price=4,
                                      quality=4, service=4, answered_at=at(START + timedelta(days=i), 19))
    w.analyst = UserFactory(mobile="13800000004")
    w.analyst.groups.add(Group.objects.get(name="商务局分析员"))
    return w
