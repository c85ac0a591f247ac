"""Dispatch after the offer: the couriers' answers, beat taking back stuck jobs, home-service
bookings, positions and ETA (split from test_dispatch.py, which routes and offers)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.tests.factories import ProductFactory, ServiceProductClassFactory
from communities.tests.factories import BASE_LAT, BASE_LNG, StandardAddressFactory
from delivery import dispatch, positions, travel
from delivery.models import (
    Courier,
    DispatchJob,
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentPoint,
    JobOffer,
)
from delivery.services import BadTransition, transition
from delivery.tests.factories import (
    CourierFactory,
    FulfilmentPointFactory,
    ServiceProviderFactory,
    SlotFactory,
    courier_at,
    dispatchable_order,
    north,
    order_with_groups,
    store_point,
)
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.core.errors import DomainError

S = FulfilmentGroup.Status

pytestmark = pytest.mark.usefixtures("fresh_positions")


def statuses(group) -> list[str]:
    return list(FulfilmentEvent.objects.filter(group=group).order_by("at", "pk").values_list("status", flat=True))


# --- the courier's answers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivery_from_offer_to_door_with_timestamped_events():
    group = dispatchable_order()
    courier = courier_at(100)
    dispatch.route_and_offer(group_id=group.pk)

    # when the courier accepts (twice: a retried request), picks up and delivers
    accepted = dispatch.courier_accept(courier=courier, group_id=group.pk)
    again = dispatch.courier_accept(courier=courier, group_id=group.pk)
    dispatch.courier_pickup(courier=courier, group_id=group.pk)
    delivered = dispatch.courier_deliver(courier=courier, group_id=group.pk)

    # then every status has its event, once, in order, and the times are kept
    assert accepted.courier == courier and again.status == S.COURIER_ASSIGNED
    assert statuses(group) == [S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.DELIVERED]
    assert delivered.status == S.DELIVERED and delivered.completed_at and delivered.promised_at
    assert JobOffer.objects.get(group=group).state == JobOffer.State.ACCEPTED
    courier.refresh_from_db()
    assert courier.status == Courier.Status.AVAILABLE


@pytest.mark.django_db
def test_another_courier_cannot_touch_the_job():
    group = dispatchable_order()
    courier, other = courier_at(100), CourierFactory()
    dispatch.route_and_offer(group_id=group.pk)

    # when someone the job was not offered to answers, then 404 every time
    for action in (dispatch.courier_accept, dispatch.courier_decline, dispatch.courier_pickup):
        with pytest.raises(dispatch.JobNotFound) as raised:
            action(courier=other, group_id=group.pk)
        assert raised.value.status_code == 404
    with pytest.raises(dispatch.JobNotFound):
        dispatch.courier_accept(courier=courier, group_id=999_999)


@pytest.mark.django_db
def test_cancelled_order_stops_dispatch_and_frees_the_courier():
    # given a courier with room for one job that holds an offer
    courier = courier_at(100, capacity=1)
    group, waiting = dispatchable_order(), dispatchable_order()
    dispatch.route_and_offer(group_id=group.pk)

    # when the resident cancels before the courier answers
    transition(group_id=group.pk, to=S.CANCELLED, note="不要了")

    # then accepting is a 409, and the courier is free for the next job
    with pytest.raises(BadTransition):
        dispatch.courier_accept(courier=courier, group_id=group.pk)
    dispatch.route_and_offer(group_id=waiting.pk)
    assert JobOffer.objects.get(group=waiting).courier == courier
    # and beat withdraws the dead offer
    dispatch.expire_offers(now=timezone.now() + timedelta(seconds=dispatch.OFFER_SECONDS + 1))
    assert JobOffer.objects.get(group=group).state == JobOffer.State.WITHDRAWN


@pytest.mark.django_db
def test_cancelled_after_acceptance_frees_the_courier():
    # given a courier at capacity with an accepted job
    courier = courier_at(100, capacity=1)
    group, waiting = dispatchable_order(), dispatchable_order()
    dispatch.route_and_offer(group_id=group.pk)
    dispatch.courier_accept(courier=courier, group_id=group.pk)
    courier.refresh_from_db()
    assert courier.status == Courier.Status.BUSY

    # when the order is cancelled before pickup (checkout's release_group moves it with transition)
    transition(group_id=group.pk, to=S.CANCELLED, note="不要了")

    # then the courier can be offered the next job at once, and beat shows them available again
    dispatch.route_and_offer(group_id=waiting.pk)
    assert JobOffer.objects.get(group=waiting).courier == courier
    dispatch.redispatch_stuck()
    courier.refresh_from_db()
    assert courier.status == Courier.Status.AVAILABLE
    with pytest.raises(dispatch.JobNotFound):
        dispatch.courier_pickup(courier=courier, group_id=group.pk)


@pytest.mark.django_db
def test_failure_needs_a_reason_and_is_recorded():
    group = dispatchable_order()
    courier = courier_at(100)
    dispatch.route_and_offer(group_id=group.pk)
    dispatch.courier_accept(courier=courier, group_id=group.pk)
    dispatch.courier_pickup(courier=courier, group_id=group.pk)

    with pytest.raises(DomainError) as raised:
        dispatch.courier_fail(courier=courier, group_id=group.pk, reason="  ")
    assert "reason" in raised.value.fields

    failed = dispatch.courier_fail(courier=courier, group_id=group.pk, reason="联系不上收件人")
    assert failed.status == S.FAILED and failed.status_reason == "联系不上收件人"
    assert FulfilmentEvent.objects.filter(group=group, status=S.FAILED, note="联系不上收件人").exists()
    with pytest.raises(dispatch.JobNotFound):  # a failed job is no longer held
        dispatch.courier_deliver(courier=courier, group_id=group.pk)


@pytest.mark.django_db
def test_giving_back_an_accepted_job_offers_it_again():
    group = dispatchable_order()
    first, second = courier_at(100), courier_at(300)
    dispatch.route_and_offer(group_id=group.pk)
    dispatch.courier_accept(courier=first, group_id=group.pk)

    # when the courier gives the job back before pickup
    back = dispatch.courier_decline(courier=first, group_id=group.pk)

    # then it is point_assigned again and offered to the other courier
    assert back.status == S.POINT_ASSIGNED and back.courier is None
    assert JobOffer.objects.get(group=group, state="pending").courier == second


@pytest.mark.django_db
def test_station_pickup_is_carried_to_the_station_and_collected_with_the_code():
    # given a pickup order to the community station
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, lat=north(500), lng=BASE_LNG)
    group = dispatchable_order(method="pickup")
    FulfilmentGroup.objects.filter(pk=group.pk).update(pickup_point=station)
    courier = courier_at(100)
    dispatch.route_and_offer(group_id=group.pk)
    dispatch.courier_accept(courier=courier, group_id=group.pk)
    dispatch.courier_pickup(courier=courier, group_id=group.pk)

    # when the courier drops it at the station
    ready = dispatch.courier_deliver(courier=courier, group_id=group.pk)

    # then it waits for the resident, who needs the right code
    assert ready.status == S.READY_FOR_PICKUP
    wrong = "000000" if ready.pickup_code != "000000" else "111111"
    with pytest.raises(DomainError) as raised:
        dispatch.collect(group_id=group.pk, pickup_code=wrong, actor="station")
    assert raised.value.fields == {"pickup_code": ["取货码不正确"]}
    collected = dispatch.collect(group_id=group.pk, pickup_code=ready.pickup_code, actor="station")
    assert collected.status == S.COLLECTED and collected.completed_at
    assert statuses(group)[-2:] == [S.READY_FOR_PICKUP, S.COLLECTED]
    with pytest.raises(BadTransition):
        dispatch.collect(group_id=group.pk, pickup_code=ready.pickup_code, actor="station")


@pytest.mark.django_db
def test_store_pickup_gets_the_store_and_no_courier():
    group = dispatchable_order(method="pickup")
    courier_at(100)

    assert dispatch.route_and_offer(group_id=group.pk) == S.POINT_ASSIGNED
    group.refresh_from_db()
    assert group.point.kind == FulfilmentPoint.Kind.STORE
    assert not JobOffer.objects.filter(group=group).exists()


# --- beat: stuck jobs --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepted_but_never_picked_up_is_taken_back_and_offered_again():
    group = dispatchable_order()
    first, second = courier_at(100), courier_at(300)
    dispatch.route_and_offer(group_id=group.pk)
    dispatch.courier_accept(courier=first, group_id=group.pk)

    # when beat runs long after the courier accepted without picking up
    done = dispatch.redispatch_stuck(now=timezone.now() + dispatch.STUCK_AFTER[S.COURIER_ASSIGNED] + timedelta(minutes=1))

    # then the job is taken back and offered to the other courier
    assert done[S.COURIER_ASSIGNED] == 1
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED and group.courier is None
    assert JobOffer.objects.get(group=group, state="pending").courier == second
    assert statuses(group) == [S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.POINT_ASSIGNED]


@pytest.mark.django_db
def test_a_far_delivery_window_is_offered_only_when_it_comes_near():
    merchant = MerchantFactory()
    window = SlotFactory(kind="delivery", merchant=merchant, starts_at=timezone.now() + timedelta(hours=3),
                         duration_min=30, capacity=5)
    group = dispatchable_order(merchant=merchant)
    FulfilmentGroup.objects.filter(pk=group.pk).update(window=window)
    courier_at(100)

    dispatch.route_and_offer(group_id=group.pk)
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED and group.promised_at == window.ends_at
    assert not JobOffer.objects.filter(group=group).exists()

    dispatch.redispatch_stuck(now=window.starts_at - timedelta(minutes=30))
    assert JobOffer.objects.filter(group=group, state="pending").exists()


# --- home services ---------------------------------------------------------------------------------


def service_booking(merchant, slot, dropoff):
    listing = ListingFactory(partner=merchant, product=ProductFactory(product_class=ServiceProductClassFactory()))
    order = order_with_groups(lines=[(listing, 1, slot)])
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(dropoff=dropoff)
    return group


@pytest.mark.django_db
def test_home_service_goes_to_the_nearest_free_provider_of_the_merchant():
    # given a cleaning company with two providers, the nearer one already booked at that time
    merchant = MerchantFactory()
    store_point(merchant)
    resident = StandardAddressFactory(lat=north(1000), lng=BASE_LNG)
    near = ServiceProviderFactory(merchant=merchant, last_lat=north(900), last_lng=BASE_LNG)
    far = ServiceProviderFactory(merchant=merchant, last_lat=north(0), last_lng=BASE_LNG)
    ServiceProviderFactory(last_lat=north(1000), last_lng=BASE_LNG)  # another merchant's
    slot = SlotFactory(merchant=merchant, capacity=3)
    earlier = service_booking(merchant, slot, resident)
    dispatch.route_and_offer(group_id=earlier.pk)
    assert JobOffer.objects.get(group=earlier).provider == near
    dispatch.provider_accept(provider=near, group_id=earlier.pk)

    # when a second booking for the same time is routed
    group = service_booking(merchant, slot, resident)
    dispatch.route_and_offer(group_id=group.pk)

    # then the free provider is offered it, and it runs to completion
    offer = JobOffer.objects.get(group=group)
    assert offer.provider == far and offer.courier is None
    accepted = dispatch.provider_accept(provider=far, group_id=group.pk)
    assert accepted.status == S.COURIER_ASSIGNED and accepted.promised_at == slot.starts_at
    with pytest.raises(dispatch.JobNotFound):
        dispatch.provider_start(provider=near, group_id=group.pk)
    dispatch.provider_start(provider=far, group_id=group.pk)
    done = dispatch.provider_complete(provider=far, group_id=group.pk)
    assert done.status == S.DELIVERED
    assert DispatchJob.objects.get(group=group).provider == far


# --- positions and ETA --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_positions_and_eta_follow_the_courier():
    # given a courier 1 km from the store who accepted a job 600 m beyond the store
    group = dispatchable_order()
    courier = courier_at(-1000)
    dispatch.route_and_offer(group_id=group.pk)
    dispatch.courier_accept(courier=courier, group_id=group.pk)
    group.refresh_from_db()
    first = positions.eta_for(group)
    assert DispatchJob.objects.get(group=group).eta_at is not None

    # when the courier reaches the store and reports it
    positions.update_position(courier=courier, lat=BASE_LAT, lng=BASE_LNG)

    # then its position is known and the stored ETA comes closer: courier->point->door at e-bike speed
    assert positions.position_of(courier.pk) == pytest.approx((BASE_LAT, BASE_LNG), abs=1e-5)
    stored = DispatchJob.objects.get(group=group).eta_at
    door = 600 * travel.ROAD_FACTOR / travel.SPEED_M_PER_MIN["ebike"]
    assert abs((stored - timezone.now()).total_seconds() / 60 - door) < 0.5
    assert stored < first
    courier.refresh_from_db()
    assert courier.last_lat == pytest.approx(BASE_LAT) and courier.last_seen


@pytest.mark.django_db
def test_bad_positions_are_refused():
    courier = CourierFactory()
    for lat, lng, field in [(91, 0, "lat"), (0, 181, "lng"), ("north", 0, "lat"), (float("nan"), 0, "lat")]:
        with pytest.raises(DomainError) as raised:
            positions.update_position(courier=courier, lat=lat, lng=lng)
        assert field in raised.value.fields
    courier.refresh_from_db()
    assert courier.last_lat is None
