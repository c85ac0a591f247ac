"""The listings query every search backend builds on: which listings a resident may see, how
they are hydrated, the category and format helpers, and the small shared formatting of
facets and distances. Both backends (catalog/search/backends/database.py, elasticsearch.py)
import this module and never each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from catalog.models import Category, Product
from catalog.search.labels import FacetCategory, labels
from merchants.models import BusinessFormat, StockRecord
from shop.core.geo import haversine_m


def listing_queryset() -> QuerySet[StockRecord]:
    """Every listing a resident may see, with what a listing card needs loaded.

    Visible: the product is public (a variant also needs a public parent), the merchant is
    active, the listing is published by its shop and has a price. Each row carries ``in_stock``: services and other
    untracked products are always available, goods need stock beyond what is allocated.
    """
    return (
        StockRecord.objects.filter(
            product__is_public=True, partner__is_active=True, price__isnull=False, is_published=True
        )
        .exclude(product__structure=Product.PARENT)
        .filter(Q(product__parent__isnull=True) | Q(product__parent__is_public=True))
        .annotate(
            tracks_stock=Coalesce(
                "product__product_class__track_stock", "product__parent__product_class__track_stock", Value(True)
            ),
        )
        .annotate(
            in_stock=Case(
                When(tracks_stock=False, then=Value(True)),
                When(num_in_stock__gt=Coalesce(F("num_allocated"), Value(0)), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .select_related(
            "product",
            "product__product_class",
            "product__parent",
            "product__parent__product_class",
            "partner",
            "partner__format",
        )
        .prefetch_related("product__images")
    )


def listings_by_ids(ids: Sequence[int]) -> list[StockRecord]:
    """Hydrate listing ids (e.g. from a search engine) in the given order; hidden ones drop out."""
    by_id = {listing.pk: listing for listing in listing_queryset().filter(pk__in=list(ids))}
    return [by_id[pk] for pk in ids if pk in by_id]


def category_product_ids(*, category_ids: Iterable[int]) -> QuerySet:
    """Ids of the products in any of these categories or their descendants (a subquery)."""
    paths = list(Category.objects.filter(pk__in=list(category_ids)).values_list("path", flat=True))
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(category__path__startswith=path)
    return Product.categories.through.objects.filter(condition).values("product_id")


def facet_categories(*, selected_ids: Sequence[int]) -> list[FacetCategory]:
    """The categories a category facet counts: the children of the one selected category,
    or its siblings when it has none, else the top level. They share one depth. From the
    per-process map of catalog/search/labels.py, without a query."""
    current = labels()
    if len(selected_ids) == 1:
        selected = current.by_id.get(selected_ids[0])
        if selected is not None:
            children = current.under(selected.path, selected.depth + 1)
            if children:
                return children
            if selected.depth > 1:
                parent_path = selected.path[: Category.steplen * (selected.depth - 1)]
                return current.under(parent_path, selected.depth)
    return current.under("", 1)


def format_label(business_format: BusinessFormat | None) -> str:
    """A business format's name in the active language (Chinese unless English is active)."""
    if business_format is None:
        return ""
    return format_name(name_zh=business_format.name_zh, name_en=business_format.name_en)


def format_name(*, name_zh: str, name_en: str) -> str:
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name_zh


def price_range_q(low, high) -> Q:
    condition = Q()
    if low is not None:
        condition &= Q(price__gte=low)
    if high is not None:
        condition &= Q(price__lt=high)
    return condition


def price_range_label(low, high) -> str:
    if low is None:
        return f"¥{high} 以下"
    if high is None:
        return f"¥{low} 以上"
    return f"¥{low}–{high}"


def attach_distances(items: list, circle) -> None:
    """Give each listing its merchant's distance and travel minutes (None without a circle)."""
    for listing in items:
        merchant = listing.partner
        if circle is None or merchant.lat is None:
            listing.distance_m = listing.minutes = None
            continue
        distance = haversine_m(circle.lat, circle.lng, merchant.lat, merchant.lng)
        listing.distance_m, listing.minutes = round(distance, 1), round(circle.minutes_for(distance), 1)
