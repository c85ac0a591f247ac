"""Search benchmark: /api/v1/search/ against the same query sent straight to Elasticsearch.

Run against the full stack with data loaded (never as a test):

    scripts/with-env.sh dev uv run python manage.py load_demo --scale 100000
    scripts/with-env.sh dev uv run python bench/search_bench.py --rebuild --requests 500

For random origins in the demo district it measures, in one process and one run:
- the API: GET /api/v1/search/?q=<word>&lat=&lng=&minutes=15&mode=walk (text + 15-minute walk
  circle + facets), through Django's full request stack (in-process client, no HTTP server);
- raw: the very request body the API's backend sends for that query, sent straight to
  Elasticsearch and timed by the client (what the engine alone costs, with its round trip);
  each query goes to both, one right after the other, the API first for every other query
  (the second of a pair meets the engine's caches warm for that query: --api-first gives raw
  that advantage every time, as this bench did before);
- the CPU this process spends per request on each side (thread time): the API's minus raw's
  is the API's own work (Django, DRF, building the body and the answer), a figure the
  machine's load hardly moves;
- optionally the database backend on the same queries (--database), and a full index rebuild
  (--rebuild, documents per second).
It prints p50/p99 in milliseconds, the API/raw ratio at both, the load average beside them,
the Elasticsearch heap and the number of documents behind the listings alias. For an index of
a million listings build one with bench/search_index_copies.py under its own prefix
(MARKET_INDEX_PREFIX) and run this with that prefix.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from catalog.search.backends.base import ListingQuery  # noqa: E402
from catalog.search.backends.elasticsearch import ElasticsearchListingBackend  # noqa: E402
from catalog.search.elastic import indexer  # noqa: E402
from catalog.search.elastic.client import query_client  # noqa: E402
from catalog.search.elastic.documents import alias_name  # noqa: E402
from communities.circle import make_circle  # noqa: E402
from communities.models import Community  # noqa: E402
from merchants.models import StockRecord  # noqa: E402

# The API's Elasticsearch timeout in this run (production: 0.5 s). On this shared, loaded machine
# 0.5 s trips the circuit breaker now and then, and the fallback's answers would be timed as the
# engine's; both sides get the same patience.
TIMEOUT = 3.0
logging.getLogger("catalog.search.registry").setLevel(logging.ERROR)
logging.getLogger("elastic_transport").setLevel(logging.ERROR)

WORDS = ["青菜", "牛奶", "鸡蛋", "苹果", "大米", "猪肉", "面包", "酸奶", "西红柿", "保洁", "药", "水果", "豆腐", "鱼"]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def origins(rng: random.Random, count: int) -> list[tuple[float, float]]:
    """Random points within ~1 km of the district's community centroids."""
    centroids = list(Community.objects.values_list("centroid_lat", "centroid_lng"))
    if not centroids:
        sys.exit("no communities: run `python manage.py load_demo` first")
    points = []
    for _ in range(count):
        lat, lng = rng.choice(centroids)
        points.append((lat + rng.uniform(-0.009, 0.009), lng + rng.uniform(-0.01, 0.01)))
    return points


def raw_body(word: str, lat: float, lng: float) -> dict:
    """The very request the API's backend sends for this query (text, walk circle, facets, page 1)."""
    query = ListingQuery(query=word, circle=make_circle(lat=lat, lng=lng), page_size=20)
    return ElasticsearchListingBackend().request_body(query)[0]


def api_once(client: Client, word: str, lat: float, lng: float) -> tuple[float, float, str]:
    """One API request: (wall ms, this thread's CPU ms, the backend that answered)."""
    started, cpu = time.perf_counter(), time.thread_time()
    response = client.get("/api/v1/search/", {"q": word, "lat": lat, "lng": lng, "minutes": 15, "mode": "walk"})
    elapsed, cpu = (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000
    if response.status_code != 200:
        sys.exit(f"API answered {response.status_code}: {response.content[:300]!r}")
    return elapsed, cpu, response.json()["backend"]


def raw_once(engine, body: dict) -> tuple[float, float]:
    """The same search straight through the client: (wall ms, this thread's CPU ms)."""
    started, cpu = time.perf_counter(), time.thread_time()
    engine.search(index=alias_name("listings"), body=body)
    return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000


def time_api(client: Client, queries, backend: str) -> tuple[list[float], int]:
    """Timings of the answers `backend` gave (one answered by the fallback is counted, not timed)."""
    samples, answered_by_other = [], 0
    with override_settings(SEARCH_BACKEND=backend, SEARCH_TIMEOUT_SECONDS=TIMEOUT):
        for word, lat, lng in queries:
            elapsed, _cpu, answered = api_once(client, word, lat, lng)
            if answered != backend:
                answered_by_other += 1
            else:
                samples.append(elapsed)
    return samples, answered_by_other


def time_pairs(client: Client, queries, *, api_first: bool = False) -> tuple[dict[str, list[float]], int]:
    """Each query through the API and raw, one after the other, the API first for every other
    query: the second of a pair finds the engine's caches warm for that very query (~7 % of
    its time), so neither side always gets that (``api_first``: the API always first, as this
    bench did until December 2026). Wall and CPU samples of both sides."""
    bodies = [raw_body(word, lat, lng) for word, lat, lng in queries]  # built outside the timing
    samples = {"api": [], "raw": [], "api_cpu": [], "raw_cpu": []}
    answered_by_other = 0
    with override_settings(SEARCH_BACKEND="elasticsearch", SEARCH_TIMEOUT_SECONDS=TIMEOUT):
        engine = query_client()  # the API's own client (and connection pool) in this run
        for number, ((word, lat, lng), body) in enumerate(zip(queries, bodies, strict=True)):
            raw_first = number % 2 and not api_first
            if raw_first:
                raw = raw_once(engine, body)
            elapsed, cpu, answered = api_once(client, word, lat, lng)
            if not raw_first:
                raw = raw_once(engine, body)
            if answered != "elasticsearch":
                answered_by_other += 1
                continue
            samples["api"].append(elapsed)
            samples["api_cpu"].append(cpu)
            samples["raw"].append(raw[0])
            samples["raw_cpu"].append(raw[1])
    return samples, answered_by_other


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def engine_facts() -> str:
    client = query_client()
    heap = client.nodes.stats(metric="jvm")["nodes"]
    heap = next(iter(heap.values()))["jvm"]["mem"]
    documents = client.count(index=alias_name("listings"))["count"]
    return (f"index {alias_name('listings')}: {documents:,} listings; Elasticsearch heap "
            f"{heap['heap_used_in_bytes'] / 2**20:,.0f} of {heap['heap_max_in_bytes'] / 2**20:,.0f} MB")


def report(label: str, samples: list[float]) -> tuple[float, float]:
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    print(f"{label:<28} n={len(samples):<5} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   mean {statistics.mean(samples):7.1f} ms")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="time a full rebuild of the listings index first")
    parser.add_argument("--database", action="store_true", help="also time the database backend")
    parser.add_argument("--api-first", action="store_true",
                        help="send each query to the API before raw (raw then meets warm caches)")
    args = parser.parse_args()

    listings = StockRecord.objects.count()
    print(f"database: {connection.vendor}, listings: {listings:,}, Elasticsearch: {settings.ELASTICSEARCH_URL or '-'}")
    if args.rebuild:
        stats = indexer.rebuild("merchants")
        stats = indexer.rebuild("listings")
        print(f"rebuild listings: {stats.documents:,} documents in {stats.seconds:.1f} s = {stats.per_second:,.0f} docs/s")

    rng = random.Random(args.seed)
    points = origins(rng, args.warmup + args.requests)
    queries = [(rng.choice(WORDS), lat, lng) for lat, lng in points]
    warmup, measured = queries[: args.warmup], queries[args.warmup:]
    client = Client()

    print(f"start: {load()}")
    if settings.ELASTICSEARCH_URL:
        print(engine_facts())
        time_pairs(client, warmup)
        samples, fallbacks = time_pairs(client, measured, api_first=args.api_first)
        api_p50, api_p99 = report("API (elasticsearch)", samples["api"])
        raw_p50, raw_p99 = report("raw Elasticsearch", samples["raw"])
        api_cpu, raw_cpu = statistics.median(samples["api_cpu"]), statistics.median(samples["raw_cpu"])
        print(f"CPU of this process per request (median): API {api_cpu:.2f} ms, raw {raw_cpu:.2f} ms "
              f"(the client's JSON work): the API's own {api_cpu - raw_cpu:.2f} ms")
        print(f"API/raw ratio at p50: {api_p50 / raw_p50:.2f}   at p99: {api_p99 / raw_p99:.2f}   (goal ≤ 1.3; "
              f"answered by the database instead: {fallbacks}); {load()}")
    if args.database or not settings.ELASTICSEARCH_URL:
        time_api(client, warmup[:5], "database")
        samples, _ = time_api(client, measured[: min(len(measured), 200)], "database")
        _, db_p99 = report("API (database backend)", samples)
        print(f"database backend p99 {db_p99:.0f} ms (goal ≤ 200); {load()}")


if __name__ == "__main__":
    main()
