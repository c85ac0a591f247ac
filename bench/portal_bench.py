"""The merchant portal's two budgets, measured by hand on PostgreSQL (never run as a test):

- import of 10,000 listing rows (dry run, then apply) <= 60 s including search sync: the
  outbox rows the import writes are applied to Elasticsearch (indexer.apply_outbox) and timed;
- the listings table of a shop with 5,000 listings <= 300 ms p95 (GET /dashboard/shop/listings/,
  plain and filtered, through Django's test client: middleware, query, template).

    MARKET_PG_DB=market_merchant_bench scripts/with-env.sh dev uv run python manage.py migrate
    MARKET_PG_DB=market_merchant_bench MARKET_REDIS_DB=<yours> scripts/with-env.sh dev uv run python bench/portal_bench.py

(Give it a Redis db no worker listens on: the import's after-commit sync task must not reach a
running dev worker, the bench applies the outbox itself and times it.)

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


def prepare(code: str = "bench-portal"):
    shop, _ = Partner.objects.get_or_create(code=code, defaults={"name": "门户基准商户", "lat": 32.06,
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
    """The worker's sync as it runs (catalog.tasks.apply_search_outbox → indexer.apply_outbox)."""
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


def sync_breakdown(listing_ids: list[int]) -> None:
    """Where the sync's time goes, on the import's own listings (documents re-sent, same content):
    building the documents, then the bulk requests as apply_outbox sends them (helpers.bulk's
    default 500 per request, each waiting for a refresh) against 2,000 per request and one refresh."""
    if not settings.ELASTICSEARCH_URL:
        return
    from elasticsearch import helpers

    from catalog.search.elastic import indexer
    from catalog.search.elastic.client import indexing_client

    client = indexing_client().options(request_timeout=120)
    actions, build = timed("  documents for the sync", lambda: indexer.refresh_actions(set(listing_ids), set()))
    _, small = timed("  bulk as apply_outbox sends it (500 a request, refresh=wait_for each)", lambda: helpers.bulk(
        client, actions, raise_on_error=False, refresh="wait_for"))
    _, large = timed("  bulk 2,000 a request, one refresh at the end", lambda: (
        helpers.bulk(client, actions, chunk_size=2000, raise_on_error=False),
        client.indices.refresh(index=indexer.alias_name("listings"))))
    print(f"  ratio bulk as sent / 2,000 + one refresh: {small / large:.1f}x (same documents, same run)")


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s")
    return result, elapsed


def bench_import(shop, owner, rows: int) -> None:
    import catalog.tasks  # noqa: F401  the worker has it loaded: keep its first import out of the timings

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
    sync_breakdown(list(StockRecord.objects.filter(partner=shop, partner_sku__startswith=f"B{run}-")
                        .values_list("pk", flat=True)))
    report, again = timed("re-import of the same file", lambda: listing_io.run(
        shop_id=shop.pk, content=content, filename="bench.csv", mode="apply"))
    print(f"  re-import: {report['counts']}")


def legacy_listings_page(*, shop_id: int, number, **filters):
    """The table's query before this change, for the ratio: the full rows (product, class, parent,
    parent's class) filtered, sorted and counted, the kind as a COALESCE over two outer joins."""
    from django.core.paginator import Paginator
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    from merchants.dashboard import selectors

    listings = selectors._filtered_listings(shop_id=shop_id, stock=filters.get("stock", ""),
                                            published=filters.get("published", "")).select_related(
        "product__product_class", "product__parent__product_class").annotate(
        kind=Coalesce("product__product_class__kind", "product__parent__product_class__kind"))
    q = filters.get("q", "")
    if q:
        listings = listings.filter(Q(product__title__icontains=q) | Q(partner_sku__icontains=q) | Q(product__upc=q))
    if filters.get("kind"):
        listings = listings.filter(kind=filters["kind"])
    return Paginator(listings, selectors.LISTINGS_PAGE_SIZE).get_page(number)


def bench_table(shop, owner, repeat: int) -> None:
    from merchants.dashboard import selectors

    count = StockRecord.objects.filter(partner=shop).count()
    client = Client()
    client.force_login(owner)
    client.post("/dashboard/shop/switch/", {"shop": shop.pk})  # the owner runs every bench shop
    current = selectors.listings_page
    for query in ("", "?stock=low", "?stock=out", "?published=0", "?kind=fresh", "?q=基准商品",
                  "?q=基准商品&kind=fresh", "?q=-00007&kind=packaged&stock=in&published=1", "?page=50"):
        p95s = {}
        for label, page_of in (("before", legacy_listings_page), ("after", current)):
            selectors.listings_page = page_of
            client.get("/dashboard/shop/listings/" + query)  # warm
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get("/dashboard/shop/listings/" + query)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            samples.sort()
            p95s[label] = samples[int(0.95 * (len(samples) - 1))]
            print(f"listings table ({count} listings) {query or '(all)'} [{label}]: "
                  f"p50 {statistics.median(samples):.0f} ms, p95 {p95s[label]:.0f} ms (budget 300 ms)")
        print(f"  ratio p95 before/after: {p95s['before'] / p95s['after']:.2f}x; load {os.getloadavg()[0]:.1f}")
    selectors.listings_page = current


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--shop", default="bench-portal", help="the bench shop's code (a new code: a new shop)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    shop, owner = prepare(args.shop)
    if not args.skip_import:
        bench_import(shop, owner, args.rows)
    bench_table(shop, owner, args.repeat)


if __name__ == "__main__":
    main()
