"""Reads about the catalogue: listings for browsing, searching and the product page.

A *listing* is a merchant's offer of a product: Oscar's StockRecord (product + merchant +
price + stock). The storefront browses listings, not products, so every card names its
merchant and the merchant's own price.

``search_listings``, ``suggest`` and ``service_circle`` are the one entry point for browse,
the search box and the circle. Each asks the backend named by ``settings.SEARCH_BACKEND``
through catalog/search/registry.py, which falls back to the database backend when that one is
not installed or cannot answer. The listings query itself is catalog/search/listings.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db.models import F, QuerySet, Subquery, Value

from catalog.models import Category, Product
from catalog.search.backends.base import SORT_RELEVANCE, ListingQuery, ListingSearchResult
from catalog.search.backends.circles import CircleResult
from catalog.search.labels import labels
from catalog.search.listings import (  # noqa: F401  the listings query, read by views and pages too
    category_product_ids,
    facet_categories,
    format_label,
    format_name,
    listing_queryset,
    listings_by_ids,
)
from catalog.search.registry import CIRCLE_BACKENDS, DEFAULT_BACKEND, SEARCH_BACKENDS, ask, get_search_backend  # noqa: F401
from merchants.models import StockRecord

# --- listings ---------------------------------------------------------------------------------


def product_offers(*, product: Product) -> list[StockRecord]:
    """Every merchant's offer of a product: available first, then the cheapest.

    The listings ``listing_queryset()`` shows for this product, in one small query: the product
    is already loaded (the product page has it), so its visibility and whether its class tracks
    stock are decided here instead of by joining the product, its parent and their classes
    again; each offer's ``product`` is the given instance.
    """
    parent = product.parent if product.parent_id else None
    if not product.is_public or product.is_parent or (parent is not None and not parent.is_public):
        return []
    product_class = product.product_class if product.product_class_id else None
    if product_class is None and parent is not None and parent.product_class_id:
        product_class = parent.product_class
    tracks_stock = product_class.track_stock if product_class is not None else True
    offers = list(
        StockRecord.objects.filter(product=product, partner__is_active=True, price__isnull=False, is_published=True)
        .select_related("partner__format", "partner__community")
        .order_by("price", "partner__name", "pk")
    )
    for offer in offers:
        offer.product = product
        offer.tracks_stock = tracks_stock
        # what listing_queryset() annotates: untracked goods and services are always available
        offer.in_stock = not tracks_stock or (
            offer.num_in_stock is not None and offer.num_in_stock > (offer.num_allocated or 0)
        )
    offers.sort(key=lambda offer: not offer.in_stock)  # stable: available first, each part in SQL order
    return offers


def category_trail(*, product: Product) -> list[Category]:
    """The product page's breadcrumb: the product's first browsable category (by path) and
    its ancestors, root first, in one query (a variant uses its parent's categories)."""
    categories = product.get_categories()
    if isinstance(categories, QuerySet):
        first_path = Subquery(categories.order_by("path").values("path")[:1])
    else:  # prefetched by Oscar's prefetch_browsable_categories: a list
        paths = sorted(category.path for category in categories)
        if not paths:
            return []
        first_path = Value(paths[0])
    return list(
        Category.objects.annotate(first_path=first_path).filter(first_path__startswith=F("path")).order_by("path")
    )


def format_labels_of(*, codes: Sequence[str]) -> dict[str, str]:
    """Business format code → its name in the active language (from the search labels' map)."""
    return {f.code: format_name(name_zh=f.name_zh, name_en=f.name_en) for f in labels().formats_by_order(codes)}


def categories_by_id(*, ids: Sequence[int]) -> dict[int, Category]:
    return Category.objects.in_bulk(list(ids))


# --- search -----------------------------------------------------------------------------------


def search_listings(
    *,
    query: str = "",
    category_ids: Sequence[int] = (),
    formats: Sequence[str] = (),
    sort: str = SORT_RELEVANCE,
    page: int = 1,
    page_size: int | None = None,
    circle=None,
    delivers_to_me: bool = False,
    product_classes: Sequence[str] = (),
    min_price=None,
    max_price=None,
    open_now: bool = False,
    in_stock: bool = False,
    at=None,
) -> ListingSearchResult:
    """One page of listings matching a text query and filters, with facet counts.

    ``category_ids`` include their descendants; several categories (or formats) are OR'ed.
    With a ``circle`` (communities.circle.Circle) only merchants it reaches count and every
    item carries ``distance_m`` and ``minutes``. Raises ``PageOutOfRange`` (a Django
    ``InvalidPage``) for a page that does not exist.
    """
    listing_query = ListingQuery(
        query=query,
        category_ids=tuple(category_ids or ()),
        formats=tuple(formats or ()),
        sort=sort,
        page=page,
        page_size=page_size or settings.OSCAR_PRODUCTS_PER_PAGE,
        circle=circle,
        delivers_to_me=delivers_to_me,
        product_classes=tuple(product_classes or ()),
        min_price=min_price,
        max_price=max_price,
        open_now=open_now,
        in_stock=in_stock,
        at=at,
    )
    result, _name = ask(lambda backend: backend.search(listing_query))
    return result


def service_circle(*, circle) -> CircleResult:
    """Merchants within the circle, from the configured search backend (database fallback)."""
    result, _name = ask(lambda backend: backend.merchants_in_circle(circle), backends=CIRCLE_BACKENDS)
    return result


# --- suggestions for the search box -------------------------------------------------------------

SUGGESTIONS = 10


def suggest(*, prefix: str) -> tuple[list[str], str]:
    """Up to ten product titles for what the resident is typing, and the backend that answered.

    Elasticsearch also understands pinyin (qc, qingcai); the database matches characters.
    """
    return ask(lambda backend: backend.suggest(prefix, size=SUGGESTIONS))
