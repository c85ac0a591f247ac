"""Storefront page throughput under gunicorn: our product list and detail against Oscar's stock pages.

Run by hand against the full stack with the demo loaded (never as a test):

    make services
    scripts/with-env.sh dev uv run python manage.py migrate
    scripts/with-env.sh dev uv run python manage.py load_demo
    scripts/with-env.sh dev uv run python manage.py search_index --rebuild
    scripts/with-env.sh dev uv run python manage.py collectstatic --noinput -v 0
    scripts/with-env.sh dev uv run python bench/pages_bench.py            # the comparison
    scripts/with-env.sh dev uv run python bench/pages_bench.py --profile  # + where detail time goes
    scripts/with-env.sh dev uv run python bench/pages_bench.py --sweep    # choose workers/threads

It starts its own gunicorn (settings ``bench.settings_pages``: the project's settings plus
Oscar's stock pages under /stock/, see bench/urls_pages.py and bench/stock_views.py) on a free
port of 127.0.0.1, warms every worker up, then drives ``--clients`` concurrent keep-alive
HTTP clients (threads, http.client, closed loop: each sends its next request when the last
answer is read) for ``--seconds`` per block against, interleaved in the same run:

- ``list``: our /catalogue/ (random page 1-5; listings from the configured search engine);
- ``stock-list``: Oscar's stock browse.html over the same number of products per page (Oscar's
  own list view lists nothing here; bench/stock_views.py says why);
- ``detail``: our product page for random demo products;
- ``stock-detail``: Oscar's ProductDetailView with Oscar's stock templates, same products;
- ``floor``: an empty view behind the project's middleware (what the machine, gunicorn and
  this client can do at best).

Pages run in rounds, the order rotated each round, so ours and stock see the same machine
(other people run tests here). It prints per page requests/s, p50/p95/p99 latency in ms
(client side: request sent to body read, queueing in gunicorn included), errors (non-200 or
broken connections), the ratios ours/stock, and the load average from before and after.
Every client is an anonymous visitor without cookies (no basket, no history cookie).
``--bumps-per-second R`` makes every cached page out of date R times a second during the run
(catalog.page_cache.bump(), what each price change, sell-out or checkout does), so the figure
includes the misses a selling shop causes; 0 (the default) measures the cache warm.

Because requests/s on a shared machine depends on what else runs, it also prints the CPU each
page costs per request (gunicorn workers, their PostgreSQL backends, Elasticsearch, this
client) and the capacity that implies: CPUs x 1000 / server CPU ms per request.

gunicorn gets the project's environment: DATABASE_CONN_MAX_AGE unset means a new database
connection per request, as `make up` runs it; ``--conn-max-age 60`` keeps connections.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import procstat  # noqa: E402  (pure: no Django)

SETTINGS = "bench.settings_pages"
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS  # the /stock/ pages exist only there

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench import pages_profile  # noqa: E402  (after django.setup)
from catalog.models import Product  # noqa: E402

PAGES = ("list", "stock-list", "detail", "stock-detail", "floor")
COMPARISONS = (("list", "stock-list"), ("detail", "stock-detail"))
LIST_PAGES = 5


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# --- the pages ----------------------------------------------------------------------------------


def page_urls(rng: random.Random, products: int) -> dict[str, list[str]]:
    """The URLs each page draws from: the same products and list pages for ours and stock."""
    detail = [quote(product.get_absolute_url()) for product in Product.objects.browsable().order_by("pk")]
    if not detail:
        sys.exit("no products: run `python manage.py load_demo` first (see the module docstring)")
    detail = rng.sample(detail, min(products, len(detail)))
    pages = [""] + [f"?page={number}" for number in range(2, LIST_PAGES + 1)]
    return {
        "list": [f"/catalogue/{page}" for page in pages],
        "stock-list": [f"/stock/catalogue/{page}" for page in pages],
        "detail": detail,
        "stock-detail": ["/stock" + url for url in detail],
        "floor": ["/stock/floor/"],
    }


def quote(url: str) -> str:
    return urllib.parse.quote(urllib.parse.unquote(url), safe="/?=&_-")


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    workers: int
    threads: int
    port: int = 0
    process: subprocess.Popen | None = None
    extra_env: dict = field(default_factory=dict)

    @property
    def conn_max_age(self) -> str:
        return self.extra_env.get("DATABASE_CONN_MAX_AGE", os.environ.get("DATABASE_CONN_MAX_AGE", "0"))

    @property
    def label(self) -> str:
        kind = f"gthread {self.workers}x{self.threads}" if self.threads > 1 else f"sync {self.workers}"
        return f"{kind} workers"

    def start(self) -> None:
        self.port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "shop.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "gthread" if self.threads > 1 else "sync",
            "--threads", str(self.threads),
            "--timeout", "60",
            "--backlog", "512",
            "--log-level", "warning",
            "--chdir", str(BASE_DIR),
        ]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, **self.extra_env}
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
        deadline = time.monotonic() + 180  # a busy 2-core machine boots Django slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _ = fetch(self.port, "/stock/floor/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        sys.exit("gunicorn did not answer within 180 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def fetch(port: int, url: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Block:
    page: str
    seconds: float = 0.0
    cpu: dict = field(default_factory=dict)  # CPU seconds spent during the block, by whom (cpu_seconds)
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def cpu_ms(self, who: str) -> float:
        """CPU milliseconds per answered request of ``who`` (workers, postgres, elasticsearch, client)."""
        return self.cpu.get(who, 0.0) * 1000 / len(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def server_cpu_ms(self) -> float:
        return sum(self.cpu_ms(who) for who in ("workers", "postgres", "elasticsearch"))


def drive(server: Server, page: str, urls: list[str], clients: int, seconds: float, seed: int) -> Block:
    """``clients`` threads, each with its own keep-alive connection, for ``seconds``."""
    port = server.port
    block = Block(page)
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies, errors, samples = [], 0, []
        start_line.wait()
        while time.perf_counter() < stop_at[0]:
            url = rng.choice(urls)
            started = time.perf_counter()
            try:
                try:
                    conn.request("GET", url)
                    response = conn.getresponse()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    conn.close()  # the server closed an idle keep-alive connection: once more
                    started = time.perf_counter()
                    conn.request("GET", url)
                    response = conn.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status == 200 and body:
                    latencies.append(elapsed)
                else:
                    errors += 1
                    if len(samples) < 3:
                        samples.append(f"{response.status} {url}")
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as error:
                errors += 1
                conn.close()
                if len(samples) < 3:
                    samples.append(f"{type(error).__name__} {url}")
        conn.close()
        with lock:
            block.latencies_ms.extend(latencies)
            block.errors += errors
            block.error_samples.extend(samples)

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    reaped = server.conn_max_age == "0"
    cpu_before, client_before = procstat.cpu_seconds(server.process.pid, reaped_backends=reaped), time.process_time()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    block.seconds = time.perf_counter() - started
    cpu_after, client_after = procstat.cpu_seconds(server.process.pid, reaped_backends=reaped), time.process_time()
    block.cpu = procstat.cpu_spent(cpu_before, cpu_after)
    block.cpu["client"] = client_after - client_before
    return block


def warm_up(server: Server, urls: dict[str, list[str]], pages, clients: int, seconds: float) -> None:
    for page in pages:
        drive(server, page, urls[page], clients, seconds, seed=0)


# --- reports ------------------------------------------------------------------------------------


def merge(blocks: list[Block]) -> Block:
    merged = Block(blocks[0].page)
    for block in blocks:
        merged.seconds += block.seconds
        for who, seconds in block.cpu.items():
            merged.cpu[who] = merged.cpu.get(who, 0.0) + seconds
        merged.latencies_ms += block.latencies_ms
        merged.errors += block.errors
        merged.error_samples += block.error_samples
    return merged


def report(results: dict[str, list[Block]]) -> None:
    print()
    print(f"{'page':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}"
          f" | CPU ms/request:{'workers':>8}{'pg':>6}{'es':>6}{'client':>7} | {'capacity':>8}   req/s per round")
    for page, blocks in results.items():
        merged = merge(blocks)
        samples = merged.latencies_ms or [float("nan")]
        rounds = " ".join(f"{block.per_second:.0f}" for block in blocks)
        capacity = (os.cpu_count() or 1) * 1000 / merged.server_cpu_ms if merged.latencies_ms else float("nan")
        print(f"{page:<14}{len(merged.latencies_ms):>9}{merged.per_second:>8.1f}{percentile(samples, 50):>8.1f}"
              f"{percentile(samples, 95):>8.1f}{percentile(samples, 99):>8.1f}{merged.errors:>7}"
              f" | {'':>14}{merged.cpu_ms('workers'):>8.1f}{merged.cpu_ms('postgres'):>6.1f}"
              f"{merged.cpu_ms('elasticsearch'):>6.1f}{merged.cpu_ms('client'):>7.1f} | {capacity:>8.0f}   {rounds}")
        for sample in merged.error_samples[:3]:
            print(f"    error: {sample}")
    print()
    for ours, stock in COMPARISONS:
        if ours not in results or stock not in results:
            continue
        a, b = merge(results[ours]), merge(results[stock])
        per_round = [x.per_second / y.per_second for x, y in zip(results[ours], results[stock], strict=False) if y.per_second]
        spread = (f" (per round {min(per_round):.2f}-{max(per_round):.2f}, median {statistics.median(per_round):.2f})"
                  if per_round else "")
        print(f"{ours}/{stock}: req/s {a.per_second / b.per_second:.2f}{spread}, "
              f"p50 {percentile(a.latencies_ms, 50) / percentile(b.latencies_ms, 50):.2f}, "
              f"p95 {percentile(a.latencies_ms, 95) / percentile(b.latencies_ms, 95):.2f}, "
              f"worker CPU/request {a.cpu_ms('workers') / b.cpu_ms('workers'):.2f}"
              "   (req/s above 1, the others below 1: ours is faster)")
    print("CPU ms/request: gunicorn workers (exact); PostgreSQL: the backends of the workers' connections"
          " (exact) or, when connections are not kept, every backend reaped (anyone's: approximate);"
          " Elasticsearch: the whole JVM (approximate); client = this"
          " process. capacity = CPUs x 1000 / (workers + pg + es): requests/s the server side could answer on"
          " this machine with nothing else running (the client elsewhere).")


# --- profile of our product page (in process, no gunicorn) ----------------------------------------


# --- main ---------------------------------------------------------------------------------------


def parse_config(text: str) -> tuple[int, int]:
    """'4' = 4 sync workers; '2x4' = 2 gthread workers with 4 threads each."""
    workers, _, threads = text.partition("x")
    return int(workers), int(threads or 1)


def sweep(args, urls, extra_env: dict) -> None:
    print(f"sweep: {args.clients} clients, {args.seconds:.0f} s per page and configuration, "
          f"DATABASE_CONN_MAX_AGE={extra_env.get('DATABASE_CONN_MAX_AGE', os.environ.get('DATABASE_CONN_MAX_AGE', '0'))};"
          f" load {load()}")
    print(f"{'configuration':<24}{'page':<10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
          f"{'workers':>9}{'pg':>6}{'es':>6}  (CPU ms/request)  load")
    configs = args.sweep_configs.split(",")
    passes = [configs if number % 2 == 0 else configs[::-1] for number in range(args.sweep_passes)]
    for text in [config for one_pass in passes for config in one_pass]:  # there and back: drift cancels
        server = Server(*parse_config(text), extra_env=extra_env)
        server.start()
        try:
            warm_up(server, urls, ("detail", "list"), args.clients, args.warmup)
            for page in ("detail", "list"):
                block = drive(server, page, urls[page], args.clients, args.seconds, seed=1)
                samples = block.latencies_ms or [float("nan")]
                print(f"{server.label:<24}{page:<10}{block.per_second:>8.1f}{percentile(samples, 50):>9.1f}"
                      f"{percentile(samples, 95):>9.1f}{block.errors:>8}{block.cpu_ms('workers'):>9.1f}"
                      f"{block.cpu_ms('postgres'):>6.1f}{block.cpu_ms('elasticsearch'):>6.1f}  {'':>17}{load()}",
                      flush=True)
        finally:
            server.stop()
    print(f"load after: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="2x4",
                        help="gunicorn: N sync workers or WxT gthread workers (default 2x4: one process per core,"
                             " threads to cover database and search waits; chosen with --sweep)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one block (default 8)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds over every page (default 4)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per page (default 3)")
    parser.add_argument("--products", type=int, default=100, help="random demo products (default 100)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated subset of {','.join(PAGES)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bumps-per-second", type=float, default=0.0,
                        help="catalogue writes a second during the run (page cache out of date; default 0)")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="DATABASE_CONN_MAX_AGE for gunicorn (default: the environment's, else 0)")
    parser.add_argument("--profile", action="store_true", help="also profile the product page in process")
    parser.add_argument("--profile-only", action="store_true", help="only the in-process profile")
    parser.add_argument("--profile-requests", type=int, default=100)
    parser.add_argument("--sweep", action="store_true", help="time worker/thread configurations instead")
    parser.add_argument("--sweep-configs", default="2,3,4,6,2x4,3x4,4x4")
    parser.add_argument("--sweep-passes", type=int, default=2, help="passes over the configurations, alternating order")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    urls = page_urls(rng, args.products)
    print(f"database: {connection.vendor} ({settings.DATABASES['default'].get('HOST') or '-'}), "
          f"search backend: {settings.SEARCH_BACKEND}, products: {Product.objects.count():,}, "
          f"cpus: {os.cpu_count()}, DEBUG: {settings.DEBUG}")
    if args.profile or args.profile_only:
        pages_profile.profile_detail(urls, args.profile_requests)
        if args.profile_only:
            return
    extra_env = {} if args.conn_max_age is None else {"DATABASE_CONN_MAX_AGE": str(args.conn_max_age)}
    if args.sweep:
        sweep(args, urls, extra_env)
        return

    pages = [page for page in args.pages.split(",") if page]
    server = Server(*parse_config(args.workers), extra_env=extra_env)
    server.start()
    churning = threading.Event()
    if args.bumps_per_second > 0:
        from catalog import page_cache

        def churn() -> None:
            while not churning.wait(1 / args.bumps_per_second):
                page_cache.bump()

        threading.Thread(target=churn, daemon=True).start()
        print(f"catalogue writes: the page cache made out of date {args.bumps_per_second:g} times a second")
    try:
        print(f"gunicorn: {server.label} on 127.0.0.1:{server.port} (pid {server.process.pid}), "
              f"DATABASE_CONN_MAX_AGE={server.conn_max_age}; "
              f"{args.clients} clients, {args.rounds} rounds x {args.seconds:.0f} s per page")
        print(f"load before warm-up: {load()}")
        warm_up(server, urls, pages, args.clients, args.warmup)
        results: dict[str, list[Block]] = {page: [] for page in pages}
        for number in range(args.rounds):
            order = pages[number % len(pages):] + pages[: number % len(pages)]
            for page in order:
                results[page].append(drive(server, page, urls[page], args.clients, args.seconds,
                                           seed=args.seed + number))
            print(f"round {number + 1}/{args.rounds} done, load {load()}", flush=True)
    finally:
        churning.set()
        server.stop()
    report(results)
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
