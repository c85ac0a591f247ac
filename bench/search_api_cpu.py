"""The search API's own CPU per request, with Elasticsearch's answers replayed (never as a test).

bench/search_bench.py times the API against the engine; on a shared machine its "API's own CPU"
moves with the load. This one takes the engine out: each index's first answer is kept and
replayed, so what is timed is Django, DRF and our code alone, through Django's full request
stack (the in-process client, as search_bench does). Two figures:
- hot: requests back to back (CPU caches warm: the code's floor);
- cold: a sleep before each request (default 8 ms, about the engine's time), as in a real
  search, where the process waits on Elasticsearch, whose JVM runs on the same cores, and comes
  back to cold caches — about what search_bench reports as the API's own CPU.
--profile N prints a cProfile (thread time) of N hot requests.

    MARKET_PG_DB=... MARKET_INDEX_PREFIX=perfbench scripts/with-env.sh dev \\
        uv run --frozen --no-sync python bench/search_api_cpu.py --requests 500
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from catalog.search.elastic import client as engine  # noqa: E402

WORDS = ["青菜", "牛奶", "鸡蛋", "苹果", "大米", "猪肉", "面包", "酸奶"]


class Replay:
    """The query client with each index's first answer kept and returned again."""

    def __init__(self, real):
        self.real, self.kept = real, {}

    def search(self, *, index, body, **kwargs):
        if index not in self.kept:
            self.kept[index] = self.real().search(index=index, body=body, **kwargs)
        return self.kept[index]


def cpu_per_request(client: Client, queries: list[dict], count: int, sleep: float) -> float:
    total = 0.0
    for number in range(count):
        if sleep:
            time.sleep(sleep)
        started = time.thread_time()
        response = client.get("/api/v1/search/", queries[number % len(queries)])
        total += time.thread_time() - started
        if response.status_code != 200:
            sys.exit(f"API answered {response.status_code}: {response.content[:300]!r}")
    return total * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sleep-ms", type=float, default=8.0)
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(1)
    queries = [{"q": rng.choice(WORDS), "lat": 32.06 + rng.uniform(-0.01, 0.01), "lng": 118.78 + rng.uniform(-0.01, 0.01),
                "minutes": 15, "mode": "walk"} for _ in range(50)]
    replay = Replay(engine.query_client)
    engine.query_client = lambda: replay
    client = Client()
    with override_settings(SEARCH_BACKEND="elasticsearch", SEARCH_TIMEOUT_SECONDS=3.0):
        if client.get("/api/v1/search/", queries[0]).json()["backend"] != "elasticsearch":
            sys.exit("the search was not answered by Elasticsearch")
        cpu_per_request(client, queries, 200, 0)
        for label, sleep in (("hot", 0.0), (f"cold ({args.sleep_ms:g} ms sleep before each)", args.sleep_ms / 1000)):
            rounds = [cpu_per_request(client, queries, args.requests // args.rounds, sleep) for _ in range(args.rounds)]
            print(f"API CPU per request, {label}: median {statistics.median(rounds):.3f} ms "
                  f"(rounds {' '.join(f'{value:.3f}' for value in rounds)}); load average {os.getloadavg()[0]:.2f}")
        if args.profile:
            profile = cProfile.Profile(time.thread_time)
            profile.runcall(cpu_per_request, client, queries, args.profile, 0)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
