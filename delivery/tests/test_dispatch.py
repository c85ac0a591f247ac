"""Dispatch: routing to a fulfilment point, offers to couriers, the couriers' answers, beat sweeps.

These run in-process (the services and the sweeps called directly, the routing task eager);
tests/test_dispatch_reliability.py runs them on a real worker and kills it.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from communities.tests.factories import BASE_LNG, StandardAddressFactory
from delivery import dispatch
from delivery.models import (
    Courier,
    DispatchDecision,
    DispatchJob,
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentPoint,
    JobOffer,
)
from delivery.outbox import request_dispatch
from delivery.services import transition
from delivery.tasks import resend_pending
from delivery.tests.factories import (
    FulfilmentPointFactory,
    PointStockFactory,
    courier_at,
    dispatchable_order,
    north,
    store_point,
)
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.celery import app

S = FulfilmentGroup.Status

pytestmark = pytest.mark.usefixtures("fresh_positions")


@pytest.fixture
def eager(monkeypatch):
    """Tasks run in-process, as in the embedded demo, whatever the environment says."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)


def statuses(group) -> list[str]:
    return list(FulfilmentEvent.objects.filter(group=group).order_by("at", "pk").values_list("status", flat=True))


# --- the outbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_dispatch_routes_after_commit_and_not_before(eager, django_capture_on_commit_callbacks):
    # given a created group and a free courier near the store
    group = dispatchable_order()
    courier = courier_at(200)

    # when checkout asks for dispatch inside the order's transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            request_dispatch(group_ids=[group.pk])
            # then nothing is routed before the commit, but the outbox row is written
            assert DispatchJob.objects.filter(group=group, routed_at__isnull=True).exists()
            group.refresh_from_db()
            assert group.status == S.CREATED

    # then after the commit the group has its point and the courier an offer
    assert len(callbacks) == 1
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED
    assert JobOffer.objects.get(group=group, state=JobOffer.State.PENDING).courier == courier
    job = DispatchJob.objects.get(group=group)
    assert job.routed_at is not None and job.sent_at is not None


@pytest.mark.django_db
def test_rolled_back_order_leaves_no_request(eager, django_capture_on_commit_callbacks):
    # given a created group
    group = dispatchable_order()

    # when the order's transaction rolls back after asking for dispatch
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                request_dispatch(group_ids=[group.pk])
                raise RuntimeError("payment refused")

    # then no row is left and nothing was sent
    assert callbacks == []
    assert not DispatchJob.objects.filter(group=group).exists()


@pytest.mark.django_db
def test_request_twice_keeps_one_row_and_beat_resends_only_unrouted(eager):
    # given two requests for the same group whose send never happened (broker away)
    group = dispatchable_order()
    request_dispatch(group_ids=[group.pk, group.pk])
    request_dispatch(group_ids=[group.pk])
    assert DispatchJob.objects.filter(group=group).count() == 1
    DispatchJob.objects.filter(group=group).update(requested_at=timezone.now() - timedelta(minutes=1), routed_at=None,
                                                   sent_at=None)

    # when beat re-sends the pending rows
    sent = resend_pending()

    # then the group is routed once, and a second beat run has nothing to send
    assert sent == 1
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED
    assert resend_pending() == 0
    assert statuses(group).count(S.POINT_ASSIGNED) == 1


# --- routing --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_routing_picks_the_nearest_open_point_with_capacity_and_says_why_the_others_lost():
    # given a chain with its store 900 m from the resident, a warehouse 300 m away that is
    # closed all day, one 500 m away that is full this hour and one 700 m away that qualifies
    merchant = MerchantFactory(lat=north(0), lng=BASE_LNG)
    resident = StandardAddressFactory(lat=north(900), lng=BASE_LNG)
    store = store_point(merchant)
    closed = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, merchant=merchant,
                                    lat=north(600), lng=BASE_LNG, opens="00:00", closes="00:00", is_active=False)
    shut = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, merchant=merchant,
                                  lat=north(1200), lng=BASE_LNG, opens="00:00", closes="00:01")
    full = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, merchant=merchant,
                                  lat=north(400), lng=BASE_LNG, opens="00:00", closes="00:00", capacity_per_hour=1)
    near = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, merchant=merchant,
                                  lat=north(200), lng=BASE_LNG, opens="00:00", closes="00:00")
    listing = ListingFactory(partner=merchant)
    for warehouse in (closed, shut, full, near):  # each holds the goods (tests/test_point_stock.py: when not)
        PointStockFactory(point=warehouse, listing=listing, num_in_stock=5)
    now = timezone.localtime().replace(hour=12, minute=0)  # a minute the short-hours warehouse is closed
    DispatchDecision.objects.create(group=dispatchable_order(merchant=merchant), point=full, reason="earlier",
                                    decided_at=now - timedelta(minutes=10))
    group = dispatchable_order(merchant=merchant, dropoff=resident, listing=listing)

    # when the group is routed
    dispatch.assign_point(group_id=group.pk, now=now)

    # then the qualifying warehouse nearest the resident fulfils it, and the decision names every candidate
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED and group.point == near
    decision = DispatchDecision.objects.get(group=group)
    assert decision.point == near and near.name in decision.reason
    reasons = {c["point_id"]: c["reason"] for c in decision.candidates}
    assert closed.pk not in reasons  # inactive points are not candidates
    assert reasons[near.pk] == ""
    assert reasons[shut.pk].startswith("未营业")
    assert reasons[full.pk].startswith("本小时已满")
    assert reasons[store.pk].startswith("较远")
    assert [c["chosen"] for c in decision.candidates].count(True) == 1
    assert group.promised_at > now


@pytest.mark.django_db
def test_no_open_point_keeps_the_group_created_and_beat_routes_it_later():
    # the story happens around noon (the store below is closed then), whatever the clock says
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        # given a merchant whose only store is closed at the moment
        merchant = MerchantFactory()
        store = store_point(merchant, opens="00:00", closes="00:01")
        group = dispatchable_order(merchant=merchant)

        # when it is routed
        dispatch.assign_point(group_id=group.pk, now=noon)

        # then it waits, with a decision saying why
        group.refresh_from_db()
        assert group.status == S.CREATED and group.point is None
        assert DispatchDecision.objects.get(group=group).candidates[0]["reason"].startswith("未营业")

        # when beat's sweep comes by again soon after, while the store is still closed
        soon = max(noon, timezone.now()) + timedelta(minutes=3)
        dispatch.redispatch_stuck(now=soon)

        # then it does not try again yet (no pile of identical decisions)
        assert DispatchDecision.objects.filter(group=group).count() == 1

        # when the store opens and beat's sweep finds the group stuck
        FulfilmentPoint.objects.filter(pk=store.pk).update(closes="00:00")
        dispatch.redispatch_stuck(now=soon + dispatch.RETRY_ROUTING)

        # then it is routed
        group.refresh_from_db()
        assert group.status == S.POINT_ASSIGNED and group.point == store


@pytest.mark.django_db
def test_routing_twice_changes_nothing_the_second_time():
    # given a routed and offered group
    group = dispatchable_order()
    courier_at(100)
    dispatch.route_and_offer(group_id=group.pk)

    # when the task runs again (redelivered)
    dispatch.route_and_offer(group_id=group.pk)

    # then one decision, one point_assigned event, one offer
    assert DispatchDecision.objects.filter(group=group).count() == 1
    assert statuses(group) == [S.POINT_ASSIGNED]
    assert JobOffer.objects.filter(group=group).count() == 1


@pytest.mark.django_db
def test_cancelled_group_is_not_routed():
    # given a group cancelled before its dispatch ran
    group = dispatchable_order()
    courier_at(100)
    transition(group_id=group.pk, to=S.CANCELLED, note="resident cancelled")

    # when the routing task runs
    result = dispatch.route_and_offer(group_id=group.pk)

    # then nothing happens to it
    assert result == S.CANCELLED
    assert not JobOffer.objects.filter(group=group).exists()
    assert not DispatchDecision.objects.filter(group=group).exists()


# --- offers ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_offer_goes_to_the_nearest_available_courier_with_spare_capacity():
    # given couriers near the store: one offline, one full, one with room farther out
    group = dispatchable_order()
    courier_at(50, status=Courier.Status.OFFLINE)
    full = courier_at(80, capacity=1)
    busy_group = dispatchable_order()
    dispatch.route_and_offer(group_id=busy_group.pk)
    dispatch.courier_accept(courier=full, group_id=busy_group.pk)
    free = courier_at(400)
    farther = courier_at(900)

    # when the group is routed
    dispatch.route_and_offer(group_id=group.pk)

    # then the nearest courier who can take it gets the offer
    offer = JobOffer.objects.get(group=group)
    assert offer.courier == free
    assert offer.expires_at == offer.offered_at + timedelta(seconds=dispatch.OFFER_SECONDS)
    full.refresh_from_db()
    assert full.status == Courier.Status.BUSY
    assert farther != free


@pytest.mark.django_db
def test_an_open_offer_counts_against_capacity():
    # given one courier with room for one job, and two groups
    courier = courier_at(100, capacity=1)
    first, second = dispatchable_order(), dispatchable_order()

    # when both are routed
    dispatch.route_and_offer(group_id=first.pk)
    dispatch.route_and_offer(group_id=second.pk)

    # then only the first is offered to the courier; the second waits
    assert JobOffer.objects.get(courier=courier).group_id == first.pk
    assert not JobOffer.objects.filter(group=second).exists()


@pytest.mark.django_db
def test_expired_offer_goes_to_the_next_courier():
    # given a job offered to the nearest courier
    group = dispatchable_order()
    first = courier_at(100)
    second = courier_at(300)
    dispatch.route_and_offer(group_id=group.pk)

    # when the offer is not accepted in time and beat runs
    dispatch.expire_offers(now=timezone.now() + timedelta(seconds=dispatch.OFFER_SECONDS + 1))

    # then it is expired and the next courier has it
    offers = list(JobOffer.objects.filter(group=group).order_by("pk"))
    assert [(o.courier, o.state) for o in offers] == [(first, "expired"), (second, "pending")]
    # and the first courier can no longer accept it
    with pytest.raises(dispatch.JobNotFound):
        dispatch.courier_accept(courier=first, group_id=group.pk)


@pytest.mark.django_db
def test_accepting_late_is_refused_before_beat_notices():
    # given an offer past its time that beat has not closed yet
    group = dispatchable_order()
    courier = courier_at(100)
    dispatch.route_and_offer(group_id=group.pk)
    JobOffer.objects.filter(group=group).update(expires_at=timezone.now() - timedelta(seconds=1))

    # when the courier accepts, then 409
    with pytest.raises(dispatch.OfferExpired):
        dispatch.courier_accept(courier=courier, group_id=group.pk)
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED


@pytest.mark.django_db
def test_decline_offers_the_job_to_the_next_courier():
    group = dispatchable_order()
    first, second = courier_at(100), courier_at(300)
    dispatch.route_and_offer(group_id=group.pk)

    # when the first courier declines
    dispatch.courier_decline(courier=first, group_id=group.pk)

    # then the second has the offer
    assert JobOffer.objects.get(group=group, state="pending").courier == second
    assert JobOffer.objects.get(group=group, courier=first).state == "declined"


@pytest.mark.django_db
def test_no_courier_free_then_beat_offers_when_one_comes_online():
    # given a routed group and no courier on duty
    group = dispatchable_order()
    courier = courier_at(100, status=Courier.Status.OFFLINE)
    dispatch.route_and_offer(group_id=group.pk)
    assert not JobOffer.objects.filter(group=group).exists()

    # when the courier comes on duty and beat finds the group waiting
    Courier.objects.filter(pk=courier.pk).update(status=Courier.Status.AVAILABLE)
    dispatch.redispatch_stuck(now=timezone.now() + timedelta(minutes=1))

    # then the job is offered to them
    assert JobOffer.objects.get(group=group).courier == courier
