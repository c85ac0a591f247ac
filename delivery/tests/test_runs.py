"""Runs (delivery/runs.py): jobs of one batch leaving one point for nearby drop-offs ride with one
courier when that is shorter than riding them apart and every promise still holds; each job's
DispatchDecision says why it was chained or not, with the minutes; accepting one job of a run
takes the run, the courier's list shows its stops in riding order, and the courier delivers them."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from communities.tests.factories import StandardAddressFactory
from delivery import dispatch, offers, positions, travel
from delivery.jobs import Batch
from delivery.models import DeliveryRun, DispatchDecision, DispatchJob, FulfilmentGroup, JobOffer
from delivery.tests.factories import CourierFactory, dispatchable_order, store_point
from delivery.tests.test_outbox_drain import couriers_near
from merchants.tests.factories import ListingFactory, MerchantFactory

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status
M_PER_DEG = 111_000


def shop():
    merchant = MerchantFactory()
    store_point(merchant, capacity_per_hour=1_000)
    return merchant, ListingFactory(partner=merchant, num_in_stock=1_000)


def job_to(merchant, listing, *, north_m: float, east_m: float = 0.0, promised_in: float | None = None, now=None):
    """A created group of `merchant` going `north_m` north and `east_m` east of the shop, its
    dispatch requested; `promised_in`: minutes from `now` the resident was promised."""
    home = StandardAddressFactory(lat=merchant.lat + north_m / M_PER_DEG, lng=merchant.lng + east_m / M_PER_DEG)
    group = dispatchable_order(merchant=merchant, listing=listing, dropoff=home)
    if promised_in is not None:
        group.promised_at = now + timedelta(minutes=promised_in)
        group.save(update_fields=["promised_at"])
    DispatchJob.objects.create(group=group)
    return group


def route_batch(groups, now):
    with transaction.atomic():
        batch = Batch.claim(limit=len(groups), exclude=[], now=now)
        return offers.route_and_offer_batch(batch)


def chain_of(group) -> dict:
    return DispatchDecision.objects.get(group=group).chain


def alone_minutes(merchant, north_m: float, east_m: float = 0.0) -> float:
    return travel.travel_minutes(merchant.lat, merchant.lng, merchant.lat + north_m / M_PER_DEG,
                                 merchant.lng + east_m / M_PER_DEG)


def test_two_nearby_dropoffs_from_one_point_ride_as_one_run_and_the_saving_is_recorded(fresh_positions):
    # given two jobs of one shop, to homes 600 m and 700 m north of it (the same way), couriers nearby
    now = timezone.now()
    merchant, listing = shop()
    near, far = job_to(merchant, listing, north_m=600), job_to(merchant, listing, north_m=700)
    couriers_near([near])

    # when one batch routes and offers them
    assert route_batch([near, far], now) == ["point_assigned+offer"] * 2

    # then they are offered to one courier as one run, the nearer drop-off first
    run = DeliveryRun.objects.get()
    assert [stop["group"] for stop in run.stops] == [near.pk, far.pk]
    offered = JobOffer.objects.filter(group__in=[near, far], state=JobOffer.State.PENDING)
    assert {o.run_id for o in offered} == {run.pk} and len({o.courier_id for o in offered}) == 1
    # and each decision names the other job and the minutes: apart 600 + 700 m, together 700 m
    separate = alone_minutes(merchant, 600) + alone_minutes(merchant, 700)
    together = alone_minutes(merchant, 700)
    for group, other in ((near, far), (far, near)):
        chain = chain_of(group)
        assert chain["chained"] is True and chain["with"] == [other.pk] and chain["run"] == run.pk
        assert chain["separate_min"] == pytest.approx(separate, abs=0.06)
        assert chain["together_min"] == pytest.approx(together, abs=0.06)
        assert chain["saving_min"] == pytest.approx(separate - together, abs=0.06) and chain["saving_min"] > 0
        assert "省" in chain["reason"]
    assert run.saving_min == pytest.approx(separate - together, abs=0.1)


def test_far_apart_dropoffs_ride_apart_and_say_why(fresh_positions):
    # given two jobs of one shop going opposite ways, 600 m north and 600 m south
    now = timezone.now()
    merchant, listing = shop()
    north, south = job_to(merchant, listing, north_m=600), job_to(merchant, listing, north_m=-600)
    couriers_near([north])

    # when one batch routes and offers them
    route_batch([north, south], now)

    # then no run: each its own offer, and each decision says the drop-offs are too far apart
    assert not DeliveryRun.objects.exists()
    assert not JobOffer.objects.filter(group__in=[north, south], run__isnull=False).exists()
    assert JobOffer.objects.filter(group__in=[north, south], state=JobOffer.State.PENDING).count() == 2
    for group, other in ((north, south), (south, north)):
        chain = chain_of(group)
        assert chain["chained"] is False and chain["with"] == [other.pk]
        assert "相距" in chain["reason"]
        assert chain["saving_min"] < 0  # one ride there and across is longer than two rides out


def test_a_run_that_would_break_a_promise_rides_apart_and_says_whose(fresh_positions):
    # given two jobs close together (600 m north, and 600 m north 300 m east), each promised
    # barely more than its own ride: together one of them would arrive late
    now = timezone.now()
    merchant, listing = shop()
    a = job_to(merchant, listing, north_m=600, promised_in=alone_minutes(merchant, 600) + 0.2, now=now)
    b = job_to(merchant, listing, north_m=600, east_m=300, promised_in=alone_minutes(merchant, 600, 300) + 0.2, now=now)
    couriers_near([a])

    # when one batch routes and offers them
    route_batch([a, b], now)

    # then they ride apart, though together would be shorter, and the reason names the promise
    assert not DeliveryRun.objects.exists()
    chain = chain_of(b)
    assert chain["chained"] is False and chain["saving_min"] > 0
    assert "晚于承诺" in chain["reason"]

    # and with promises to spare, the same two ride together
    c = job_to(merchant, listing, north_m=600, promised_in=30, now=now)
    d = job_to(merchant, listing, north_m=600, east_m=300, promised_in=30, now=now)
    route_batch([c, d], now)
    assert [stop["group"] for stop in DeliveryRun.objects.get().stops] in ([c.pk, d.pk], [d.pk, c.pk])


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_the_courier_accepts_a_run_sees_its_stops_in_order_and_delivers_them(fresh_positions):
    # given three jobs of one shop going the same way, routed in one batch into one run
    now = timezone.now()
    merchant, listing = shop()
    groups = [job_to(merchant, listing, north_m=m) for m in (800, 600, 700)]
    couriers_near(groups)
    route_batch(groups, now)
    run = DeliveryRun.objects.get()
    ridden = [stop["group"] for stop in run.stops]
    assert ridden == [groups[1].pk, groups[2].pk, groups[0].pk]  # nearest first
    courier = JobOffer.objects.get(group=groups[0]).courier
    client = api(courier.user)

    # when the courier's app lists the jobs: the run's stops, in riding order
    jobs = client.get("/api/v1/courier/jobs/").json()["jobs"]
    assert [job["id"] for job in jobs] == ridden
    assert [job["run"]["stop"] for job in jobs] == [1, 2, 3]
    assert {job["run"]["id"] for job in jobs} == {run.pk} and {job["run"]["stops"] for job in jobs} == {3}
    assert {job["state"] for job in jobs} == {"offered"}

    # when they accept one of them, they hold the whole run
    assert client.post(f"/api/v1/courier/jobs/{ridden[2]}/accept/").json()["status"] == "courier_assigned"
    assert FulfilmentGroup.objects.filter(pk__in=ridden, status=S.COURIER_ASSIGNED, courier=courier).count() == 3
    assert JobOffer.objects.filter(group_id__in=ridden, state=JobOffer.State.ACCEPTED).count() == 3
    # (accepting another of them again answers the same)
    assert client.post(f"/api/v1/courier/jobs/{ridden[0]}/accept/").json()["status"] == "courier_assigned"
    held = client.get("/api/v1/courier/jobs/").json()["jobs"]
    assert [(job["id"], job["state"], job["run"]["stop"]) for job in held] == [
        (ridden[0], "held", 1), (ridden[1], "held", 2), (ridden[2], "held", 3)]

    # when they pick all up at the point and deliver stop by stop
    for pk in ridden:
        assert client.post(f"/api/v1/courier/jobs/{pk}/pickup/").json()["status"] == "picked_up"
    for pk in ridden:
        assert client.post(f"/api/v1/courier/jobs/{pk}/deliver/").json()["status"] == "delivered"
        # the list keeps the stops still to ride, in order
        assert [job["id"] for job in client.get("/api/v1/courier/jobs/").json()["jobs"]] == ridden[ridden.index(pk) + 1:]
    assert set(FulfilmentGroup.objects.filter(pk__in=ridden).values_list("status", flat=True)) == {S.DELIVERED}


def test_a_declined_run_is_offered_again_job_by_job(fresh_positions):
    # given two jobs ridden as one run, offered to the nearest of three couriers
    now = timezone.now()
    merchant, listing = shop()
    groups = [job_to(merchant, listing, north_m=m) for m in (600, 700)]
    couriers_near(groups)
    route_batch(groups, now)
    first = JobOffer.objects.get(group=groups[0]).courier

    # when that courier declines one of them
    dispatch.courier_decline(courier=first, group_id=groups[1].pk)

    # then both offers of the run are declined, and each job is offered again on its own to another courier
    assert JobOffer.objects.filter(group__in=groups, courier=first, state=JobOffer.State.DECLINED).count() == 2
    again = JobOffer.objects.filter(group__in=groups, state=JobOffer.State.PENDING)
    assert again.count() == 2 and not again.filter(run__isnull=False).exists()
    assert first.pk not in {offer.courier_id for offer in again}


def test_a_single_job_still_has_no_run_and_no_chain(fresh_positions):
    # given one job alone at its point; when it is routed and offered
    now = timezone.now()
    merchant, listing = shop()
    group = job_to(merchant, listing, north_m=600)
    couriers_near([group])
    route_batch([group], now)

    # then its offer is a single job and its decision has nothing to say about runs
    assert JobOffer.objects.get(group=group).run is None
    assert chain_of(group) == {}


def test_a_run_no_courier_has_room_for_goes_job_by_job_and_says_so(fresh_positions):
    # given two jobs going the same way, and only couriers with room for one job each
    now = timezone.now()
    merchant, listing = shop()
    groups = [job_to(merchant, listing, north_m=m) for m in (600, 700)]
    for _ in range(2):
        courier = CourierFactory(capacity=1)
        positions.update_position(courier=courier, lat=merchant.lat, lng=merchant.lng)

    # when one batch routes and offers them
    assert route_batch(groups, now) == ["point_assigned+offer"] * 2

    # then each goes to a courier of its own, no run is written, and the decisions say why
    offered = JobOffer.objects.filter(group__in=groups, state=JobOffer.State.PENDING)
    assert len({offer.courier_id for offer in offered}) == 2 and not offered.filter(run__isnull=False).exists()
    assert not DeliveryRun.objects.exists()
    for group in groups:
        chain = chain_of(group)
        assert chain["chained"] is False and "没有骑手能一次带 2 单" in chain["reason"]
        assert chain["saving_min"] > 0  # it would have been shorter
