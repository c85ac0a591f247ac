"""Dispatch on a real prefork worker, real Redis and real PostgreSQL, killed and cut off.

1. The worker is killed with SIGKILL again and again while orders are committed: a pool
   process in the middle of a task (acks_late + reject_on_worker_lost put its task back on
   the queue), and now and then the whole worker (its messages stay unacknowledged in Redis;
   beat re-sends the outbox rows). Every committed order ends assigned exactly once.
2. (outage) Redis, the broker, is stopped while orders are placed: placing does not fail or
   wait, and every order is dispatched after Redis returns.

A courier app is simulated in a thread of the test: it accepts every open offer. The worker
and beat are this module's own subprocesses (not the session's solo worker), so they can be
killed; they use DISPATCH_RESEND_AFTER_SECONDS=3 so beat re-sends lost requests quickly.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, transaction

from communities.tests.factories import BASE_LAT, BASE_LNG, StandardAddressFactory
from delivery import dispatch, positions
from delivery.models import Courier, DispatchDecision, DispatchJob, FulfilmentEvent, FulfilmentGroup, JobOffer
from delivery.outbox import request_dispatch
from delivery.tests.factories import CourierFactory, dispatchable_order, store_point
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.core.errors import DomainError
from tests.services import _tail, _test_database_url

ROOT = Path(__file__).resolve().parent.parent
S = FulfilmentGroup.Status
SETTLE_SECONDS = 120

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


# --- processes --------------------------------------------------------------------------------


def subprocess_env() -> dict:
    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false", PYTHONUNBUFFERED="1", DISPATCH_RESEND_AFTER_SECONDS="3")
    env.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.test")
    url = _test_database_url(connection.settings_dict["NAME"])
    if url:
        env["DATABASE_URL"] = url
    return env


class Worker:
    """`celery worker` (prefork, 2 processes) on the dispatch queue, in its own process group."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.process = None
        self.starts = 0

    def start(self) -> None:
        from shop.celery import app

        self.starts += 1
        hostname = f"dispatch-test-{os.getpid()}-{self.starts}@{socket.gethostname()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=prefork", "--concurrency=2",
             "-Q", "dispatch", "-n", hostname, "--without-gossip", "--without-mingle", "--loglevel=INFO",
             f"--logfile={self.log_dir / f'worker-{self.starts}.log'}"],
            cwd=ROOT, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg reaches the pool processes too
        )
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=1.0):
            assert self.process.poll() is None, f"the worker exited:\n{_tail(self.log_dir / f'worker-{self.starts}.log')}"
            assert time.monotonic() < deadline, "the worker did not answer a ping within 60 s"

    def children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill_pool_process(self) -> bool:
        """SIGKILL the pool's processes (the worker's main process forks new ones). Both, because
        a drain usually holds a whole wave in one of them and which one is not visible from here."""
        killed = False
        for pid in self.children():
            try:
                os.kill(pid, signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
        return killed

    def kill_all(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_all()

    def lost_tasks(self) -> int:
        """Tasks whose pool process died under them, as the worker logged them."""
        return sum(path.read_text(errors="replace").count("Task handler raised error: WorkerLostError") for path in self.log_dir.glob("worker-*.log"))


@pytest.fixture
def worker(redis_client, tmp_path):
    from shop.celery import app

    with app.connection_for_write() as conn:  # nothing left over from an interrupted run
        conn.default_channel.queue_purge("dispatch")
    worker = Worker(tmp_path)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def beat(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shop", "beat", "--loglevel=INFO",
         f"--schedule={tmp_path / 'beat-schedule'}", f"--logfile={tmp_path / 'beat.log'}"],
        cwd=ROOT, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


class CourierApps(threading.Thread):
    """Every courier's app, accepting each offer as soon as it sees it."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.accepted = 0

    def run(self):
        try:
            while not self.stopping.is_set():
                for offer in JobOffer.objects.filter(state=JobOffer.State.PENDING).select_related("courier")[:100]:
                    try:
                        dispatch.courier_accept(courier=offer.courier, group_id=offer.group_id)
                        self.accepted += 1
                    except DomainError:
                        pass  # cancelled, expired: the app shows it as gone
                time.sleep(0.05)
        finally:
            connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


@pytest.fixture
def courier_apps():
    apps = CourierApps()
    apps.start()
    yield apps
    apps.stop()


@pytest.fixture
def town(redis_client):
    """Three shops with one listing each (open all day, no hourly limit) and 30 couriers with
    room for 20 jobs each."""
    redis_client.delete(positions.GEO_KEY)
    listings = []
    for i in range(3):
        merchant = MerchantFactory(lat=BASE_LAT + i * 0.002, lng=BASE_LNG)
        store_point(merchant, capacity_per_hour=100_000)
        listings.append(ListingFactory(partner=merchant, num_in_stock=100_000))
    for i in range(30):
        courier = CourierFactory(capacity=20)
        positions.update_position(courier=courier, lat=BASE_LAT + (i % 10) * 0.001, lng=BASE_LNG + (i // 10) * 0.001)
    homes = [StandardAddressFactory(lat=BASE_LAT + 0.005 + i * 0.0005, lng=BASE_LNG) for i in range(5)]
    yield listings, homes
    redis_client.delete(positions.GEO_KEY)


def place(listings, homes, count: int) -> list[int]:
    """A wave of orders: written first, then their dispatch requested one commit each, back to
    back, as the sandbox payment notices do. The requests arrive within milliseconds, so the
    worker has a wave to drain (one order at a time it would finish each before the next)."""
    groups = [dispatchable_order(listing=listings[i % len(listings)], dropoff=homes[i % len(homes)])
              for i in range(count)]
    for group in groups:
        with transaction.atomic():
            request_dispatch(group_ids=[group.pk])
    return [group.pk for group in groups]


def place_and_roll_back(listings, homes, count: int) -> int:
    """Orders whose transaction fails after asking for dispatch: they must leave nothing."""
    for _i in range(count):
        with pytest.raises(RuntimeError), transaction.atomic():
            group = dispatchable_order(listing=listings[0], dropoff=homes[0])
            request_dispatch(group_ids=[group.pk])
            raise RuntimeError("payment refused")
    return count


def wait_until_assigned(group_ids: list[int], seconds: float = SETTLE_SECONDS) -> float:
    started = time.monotonic()
    while True:
        waiting = FulfilmentGroup.objects.filter(pk__in=group_ids).exclude(status=S.COURIER_ASSIGNED).count()
        if not waiting:
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"{waiting} of {len(group_ids)} orders were not assigned in {seconds} s"
        time.sleep(0.5)


def assert_assigned_exactly_once(group_ids: list[int]) -> None:
    groups = FulfilmentGroup.objects.filter(pk__in=group_ids)
    assert groups.count() == len(group_ids)
    assert set(groups.values_list("status", flat=True)) == {S.COURIER_ASSIGNED}
    assert not groups.filter(courier__isnull=True).exists()
    events = Counter(FulfilmentEvent.objects.filter(group_id__in=group_ids).values_list("group_id", "status"))
    for group_id in group_ids:
        assert events[(group_id, S.POINT_ASSIGNED)] == 1, f"group {group_id} routed {events[(group_id, S.POINT_ASSIGNED)]} times"
        assert events[(group_id, S.COURIER_ASSIGNED)] == 1, f"group {group_id} assigned {events[(group_id, S.COURIER_ASSIGNED)]} times"
    decisions = Counter(DispatchDecision.objects.filter(group_id__in=group_ids, point__isnull=False).values_list("group_id", flat=True))
    assert set(decisions.values()) == {1}
    accepted = Counter(JobOffer.objects.filter(group_id__in=group_ids, state="accepted").values_list("group_id", flat=True))
    assert len(accepted) == len(group_ids) and set(accepted.values()) == {1}
    assert not JobOffer.objects.filter(group_id__in=group_ids, state="pending").exists()
    for courier in Courier.objects.all():
        assert courier.groups.filter(status__in=[S.COURIER_ASSIGNED, S.PICKED_UP]).count() <= courier.capacity


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_again_and_again_every_order_assigned_exactly_once(worker, beat, courier_apps, town):
    listings, homes = town
    group_ids: list[int] = []
    kills = Counter()
    rng = random.Random(5)

    # when orders are committed in waves while the worker is SIGKILLed, mostly its pool
    # processes in the middle of their work and every fifth time the whole worker (then started again)
    for wave in range(15):
        group_ids += place(listings, homes, 8)
        place_and_roll_back(listings, homes, 1 if wave % 5 == 0 else 0)
        time.sleep(rng.uniform(0.01, 0.08))  # let the worker get into the wave, not through it
        if wave % 5 == 4:
            worker.kill_all()
            kills["worker"] += 1
            worker.start()
        elif worker.kill_pool_process():
            kills["pool process"] += 1
        if wave % 2:
            time.sleep(0.2)
            kills["pool process"] += worker.kill_pool_process()

    # then, with the worker left alone, every committed order is assigned...
    settled = wait_until_assigned(group_ids)
    print(f"\n{len(group_ids)} orders, kills {dict(kills)}, tasks lost mid-run and redelivered: "
          f"{worker.lost_tasks()}, all assigned {settled:.1f} s after the last wave")
    # ...exactly once, and the rolled-back orders left no dispatch request behind
    assert_assigned_exactly_once(group_ids)
    assert DispatchJob.objects.count() == len(group_ids)
    assert kills["worker"] == 3 and kills["pool process"] >= 10
    assert worker.lost_tasks() >= 1, "no kill landed in the middle of a task: the test proved nothing"


def redis_script(action: str) -> None:
    result = subprocess.run(["scripts/redis.sh", action], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"scripts/redis.sh {action} failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.outage
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_while_orders_are_placed_all_dispatched_after_it_returns(worker, beat, courier_apps, town):
    if not (ROOT / "var" / "redis").exists():
        pytest.skip("Redis was not started by scripts/redis.sh in this tree") if os.environ.get("CI") != "true" \
            else pytest.fail("CI=true: scripts/redis.sh must have started Redis")
    listings, homes = town

    # given the broker is stopped
    redis_script("stop")
    try:
        # when orders are placed: each commits at once (the failed send does not hold it up),
        # its request waiting in the outbox
        started = time.monotonic()
        group_ids = place(listings, homes, 20)
        placing = time.monotonic() - started
        assert DispatchJob.objects.filter(group_id__in=group_ids, routed_at__isnull=True, sent_at__isnull=True).count() == 20
        assert placing < 10, f"placing 20 orders took {placing:.1f} s with the broker down"
    finally:
        redis_script("start")

    # then after it returns, all of them are dispatched, each exactly once
    settled = wait_until_assigned(group_ids)
    print(f"\n20 orders placed in {placing:.1f} s with Redis down; all assigned {settled:.1f} s after it returned")
    assert_assigned_exactly_once(group_ids)
