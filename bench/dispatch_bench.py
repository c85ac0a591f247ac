"""Dispatch throughput and latency on one 2-process Celery worker (never a test).

    make services
    scripts/with-env.sh dev uv run python bench/dispatch_bench.py                  # 50/s and 150/s
    scripts/with-env.sh dev uv run python bench/dispatch_bench.py --find-max 50:200:25
    # everything the issue asks in one run: both modes side by side at 50/s and 150/s, the
    # highest rate each sustains, CPU per order, the worker on one core (rate per core, a
    # dedicated worker host scaled by cores)
    scripts/with-env.sh dev uv run python bench/dispatch_bench.py --mode one,batch --rates 50,150 \
        --find-max 50:250:25 --worker-cpus 0

It prints, per rate and mode, one line (throughput, backlog, p50/p99 to point, offer and
courier_assigned, CPU by process group), then the summary: both modes side by side (p50/p99
commit → courier_assigned and "sustained" at each rate, the highest rate sustained, worker and
PostgreSQL CPU per order and batch ÷ one), whether 150/s holds on this machine, how many jobs
rode in runs (delivery/runs.py), and with --worker-cpus the measured rate per pinned core and
the estimate for a dedicated worker host (by cores, and cross-checked from CPU per order).

It uses its own database (``market_dispatch_bench`` on the dev PostgreSQL, created and migrated
when missing) and Redis database 6, so neither the demo data nor the dev worker interferes,
and starts its own ``celery worker --pool=prefork --concurrency=2 -Q dispatch`` and beat.

Setup (idempotent): 20 shops open around the clock with a store point each, 300 couriers
around them (positions in Redis GEO) with room for 100 jobs each, 50 residents' addresses.

Each rate runs an open loop for ``--seconds``. The orders (an Oscar order with one fulfilment
group and its line each) are written beforehand, awaiting payment, and not timed: in
production the web tier writes them on other machines, here it would take the worker's CPU.
The timed commit is the payment confirmation, as the sandbox notification does it: producer
threads commit order i at t0 + i/rate, moving its group to "created" and calling
``request_dispatch`` in the same transaction. The couriers' apps are two processes of their own
that poll open offers (every 20 ms when there are none) and accept them. Measured per order,
from that commit: point_assigned, offered (the worker's work) and courier_assigned (plus the
simulated app's poll). The backlog (requests committed and not yet routed; one wake-up message
serves many, delivery/outbox.py) is sampled every 0.25 s: a rate is *sustained* when every
order is assigned within 10 s after the last one, the backlog does not grow over the second
half of the run (least-squares slope < 1 request/s) and assignments keep up (≥ 95% of
the offered rate). Between rates, held jobs are marked delivered (bench-only bulk update) so
the couriers are free again.
"""

from __future__ import annotations

import argparse
import functools
import os
import queue
import sys
import threading
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import procstat  # noqa: E402  (pure: no Django)

BENCH_DB = "market_dispatch_bench"
BENCH_REDIS_DB = int(os.environ.get("DISPATCH_BENCH_REDIS_DB", "6"))  # one no test session uses
SHOPS, COURIERS, HOMES = 20, 300, 50
DRAIN_SECONDS = 10


def bench_environment() -> dict:
    """The dev environment pointed at the bench database and Redis database."""
    url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        sys.exit("run with the full stack's environment: scripts/with-env.sh dev uv run python bench/dispatch_bench.py")
    db_url = urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))
    redis_url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{BENCH_REDIS_DB}"))
    return dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url,
                CELERY_RESULT_BACKEND=redis_url, CELERY_TASK_ALWAYS_EAGER="false",
                DJANGO_SETTINGS_MODULE="shop.settings.base", PYTHONUNBUFFERED="1")


def ensure_database(env: dict) -> None:
    import psycopg

    parts = urlsplit(env["DATABASE_URL"])
    with psycopg.connect(host=parts.hostname, port=parts.port, user=parts.username, password=parts.password,
                         dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            print(f"creating database {BENCH_DB}")
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


ENV = bench_environment()
os.environ.update(ENV)
ensure_database(ENV)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Min  # noqa: E402
from django.utils import timezone as dj_timezone  # noqa: E402
from oscar.apps.order.models import Line, Order  # noqa: E402

from bench.dispatch_report import CpuMeter, show, summary  # noqa: E402  (after django.setup)
from bench.dispatch_workers import Celery, CourierApps, app, free_couriers  # noqa: E402
from communities.models import StandardAddress  # noqa: E402
from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory, StandardAddressFactory, UserFactory  # noqa: E402
from delivery import positions  # noqa: E402
from delivery.models import (  # noqa: E402
    Courier,
    DispatchJob,
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentLine,
    JobOffer,
)
from delivery.outbox import request_dispatch  # noqa: E402
from delivery.services import transition  # noqa: E402
from delivery.tests.factories import CourierFactory, shipping_address, store_point  # noqa: E402
from merchants.models import Partner, StockRecord  # noqa: E402
from merchants.tests.factories import ListingFactory, MerchantFactory  # noqa: E402
from shop.accounts.models import User  # noqa: E402
from shop.core.redis import redis_client  # noqa: E402

S = FulfilmentGroup.Status


# --- setup ---------------------------------------------------------------------------------------


def prepare():
    """Shops, listings, couriers and addresses (created once), couriers' positions in Redis."""
    call_command("migrate", verbosity=0)
    if not Partner.objects.filter(code__startswith="dbench-").exists():
        print("creating bench shops, couriers and addresses")
        with transaction.atomic():
            community = CommunityFactory(slug="dispatch-bench")
            for i in range(SHOPS):
                lat, lng = BASE_LAT + (i % 5) * 0.004, BASE_LNG + (i // 5) * 0.004
                merchant = MerchantFactory(code=f"dbench-{i}", community=community, lat=lat, lng=lng)
                store_point(merchant, capacity_per_hour=1_000_000)
                ListingFactory(partner=merchant, num_in_stock=10**9, price=Decimal("5.00"))
            for i in range(COURIERS):
                CourierFactory(capacity=100, last_lat=BASE_LAT + (i % 20) * 0.001, last_lng=BASE_LNG + (i // 20) * 0.001)
            for i in range(HOMES):
                StandardAddressFactory(community=community, lat=BASE_LAT + 0.003 + (i % 10) * 0.0015,
                                       lng=BASE_LNG + (i // 10) * 0.003)
            UserFactory(mobile="17700000000")
    redis_client().delete(positions.GEO_KEY)
    positions.load_positions_into_redis()
    Courier.objects.update(status=Courier.Status.AVAILABLE)


# --- processes -----------------------------------------------------------------------------------


class BacklogSampler(threading.Thread):
    """Every 0.25 s: dispatch requests committed but not yet routed (the backlog: one wake-up
    message serves many of them) and messages waiting in the dispatch queue."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[tuple[float, int, int]] = []  # (time, pending requests, queued messages)
        self.stopping = threading.Event()
        self.client = redis_client()

    def run(self):
        try:
            while not self.stopping.is_set():
                pending = DispatchJob.objects.filter(routed_at__isnull=True).count()
                self.samples.append((time.monotonic(), pending, self.client.llen("dispatch")))
                time.sleep(0.25)
        finally:
            connection.close()


# --- one rate ------------------------------------------------------------------------------------


def prepare_orders(count: int, *, tag: str) -> list[int]:
    """`count` orders of one group and one line each, awaiting payment, written in bulk."""
    listings = list(StockRecord.objects.filter(partner__code__startswith="dbench-").select_related("partner", "product"))
    homes = list(StandardAddress.objects.filter(community__slug="dispatch-bench"))
    user = User.objects.get(mobile="17700000000")
    address = shipping_address()
    stamp, now = datetime.now().strftime("%H%M%S"), dj_timezone.now()
    group_ids = []
    for chunk in range(0, count, 500):
        numbers = range(chunk, min(chunk + 500, count))
        with transaction.atomic():
            orders = Order.objects.bulk_create([
                Order(number=f"DB{stamp}-{tag}-{i}", user=user, currency="CNY", total_incl_tax=Decimal("5.00"),
                      total_excl_tax=Decimal("5.00"), shipping_incl_tax=0, shipping_excl_tax=0,
                      status="awaiting_payment", shipping_address=address, date_placed=now) for i in numbers])
            rows = [(order, listings[i % len(listings)], homes[i % len(homes)]) for order, i in zip(orders, numbers, strict=False)]
            lines = Line.objects.bulk_create([
                Line(order=order, partner=listing.partner, partner_name=listing.partner.name,
                     partner_sku=listing.partner_sku, stockrecord=listing, product=listing.product,
                     title=listing.product.title, quantity=1, line_price_incl_tax=listing.price,
                     line_price_excl_tax=listing.price, line_price_before_discounts_incl_tax=listing.price,
                     line_price_before_discounts_excl_tax=listing.price, unit_price_incl_tax=listing.price,
                     unit_price_excl_tax=listing.price, num_allocated=1) for order, listing, _ in rows])
            groups = FulfilmentGroup.objects.bulk_create([
                FulfilmentGroup(order=order, merchant=listing.partner, method="delivery", status=S.AWAITING_PAYMENT,
                                dropoff=home, goods_total=listing.price) for order, listing, home in rows])
            FulfilmentLine.objects.bulk_create([
                FulfilmentLine(group=group, order_line=line, listing=listing, quantity=1, unit_price=listing.price,
                               estimated_amount=listing.price) for group, line, (_, listing, _) in zip(groups, lines, rows, strict=False)])
        group_ids += [group.pk for group in groups]
    return group_ids


class ProducerPool:
    """Long-lived producer threads: their database connections, and so the PostgreSQL backends
    the CPU meter counts, last for the whole bench."""

    def __init__(self, threads: int):
        self.jobs: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def _work(self):
        try:
            while (job := self.jobs.get()) is not None:
                try:
                    job()
                finally:
                    self.jobs.task_done()
        finally:
            connection.close()

    def run(self, jobs) -> None:
        for job in jobs:
            self.jobs.put(job)
        self.jobs.join()

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout=10)


class Producer:
    """Open loop: order i is confirmed at t0 + i/rate, by whichever producer thread is free.

    The orders themselves are written beforehand, awaiting payment (not timed: in production
    the web tier writes them on other machines). The timed commit is the payment confirmation,
    as the sandbox notification does it: the group becomes "created" and dispatch is requested
    in the same transaction."""

    def __init__(self, rate: float, seconds: float):
        self.rate, self.total = rate, int(rate * seconds)
        self.commits: dict[int, float] = {}  # group id -> wall-clock commit time
        self.late = 0
        self.errors: list[BaseException] = []
        self.group_ids = prepare_orders(self.total, tag=f"{int(rate)}")

    def _place(self, i: int) -> None:
        try:
            wait = self.t0 + i / self.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.1:
                self.late += 1
            group_id = self.group_ids[i]
            with transaction.atomic():
                transition(group_id=group_id, to=S.CREATED, actor="bench:payment", note="支付成功")
                request_dispatch(group_ids=[group_id])
            self.commits[group_id] = time.time()
        except Exception as exc:
            self.errors.append(exc)

    def run(self, pool: ProducerPool) -> float:
        self.t0 = time.monotonic()
        pool.run(functools.partial(self._place, i) for i in range(self.total))
        if self.errors:
            raise self.errors[0]
        return time.monotonic() - self.t0


def run_rate(rate: float, seconds: float, pool: ProducerPool, meter: CpuMeter, mode: str = "") -> dict:
    free_couriers()
    producer = Producer(rate, seconds)
    sampler = BacklogSampler()
    sampler.start()
    tasks_before = tasks_run()
    cpu_before = meter.snapshot()
    started = time.time()
    placing = producer.run(pool)
    placed_until = time.monotonic()
    cpu = meter.used(cpu_before, meter.snapshot())
    ids = list(producer.commits)
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        if not FulfilmentGroup.objects.filter(pk__in=ids).exclude(status=S.COURIER_ASSIGNED).exists():
            break
        time.sleep(0.2)
    sampler.stopping.set()
    sampler.join()
    drained = meter.used(cpu_before, meter.snapshot())  # CPU per order: until the last one is offered
    ran = tasks_run()
    ran = {name: n - tasks_before.get(name, 0) for name, n in ran.items() if n > tasks_before.get(name, 0)}
    # a batch writes its routed mark with one timestamp: distinct marks = batches that routed some
    batches = DispatchJob.objects.filter(group_id__in=ids, routed_at__isnull=False).values("routed_at").distinct().count()
    events = {}
    for group_id, status, at in FulfilmentEvent.objects.filter(
            group_id__in=ids, status__in=[S.POINT_ASSIGNED, S.COURIER_ASSIGNED]).values_list("group_id", "status", "at"):
        events[(group_id, status)] = procstat.epoch(at)
    offered = dict((g, procstat.epoch(at)) for g, at in JobOffer.objects.filter(group_id__in=ids).values("group_id")
                   .annotate(first=Min("offered_at")).values_list("group_id", "first"))

    def latencies(stamps):
        return [stamps[g] - producer.commits[g] for g in ids if stamps.get(g) is not None]

    assigned_at = {g: events.get((g, S.COURIER_ASSIGNED)) for g in ids}
    to_point = latencies({g: events.get((g, S.POINT_ASSIGNED)) for g in ids})
    to_offer = latencies(offered)
    to_courier = latencies(assigned_at)
    run_end = started + placing
    done_in_run = sum(1 for g in ids if assigned_at[g] is not None and assigned_at[g] <= run_end)
    second_half = [s for s in sampler.samples if s[0] >= placed_until - placing / 2 and s[0] <= placed_until]
    growth = procstat.slope([(t, pending) for t, pending, _ in second_half])
    missing = len(ids) - len(to_courier)
    throughput = len(to_courier) / max(max((t for t in assigned_at.values() if t), default=started) - started, 1e-9)
    sustained = missing == 0 and growth < 1.0 and done_in_run >= 0.95 * len(ids)
    return {
        "rate": rate, "orders": len(ids), "offered_rate": len(ids) / placing, "late_starts": producer.late,
        "throughput": throughput, "assigned_in_run_per_s": done_in_run / placing, "missing": missing,
        "backlog_max": max((n for _, n, _ in sampler.samples), default=0), "backlog_slope": growth,
        "backlog_end": second_half[-1][1] if second_half else 0,
        "queue_max": max((n for _, _, n in sampler.samples), default=0),
        "point_p50": procstat.percentile(to_point, 50), "point_p99": procstat.percentile(to_point, 99),
        "offer_p50": procstat.percentile(to_offer, 50), "offer_p99": procstat.percentile(to_offer, 99),
        "p50": procstat.percentile(to_courier, 50), "p99": procstat.percentile(to_courier, 99), "sustained": sustained,
        "cpu": cpu, "worker_ms_per_order": drained["worker"] / max(len(to_offer), 1) * 1000,
        "pg_ms_per_order": drained["worker_pg"] / max(len(to_offer), 1) * 1000, "offered_n": len(to_offer),
        "all_pg_ms_per_order": drained["pg"] / max(len(to_offer), 1) * 1000,
        "mode": mode, "load": os.getloadavg()[0], "tasks": ran, "batches": batches,
        # jobs offered as part of a run (delivery.runs: several drop-offs, one courier)
        "in_runs": JobOffer.objects.filter(group_id__in=ids, run__isnull=False).values("group_id").distinct().count(),
    }


def tasks_run() -> dict[str, int]:
    """Tasks the bench's worker has run since it started, by name (Celery's own count)."""
    stats = app.control.inspect(timeout=2.0).stats() or {}
    return next((node.get("total", {}) for name, node in stats.items() if name.startswith("dispatch-bench-")), {})


MODES = {"one": "1"}  # DISPATCH_BATCH of the worker; "batch": --batch


def run_mode(mode: str, args, results: list[dict]) -> float | None:
    """Start a worker for `mode`, run the rates (and the search for the highest), stop it;
    answer the highest rate sustained."""
    env = {"DISPATCH_BATCH": MODES.get(mode, str(args.batch)), "DATABASE_CONN_MAX_AGE": "600",
           # the one-at-a-time path as it was: a drain looks at once
           **({"DISPATCH_LINGER_MS": "0"} if mode == "one" else
              {"DISPATCH_LINGER_MS": str(args.linger)} if args.linger is not None else {})}
    best = None
    with Celery(args.concurrency, ROOT / "var" / "log" / "dispatch-bench", env=env, cpus=args.worker_cpus) as celery:
        if args.nice:  # this process only; the worker and beat were started at the normal priority
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)
        pool = ProducerPool(args.producers)
        with CourierApps() as apps:
            meter = CpuMeter(celery.processes[0].pid, celery.processes[1].pid, [p.pid for p in apps.processes])
            time.sleep(2)  # beat's first ticks
            for rate in [float(r) for r in args.rates.split(",") if r]:
                results.append(run_rate(rate, args.seconds, pool, meter, mode))
                show(results[-1])
                if results[-1]["sustained"]:
                    best = max(best or 0, rate)
            if args.find_max:
                start, stop, step = (float(x) for x in args.find_max.split(":"))
                rate = start
                while rate <= stop:
                    result = run_rate(rate, args.seconds, pool, meter, mode)
                    results.append({**result, "search": True})  # in the summary's table, marked
                    show(result)
                    if not result["sustained"]:
                        break
                    best = max(best or 0, rate)
                    rate += step
        pool.close()
    if args.nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, 0)  # the next mode's worker starts at the normal priority
        except PermissionError:
            sys.exit("--nice with several modes needs to raise the priority back (root)")
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,150", help="offered rates (orders/s), comma separated")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--find-max", metavar="FROM:TO:STEP", help="step up the rate until it is no longer sustained")
    parser.add_argument("--mode", default="one,batch",
                        help="one (a group per transaction, DISPATCH_BATCH=1), batch (--batch groups per "
                             "transaction), or both, comma separated: run side by side in this run")
    parser.add_argument("--batch", type=int, default=20, help="groups per transaction in the batch mode")
    parser.add_argument("--linger", type=int, default=None,
                        help="DISPATCH_LINGER_MS of the batch mode's worker (default: the settings', 100)")
    parser.add_argument("--worker-cpus", default="", help="pin the worker to these CPUs (taskset -c), e.g. 0")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (the brief: one 2-core worker)")
    parser.add_argument("--producers", type=int, default=8, help="threads committing orders")
    parser.add_argument("--nice", type=int, default=0,
                        help="lower this process's priority (it stands for the web tier and the couriers' "
                             "phones, which in production do not share the worker's CPUs)")
    args = parser.parse_args()

    prepare()
    print(f"machine: {os.cpu_count()} CPUs shared by PostgreSQL, Redis, the worker ({args.concurrency} processes"
          f"{', pinned to CPU ' + args.worker_cpus if args.worker_cpus else ''}), beat, the producers (this process)"
          f" and the courier apps (2 processes); load average {os.getloadavg()[0]:.2f}")
    results, best = [], {}
    for mode in [m for m in args.mode.split(",") if m]:
        best[mode] = run_mode(mode, args, results)
    summary(results, best, args.worker_cpus, searched=bool(args.find_max))
    for mode in best:
        ok50 = next((r for r in results if r["rate"] == 50 and r["mode"] == mode), None)
        if ok50:
            verdict = "met" if ok50["sustained"] and ok50["p99"] <= 1.0 else "NOT met"
            print(f"[{mode}] target (sustain 50/s with p99 ≤ 1 s commit→courier_assigned): {verdict} "
                  f"(p99 {ok50['p99'] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
