"""`manage.py simulate_couriers`: couriers accept, ride, pick up and deliver through the dispatch core."""

import io
import time

import pytest
from django.core.management import CommandError, call_command

from communities.tests.factories import BASE_LAT, BASE_LNG, StandardAddressFactory, UserFactory
from delivery import dispatch
from delivery.models import Courier, FulfilmentGroup, FulfilmentPoint, JobOffer
from delivery.positions import position_of, update_position
from delivery.tests.factories import CourierFactory, FulfilmentPointFactory, order_with_groups
from merchants.tests.factories import ListingFactory
from shop.core.geo import haversine_m

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status
HOME = (BASE_LAT + 0.0090, BASE_LNG)  # 1 km north of the store


@pytest.fixture
def offered():
    """A delivery group routed to its store and offered to 张师傅, 500 m south of the store."""
    listing = ListingFactory()
    order = order_with_groups(user=UserFactory(), lines=[(listing, 1)])
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(dropoff=StandardAddressFactory(lat=HOME[0], lng=HOME[1]))
    FulfilmentPointFactory(kind=FulfilmentPoint.Kind.STORE, merchant=listing.partner, name="湖南路门店",
                           lat=BASE_LAT, lng=BASE_LNG, opens="00:00", closes="00:00")
    courier = CourierFactory(name="张师傅", user=UserFactory(mobile="13800000003"), vehicle=Courier.Vehicle.EBIKE)
    update_position(courier=courier, lat=BASE_LAT - 0.0045, lng=BASE_LNG)
    dispatch.route_and_offer(group_id=group.pk)
    assert JobOffer.objects.get(group=group).courier == courier
    return {"group": group, "courier": courier, "order": order}


def simulate(**options) -> str:
    out = io.StringIO()
    call_command("simulate_couriers", stdout=out, **options)
    return out.getvalue()


def test_one_step_accepts_the_offer_and_rides_toward_the_point(offered):
    # given the courier 500 m from the store
    before = haversine_m(*position_of(offered["courier"].pk), BASE_LAT, BASE_LNG)

    # when the simulation takes one real-time step (3 s of riding)
    log = simulate(once=True)

    # then the courier accepted and came about 3 s × 250/1.3 m/min ≈ 9.6 m closer to the store
    group = FulfilmentGroup.objects.get(pk=offered["group"].pk)
    assert group.status == S.COURIER_ASSIGNED and group.courier == offered["courier"]
    after = haversine_m(*position_of(offered["courier"].pk), BASE_LAT, BASE_LNG)
    assert before - after == pytest.approx(250 / 1.3 / 60 * 3, abs=1.0)  # Redis GEO keeps ~0.6 m
    assert f"张师傅 接单 订单{offered['order'].number}" in log
    assert "张师傅 骑行 → 湖南路门店" in log


def test_steps_carry_the_order_to_the_door(offered):
    # when the simulation runs ten times faster until the courier is done: each step rides
    # 30 s at 250/1.3 m/min, about 96 m
    log = ""
    for _ in range(40):
        log += simulate(once=True, speed_up=10)
        if FulfilmentGroup.objects.get(pk=offered["group"].pk).status == S.DELIVERED:
            break

    # then the group went through every step and the courier stands at the resident's door
    group = FulfilmentGroup.objects.get(pk=offered["group"].pk)
    assert group.status == S.DELIVERED
    assert [e.status for e in group.events.order_by("at", "pk")] == [
        "point_assigned", "courier_assigned", "picked_up", "delivered"]
    assert haversine_m(*position_of(offered["courier"].pk), *HOME) < 1
    assert "张师傅 取货" in log and "张师傅 送达" in log and "张师傅 到达 湖南路门店" in log
    # 500 m to the store: 5 rides and an arrival; 1 km on to the door: 10 rides and an arrival
    assert log.count("张师傅 骑行 → 湖南路门店") == 5
    assert log.count("张师傅 骑行 → 青岛路小区") == 10
    assert log.count("张师傅 到达") == 2
    # and nothing is left to do
    assert "接单" not in simulate(once=True)


def test_seconds_bounds_the_run(offered):
    started = time.monotonic()
    log = simulate(seconds=1, interval=0.3)
    assert time.monotonic() - started < 3
    assert "结束" in log


def test_only_the_named_courier_moves(offered):
    other = CourierFactory(name="李师傅")
    simulate(once=True, courier=[other.user.mobile])
    assert FulfilmentGroup.objects.get(pk=offered["group"].pk).status == S.POINT_ASSIGNED


@pytest.mark.parametrize("options", [{"speed_up": "0"}, {"speed_up": "fast"}, {"seconds": "-1"}, {"interval": "nan"},
                                     {"courier": ["19999999999"]}])
def test_bad_options_are_refused_clearly(options):
    with pytest.raises(CommandError):
        simulate(once=True, **options)
