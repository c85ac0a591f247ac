"""Every order ends (issue 11): a pickup handed over at the counter or the station with the
resident's code, an uncollected pickup expired, a home service done on the provider's word and
the resident's code. Through the services, the API and the pages, with the bad inputs: wrong or
reused codes, double handovers, someone else's parcel or booking — 4xx, nothing written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.apps.communication.models import Notification

from catalog.tests.factories import ProductFactory, ServiceProductClassFactory
from communities.tests.factories import BASE_LNG, StandardAddressFactory, UserFactory
from delivery import dispatch, pickup_attempts, selectors
from delivery.models import DispatchJob, FulfilmentEvent, FulfilmentGroup, FulfilmentPoint, JobOffer, StationOperator
from delivery.tests.factories import (
    FulfilmentPointFactory,
    ServiceProviderFactory,
    SlotFactory,
    north,
    order_with_groups,
    store_point,
)
from delivery.tests.test_courier_api import api
from merchants.models import StockRecord
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.checkout.models import Payment
from shop.checkout.releasing import PICKUP_EXPIRY, expire_uncollected

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status


@pytest.fixture(autouse=True)
def no_attempts_left_over(settings):
    settings.REDIS_URL = ""  # the guessing count in Django's cache: nothing shared between tests
    pickup_attempts._local.clear()
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def staff_of(merchant, mobile="13500000001"):
    user = UserFactory(mobile=mobile)
    user.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    merchant.users.add(user)
    return user


def shop_pickup(*, quantity=2, resident=None):
    """A pickup at the shop, ready at the counter, its stock allocated as checkout left it."""
    listing = ListingFactory(num_in_stock=10, num_allocated=quantity, price=Decimal("12.00"))
    order = order_with_groups(user=resident or UserFactory(), lines=[(listing, quantity)], method="pickup",
                              status=S.READY_FOR_PICKUP)
    group = order.fulfilment_groups.get()
    FulfilmentEvent.objects.create(group=group, status=S.READY_FOR_PICKUP, at=timezone.now())
    return group


def wrong(group):
    return "000000" if group.pickup_code != "000000" else "111111"


def state(group):
    group.refresh_from_db()
    return group.status, FulfilmentEvent.objects.filter(group=group).count()


# --- the counter ----------------------------------------------------------------------------------


def test_staff_hand_a_pickup_over_at_the_counter_with_the_code_once():
    # given a pickup ready at the shop and a member of its staff
    group = shop_pickup()
    staff = staff_of(group.merchant)
    url = reverse("api:merchant-group-handover", kwargs={"group_id": group.pk})
    before = state(group)

    # when they type a wrong code, then a malformed one: refused, nothing written
    answer = api(staff).post(url, {"pickup_code": wrong(group)}, format="json")
    assert answer.status_code == 422 and answer.json()["error"] == "unprocessable"
    assert answer.json()["attempts_left"] == 4
    assert api(staff).post(url, {"pickup_code": "12ab"}, format="json").status_code == 400
    assert state(group) == before

    # when the right code is given: collected, with an event
    answer = api(staff).post(url, {"pickup_code": group.pickup_code}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == S.COLLECTED
    group.refresh_from_db()
    assert group.status == S.COLLECTED and group.completed_at is not None
    assert group.order.status == "completed" or group.order.__class__.objects.get(pk=group.order_id).status == "completed"

    # then the same code again is a 409, nothing more written
    after = state(group)
    again = api(staff).post(url, {"pickup_code": group.pickup_code}, format="json")
    assert again.status_code == 409 and again.json()["error"] == "bad_transition"
    assert state(group) == after


def test_another_shop_a_resident_and_a_stranger_cannot_hand_it_over():
    group = shop_pickup()
    url = reverse("api:merchant-group-handover", kwargs={"group_id": group.pk})
    other = staff_of(MerchantFactory(), mobile="13500000002")
    before = state(group)
    assert api(other).post(url, {"pickup_code": group.pickup_code}, format="json").status_code == 404
    assert api(group.order.user).post(url, {"pickup_code": group.pickup_code}, format="json").status_code == 404
    assert api().post(url, {"pickup_code": group.pickup_code}, format="json").status_code in (401, 403)
    assert state(group) == before


def test_a_station_parcel_is_not_handed_over_at_the_shop_counter():
    group = shop_pickup()
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION)
    FulfilmentGroup.objects.filter(pk=group.pk).update(pickup_point=station)
    staff = staff_of(group.merchant)
    answer = api(staff).post(reverse("api:merchant-group-handover", kwargs={"group_id": group.pk}),
                             {"pickup_code": group.pickup_code}, format="json")
    assert answer.status_code == 409
    assert state(group)[0] == S.READY_FOR_PICKUP


def test_the_counter_page_lists_the_waiting_pickups_and_hands_one_over():
    # given a pickup ready at the shop
    group = shop_pickup()
    client = Client()
    client.force_login(staff_of(group.merchant))

    # the counter page lists it, without its code
    page = client.get(reverse("merchant-orders:counter"))
    assert page.status_code == 200
    assert group.order.number in page.content.decode() and group.pickup_code not in page.content.decode()

    # a wrong code is a message on the page, the right one hands it over
    url = reverse("merchant-orders:group-handover", kwargs={"pk": group.pk})
    page = client.post(url, {"pickup_code": wrong(group), "next": "counter"}, follow=True)
    assert "取货码不正确" in page.content.decode() and state(group)[0] == S.READY_FOR_PICKUP
    page = client.post(url, {"pickup_code": group.pickup_code, "next": "counter"}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("merchant-orders:counter")
    assert "已交给顾客" in page.content.decode()
    assert state(group)[0] == S.COLLECTED


# --- the station ----------------------------------------------------------------------------------


def station_parcel():
    group = shop_pickup()
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, name="青岛路驿站")
    FulfilmentGroup.objects.filter(pk=group.pk).update(pickup_point=station)
    operator = StationOperator.objects.create(user=UserFactory(mobile="13500000009"), point=station, name="站长")
    return group, operator


def test_the_station_operator_hands_over_only_parcels_at_their_station():
    # given a parcel at 青岛路驿站, its operator, and the operator of another station
    group, operator = station_parcel()
    elsewhere = StationOperator.objects.create(
        user=UserFactory(mobile="13500000010"), point=FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION),
        name="别站站长")
    url = reverse("api:station-parcel-handover", kwargs={"group_id": group.pk})
    before = state(group)

    # the other station's operator, the shop's staff and a resident are refused, nothing written
    assert api(elsewhere.user).post(url, {"pickup_code": group.pickup_code}, format="json").status_code == 404
    assert api(staff_of(group.merchant)).post(url, {"pickup_code": group.pickup_code}, format="json").status_code == 403
    assert api(group.order.user).post(url, {"pickup_code": group.pickup_code}, format="json").status_code == 403
    assert api(elsewhere.user).get(reverse("api:station-parcels")).json() == {"parcels": []}
    assert state(group) == before

    # the operator sees the parcel and hands it over with the code
    listed = api(operator.user).get(reverse("api:station-parcels")).json()["parcels"]
    assert [parcel["id"] for parcel in listed] == [group.pk]
    answer = api(operator.user).post(url, {"pickup_code": group.pickup_code}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == S.COLLECTED
    assert FulfilmentEvent.objects.filter(group=group, status=S.COLLECTED, actor=f"station:{operator.user.pk}").exists()
    assert api(operator.user).post(url, {"pickup_code": group.pickup_code}, format="json").status_code == 409


def test_the_station_page_hands_a_parcel_over():
    group, operator = station_parcel()
    client = Client()
    client.force_login(operator.user)
    page = client.get(reverse("delivery:station"))
    assert page.status_code == 200 and group.order.number in page.content.decode()
    url = reverse("delivery:station-handover", kwargs={"group_id": group.pk})
    page = client.post(url, {"pickup_code": "12"}, follow=True)
    assert "取货码是 6 位数字" in page.content.decode() and state(group)[0] == S.READY_FOR_PICKUP
    page = client.post(url, {"pickup_code": group.pickup_code}, follow=True)
    assert "已交给居民" in page.content.decode() and state(group)[0] == S.COLLECTED
    # someone who runs no station gets no page
    stranger = Client()
    stranger.force_login(UserFactory(mobile="13500000011"))
    assert stranger.get(reverse("delivery:station")).status_code == 404


# --- expiry ---------------------------------------------------------------------------------------


def test_an_uncollected_pickup_expires_its_goods_go_back_and_the_resident_is_told(settings):
    # given two pickups at the counter, one ready 50 hours ago, one ready an hour ago, and a paid order
    settings.PICKUP_EXPIRY_HOURS = 48
    old, fresh = shop_pickup(quantity=2), shop_pickup(quantity=1)
    now = timezone.now()
    FulfilmentEvent.objects.filter(group=old).update(at=now - timedelta(hours=50))
    FulfilmentEvent.objects.filter(group=fresh).update(at=now - timedelta(hours=1))
    Payment.objects.create(order=old.order, provider=Payment.Provider.SANDBOX, status=Payment.Status.PAID,
                           amount=old.goods_total, paid_at=now - timedelta(hours=51))
    listing = old.lines.get().listing

    # when beat's sweep runs (twice: it is idempotent)
    assert expire_uncollected(now=now) == [old.pk]
    assert expire_uncollected(now=now) == []

    # then the old one is cancelled with the reason, its units are free again, the payment is
    # settled as the order layer settles a released group, and the resident has a notification
    old.refresh_from_db()
    assert old.status == S.CANCELLED and "48 小时未取货" in old.status_reason
    assert StockRecord.objects.get(pk=listing.pk).num_allocated == 0
    assert FulfilmentEvent.objects.filter(group=old, status=S.CANCELLED, actor=PICKUP_EXPIRY).count() == 1
    payment = Payment.objects.get(order=old.order)
    assert payment.status != Payment.Status.PAID or payment.refunded_amount > 0
    assert Notification.objects.filter(recipient=old.order.user, subject__contains=old.order.number).count() == 1
    tracking = selectors.order_tracking(number=old.order.number, user=old.order.user)
    assert "48 小时未取货" in tracking.groups[0].reason
    # and the fresh one still waits
    assert state(fresh)[0] == S.READY_FOR_PICKUP


# --- home services --------------------------------------------------------------------------------


def booking(provider_count=1):
    """A home-service booking routed to the merchant and offered to its (first) provider."""
    merchant = MerchantFactory()
    store_point(merchant)
    providers = [ServiceProviderFactory(merchant=merchant, user=UserFactory(mobile=f"1340000000{i}"),
                                        last_lat=north(100 * i), last_lng=BASE_LNG) for i in range(provider_count)]
    listing = ListingFactory(partner=merchant, product=ProductFactory(product_class=ServiceProductClassFactory(),
                                                                      title="家庭保洁 2 小时"))
    slot = SlotFactory(merchant=merchant, capacity=3, starts_at=timezone.now() + timedelta(hours=2))
    order = order_with_groups(lines=[(listing, 1, slot)])
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(dropoff=StandardAddressFactory(lat=north(800), lng=BASE_LNG))
    dispatch.route_and_offer(group_id=group.pk)
    group.refresh_from_db()
    assert group.pickup_code  # a booking carries the resident's code
    return group, providers


def step(user, group, action, body=None):
    return api(user).post(reverse(f"api:provider-{action}", kwargs={"group_id": group.pk}), body or {}, format="json")


def test_a_provider_takes_a_booking_from_offer_to_done_with_the_residents_code():
    # given a booking offered to 王阿姨
    group, (provider,) = booking()
    listed = api(provider.user).get(reverse("api:provider-bookings")).json()["bookings"]
    assert [(b["id"], b["state"], b["services"]) for b in listed] == [(group.pk, "offered", ["家庭保洁 2 小时"])]

    # "done" before setting off is a 409
    assert step(provider.user, group, "accept").json()["status"] == S.COURIER_ASSIGNED
    assert step(provider.user, group, "complete", {"pickup_code": group.pickup_code}).status_code == 409
    assert step(provider.user, group, "start").json()["status"] == S.PICKED_UP
    assert step(provider.user, group, "arrive").status_code == 200
    assert step(provider.user, group, "arrive").status_code == 200  # twice: one event
    assert FulfilmentEvent.objects.filter(group=group, status="arrived").count() == 1

    # the resident follows it in their words
    tracking = selectors.order_tracking(number=group.order.number, user=group.order.user).groups[0]
    assert tracking.is_service and [s.label for s in tracking.steps if s.state == "current"] == ["服务人员已到达"]

    # a wrong code is refused (nothing written), the right one ends the booking
    before = state(group)
    answer = step(provider.user, group, "complete", {"pickup_code": wrong(group)})
    assert answer.status_code == 422 and answer.json()["attempts_left"] == 4
    assert state(group) == before
    assert step(provider.user, group, "complete", {"pickup_code": group.pickup_code}).json()["status"] == S.DELIVERED
    assert step(provider.user, group, "complete", {"pickup_code": group.pickup_code}).status_code == 409
    group.refresh_from_db()
    assert group.order.status == "completed"
    tracking = selectors.order_tracking(number=group.order.number, user=group.order.user).groups[0]
    assert all(s.state == "done" for s in tracking.steps) and tracking.headline == "服务已完成"
    assert api(provider.user).get(reverse("api:provider-bookings")).json()["bookings"][0]["state"] == "done"


def test_nobody_else_moves_a_booking():
    group, providers = booking(provider_count=2)
    provider = JobOffer.objects.get(group=group).provider  # the nearer one
    other = next(p for p in providers if p != provider)
    stranger = ServiceProviderFactory(user=UserFactory(mobile="13400000099"))  # another merchant's
    before = state(group)
    assert step(stranger.user, group, "accept").status_code == 404
    assert step(other.user, group, "accept").status_code == 404  # offered to the first, not to them
    assert step(group.order.user, group, "accept").status_code == 403
    assert api().post(reverse("api:provider-accept", kwargs={"group_id": group.pk})).status_code in (401, 403)
    assert state(group) == before
    # declined: offered to the other provider, who may now take it
    assert step(provider.user, group, "decline").status_code == 200
    assert step(other.user, group, "accept").json()["status"] == S.COURIER_ASSIGNED
    assert step(provider.user, group, "start").status_code == 409  # no longer theirs to move
    assert DispatchJob.objects.get(group=group).provider == other


def test_the_provider_page_walks_a_booking_to_done():
    group, (provider,) = booking()
    client = Client()
    client.force_login(provider.user)
    url = reverse("delivery:provider-action", kwargs={"group_id": group.pk})
    assert "家庭保洁 2 小时" in client.get(reverse("delivery:provider")).content.decode()
    for action in ("accept", "start", "arrive"):
        client.post(url, {"action": action})
    page = client.post(url, {"action": "complete", "pickup_code": wrong(group)}, follow=True)
    assert "取货码不正确" in page.content.decode() and state(group)[0] == S.PICKED_UP
    page = client.post(url, {"action": "complete", "pickup_code": group.pickup_code}, follow=True)
    assert "服务已完成" in page.content.decode() and state(group)[0] == S.DELIVERED
    page = client.post(url, {"action": "explode"}, follow=True)
    assert "没有这个操作" in page.content.decode()
    # a resident has no provider page
    resident = Client()
    resident.force_login(group.order.user)
    assert resident.get(reverse("delivery:provider")).status_code == 404
    assert resident.post(url, {"action": "accept"}).status_code == 404


def test_simulate_couriers_moves_providers_through_their_bookings():
    # given a booking offered to a provider standing at the shop
    from io import StringIO

    from django.core.management import call_command

    group, _providers = booking()
    # when the simulator steps (fast) until the booking ends
    out = StringIO()
    for _ in range(30):
        call_command("simulate_couriers", "--once", "--interval", "0", "--speed-up", "60", "--no-sweeps", stdout=out)
        group.refresh_from_db()
        if group.status == S.DELIVERED:
            break
    # then it went through every step a provider takes, the arrival included
    assert group.status == S.DELIVERED, out.getvalue()
    assert {"courier_assigned", "picked_up", "arrived", "delivered"} <= set(
        FulfilmentEvent.objects.filter(group=group).values_list("status", flat=True))
    assert "服务完成" in out.getvalue()


# --- one set of hours -----------------------------------------------------------------------------


def test_a_store_follows_its_merchants_hours_and_a_station_its_weekly_hours():
    from datetime import datetime, time

    from django.utils import timezone as tz

    from delivery.models import PointHours
    from merchants.models import OpeningException, OpeningPeriod

    merchant = MerchantFactory()
    # the store's own fields say "always open"; the merchant's hours say 08:00-20:00, closed on a holiday
    store = store_point(merchant)
    OpeningPeriod.objects.bulk_create(OpeningPeriod(partner=merchant, weekday=d, opens=time(8), closes=time(20))
                                      for d in range(7))
    monday = datetime(2026, 1, 5, tzinfo=tz.get_current_timezone())
    assert selectors.point_is_open(store, monday.replace(hour=9))
    assert not selectors.point_is_open(store, monday.replace(hour=21))
    OpeningException.objects.create(partner=merchant, date=monday.date(), is_closed=True)
    assert not selectors.point_is_open(store, monday.replace(hour=9))
    # a station keeps its own weekly hours, in the same form (past midnight included)
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, opens="00:00", closes="00:00")
    PointHours.objects.create(point=station, weekday=0, opens=time(22), closes=time(2))
    assert selectors.point_is_open(station, monday.replace(hour=23))
    assert selectors.point_is_open(station, monday.replace(day=6, hour=1))  # Tuesday 01:00, Monday's night
    assert not selectors.point_is_open(station, monday.replace(hour=12))
