"""Grow the listings towards N for benchmarks (`load_demo --scale N`).

Extra listings come in fixed batches of BATCH listings. Batch b is a pure function of
(seed, b): its random stream is seeded from both, and it offers variants of the demo
products ("金龙鱼 花生油 5L 家庭装") at one to six of the demo merchants that already sell
the original, so every listing still fits its merchant's format. Extra products carry the UPC
"X<batch:4><n:4>" and their listings use it as partner SKU, so a rerun finds what a previous
run wrote: growing from 100,000 to 200,000 writes only the second 100,000, and asking for the
same N again writes nothing.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr
from oscar.core.utils import slugify

from catalog.models import Product, ProductCategory
from merchants.models import StockRecord

from . import catalogue
from .builder import DEMO_MERCHANT_PREFIX, product_description, write_categories, write_product_classes
from .plan import retail_price, rng_for

MAX_LISTINGS = 1_000_000
BATCH = 5_000
PREFIX = "X"


@dataclass
class _ExtraListing:
    upc: str
    partner_id: int
    price: Decimal
    num_in_stock: int | None


def _extra_upc(batch: int, n: int) -> str:
    return f"{PREFIX}{batch:04d}{n:04d}"


def extra_counts() -> dict[int, int]:
    """Extra listings present, per batch."""
    rows = (
        StockRecord.objects.filter(partner_sku__startswith=PREFIX)
        .annotate(batch=Substr("partner_sku", 2, 4))
        .values("batch")
        .annotate(n=Count("id"))
    )
    return {int(row["batch"]): row["n"] for row in rows}


def _sellers() -> list[tuple[catalogue.ProductSpec, list[tuple[str, int]]]]:
    """Each demo product with the demo merchants (code, id) that list it, in a stable order
    (by merchant code, so the batches do not depend on primary keys)."""
    by_upc = {p.upc: p for p in catalogue.PRODUCTS}
    sellers = defaultdict(list)
    rows = StockRecord.objects.filter(
        partner__code__startswith=DEMO_MERCHANT_PREFIX, partner_sku__in=list(by_upc)
    ).values_list("partner_sku", "partner__code", "partner_id")
    for upc, code, partner_id in rows:
        sellers[upc].append((code, partner_id))
    return [(by_upc[upc], sorted(sellers[upc])) for upc in sorted(sellers)]


def _batch(seed: int, batch: int, sellers) -> tuple[dict[str, catalogue.ProductSpec], list[_ExtraListing]]:
    """The full batch: its products (upc → spec of the variant) and its BATCH listings, in order."""
    rng = rng_for(seed, f"scale:{batch}")
    products: dict[str, catalogue.ProductSpec] = {}
    listings: list[_ExtraListing] = []
    n = 0
    while len(listings) < BATCH:
        template, merchants = rng.choice(sellers)
        origin = rng.choice(catalogue.SCALE_ORIGINS)
        variant = rng.choice(catalogue.SCALE_VARIANTS[template.kind])
        title = catalogue.variant_title(template, origin, variant)
        upc = _extra_upc(batch, n)
        n += 1
        base = float(template.price) * rng.uniform(0.8, 1.4)
        products[upc] = catalogue.ProductSpec(
            title=title, category=template.category, kind=template.kind, price=retail_price(base),
            sale_unit=template.sale_unit, unit_label=template.unit_label, pack_size_g=template.pack_size_g,
            shelf_life_days=template.shelf_life_days, storage=template.storage,
            service_duration_min=template.service_duration_min,
        )
        k = min(len(merchants), rng.randint(1, 6), BATCH - len(listings))
        for _, partner_id in sorted(rng.sample(merchants, k)):
            stock = None if template.kind == catalogue.SERVICE else rng.randint(0, 150)
            listings.append(_ExtraListing(upc, partner_id, retail_price(base * rng.uniform(0.92, 1.1)), stock))
    return products, listings


def grow_listings(*, seed: int, target: int, progress: Callable | None = None) -> int:
    """Add extra listings until the database holds `target` listings (counting the demo's and
    any others). Returns how many were added."""
    extras_present = extra_counts()
    others = StockRecord.objects.count() - sum(extras_present.values())
    wanted = max(0, target - others)
    if wanted == 0:
        return 0
    sellers = _sellers()
    if not sellers:
        raise ValueError("no demo listings to grow from: load the base demo first")
    classes = write_product_classes()
    categories = write_categories()
    batches = math.ceil(wanted / BATCH)
    bar = progress(total=wanted) if progress else None
    added = 0
    try:
        for b in range(batches):
            need = min(BATCH, wanted - b * BATCH)
            if extras_present.get(b, 0) >= need:
                if bar:
                    bar.update(need)
                continue
            added += _write_batch(seed, b, need, sellers, classes, categories)
            if bar:
                bar.update(need)
    finally:
        if bar:
            bar.close()
    return added


def _write_batch(seed: int, b: int, need: int, sellers, classes, categories) -> int:
    """Write what is missing of the first `need` listings of batch b (and their products)."""
    products, listings = _batch(seed, b, sellers)
    # a range on the unique UPC index (LIKE 'X0001%' cannot use it on SQLite)
    upc_range = (_extra_upc(b, 0), _extra_upc(b, 9999))
    with transaction.atomic():
        have_listings = set(
            StockRecord.objects.filter(product__upc__range=upc_range).values_list("partner_id", "partner_sku")
        )
        # never past the batch's share of the target, even when the batch came out differently
        # last time (the demo data changed in between)
        missing = [x for x in listings[:need] if (x.partner_id, x.upc) not in have_listings]
        missing = missing[: max(0, need - len(have_listings))]
        ids = dict(Product.objects.filter(upc__range=upc_range).values_list("upc", "pk"))
        slugs: dict[str, str] = {}
        new_products = []
        for upc in sorted({x.upc for x in missing} - set(ids)):
            spec = products[upc]
            slug = slugs.get(spec.title) or slugs.setdefault(spec.title, slugify(spec.title))
            new_products.append(Product(
                upc=upc, title=spec.title, slug=slug, structure=Product.STANDALONE, is_public=True,
                description=product_description(spec), product_class_id=classes[spec.kind].pk,
                sale_unit=spec.sale_unit, unit_label=spec.unit_label, pack_size_g=spec.pack_size_g,
                shelf_life_days=spec.shelf_life_days, storage=spec.storage,
                service_duration_min=spec.service_duration_min,
            ))
        Product.objects.bulk_create(new_products, batch_size=1000)
        if new_products:
            ids = dict(Product.objects.filter(upc__range=upc_range).values_list("upc", "pk"))
        ProductCategory.objects.bulk_create(
            [ProductCategory(product_id=ids[p.upc], category_id=categories[products[p.upc].category].pk)
             for p in new_products],
            batch_size=1000, ignore_conflicts=True,
        )
        StockRecord.objects.bulk_create(
            [StockRecord(partner_id=x.partner_id, product_id=ids[x.upc], partner_sku=x.upc, price_currency="CNY",
                         price=x.price, num_in_stock=x.num_in_stock) for x in missing],
            batch_size=1000,
        )
    return len(missing)


def tqdm_progress(*, enabled: bool = True):
    """A progress-bar factory for grow_listings, drawing on stderr."""
    from tqdm import tqdm

    def make(total: int):
        return tqdm(total=total, unit="listing", unit_scale=True, file=sys.stderr, disable=not enabled,
                    desc="scale")

    return make
