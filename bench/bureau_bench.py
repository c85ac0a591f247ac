"""Benchmarks of the bureau's figures (issue 13). Run by hand, never as a test:

    scripts/with-env.sh dev uv run python bench/bureau_bench.py city              # 1,000,000 households, 20,000 shops
    scripts/with-env.sh dev uv run python bench/bureau_bench.py demo              # the demo district (load_demo first)
    scripts/with-env.sh dev uv run python bench/bureau_bench.py pages --runs 60   # overview and community pages

Method (bureau.metrics.coverage_counts, the code the snapshots use): households and shops are
projected to local metres (equirectangular around the mean latitude); per format a k-d tree
(scipy.spatial.cKDTree) of that format's shops answers, for every household at once, "distance
to the nearest shop" with an upper bound of the circle's radius (864 m walking, 660 m for the
older residents' formats); a finite answer means covered. Building a tree is O(s log s) and the
queries O(h log s) for h households and s shops of the format, in C, on every core
(workers=-1). Memory: the households as float64 coordinates (16 B each), their community ids,
one boolean mask and the distance/index arrays of one query at a time (≈ 40 B a household),
plus the input rows; the peak resident size is printed.

`city` generates a city of --households households (default 1,000,000) in --communities
communities and --shops shops (default 20,000) of the 26 formats, spread unevenly (dense
centres, thinner suburbs, some formats rare) with a fixed seed, then times coverage_counts.
`demo` times coverage and one whole day of counts on the database's demo district.
`pages` signs in as the demo analyst and times GET /bureau/ and a community page (the default
30-day period, read from the snapshots plus today) after one warm-up request each, in-process
through Django's test client: the server's time, without network or gunicorn queueing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from bureau import metrics  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def city(args) -> None:
    from merchants.formats import read_formats

    rng = np.random.default_rng(args.seed)
    codes = [row["code"] for row in read_formats()]
    lat0, lng0 = 32.06, 118.78
    half_km = args.size_km / 2
    # community centres: denser towards the middle
    centres = rng.normal(0, half_km / 2.5, size=(args.communities, 2)).clip(-half_km, half_km)
    sizes = rng.lognormal(0, 0.4, args.communities)
    sizes = np.round(sizes / sizes.sum() * args.households).astype(int)
    sizes[-1] += args.households - sizes.sum()
    community = np.repeat(np.arange(1, args.communities + 1), sizes)
    spread = rng.normal(0, 0.35, size=(args.households, 2))
    km = centres[community - 1] + spread
    to_lat = 1 / 111.195
    to_lng = 1 / (111.195 * np.cos(np.radians(lat0)))
    h_lat, h_lng = lat0 + km[:, 0] * to_lat, lng0 + km[:, 1] * to_lng
    households = list(zip(range(1, args.households + 1), community.tolist(), h_lat.tolist(), h_lng.tolist(), strict=True))
    # shops: near community centres (weighted by size), some formats common and some rare
    weights = rng.lognormal(0, 1.0, len(codes))
    formats = rng.choice(codes, size=args.shops, p=weights / weights.sum())
    at = rng.choice(args.communities, size=args.shops, p=sizes / sizes.sum())
    s_km = centres[at] + rng.normal(0, 0.6, size=(args.shops, 2))
    shops = [{"id": i, "format_id": f, "lat": lat0 + y * to_lat, "lng": lng0 + x * to_lng}
             for i, (f, (y, x)) in enumerate(zip(formats.tolist(), s_km.tolist(), strict=True))]
    print(f"generated {len(households):,} households in {args.communities:,} communities, {len(shops):,} shops "
          f"of {len(codes)} formats over {args.size_km} km; peak {peak_mb():.0f} MB")
    started = time.perf_counter()
    result = metrics.coverage_counts(households=households, shops=shops, format_codes=codes)
    seconds = time.perf_counter() - started
    covered = sum(n for per in result.values() for n in per.values())
    print(f"coverage of {len(codes)} formats: {seconds:.1f} s on {os.cpu_count()} CPUs; "
          f"{covered / (len(households) * len(codes)):.1%} of household×format pairs covered; "
          f"peak resident {peak_mb():.0f} MB")


def demo(args) -> None:
    from django.utils import timezone

    from communities.selectors import household_points
    from merchants import selectors as merchant_selectors

    day = timezone.localdate()
    started = time.perf_counter()
    households = household_points()
    shops = merchant_selectors.shops_on(day=day)
    codes = [f.code for f in merchant_selectors.formats()]
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    metrics.coverage_counts(households=households, shops=shops, format_codes=codes)
    coverage = time.perf_counter() - started
    started = time.perf_counter()
    metrics.day_counts(day=day)
    whole = time.perf_counter() - started
    print(f"demo district: {len(households):,} households, {len(shops)} shops; reading them {loaded:.2f} s, "
          f"coverage {coverage:.2f} s, one whole day of counts {whole:.2f} s; peak {peak_mb():.0f} MB")


def pages(args) -> None:
    from django.core.cache import cache
    from django.test import Client

    from communities.models import Community
    from shop.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(mobile="13800000004"))
    slug = Community.objects.order_by("pk").values_list("slug", flat=True).first()
    for url in ("/bureau/", f"/bureau/communities/{slug}/", "/bureau/demonstration/"):
        cache.delete_pattern("bureau:live:*") if hasattr(cache, "delete_pattern") else None
        assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 200  # warm-up (computes today once)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        print(f"{url}: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms ({args.runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("city")
    c.add_argument("--households", type=int, default=1_000_000)
    c.add_argument("--shops", type=int, default=20_000)
    c.add_argument("--communities", type=int, default=1_000)
    c.add_argument("--size-km", type=float, default=40.0)
    c.add_argument("--seed", type=int, default=13)
    sub.add_parser("demo")
    p = sub.add_parser("pages")
    p.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    {"city": city, "demo": demo, "pages": pages}[args.what](args)


if __name__ == "__main__":
    main()
