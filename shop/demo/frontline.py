"""The people who end orders in the demo (issue 11): two home-service providers for every
merchant that sells a home service, and an operator for every community pickup station.

Deterministic and idempotent like the rest of shop/demo: the same rows whatever the number of
runs. The fixed demo users (people.DEMO_USERS, roles "provider" and "station_operator") are the
first provider of the first service merchant and the operator of the first station; the other
providers and operators are generated users (people.GENERATED_USER_PASSWORD)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from catalog.models import ProductClass
from delivery.models import FulfilmentPoint, PointHours, ServiceProvider, StationOperator
from merchants.models import Partner, StockRecord

from . import people

PROVIDERS_PER_MERCHANT = 2
PROVIDER_MOBILE_PREFIX = "1345100"  # + 4 digits
OPERATOR_MOBILE_PREFIX = "1335100"  # + 4 digits


def _demo_mobile(role: str) -> str:
    return next(d.mobile for d in people.DEMO_USERS if d.role == role)


def _users(wanted: dict[str, tuple[str, str]]) -> dict:
    """Generated users by mobile (created once with the shared password)."""
    User = get_user_model()
    existing = set(User.objects.filter(mobile__in=list(wanted)).values_list("mobile", flat=True))
    shared = make_password(people.GENERATED_USER_PASSWORD) if set(wanted) - existing else ""
    User.objects.bulk_create([User(mobile=m, last_name=last, first_name=first, password=shared)
                              for m, (last, first) in wanted.items() if m not in existing])
    return {u.mobile: u for u in User.objects.filter(mobile__in=list(wanted))}


def write_frontline(*, users: dict, partners: dict[str, Partner], points: dict) -> None:
    write_point_hours(points)
    # as write_slots finds them: one indexed read of the service listings' merchants
    with_services = set(StockRecord.objects.filter(
        partner_id__in=[p.pk for p in partners.values()], product__product_class__kind=ProductClass.Kind.SERVICE,
    ).values_list("partner_id", flat=True).distinct())
    service_merchants = sorted((p for p in partners.values() if p.pk in with_services), key=lambda p: p.code)
    seats = [(merchant, n) for merchant in service_merchants for n in range(PROVIDERS_PER_MERCHANT)]
    names = {}
    for i, (merchant, n) in enumerate(seats):
        names[(merchant.pk, n)] = (people.SURNAMES[i % len(people.SURNAMES)], ("师傅", "阿姨")[n % 2])
    generated = {f"{PROVIDER_MOBILE_PREFIX}{i:04d}": names[(m.pk, n)] for i, (m, n) in enumerate(seats) if i}
    accounts = _users(generated)
    demo_provider = users.get(_demo_mobile("provider"))
    for i, (merchant, n) in enumerate(seats):
        user = demo_provider if i == 0 else accounts[f"{PROVIDER_MOBILE_PREFIX}{i:04d}"]
        if user is None:
            continue
        last, title = names[(merchant.pk, n)]
        name = f"{user.last_name}{user.first_name}" if i == 0 else f"{last}{title}"
        ServiceProvider.objects.update_or_create(
            merchant=merchant, user=user,
            defaults={"name": name, "status": ServiceProvider.Status.AVAILABLE,
                      "last_lat": merchant.lat, "last_lng": merchant.lng},
        )

    stations = sorted((p for p in points.values() if p.kind == FulfilmentPoint.Kind.PICKUP_STATION), key=lambda p: p.pk)
    generated = {f"{OPERATOR_MOBILE_PREFIX}{i:04d}": (people.SURNAMES[(i + 7) % len(people.SURNAMES)], "站长")
                 for i in range(1, len(stations))}
    accounts = _users(generated)
    demo_operator = users.get(_demo_mobile("station_operator"))
    for i, station in enumerate(stations):
        user = demo_operator if i == 0 else accounts[f"{OPERATOR_MOBILE_PREFIX}{i:04d}"]
        if user is None:
            continue
        StationOperator.objects.update_or_create(
            user=user, point=station, defaults={"name": f"{user.last_name}{user.first_name}"})


def write_point_hours(points: dict) -> None:
    """Warehouses, stations and lockers keep their weekly hours as PointHours (every day, the
    plan's hours); a store follows its merchant's opening periods and exceptions."""
    for point in points.values():
        if point.kind == FulfilmentPoint.Kind.STORE:
            continue
        wanted = {(day, point.opens, point.closes) for day in range(7)}
        have = set(point.hours.values_list("weekday", "opens", "closes"))
        if have != wanted:
            point.hours.all().delete()
            PointHours.objects.bulk_create(PointHours(point=point, weekday=d, opens=o, closes=c) for d, o, c in wanted)


def counts() -> list[tuple[str, int]]:
    return [("上门服务人员 ServiceProvider", ServiceProvider.objects.count()),
            ("自提点管理员 StationOperator", StationOperator.objects.count())]
