"""Reads about the catalogue: listings for browsing, searching and the product page.

A *listing* is a merchant's offer of a product: Oscar's StockRecord (product + merchant +
price + stock). The storefront browses listings, not products, so every card names its
merchant and the merchant's own price.

``search_listings`` is the one entry point for browse and search. It asks the backend named
by ``settings.SEARCH_BACKEND`` (see catalog/search/backends/) and falls back to the
database backend when that backend is not installed or cannot answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db.models import BooleanField, Case, F, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from catalog.models import Category, Product
from catalog.search.backends.base import (
    SORT_RELEVANCE,
    ListingQuery,
    ListingSearchBackend,
    ListingSearchResult,
    SearchBackendUnavailable,
)
from merchants.models import BusinessFormat, StockRecord

logger = logging.getLogger(__name__)

# Backend name (settings.SEARCH_BACKEND) -> class. A backend whose module does not exist
# yet (Elasticsearch, until its issue lands) falls back to the database backend.
SEARCH_BACKENDS = {
    "database": "catalog.search.backends.database.DatabaseListingBackend",
    "elasticsearch": "catalog.search.backends.elasticsearch.ElasticsearchListingBackend",
}
DEFAULT_BACKEND = "database"


# --- listings ---------------------------------------------------------------------------------


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


# --- categories and formats -------------------------------------------------------------------


def category_product_ids(*, category_ids: Iterable[int]) -> QuerySet:
    """Ids of the products in any of these categories or their descendants (a subquery)."""
    paths = list(Category.objects.filter(pk__in=list(category_ids)).values_list("path", flat=True))
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(category__path__startswith=path)
    return Product.categories.through.objects.filter(condition).values("product_id")


def facet_categories(*, selected_ids: Sequence[int]) -> list[Category]:
    """The categories a category facet counts: the children of the one selected category,
    or its siblings when it has none, else the top level. They share one depth."""
    browsable = Category.objects.browsable().order_by("path")
    if len(selected_ids) == 1:
        selected = browsable.filter(pk=selected_ids[0]).first()
        if selected is not None:
            children = list(browsable.filter(path__startswith=selected.path, depth=selected.depth + 1))
            if children:
                return children
            if selected.depth > 1:
                parent_path = selected.path[: Category.steplen * (selected.depth - 1)]
                return list(browsable.filter(path__startswith=parent_path, depth=selected.depth))
    return list(browsable.filter(depth=1))


def format_label(business_format: BusinessFormat | None) -> str:
    """A business format's name in the active language (Chinese unless English is active)."""
    if business_format is None:
        return ""
    return format_name(name_zh=business_format.name_zh, name_en=business_format.name_en)


def format_name(*, name_zh: str, name_en: str) -> str:
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name_zh


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
    backend = get_search_backend()
    try:
        return backend.search(listing_query)
    except SearchBackendUnavailable:
        if backend.name == DEFAULT_BACKEND:
            raise
        logger.warning("search backend %s unavailable, answering from the database", backend.name, exc_info=True)
        return get_search_backend(DEFAULT_BACKEND).search(listing_query)


def get_search_backend(name: str | None = None) -> ListingSearchBackend:
    name = name or getattr(settings, "SEARCH_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND
    path = SEARCH_BACKENDS.get(name)
    if path is None:
        logger.warning("unknown SEARCH_BACKEND %r, using the database backend", name)
        path = SEARCH_BACKENDS[DEFAULT_BACKEND]
    try:
        backend_class = import_string(path)
    except ImportError:
        if name == DEFAULT_BACKEND:
            raise
        logger.warning("search backend %s is not installed, using the database backend", name)
        backend_class = import_string(SEARCH_BACKENDS[DEFAULT_BACKEND])
    return backend_class()


# --- suggestions for the search box -------------------------------------------------------------

SUGGESTIONS = 10


def suggest(*, prefix: str) -> tuple[list[str], str]:
    """Up to ten product titles for what the resident is typing, and the backend that answered.

    Elasticsearch also understands pinyin (qc, qingcai); the database matches characters.
    """
    if getattr(settings, "SEARCH_BACKEND", DEFAULT_BACKEND) == "elasticsearch":
        from catalog.search.backends.elasticsearch import suggest_titles

        try:
            return suggest_titles(prefix, size=SUGGESTIONS), "elasticsearch"
        except SearchBackendUnavailable:
            logger.warning("suggestions answered from the database", exc_info=True)
    titles = (
        listing_queryset()
        .filter(product__title__icontains=prefix)
        .annotate(starts=Case(When(product__title__istartswith=prefix, then=Value(0)), default=Value(1)))
        .order_by("starts", "product__title")
        .values_list("product__title", flat=True)
    )
    return list(dict.fromkeys(titles[: SUGGESTIONS * 5]))[:SUGGESTIONS], "database"
