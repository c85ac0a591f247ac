"""Listing search backends.

Browsing and search read listings (Oscar StockRecords: a merchant's offer of a product)
through one small interface, so the Elasticsearch backend can replace the database
backend without touching views, forms or templates:

    backend.search(ListingQuery(...)) -> ListingSearchResult
    backend.suggest(prefix, size=) -> [title, ...]
    circle_backend.merchants_in_circle(circle) -> CircleResult

database.py and elasticsearch.py build on catalog/search/listings.py and share base.py and
circles.py; they never import each other. Callers never import a backend directly: they call
``catalog.selectors`` (search_listings, suggest, service_circle), which asks
catalog/search/registry.py for the backend named by ``settings.SEARCH_BACKEND`` and falls back
to the database backend when the chosen one is missing or unavailable.
"""

from .base import (
    SORT_CHOICES,
    SORT_NEWEST,
    SORT_PRICE_ASC,
    SORT_PRICE_DESC,
    SORT_RATING,
    SORT_RELEVANCE,
    FacetValue,
    ListingQuery,
    ListingSearchBackend,
    ListingSearchResult,
    PageOutOfRange,
    SearchBackendUnavailable,
)

__all__ = [
    "SORT_CHOICES",
    "SORT_NEWEST",
    "SORT_PRICE_ASC",
    "SORT_PRICE_DESC",
    "SORT_RATING",
    "SORT_RELEVANCE",
    "FacetValue",
    "ListingQuery",
    "ListingSearchBackend",
    "ListingSearchResult",
    "PageOutOfRange",
    "SearchBackendUnavailable",
]
