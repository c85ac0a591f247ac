"""The home page (/) with the demo data on PostgreSQL: latency per kind of visitor (p50/p95/p99
in ms) and queries per request. The target is p95 <= 300 ms.

Run by hand (never as a test), against a database with the demo loaded:

    scripts/with-env.sh dev uv run --frozen --no-sync python manage.py migrate
    scripts/with-env.sh dev uv run --frozen --no-sync python manage.py load_demo
    scripts/with-env.sh dev uv run --frozen --no-sync python manage.py search_index --rebuild
    scripts/with-env.sh dev uv run --frozen --no-sync python bench/home_bench.py [--requests 200]

Each request goes through the whole Django stack in this process (middleware, session,
basket, template) with Django's test client, so the time is the server's time without the
network. Three visitors are measured, interleaved so they share the machine's load:

- ``anonymous``: no location: the district's communities and the location picker;
- ``resident``: the demo resident (13800000001) signed in: her community from the default
  address (notices, events, promotions, the circle's formats);
- ``chosen``: the same resident with another community chosen as her location.

The script exits 1 when a visitor's p95 is above --target-ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RESIDENT = "13800000001"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def visitors() -> dict[str, Client]:
    from communities.location import SESSION_KEY, location_from_community
    from communities.models import Community, ResidentAddress
    from shop.accounts.models import User

    anonymous = Client()
    resident_user = User.objects.get(mobile=RESIDENT)
    resident = Client()
    resident.force_login(resident_user)
    chosen = Client()
    chosen.force_login(resident_user)
    home = ResidentAddress.objects.filter(user=resident_user, is_default=True).values_list(
        "standard_address__community_id", flat=True).first()
    other = Community.objects.exclude(pk=home).order_by("pk").first()
    session = chosen.session
    session[SESSION_KEY] = location_from_community(community_id=other.pk).as_session()
    session.save()
    return {"anonymous": anonymous, "resident": resident, "chosen": chosen}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/home_bench.py", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per visitor (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests per visitor first")
    parser.add_argument("--target-ms", type=float, default=300.0, help="p95 target (default %(default)s)")
    args = parser.parse_args(argv)

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        print(f"warning: the database is {engine}, not PostgreSQL", file=sys.stderr)
    clients = visitors()
    for client in clients.values():
        for _ in range(args.warmup):
            assert client.get("/").status_code == 200
    times: dict[str, list[float]] = {name: [] for name in clients}
    queries: dict[str, int] = {}
    load_before = os.getloadavg()
    for _ in range(args.requests):
        for name, client in clients.items():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/")
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
                return 1
            times[name].append(elapsed)
            queries[name] = len(captured)
    load_after = os.getloadavg()

    print(f"home page /, {args.requests} requests per visitor, database {settings.DATABASES['default']['NAME']}"
          f" ({engine.rsplit('.', 1)[-1]}), search backend {settings.SEARCH_BACKEND}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} CPUs)")
    print(f"{'visitor':<10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'queries':>8}")
    failed = False
    for name, values in times.items():
        p95 = percentile(values, 95)
        failed = failed or p95 > args.target_ms
        print(f"{name:<10} {percentile(values, 50):8.1f} {p95:8.1f} {percentile(values, 99):8.1f} "
              f"{statistics.fmean(values):8.1f} {queries[name]:8d}")
    print(("FAIL" if failed else "OK") + f": p95 target {args.target_ms:.0f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
