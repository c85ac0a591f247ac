"""The database fallback's search, word by word: /api/v1/search/ answered by the database backend
(what residents get while Elasticsearch is down), on the same random origins and words as
bench/search_bench.py. Prints p50/p99 over all requests and, per word, the median, the worst
and the number of listings the worst one matched, with the load average. Run against data
loaded with `load_demo --scale 100000` (never as a test); Elasticsearch is not needed:

    ELASTICSEARCH_URL= scripts/with-env.sh dev uv run python bench/search_fallback_bench.py --requests 300
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_bench import WORDS, load, origins, percentile  # noqa: E402 (sets Django up)


def main() -> None:
    from django.test import Client
    from django.test.utils import override_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    points = origins(rng, args.warmup + args.requests)
    queries = [(rng.choice(WORDS), lat, lng) for lat, lng in points]
    client, samples, by_word = Client(), [], {}
    print(f"start: {load()}")
    with override_settings(SEARCH_BACKEND="database"):
        for n, (word, lat, lng) in enumerate(queries):  # the first `warmup` are not timed
            started = time.perf_counter()
            response = client.get("/api/v1/search/", {"q": word, "lat": lat, "lng": lng, "minutes": 15, "mode": "walk"})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or response.json()["backend"] != "database":
                sys.exit(f"API answered {response.status_code}: {response.content[:300]!r}")
            if n >= args.warmup:
                samples.append(elapsed)
                by_word.setdefault(word, []).append((elapsed, response.json()["count"]))
    print(f"database backend n={len(samples)} p50 {percentile(samples, 50):.1f} ms  p99 {percentile(samples, 99):.1f} ms"
          f"  (goal p99 ≤ 200); {load()}")
    for word, timings in sorted(by_word.items(), key=lambda item: -max(item[1])[0]):
        worst, matched = max(timings)
        print(f"  {word:<4} n={len(timings):<4} p50 {percentile([t for t, _ in timings], 50):6.1f} ms"
              f"  worst {worst:6.1f} ms ({matched:,} listings matched)")


if __name__ == "__main__":
    main()
