"""The dispatch drain (delivery/outbox.py): one wake-up message routes every pending request,
workers draining side by side never route the same group twice, and one request that fails
does not hold up the others."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from delivery import offers, positions, tasks
from delivery.models import DispatchDecision, DispatchJob, FulfilmentEvent, FulfilmentGroup, JobOffer
from delivery.outbox import request_dispatch
from delivery.tasks import drain
from delivery.tests.factories import CourierFactory, dispatchable_order, store_point
from merchants.tests.factories import ListingFactory, MerchantFactory
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401 (a fixture)

S = FulfilmentGroup.Status


def pending_orders(count: int) -> list[FulfilmentGroup]:
    """`count` created groups of one merchant, each with its dispatch requested (the message not sent)."""
    merchant = MerchantFactory()
    store_point(merchant, capacity_per_hour=10_000)
    listing = ListingFactory(partner=merchant, num_in_stock=10_000)
    groups = [dispatchable_order(merchant=merchant, listing=listing) for _ in range(count)]
    DispatchJob.objects.bulk_create([DispatchJob(group=group) for group in groups])
    return groups


def couriers_near(groups, count: int = 3) -> None:
    merchant = groups[0].merchant
    for _ in range(count):
        courier = CourierFactory(capacity=100)
        positions.update_position(courier=courier, lat=merchant.lat, lng=merchant.lng)


@pytest.mark.django_db
def test_one_drain_routes_every_pending_request_oldest_first():
    # given five requests waiting and couriers nearby
    groups = pending_orders(5)
    couriers_near(groups)

    # when one drain runs
    routed = tasks.drain_pending()

    # then all five are routed and offered, each once, and no request is left pending
    assert routed == 5
    for group in groups:
        group.refresh_from_db()
        assert group.status == S.POINT_ASSIGNED
        assert JobOffer.objects.filter(group=group, state=JobOffer.State.PENDING).count() == 1
    assert not DispatchJob.objects.filter(routed_at__isnull=True).exists()
    assert tasks.drain_pending() == 0


@pytest.mark.django_db
def test_a_failing_request_is_left_pending_and_the_others_are_routed(monkeypatch):
    # given three requests, the second of which makes routing raise (a bug, not the database)
    groups = pending_orders(3)
    bad = groups[1].pk
    real = offers.route_and_offer_in_transaction

    def route(*, group_id, now):
        if group_id == bad:
            raise ValueError("bad data")
        return real(group_id=group_id, now=now)

    monkeypatch.setattr(offers, "route_and_offer_in_transaction", route)

    # when the drain runs
    routed = tasks.drain_pending()

    # then the other two are routed, the bad one stays pending for beat, nothing of it half-written
    assert routed == 2
    assert list(DispatchJob.objects.filter(routed_at__isnull=True).values_list("group_id", flat=True)) == [bad]
    assert FulfilmentGroup.objects.get(pk=bad).status == S.CREATED
    assert not DispatchDecision.objects.filter(group_id=bad).exists()


@pytest.mark.django_db
def test_a_drain_stops_at_its_limit_and_wakes_another(monkeypatch):
    # given more requests than one drain takes
    groups = pending_orders(4)
    wakes = []
    monkeypatch.setattr(tasks, "wake", lambda **kwargs: wakes.append(kwargs) or True)

    # when a drain with a limit of 3 runs
    routed = tasks.drain_pending(limit=3)

    # then it routes 3, leaves the newest pending and asks for a fresh drain to carry on
    assert routed == 3
    assert list(DispatchJob.objects.filter(routed_at__isnull=True).values_list("group_id", flat=True)) == [groups[3].pk]
    assert wakes == [{"force": True}]


@pytest.mark.redis
@pytest.mark.django_db
def test_commits_while_a_drain_is_due_publish_no_more_wake_ups(monkeypatch, django_capture_on_commit_callbacks):
    # given the real broker, no drain due (the wake key cleared), and the publish counted
    # (it still goes to Redis)
    connection = tasks._broker()
    client = connection.default_channel.client
    client.delete(tasks.WAKE_KEY)
    published = []
    real_apply_async = drain.apply_async
    monkeypatch.setattr(drain, "apply_async", lambda *a, **kw: published.append(1) or real_apply_async(*a, **kw))
    groups = [dispatchable_order() for _ in range(3)]

    # when three orders commit one after another
    for group in groups:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                request_dispatch(group_ids=[group.pk])

    # then one wake-up was published for all three, and the key says a drain is due
    assert len(published) == 1
    assert 0 < client.ttl(tasks.WAKE_KEY) <= tasks.WAKE_SECONDS
    assert DispatchJob.objects.filter(group__in=groups, sent_at__isnull=False).count() == 3

    # when that drain starts (here: in-process) it clears the key, so the next commit wakes another
    tasks.drain_pending()
    assert not client.exists(tasks.WAKE_KEY)
    late = dispatchable_order()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            request_dispatch(group_ids=[late.pk])
    assert len(published) == 2
    client.delete(tasks.WAKE_KEY)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' reference rows
def test_drains_side_by_side_route_each_group_exactly_once(no_search_sync):
    # given 30 requests waiting and couriers nearby
    groups = pending_orders(30)
    couriers_near(groups, count=5)

    # when four drains run at once, each on its own connection
    outcomes = run_concurrently(4, lambda _: tasks.drain_pending())

    # then they shared the work: every group routed and offered exactly once, none left
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert sum(outcomes) == 30
    ids = [g.pk for g in groups]
    assert FulfilmentGroup.objects.filter(pk__in=ids, status=S.POINT_ASSIGNED).count() == 30
    assert FulfilmentEvent.objects.filter(group_id__in=ids, status=S.POINT_ASSIGNED).count() == 30
    assert DispatchDecision.objects.filter(group_id__in=ids).count() == 30
    assert JobOffer.objects.filter(group_id__in=ids).count() == 30
    assert not DispatchJob.objects.filter(routed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_drain_whose_batch_was_short_stops_without_looking_again():
    # given three requests waiting, fewer than a batch
    groups = pending_orders(3)
    couriers_near(groups)

    # when one drain runs (batches of 20)
    with CaptureQueriesContext(connection) as queries:
        routed = tasks.drain_pending(batch=20)

    # then it routed all three with a single claim: no last look that finds nothing
    assert routed == 3
    claims = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(claims) == 1, claims
    assert not DispatchJob.objects.filter(routed_at__isnull=True).exists()

    # and a full batch still looks again (a backlog is drained to the end)
    more = pending_orders(4)
    couriers_near(more)
    with CaptureQueriesContext(connection) as queries:
        assert tasks.drain_pending(batch=2) == 4
    assert len([q for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]) == 3  # 2 + 2 + an empty one


@pytest.mark.redis
@pytest.mark.django_db
def test_orders_committed_while_a_drain_lingers_join_it_without_a_message(monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    # given the real broker, one order committed (it publishes the wake-up and sets the key)
    client = tasks._broker().default_channel.client
    client.delete(tasks.WAKE_KEY)
    published = []
    real_apply_async = drain.apply_async
    monkeypatch.setattr(drain, "apply_async", lambda *a, **kw: published.append(kw.get("kwargs")) or real_apply_async(*a, **kw))
    couriers_near([dispatchable_order()])
    first, late = dispatchable_order(), dispatchable_order()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            request_dispatch(group_ids=[first.pk])
    assert len(published) == 1

    # when its drain runs and, while it lingers, a second order commits
    lingered = []

    def linger(seconds):
        lingered.append(seconds)
        assert client.exists(tasks.WAKE_KEY)  # the key is still set while it waits...
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                request_dispatch(group_ids=[late.pk])

    monkeypatch.setattr(tasks, "time", type("Clock", (), {"sleep": staticmethod(linger)}))
    routed = tasks.drain_pending(linger=0.1)

    # then the second order sent no message of its own and was routed by that same drain
    assert lingered == [0.1]
    assert len(published) == 1
    assert routed == 2
    assert not DispatchJob.objects.filter(group__in=[first, late], routed_at__isnull=True).exists()
    # ...and the key is cleared: the next commit wakes a drain again
    assert not client.exists(tasks.WAKE_KEY)


def test_the_drain_task_lingers_unless_it_carries_on_a_backlog(monkeypatch, settings):
    # given a linger of 150 ms configured
    settings.DISPATCH_LINGER_MS = 150
    seen = []
    monkeypatch.setattr(tasks, "drain_pending", lambda **kw: seen.append(kw["linger"]) or 0)

    # when the task runs as a commit's wake-up, then as a drain carrying on after its predecessor's limit
    drain.run()
    drain.run(linger=False)

    # then only the first waits, and never as long as the wake key lives
    assert seen == [0.15, 0]
    settings.DISPATCH_LINGER_MS = 60_000
    drain.run()
    assert seen[-1] == tasks.WAKE_SECONDS / 2
