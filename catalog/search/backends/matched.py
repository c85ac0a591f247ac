"""The database backend's text search: one read of the matching rows, counted, faceted and
ordered in Python, then one page hydrated by id.

A text search makes the set small (a few thousand listings at most in a circle), so reading its
rows once with what ordering needs (price, merchant, titles, ratings, stock) and doing the rest
here replaces four SQL passes over the text filter (count, page with ORDER BY CASE ..., format,
category facets). The order is the one ``DatabaseListingBackend._ordered`` gives in SQL
(relevance, then available, nearer, better-rated merchants, id; or the chosen sort) and the
facets count what ``DatabaseListingBackend`` counts; the search contract tests hold both.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import BooleanField, ExpressionWrapper, IntegerField, Q, QuerySet, Value

from catalog.models import Product
from catalog.search.backends.base import (
    FACET_CATEGORY,
    FACET_FORMAT,
    FACET_PRICE,
    PRICE_RANGES,
    SORT_DISTANCE,
    SORT_NEWEST,
    SORT_PRICE_ASC,
    SORT_PRICE_DESC,
    SORT_RATING,
    FacetValue,
    LazyListings,
    ListingQuery,
    ListingSearchResult,
    check_page,
)
from catalog.search.listings import (
    attach_distances,
    facet_categories,
    format_name,
    listings_by_ids,
    price_range_label,
)
from shop.core.expressions import AnyId  # noqa: F401 (registers the any_id lookup used below)
from shop.core.geo import haversine_m

FIELDS = ("pk", "price", "partner_id", "partner__format", "partner__format__name_zh", "partner__format__name_en",
          "partner__format__sort_order", "partner__name", "partner__rating", "product_id", "product__parent_id",
          "product__title", "product__parent__title", "product__rating", "date_created", "in_stock", "in_categories",
          "price_currency", "partner__lat", "partner__lng")
(PK, PRICE, MERCHANT, FORMAT, FORMAT_ZH, FORMAT_EN, FORMAT_ORDER, MERCHANT_NAME, MERCHANT_RATING, PRODUCT, PARENT,
 TITLE, PARENT_TITLE, PRODUCT_RATING, CREATED, IN_STOCK, IN_CATEGORIES, CURRENCY, LAT, LNG) = range(len(FIELDS))


def search_matched(query: ListingQuery, filtered: QuerySet, product_ids: QuerySet | None, reach: dict | None,
                   *, backend: str) -> ListingSearchResult:
    in_categories = (
        ExpressionWrapper(Q(product_id__in=product_ids) | Q(product__parent_id__in=product_ids),
                          output_field=BooleanField())
        if product_ids is not None else Value(True, output_field=BooleanField())
    )
    fields, unread = read_fields(query)
    rows = list(filtered.order_by().annotate(in_categories=in_categories, **unread).values_list(*fields))
    low, high = query.min_price, query.max_price
    priced = [row for row in rows if (low is None or row[PRICE] >= low) and (high is None or row[PRICE] <= high)]
    in_formats = [row for row in priced if not query.formats or row[FORMAT] in query.formats]
    results = [row for row in in_formats if row[IN_CATEGORIES]]
    count = len(results)
    check_page(page=query.page, count=count, page_size=query.page_size)
    start = (query.page - 1) * query.page_size
    results.sort(key=sort_key(query, reach), reverse=query.sort == SORT_NEWEST)
    page = results[start : start + query.page_size]

    def hydrate():  # the models only when a page template reads them; the API answers from the rows
        items = listings_by_ids([row[PK] for row in page])
        attach_distances(items, query.circle)
        return items

    formats: dict[str, list] = {}
    for row in priced:
        if row[IN_CATEGORIES] and row[FORMAT] is not None:
            formats.setdefault(row[FORMAT], [row[FORMAT_ORDER], row[FORMAT_ZH], row[FORMAT_EN], 0])[3] += 1
    unpriced = [row[PRICE] for row in rows if row[IN_CATEGORIES] and (not query.formats or row[FORMAT] in query.formats)]
    return ListingSearchResult(
        items=LazyListings(hydrate) if page else [],
        hit_rows=[api_row(row, query.circle) for row in page],
        count=count,
        page=query.page,
        page_size=query.page_size,
        facets={
            FACET_FORMAT: [
                FacetValue(key=code, label=format_name(name_zh=name_zh, name_en=name_en), count=listings,
                           selected=code in query.formats)
                for code, (_order, name_zh, name_en, listings) in sorted(
                    formats.items(), key=lambda item: (item[1][0], item[0]))
            ],
            FACET_CATEGORY: category_facet(in_formats, query.category_ids),
            FACET_PRICE: [
                FacetValue(key=key, label=price_range_label(low_, high_),
                           count=sum(1 for price in unpriced
                                     if (low_ is None or price >= low_) and (high_ is None or price < high_)))
                for key, low_, high_ in PRICE_RANGES
            ],
        },
        backend=backend,
        circle=query.circle,
    )


# Read only for the sort that orders by them (loading a datetime costs more than the rest of a row).
READ_FOR_SORT = {"date_created": SORT_NEWEST, "product__rating": SORT_RATING}


def read_fields(query: ListingQuery) -> tuple[tuple[str, ...], dict]:
    """FIELDS, with a NULL in place of each field the query's sort does not read."""
    unread = {f"unread_{field.replace('__', '_')}": Value(None, output_field=IntegerField())
              for field, sort in READ_FOR_SORT.items() if query.sort != sort}
    names = {field: f"unread_{field.replace('__', '_')}" for field, sort in READ_FOR_SORT.items() if query.sort != sort}
    return tuple(names.get(field, field) for field in FIELDS), unread


def api_row(row, circle) -> dict:
    """The API's row of a listing (catalog.search.backends.base.listing_row) from a read row."""
    distance = minutes = None
    if circle is not None and row[LAT] is not None:
        exact = haversine_m(circle.lat, circle.lng, row[LAT], row[LNG])
        distance, minutes = round(exact, 1), round(circle.minutes_for(exact), 1)
    return {
        "id": row[PK],
        "product_id": row[PRODUCT],
        "title": row[TITLE] or (row[PARENT_TITLE] if row[PARENT] else row[TITLE]),
        "price": f"{row[PRICE]:.2f}",
        "currency": row[CURRENCY] or "CNY",
        "merchant": {"id": row[MERCHANT], "name": row[MERCHANT_NAME], "format": row[FORMAT]},
        "distance_m": distance,
        "minutes": minutes,
        "in_stock": row[IN_STOCK],
    }


def contains(text: str | None, term: str) -> bool:
    """``icontains`` as the database applies it (UPPER(text) LIKE UPPER('%term%'))."""
    return text is not None and term.upper() in text.upper()


def relevance(row, query: ListingQuery) -> int:
    """The database backend's weights: the whole query in the title (or the parent's) 8, a term
    there 4, a term in the merchant's name 2."""
    score = 8 if contains(row[TITLE], query.query) or contains(row[PARENT_TITLE], query.query) else 0
    for term in query.terms:
        if contains(row[TITLE], term) or contains(row[PARENT_TITLE], term):
            score += 4
        if contains(row[MERCHANT_NAME], term):
            score += 2
    return score


def relevance_of(query: ListingQuery):
    """``relevance`` computed once per title, parent title and merchant name (listings of one
    product share them)."""
    scores: dict[tuple, int] = {}

    def score(row) -> int:
        texts = (row[TITLE], row[PARENT_TITLE], row[MERCHANT_NAME])
        if texts not in scores:
            scores[texts] = relevance(row, query)
        return scores[texts]

    return score


def sort_key(query: ListingQuery, reach: dict | None):
    """The key of DatabaseListingBackend._ordered for a text search (SORT_NEWEST: sorted in reverse)."""
    def distance(row) -> float:
        merchant = reach.get(row[MERCHANT]) if reach else None
        return merchant.distance_m if merchant is not None else 0.0

    if query.sort == SORT_DISTANCE and reach:
        return lambda row: (distance(row), row[PK])
    if query.sort == SORT_PRICE_ASC:
        return lambda row: (row[PRICE], row[PK])
    if query.sort == SORT_PRICE_DESC:
        return lambda row: (-row[PRICE], row[PK])
    if query.sort == SORT_NEWEST:
        return lambda row: (row[CREATED], row[PK])
    if query.sort == SORT_RATING:
        # product rating descending, no rating last (NULLS LAST)
        return lambda row: (-row[MERCHANT_RATING], row[PRODUCT_RATING] is None, -(row[PRODUCT_RATING] or 0), row[PK])
    nearer, score = bool(reach), relevance_of(query)
    return lambda row: (-score(row), not row[IN_STOCK], distance(row) if nearer else 0.0,
                        -row[MERCHANT_RATING], row[PK])


def category_facet(rows: list, selected_ids: tuple[int, ...]) -> list[FacetValue]:
    """Listings per category one level below the selected one (as DatabaseListingBackend.
    _category_facet): a listing counts under a category when its product's categories (or, when
    it has none, its parent's) lie in that category's subtree."""
    candidates = facet_categories(selected_ids=selected_ids)
    if not candidates or not rows:
        return []
    prefix_length = len(candidates[0].path)
    wanted = {category.path for category in candidates}
    products = {row[PRODUCT] for row in rows} | {row[PARENT] for row in rows if row[PARENT]}
    paths: dict[int, set[str]] = defaultdict(set)
    for product_id, path in Product.categories.through.objects.filter(product__any_id=products).order_by().values_list(
            "product_id", "category__path"):
        paths[product_id].add(path[:prefix_length])
    counts: dict[str, int] = defaultdict(int)
    for (product, parent), listings in Counter((row[PRODUCT], row[PARENT]) for row in rows).items():
        prefixes = paths.get(product) or (paths.get(parent) if parent else None) or ()
        for prefix in prefixes & wanted if prefixes else ():
            counts[prefix] += listings
    return [
        FacetValue(key=str(category.pk), label=category.name, count=counts.get(category.path, 0),
                   selected=category.pk in selected_ids)
        for category in candidates
        if counts.get(category.path) or category.pk in selected_ids
    ]
