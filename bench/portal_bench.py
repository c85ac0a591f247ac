"""The merchant portal's two budgets, measured by hand on PostgreSQL (never run as a test):

- import of 10,000 listing rows (dry run, then apply) <= 60 s including search sync: the
  outbox rows the import writes are applied to Elasticsearch (indexer.apply_outbox) and timed;
- the listings table of a shop with 5,000 listings <= 300 ms p95 (GET /dashboard/shop/listings/,
  plain and filtered, through Django's test client: middleware, query, template).

    MARKET_PG_DB=market_merchant_bench scripts/with-env.sh dev uv run python manage.py migrate
    MARKET_PG_DB=market_merchant_bench scripts/with-env.sh dev uv run python bench/portal_bench.py

It makes (idempotently) a bench shop (code "bench-portal") with an owner, a category and the
product classes; each run imports a fresh file of `--rows` new SKUs (a run id in the SKU), so
a run creates 10,000 products and listings, then re-imports it (nothing changes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from catalog import listing_io  # noqa: E402
from catalog.models import Category, ProductClass, SearchOutbox  # noqa: E402
from merchants.models import Partner, StaffRole, StockRecord  # noqa: E402
from shop.accounts.models import User  # noqa: E402


def prepare():
    shop, _ = Partner.objects.get_or_create(code="bench-portal", defaults={"name": "门户基准商户", "lat": 32.06,
                                                                            "lng": 118.78})
    owner, _ = User.objects.get_or_create(mobile="17700009999")
    shop.users.add(owner)
    StaffRole.objects.get_or_create(partner=shop, user=owner, defaults={"role": "owner"})
    for name, kind, track in (("包装商品", "packaged", True), ("生鲜", "fresh", True)):
        ProductClass.objects.get_or_create(name=name, defaults={"kind": kind, "track_stock": track})
    if not Category.objects.filter(name="基准分类").exists():
        Category.add_root(name="基准分类")
    return shop, owner


def csv_rows(run: str, rows: int) -> bytes:
    lines = ["sku,barcode,title,kind,category,price,stock,published,low_stock_threshold,sale_unit,pack_size_g"]
    for n in range(rows):
        weighed = n % 5 == 0
        lines.append(f"B{run}-{n:05d},,基准商品{run}-{n},{'fresh' if weighed else 'packaged'},基准分类,"
                     f"{1 + n % 90}.{n % 100:02d},{n % 40},1,{5 if n % 7 == 0 else ''},"
                     f"{'weight' if weighed else 'piece'},{500 if weighed else ''}")
    return ("\n".join(lines) + "\n").encode()


def sync_search() -> int:
    if not settings.ELASTICSEARCH_URL:
        return 0
    from catalog.search.elastic import indexer

    indexer.ensure_indices()
    applied = 0
    while True:
        done = indexer.apply_outbox(limit=5000)
        if not done:
            return applied
        applied += done


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s")
    return result, elapsed


def bench_import(shop, owner, rows: int) -> None:
    sync_search()  # start from an applied outbox
    run = str(int(time.time()))[-6:]
    content = csv_rows(run, rows)
    report, dry = timed(f"dry run of {rows} rows", lambda: listing_io.run(
        shop_id=shop.pk, content=content, filename="bench.csv", mode="dry_run"))
    assert report["counts"]["problems"] == 0, report["problems"][:3]
    report, apply = timed(f"apply of {rows} rows", lambda: listing_io.run(
        shop_id=shop.pk, content=content, filename="bench.csv", mode="apply", actor_id=owner.pk))
    pending = SearchOutbox.objects.filter(processed_at__isnull=True).count()
    synced, sync = timed(f"search sync ({pending} outbox rows, Elasticsearch: {bool(settings.ELASTICSEARCH_URL)})",
                         sync_search)
    print(f"import total (dry run + apply + search sync): {dry + apply + sync:.2f} s (budget 60 s); "
          f"applied {report['applied']} rows, synced {synced} outbox rows")
    report, again = timed("re-import of the same file", lambda: listing_io.run(
        shop_id=shop.pk, content=content, filename="bench.csv", mode="apply"))
    print(f"  re-import: {report['counts']}")


def bench_table(shop, owner, repeat: int) -> None:
    count = StockRecord.objects.filter(partner=shop).count()
    client = Client()
    client.force_login(owner)
    for query in ("", "?stock=low", "?q=基准商品&kind=fresh", "?page=50"):
        client.get("/dashboard/shop/listings/" + query)  # warm
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/dashboard/shop/listings/" + query)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        samples.sort()
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(f"listings table ({count} listings) {query or '(all)'}: p50 {statistics.median(samples):.0f} ms, "
              f"p95 {p95:.0f} ms (budget 300 ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    shop, owner = prepare()
    if not args.skip_import:
        bench_import(shop, owner, args.rows)
    bench_table(shop, owner, args.repeat)


if __name__ == "__main__":
    main()
