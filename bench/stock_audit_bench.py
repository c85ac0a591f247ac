"""stock_audit over a large ledger: how long recomputing every counter takes.

Run by hand (never as a test), on PostgreSQL:

    MARKET_PG_DB=market_bench scripts/with-env.sh dev uv run python manage.py migrate
    MARKET_PG_DB=market_bench scripts/with-env.sh dev uv run python bench/stock_audit_bench.py --rows 1000000

It makes (idempotently) one bench merchant with ``--listings`` listings, tops the ledger up
to ``--rows`` movements with one INSERT … SELECT generate_series (received +2 / allocated +1
/ released −1 / sold −1 in turn, so every listing's counters stay consistent), sets the
counters to what the ledger says, spoils ``--drift`` counters, then times
``selectors.stock_drift()`` (what ``stock_audit`` runs) ``--repeat`` times.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from catalog.models import Product, ProductClass  # noqa: E402
from merchants import selectors  # noqa: E402
from merchants.models import Partner, StockMovement, StockRecord  # noqa: E402


def prepare(listings: int, rows: int, drift: int) -> list[int]:
    merchant, _ = Partner.objects.get_or_create(name="库存审计基准商户", defaults={"is_active": False})
    product_class, _ = ProductClass.objects.get_or_create(name="基准包装商品", defaults={"track_stock": True})
    have = StockRecord.objects.filter(partner=merchant).count()
    for start in range(have, listings, 1000):
        products = Product.objects.bulk_create(
            [Product(title=f"审计基准商品{n}", product_class=product_class, structure="standalone")
             for n in range(start, min(start + 1000, listings))]
        )
        StockRecord.objects.bulk_create(
            [StockRecord(partner=merchant, product=p, partner_sku=f"AUDIT{p.pk}", price_currency="CNY", price=1,
                         num_in_stock=0, num_allocated=0) for p in products]
        )
    ids = list(StockRecord.objects.filter(partner=merchant).order_by("pk").values_list("pk", flat=True))[:listings]
    missing = rows - StockMovement.objects.filter(listing_id__in=ids).count()
    table = StockMovement._meta.db_table
    with connection.cursor() as cursor:
        if missing > 0:
            cursor.execute(
                f"""INSERT INTO {table} (listing_id, reason, delta, allocated_delta, note, at)
                    SELECT (%s::bigint[])[1 + (g %% %s)],
                           (ARRAY['received','allocated','released','sold'])[1 + (g / %s) %% 4],
                           (ARRAY[2, 0, 0, -1])[1 + (g / %s) %% 4],
                           (ARRAY[0, 1, -1, -1])[1 + (g / %s) %% 4], '', now()
                    FROM generate_series(0, %s - 1) g""",
                [ids, len(ids), len(ids), len(ids), len(ids), missing],
            )
        # the counters the ledger gives, then a few spoiled ones
        cursor.execute(
            f"""UPDATE {StockRecord._meta.db_table} sr SET num_in_stock = l.s, num_allocated = l.a
                FROM (SELECT listing_id, SUM(delta) s, SUM(allocated_delta) a FROM {table}
                      WHERE point_id IS NULL GROUP BY listing_id) l
                WHERE l.listing_id = sr.id AND sr.partner_id = %s""",
            [merchant.pk],
        )
        cursor.execute(f"ANALYZE {table}")
    StockRecord.objects.filter(pk__in=ids[:drift]).update(num_in_stock=999_999)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--drift", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    prepare(args.listings, args.rows, args.drift)
    print(f"prepared in {time.perf_counter() - started:.1f} s; ledger rows: {StockMovement.objects.count()}, "
          f"listings: {StockRecord.objects.count()}")
    for attempt in range(args.repeat):
        started = time.perf_counter()
        drifts = list(selectors.stock_drift())
        print(f"audit {attempt + 1}: {time.perf_counter() - started:.2f} s, drifting listings: {len(drifts)}")


if __name__ == "__main__":
    main()
