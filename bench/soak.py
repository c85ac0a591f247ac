"""Soak: the whole stack under a steady mixed load while a worker dies and Elasticsearch goes away.

Run by hand against a running `make up` (never as a test; 127.0.0.1 only). Its own stack on other
ports is best, so nobody else's services are touched:

    export MARKET_PG_PORT=25432 MARKET_REDIS_PORT=26379 MARKET_ES_PORT=29200 \
           MARKET_ES_TRANSPORT_PORT=29300 PORT=8100
    make up
    scripts/with-env.sh dev uv run --no-sync python bench/soak.py --seconds 600
    make down

Threads (closed loops over keep-alive HTTP connections):
- residents: search (`/api/v1/search/?q=`), fill the basket (3 lines from 3 shops), check out
  (cash on delivery, home delivery: every group is dispatched), now and then cancel an order;
- couriers: the demo couriers post their position every second and list their jobs;
- visitors: the storefront's catalogue and product pages;
- shops: one member of staff per bench shop, signed in to the merchant order pages (session and
  CSRF cookie, HTML forms as a browser posts them), lists the orders waiting in the shop every
  few seconds and for each new one accepts it, enters the weight of weighed lines and marks it
  ready (`/dashboard/merchant-orders/<id>/accept|weights|ready/`).
The simulated couriers of `make up` accept, pick up and deliver the dispatched groups.

Faults, once each: at `--kill-at` seconds the Celery worker is SIGKILLed (its main process and
pool children) and started again `--restart-after` seconds later; at `--es-stop-at` seconds
this stack's Elasticsearch is stopped for `--es-down` seconds, then started again. The two run on
their own timers (a slow worker restart does not delay the Elasticsearch outage).

After the load it waits for dispatch to drain and checks, in the database: every order placed
was dispatched exactly once (one point assignment per delivery group, none left "created"),
no listing has negative stock or allocation, the bench listings' available stock moved by
exactly what the live orders hold (no drift), and the search index converged (`search_index
--check` finds no difference). It prints requests/s, p50/p99 per endpoint, the status counts,
and the 5xx count (goal: 0).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("MARKET_VAR", ROOT / "var"))  # the stack's data, as scripts/lib.sh
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.db.models import Count, Q, Sum  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from bench.checkout_bench import prepare  # noqa: E402
from delivery.models import Courier, FulfilmentEvent, FulfilmentGroup, FulfilmentLine, FulfilmentPoint  # noqa: E402
from merchants.models import Partner, StockRecord  # noqa: E402

HOST = "127.0.0.1"
TERMS = ["青菜", "矿泉水", "创可贴", "鸡蛋", "牛奶", "苹果", "面包", "大米", "保洁", "感冒"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.errors: Counter = Counter()
        self.orders: list[str] = []
        self.server_errors: list[str] = []

    def add(self, name: str, status: int, seconds: float, body: bytes = b""):
        with self.lock:
            self.latency[name].append(seconds * 1000)
            self.status[name][status] += 1
            if status >= 500:
                self.server_errors.append(f"{name} {status} {body[:200]!r}")


class Client:
    """A resident's, courier's or provider's app on the JSON API (a token when signed in)."""

    def __init__(self, port: int, recorder: Recorder, token: str | None = None):
        self.port, self.recorder, self.token = port, recorder, token
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def call(self, name: str, method: str, url: str, body=None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        status, data, _response = self.send(name, method, url, json.dumps(body) if body is not None else None, headers)
        return status, data

    def send(self, name: str, method: str, url: str, body, headers: dict):
        """One request on the kept connection, recorded; a broken connection is counted and
        replaced (status 0, no response)."""
        started = time.perf_counter()
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            with self.recorder.lock:
                self.recorder.errors[f"{name}: {type(error).__name__}"] += 1
            return 0, b"", None
        self.recorder.add(name, response.status, time.perf_counter() - started, data)
        return response.status, data, response


def resident_loop(port, recorder, token, address_id, merchants, listings, stop_at, seed):
    client, rng = Client(port, recorder, token), random.Random(seed)
    lines = [{"listing_id": listings[0], "weight_g": 1000}, {"listing_id": listings[1], "quantity": 2},
             {"listing_id": listings[2], "quantity": 1}]
    while time.time() < stop_at:
        client.call("search", "GET", f"/api/v1/search/?q={quote(rng.choice(TERMS))}&page_size=10")
        for line in lines:
            client.call("basket-add", "POST", "/api/v1/basket/lines/", line)
        status, body = client.call("checkout", "POST", "/api/v1/checkout/", {
            "address_id": address_id, "payment": "cod",
            "groups": [{"merchant_id": m, "method": "delivery"} for m in merchants]})
        if status == 201:
            number = json.loads(body)["number"]
            with recorder.lock:
                recorder.orders.append(number)
            if rng.random() < 0.1:
                client.call("cancel", "POST", f"/api/v1/orders/{number}/cancel/", {"reason": "soak"})
            client.call("order", "GET", f"/api/v1/orders/{number}/")
        else:
            client.call("basket", "GET", "/api/v1/basket/")
        time.sleep(rng.uniform(0.2, 0.6))


def courier_loop(port, recorder, token, lat, lng, stop_at, seed):
    client, rng = Client(port, recorder, token), random.Random(seed)
    while time.time() < stop_at:
        lat += rng.uniform(-0.0003, 0.0003)
        lng += rng.uniform(-0.0003, 0.0003)
        client.call("courier-location", "POST", "/api/v1/courier/location/", {"lat": lat, "lng": lng})
        client.call("courier-jobs", "GET", "/api/v1/courier/jobs/")
        time.sleep(1.0)


def visitor_loop(port, recorder, product_urls, stop_at, seed):
    client, rng = Client(port, recorder), random.Random(seed)
    while time.time() < stop_at:
        client.call("catalogue", "GET", f"/catalogue/?page={rng.randint(1, 3)}")
        if product_urls:
            client.call("product", "GET", rng.choice(product_urls))
        time.sleep(rng.uniform(0.3, 0.8))


class ShopClient(Client):
    """A member of a shop's staff in the merchant order pages: session + CSRF cookies, form posts."""

    def __init__(self, port: int, recorder: Recorder, session_key: str):
        super().__init__(port, recorder)
        self.cookies = {"sessionid": session_key}

    def call(self, name: str, method: str, url: str, form: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if method == "POST":
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "X-CSRFToken": self.cookies.get("csrftoken", "")})
            body = "&".join(f"{quote(k)}={quote(str(v))}" for k, v in (form or {}).items())
        status, data, response = self.send(name, method, url, body, headers)
        for header in (response.headers.get_all("Set-Cookie") or []) if response is not None else []:
            key, _, rest = header.partition("=")
            if key in ("csrftoken", "sessionid"):
                self.cookies[key] = rest.split(";", 1)[0]
        return status, data


GROUP_LINK = re.compile(rb'/dashboard/merchant-orders/(\d+)/"')
WEIGHT_FIELD = re.compile(rb'name="(weight_\d+)"')


def shop_loop(port, recorder, session_key, stop_at, seed):
    """Accept each new order waiting in the shop, weigh its weighed lines, mark it ready."""
    client, rng, handled = ShopClient(port, recorder, session_key), random.Random(seed), set()
    base = "/dashboard/merchant-orders/"
    while time.time() < stop_at:
        waiting = []
        for status in ("point_assigned", "courier_assigned"):
            code, page = client.call("shop-orders", "GET", f"{base}?status={status}")
            if code == 200:
                waiting += [int(pk) for pk in GROUP_LINK.findall(page)]
        for pk in dict.fromkeys(waiting):
            if pk in handled or time.time() >= stop_at:
                continue
            handled.add(pk)
            code, page = client.call("shop-order", "GET", f"{base}{pk}/")  # its forms set the CSRF cookie
            client.call("shop-accept", "POST", f"{base}{pk}/accept/")
            fields = {name.decode(): 1000 for name in WEIGHT_FIELD.findall(page)} if code == 200 else {}
            if fields:
                client.call("shop-weights", "POST", f"{base}{pk}/weights/", fields)
            client.call("shop-ready", "POST", f"{base}{pk}/ready/")
        time.sleep(rng.uniform(2.0, 4.0))


def shop_sessions(merchants: list[int]) -> list[str]:
    """One signed-in member of staff per bench shop (a session as the login page leaves it)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for number, merchant in enumerate(Partner.objects.filter(pk__in=merchants).order_by("pk")):
        user, _ = get_user_model().objects.get_or_create(mobile=f"1770009{number:04d}",
                                                         defaults={"first_name": f"压测店员{number}"})
        user.user_permissions.add(permission)
        merchant.users.add(user)
        session = store()
        session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
                        HASH_SESSION_KEY: user.get_session_auth_hash()})
        session.create()
        keys.append(session.session_key)
    return keys


def sh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["scripts/with-env.sh", "dev", *args], cwd=ROOT, capture_output=True, text=True)


def kill_worker(log) -> None:
    pidfile = VAR / "run/celery-worker.pid"
    pid = int(pidfile.read_text().strip())
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for victim in [pid, *map(int, children)]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    log(f"SIGKILL the worker (pid {pid} and pool children {children})")


def faults(args, log, stop_at):
    """The worker's kill and restart, and Elasticsearch's stop and start, each on its own timer:
    a slow restart of the worker on a loaded machine never delays Elasticsearch's outage. A
    recovery (restart, start) always runs, even past the end of the load."""
    start = time.time()

    def run(steps):
        for offset, action, recovery in steps:
            if start + offset > stop_at and not recovery:
                return
            delay = start + offset - time.time()
            if delay > 0:
                time.sleep(delay)
            action()

    def restart_worker():
        result = sh("scripts/celery.sh", "start", "worker")
        log(f"worker restarted: rc={result.returncode} {result.stderr.strip().splitlines()[-1:]}")

    def stop_es():
        log(f"Elasticsearch stopped: rc={sh('scripts/elasticsearch.sh', 'stop').returncode}")

    def start_es():
        log(f"Elasticsearch started: rc={sh('scripts/elasticsearch.sh', 'start').returncode}")

    sequences = [
        [(args.kill_at, lambda: kill_worker(log), False), (args.kill_at + args.restart_after, restart_worker, True)],
        [(args.es_stop_at, stop_es, False), (args.es_stop_at + args.es_down, start_es, True)],
    ]
    timers = [threading.Thread(target=run, args=(steps,), daemon=True) for steps in sequences]
    for timer in timers:
        timer.start()
    for timer in timers:
        timer.join()


def checks(numbers: list[str], listings: list[int], available_before: dict[int, int], log, drain_seconds: int) -> dict:
    groups = FulfilmentGroup.objects.filter(order__number__in=numbers)
    deadline = time.time() + drain_seconds
    while time.time() < deadline and groups.filter(status="created").exists():
        time.sleep(5)
    counts = groups.values("status").annotate(n=Count("pk"))
    assigned = (FulfilmentEvent.objects.filter(group__order__number__in=numbers, status="point_assigned")
                .values("group_id").annotate(n=Count("pk")))
    twice = [row["group_id"] for row in assigned if row["n"] > 1]
    live = groups.exclude(status__in=["cancelled", "rejected"])
    never = list(live.exclude(pk__in=[row["group_id"] for row in assigned]).values_list("pk", "status"))
    negative = StockRecord.objects.filter(Q(num_in_stock__lt=0) | Q(num_allocated__lt=0)).count()
    held = dict(FulfilmentLine.objects.filter(group__in=live, listing_id__in=listings)
                .values_list("listing_id").annotate(q=Sum("quantity")))
    drift = {}
    for record in StockRecord.objects.filter(pk__in=listings):
        moved = available_before[record.pk] - (record.num_in_stock - (record.num_allocated or 0))
        if moved != held.get(record.pk, 0):
            drift[record.pk] = {"moved": moved, "held by live orders": held.get(record.pk, 0)}
    check = sh("uv", "run", "--frozen", "--no-sync", "python", "manage.py", "search_index", "--sync")
    check = sh("uv", "run", "--frozen", "--no-sync", "python", "manage.py", "search_index", "--check")
    shop_events = (FulfilmentEvent.objects.filter(group__order__number__in=numbers, status__in=["accepted", "ready"])
                   .values("status").annotate(n=Count("pk")))
    result = {
        "orders": len(numbers), "shop events": {row["status"]: row["n"] for row in shop_events}, "groups": groups.count(), "group statuses": {r["status"]: r["n"] for r in counts},
        "dispatched twice": twice, "live groups never dispatched": never, "negative stock rows": negative,
        "stock drift": drift, "search_index --check rc": check.returncode,
        "search_index --check (tail)": (check.stdout + check.stderr).strip().splitlines()[-3:],
    }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("MARKET_WEB_PORT", os.environ.get("PORT", 8000))))
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--residents", type=int, default=8)
    parser.add_argument("--couriers", type=int, default=4)
    parser.add_argument("--visitors", type=int, default=3)
    parser.add_argument("--kill-at", type=int, default=120)
    parser.add_argument("--restart-after", type=int, default=20)
    parser.add_argument("--es-stop-at", type=int, default=240)
    parser.add_argument("--es-down", type=int, default=60)
    parser.add_argument("--drain", type=int, default=180, help="seconds to wait for dispatch to catch up")
    parser.add_argument("--no-faults", action="store_true")
    args = parser.parse_args()

    def log(message):
        print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)

    merchants, listings, people = prepare(args.residents)
    for merchant in Partner.objects.filter(pk__in=merchants):
        FulfilmentPoint.objects.update_or_create(
            kind=FulfilmentPoint.Kind.STORE, merchant=merchant,
            defaults={"name": f"{merchant.name}门店", "community": merchant.community, "lat": merchant.lat,
                      "lng": merchant.lng, "opens": "00:00", "closes": "00:00", "capacity_per_hour": 100_000})
    available_before = {r.pk: r.num_in_stock - (r.num_allocated or 0) for r in StockRecord.objects.filter(pk__in=listings)}
    couriers = [(AuthToken.objects.create(user=c.user)[1], c.last_lat or 32.05, c.last_lng or 118.78)
                for c in Courier.objects.filter(user__isnull=False).order_by("pk")[: args.couriers]]
    from catalog.models import Product

    product_urls = [p.get_absolute_url() for p in Product.objects.filter(is_public=True).order_by("pk")[:50]]
    recorder = Recorder()
    started = time.time()
    stop_at = started + args.seconds
    threads = [threading.Thread(target=resident_loop, daemon=True,
                                args=(args.port, recorder, token, address, merchants, listings, stop_at, n))
               for n, (token, address) in enumerate(people)]
    threads += [threading.Thread(target=courier_loop, daemon=True, args=(args.port, recorder, token, lat, lng, stop_at, n))
                for n, (token, lat, lng) in enumerate(couriers)]
    threads += [threading.Thread(target=shop_loop, daemon=True, args=(args.port, recorder, key, stop_at, n))
                for n, key in enumerate(shop_sessions(merchants))]
    threads += [threading.Thread(target=visitor_loop, daemon=True, args=(args.port, recorder, product_urls, stop_at, n))
                for n in range(args.visitors)]
    if not args.no_faults:
        threads.append(threading.Thread(target=faults, args=(args, log, stop_at), daemon=True))
    log(f"{len(people)} residents, {len(couriers)} couriers, {len(merchants)} shops, {args.visitors} visitors on 127.0.0.1:{args.port} "
        f"for {args.seconds}s")
    for thread in threads:
        thread.start()
    while time.time() < stop_at:
        time.sleep(30)
        total = sum(len(v) for v in recorder.latency.values())
        log(f"{total} requests, {len(recorder.orders)} orders, 5xx {len(recorder.server_errors)}")
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.time() - started

    total = sum(len(v) for v in recorder.latency.values())
    print(f"\nrequests: {total} in {elapsed:.0f}s = {total / elapsed:.1f}/s; orders placed: {len(recorder.orders)}")
    print(f"{'endpoint':<18}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for name in sorted(recorder.latency):
        values = recorder.latency[name]
        print(f"{name:<18}{len(values):>7}{percentile(values, 50):>9.0f}{percentile(values, 99):>9.0f}  "
              f"{dict(recorder.status[name])}")
    print(f"5xx: {len(recorder.server_errors)}  connection errors: {dict(recorder.errors)}")
    for line in recorder.server_errors[:10]:
        print("   ", line)
    log("waiting for dispatch to drain, then checking")
    result = checks(recorder.orders, listings, available_before, log, args.drain)
    print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    ok = (not recorder.server_errors and not result["dispatched twice"] and not result["live groups never dispatched"]
          and not result["negative stock rows"] and not result["stock drift"] and result["search_index --check rc"] == 0)
    print("SOAK", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
