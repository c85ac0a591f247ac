"""Routing several groups per transaction (delivery.jobs.Batch): the statements a batch runs do
not grow with its groups beyond one per group (the status change), and the
dispatch drain and beat's routing, racing on the same rows, take their locks in one order
(groups, jobs, points, point stock, couriers, offers) and never deadlock."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delivery import offers, tasks
from delivery.jobs import Batch
from delivery.models import DeliveryRun, DispatchDecision, DispatchJob, FulfilmentEvent, FulfilmentGroup, JobOffer, Slot
from delivery.tests.factories import SlotFactory
from delivery.tests.test_outbox_drain import couriers_near, pending_orders
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401 (a fixture)

S = FulfilmentGroup.Status

# Statements of one batch routed and offered, whatever its size (BEGIN/COMMIT not counted):
# claim the groups, lock their jobs, lines, points + their hours (3 prefetches), stock held
# there, lock points, hourly load, courier loads, lock couriers, count them again, insert
# the runs (jobs ridden together, delivery.runs), insert decisions, insert the status events,
# insert offers, mark jobs routed.
PER_BATCH = 18
PER_GROUP = 1  # the status change (services.transition; its event goes with the batch's others)


def routed_batch(size: int, windows: dict[int, timedelta] | None = None,
                 expected: list[str] | None = None) -> tuple[list[FulfilmentGroup], int]:
    """Route `size` pending groups in one batch; `windows`: group index → when its delivery
    window starts (from now; the groups sharing a start share the window)."""
    groups = pending_orders(size)
    couriers_near(groups)
    now = timezone.now()
    for starts_in in set((windows or {}).values()):
        window = SlotFactory(kind=Slot.Kind.DELIVERY, merchant=groups[0].merchant, starts_at=now + starts_in,
                             duration_min=60, capacity=size)
        FulfilmentGroup.objects.filter(pk__in=[groups[i].pk for i, start in windows.items() if start == starts_in]
                                       ).update(window=window)
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            batch = Batch.claim(limit=size, exclude=[], now=now)
            outcomes = offers.route_and_offer_batch(batch)
    assert outcomes == (expected or ["point_assigned+offer"] * size)
    statements = [q["sql"] for q in queries.captured_queries
                  if q["sql"] not in ("BEGIN",) and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    return groups, len(statements)


@pytest.mark.django_db
def test_a_batch_routes_every_group_in_a_bounded_number_of_statements(fresh_positions):
    # given ten created groups with their dispatch requested, and couriers nearby
    # when one batch routes and offers them in one transaction
    groups, statements = routed_batch(10)

    # then every group is routed, decided and offered once, its request marked routed
    ids = [g.pk for g in groups]
    assert FulfilmentGroup.objects.filter(pk__in=ids, status=S.POINT_ASSIGNED).count() == 10
    assert DispatchDecision.objects.filter(group_id__in=ids).count() == 10
    assert JobOffer.objects.filter(group_id__in=ids, state=JobOffer.State.PENDING).count() == 10
    assert not DispatchJob.objects.filter(group_id__in=ids, routed_at__isnull=True).exists()
    assert FulfilmentEvent.objects.filter(group_id__in=ids, status=S.POINT_ASSIGNED, actor="dispatch").count() == 10
    # and the statements are the batch's fixed few plus one per group: a read or write per
    # group creeping in (an N+1) fails here
    assert statements <= PER_BATCH + PER_GROUP * 10, statements


@pytest.mark.django_db
def test_a_batch_with_delivery_windows_stays_within_the_same_bound(fresh_positions):
    # given ten created groups: four as soon as possible, four in a delivery window starting in
    # 10 minutes (offered now: within the lead), two in a window starting in 3 hours (routed,
    # not offered yet)
    windows = {4: timedelta(minutes=10), 5: timedelta(minutes=10), 6: timedelta(minutes=10),
               7: timedelta(minutes=10), 8: timedelta(hours=3), 9: timedelta(hours=3)}
    groups, statements = routed_batch(10, windows, ["point_assigned+offer"] * 8 + ["point_assigned"] * 2)

    # then each is routed with its window's promise, offered when its window is near, and the
    # runs (same point, same drop-off) formed only among jobs leaving together
    ids = [g.pk for g in groups]
    assert FulfilmentGroup.objects.filter(pk__in=ids, status=S.POINT_ASSIGNED).count() == 10
    for group in FulfilmentGroup.objects.filter(pk__in=ids[4:]).select_related("window"):
        assert group.promised_at == group.window.ends_at
    assert JobOffer.objects.filter(group_id__in=ids, state=JobOffer.State.PENDING).count() == 8
    for run in DeliveryRun.objects.filter(offers__group_id__in=ids).distinct():
        members = {stop["group"] for stop in run.stops}
        assert members <= set(ids[:4]) or members <= set(ids[4:8]), run.stops
    # and the statements keep the same bound: a window read per group (an N+1) fails here
    assert statements <= PER_BATCH + PER_GROUP * 10, statements


@pytest.mark.django_db
def test_one_group_alone_costs_no_more_than_a_batch_of_one(fresh_positions):
    # given one created group; when it is routed as a batch of one (the drain with DISPATCH_BATCH=1)
    _groups, statements = routed_batch(1)

    # then the same bound holds
    assert statements <= PER_BATCH + PER_GROUP, statements


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' reference rows
def test_the_drain_and_beat_routing_the_same_rows_never_deadlock(no_search_sync, fresh_positions, caplog):
    # given, many times over, created groups whose dispatch requests are pending
    for round_ in range(8):
        groups = pending_orders(12)
        couriers_near(groups, count=4)
        ids = [g.pk for g in groups]

        # when two drains (batches of 5) and two threads doing beat's routing (sweeps.
        # redispatch_stuck's step: one group per transaction, newest first) run on the same
        # rows at once, each on its own connection
        def work(i, ids=ids):
            if i % 2:
                return tasks.drain_pending(batch=5)
            return [offers.route_and_offer(group_id=pk) for pk in reversed(ids)]

        outcomes = run_concurrently(4, work)

        # then nothing failed (a deadlock is an OperationalError: raised by beat's step, logged
        # by the drain) and every group was routed and offered exactly once
        assert not [o for o in outcomes if isinstance(o, BaseException)], (round_, outcomes)
        assert not [r.getMessage() for r in caplog.records if r.name.startswith("delivery")], round_
        assert FulfilmentGroup.objects.filter(pk__in=ids, status=S.POINT_ASSIGNED).count() == 12, round_
        assert FulfilmentEvent.objects.filter(group_id__in=ids, status=S.POINT_ASSIGNED).count() == 12, round_
        assert DispatchDecision.objects.filter(group_id__in=ids).count() == 12, round_
        assert JobOffer.objects.filter(group_id__in=ids).count() == 12, round_
        assert not DispatchJob.objects.filter(group_id__in=ids, routed_at__isnull=True).exists(), round_
