"""Checkout latency under gunicorn: 20 residents checking out at once, ours against Oscar's stock.

Run by hand against the full stack (never as a test):

    make services
    scripts/with-env.sh dev uv run python manage.py migrate
    scripts/with-env.sh dev uv run python bench/checkout_bench.py

It starts its own gunicorn (settings ``bench.settings_pages``, which add Oscar's stock order
placement at /stock/checkout/, see bench/stock_views.py) and prepares, idempotently, three
bench merchants open around the clock with a large stock (a weighed vegetable, a packaged
good, a second packaged good) and ``--residents`` bench residents with a saved address and a
token. Each resident is a closed loop: fill the basket through the API (one line from each
merchant, not timed), then check out (timed), again and again for ``--seconds``:

- ``ours``: ``POST /api/v1/checkout/`` (three fulfilment groups, pickup at the shop, cash on
  delivery unless ``--payment sandbox``): locks stock records in pk order, re-checks, F();
- ``stock``: ``POST /stock/checkout/``: Oscar's OrderCreator on the same kind of basket
  (one order, Oscar's unlocked StockRecord.allocate).

``--think`` makes each resident pause (uniformly 0.5–1.5 × the value) after a checkout, as
people do; without it every resident checks out back to back (a closed loop at full load).
Blocks alternate (ours, stock, ours, …) so both see the same machine. It prints checkouts
per second and p50/p95/p99 latency in ms for each, the ratio ours/stock, errors, and the load
average. Orders are written to the dev database by the bench users (mobile 1770000xxxx).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import transaction  # noqa: E402

from bench.pages_bench import Server, load, parse_config, percentile  # noqa: E402  (sets up Django)
from catalog.models import Product, ProductClass  # noqa: E402
from communities.models import Community, ResidentAddress, StandardAddress  # noqa: E402
from merchants.models import BusinessFormat, OpeningPeriod, Partner, StockRecord  # noqa: E402
from shop.accounts.models import User  # noqa: E402

BENCH_PREFIX = "bench-checkout-"


def prepare(residents: int) -> tuple[list[int], list[int], list[tuple[str, int]]]:
    """Bench merchants, listings and residents (created once, stock topped up every run)."""
    from knox.models import AuthToken  # after Django is set up (bench.pages_bench)

    community = Community.objects.order_by("pk").first()
    if community is None:
        sys.exit("no community: run `python manage.py load_demo` first")
    classes = {kind: ProductClass.objects.filter(kind=kind).order_by("pk").first() for kind in ("fresh", "packaged")}
    specs = [("wet_market", "fresh", "称重青菜", Product.SaleUnit.WEIGHT, 500, "3.00"),
             ("convenience_store", "packaged", "矿泉水", Product.SaleUnit.PIECE, None, "2.00"),
             ("pharmacy", "packaged", "创可贴", Product.SaleUnit.PIECE, None, "6.50")]
    listings, merchants = [], []
    with transaction.atomic():
        for number, (format_code, kind, title, unit, pack, price) in enumerate(specs):
            merchant, created = Partner.objects.get_or_create(
                code=f"{BENCH_PREFIX}{number}",
                defaults={"name": f"压测商户{number}", "format": BusinessFormat.objects.get(code=format_code),
                          "community": community, "lat": community.centroid_lat, "lng": community.centroid_lng,
                          "delivery_capability": "platform", "service_radius_m": 3000},
            )
            if created:
                OpeningPeriod.objects.bulk_create(
                    OpeningPeriod(partner=merchant, weekday=day, opens="00:00", closes="00:00") for day in range(7))
            product, _ = Product.objects.get_or_create(
                upc=f"BENCH{number:08d}",
                defaults={"title": f"{title}(压测)", "product_class": classes[kind], "structure": "standalone",
                          "sale_unit": unit, "pack_size_g": pack, "is_public": False},
            )
            listing, _ = StockRecord.objects.update_or_create(
                partner=merchant, partner_sku=f"BENCH{number}",
                defaults={"product": product, "price": Decimal(price), "price_currency": "CNY",
                          "num_in_stock": 10_000_000, "num_allocated": 0},
            )
            merchants.append(merchant.pk)
            listings.append(listing.pk)
        Product.objects.filter(upc__startswith="BENCH").update(is_public=True)  # listed only while benching
        address = StandardAddress.objects.filter(community=community).order_by("pk").first()
        people = []
        for number in range(residents):
            user, created = User.objects.get_or_create(mobile=f"1770000{number:04d}", defaults={"first_name": f"压测{number}"})
            resident_address, _ = ResidentAddress.objects.get_or_create(
                user=user, standard_address=address, defaults={"recipient": f"压测{number}", "phone": user.mobile})
            _, token = AuthToken.objects.create(user=user)
            people.append((token, resident_address.pk))
    return merchants, listings, people


def call(conn: http.client.HTTPConnection, method: str, url: str, token: str, body=None):
    conn.request(method, url, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def drive(server: Server, kind: str, merchants, listings, people, seconds: float, payment: str,
          think: float = 0.0) -> dict:
    latencies, errors, samples, lock = [], [0], [], threading.Lock()
    stop_at = time.perf_counter() + seconds
    lines = [{"listing_id": listings[0], "weight_g": 1000}, {"listing_id": listings[1], "quantity": 2},
             {"listing_id": listings[2], "quantity": 1}]

    def resident(token: str, address_id: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        rng = random.Random(address_id)
        mine = []
        while time.perf_counter() < stop_at:
            try:
                for line in lines:
                    status, body = call(conn, "POST", "/api/v1/basket/lines/", token, line)
                    if status != 201:
                        raise RuntimeError(f"basket {status} {body[:120]!r}")
                started = time.perf_counter()
                if kind == "ours":
                    status, body = call(conn, "POST", "/api/v1/checkout/", token, {
                        "address_id": address_id, "payment": payment,
                        "groups": [{"merchant_id": m, "method": "pickup"} for m in merchants]})
                else:
                    status, body = call(conn, "POST", "/stock/checkout/", token, {})
                elapsed = (time.perf_counter() - started) * 1000
                if status != 201:
                    raise RuntimeError(f"checkout {status} {body[:160]!r}")
                mine.append(elapsed)
                if think:
                    time.sleep(rng.uniform(0.5 * think, 1.5 * think))
            except (RuntimeError, OSError, http.client.HTTPException) as error:
                with lock:
                    errors[0] += 1
                    if len(samples) < 3:
                        samples.append(str(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=resident, args=person, daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"kind": kind, "seconds": time.perf_counter() - started, "latencies": latencies,
            "errors": errors[0], "samples": samples}


def summary(blocks: list[dict]) -> dict:
    latencies = [value for block in blocks for value in block["latencies"]]
    seconds = sum(block["seconds"] for block in blocks)
    return {"count": len(latencies), "per_second": len(latencies) / seconds if seconds else 0.0,
            "p50": percentile(latencies, 50) if latencies else float("nan"),
            "p95": percentile(latencies, 95) if latencies else float("nan"),
            "p99": percentile(latencies, 99) if latencies else float("nan"),
            "errors": sum(block["errors"] for block in blocks),
            "samples": [s for block in blocks for s in block["samples"]][:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="4", help="gunicorn: N sync workers or WxT gthread (default 4)")
    parser.add_argument("--residents", type=int, default=20, help="concurrent residents (default 20)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of one block (default 15)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of ours + stock (default 3)")
    parser.add_argument("--payment", choices=["cod", "sandbox"], default="cod")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a resident pauses after each checkout (default 0: back to back)")
    args = parser.parse_args()

    merchants, listings, people = prepare(args.residents)
    server = Server(*parse_config(args.workers))
    server.start()
    results: dict[str, list[dict]] = {"ours": [], "stock": []}
    try:
        print(f"gunicorn: {server.label}; {args.residents} residents, {args.rounds} rounds x {args.seconds:.0f} s each, "
              f"payment {args.payment}, think {args.think:g} s; cpus {os.cpu_count()}; load before {load()}", flush=True)
        drive(server, "ours", merchants, listings, people, 3, args.payment)  # warm-up
        drive(server, "stock", merchants, listings, people, 3, args.payment)
        for number in range(args.rounds):
            for kind in (("ours", "stock") if number % 2 == 0 else ("stock", "ours")):
                results[kind].append(drive(server, kind, merchants, listings, people, args.seconds, args.payment, args.think))
            print(f"round {number + 1}/{args.rounds} done, load {load()}", flush=True)
    finally:
        server.stop()
        Product.objects.filter(upc__startswith="BENCH").update(is_public=False)
    ours, stock = summary(results["ours"]), summary(results["stock"])
    print(f"\n{'checkout':<10}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, row in (("ours", ours), ("stock", stock)):
        print(f"{name:<10}{row['count']:>8}{row['per_second']:>8.1f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
              f"{row['p99']:>9.1f}{row['errors']:>8}")
        for sample in row["samples"]:
            print(f"    e.g. {sample}")
    print(f"\nours/stock: p95 {ours['p95'] / stock['p95']:.2f}x, throughput {ours['per_second'] / stock['per_second']:.2f}x"
          f"   (aim: ours p95 <= 300 ms: {'met' if ours['p95'] <= 300 else 'NOT met'})")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
