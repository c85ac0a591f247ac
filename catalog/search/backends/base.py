"""The interface every listing search backend implements.

A backend is a class with a ``name`` and ``search(ListingQuery) -> ListingSearchResult``,
registered by name in ``catalog.search.registry.SEARCH_BACKENDS`` and chosen by
``settings.SEARCH_BACKEND``. Its contract, which the database backend sets:

- a listing is visible when ``catalog.search.listings.listing_queryset()`` returns it;
- every term of ``query`` must match the title (or parent title), merchant name, business
  format name or a category name; ``category_ids`` include descendants; several
  categories, or several formats, are OR'ed;
- ``items`` are hydrated StockRecords: an engine returns ids and calls
  ``catalog.search.listings.listings_by_ids(ids)`` so templates get the same objects;
- with a ``circle``, only listings of merchants the circle reaches (``merchants_reached``:
  the same merchant set as the service circle) and each item gets ``distance_m`` and
  ``minutes``; ``delivers_to_me`` keeps merchants whose service area holds the origin;
  ``open_now`` keeps merchants open at ``at``; prices are inclusive bounds;
- call ``check_page`` once the count is known (page 1 always exists, maybe empty);
- facets: ``FACET_FORMAT`` (key = format code, in the formats' sort order) and
  ``FACET_CATEGORY`` (key = category pk, the categories ``catalog.search.listings.facet_categories`` returns); each
  facet ignores its own selection and honours every other filter;
- raise ``SearchBackendUnavailable`` (within ``SEARCH_TIMEOUT_SECONDS``) when the engine
  cannot answer: the selector then asks the database backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from django.core.paginator import InvalidPage
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from communities.circle import Circle

SORT_RELEVANCE = "relevance"
SORT_PRICE_ASC = "price-asc"
SORT_PRICE_DESC = "price-desc"
SORT_NEWEST = "newest"
SORT_RATING = "rating"
SORT_DISTANCE = "distance"

# (value, label) in the order the storefront offers them.
SORT_CHOICES = [
    (SORT_RELEVANCE, _("综合排序")),
    (SORT_PRICE_ASC, _("价格从低到高")),
    (SORT_PRICE_DESC, _("价格从高到低")),
    (SORT_NEWEST, _("最新上架")),
    (SORT_RATING, _("商户评分最高")),
    (SORT_DISTANCE, _("距离最近")),
]
SORTS = frozenset(value for value, _label in SORT_CHOICES)

FACET_FORMAT = "format"
FACET_CATEGORY = "category"
FACET_PRICE = "price"

# Price facet buckets in CNY: [from, to), the last one open-ended.
PRICE_RANGES: tuple[tuple[str, float | None, float | None], ...] = (
    ("0-10", None, 10),
    ("10-30", 10, 30),
    ("30-100", 30, 100),
    ("100-", 100, None),
)
PRODUCT_CLASSES = ("fresh", "packaged", "service")


class PageOutOfRange(InvalidPage):
    """The requested page does not exist for this query (the view sends the user to page 1)."""


class SearchBackendUnavailable(Exception):
    """The backend cannot answer now (down, timed out); the caller falls back to the database."""


@dataclass(frozen=True)
class ListingQuery:
    """What the resident asked for. Empty filters mean "no restriction"."""

    query: str = ""
    category_ids: tuple[int, ...] = ()  # each includes its descendants; several are OR'ed
    formats: tuple[str, ...] = ()  # BusinessFormat codes, OR'ed
    sort: str = SORT_RELEVANCE
    page: int = 1
    page_size: int = 24
    circle: Circle | None = None  # origin, mode and minutes: only merchants it reaches
    delivers_to_me: bool = False  # the merchant's service area holds the circle's origin
    product_classes: tuple[str, ...] = ()  # ProductClass.kind values, OR'ed
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    open_now: bool = False
    in_stock: bool = False
    at: datetime | None = None  # the moment "open now" means; now when None

    def __post_init__(self):
        object.__setattr__(self, "query", " ".join((self.query or "").split()))
        object.__setattr__(self, "category_ids", tuple(sorted({int(pk) for pk in self.category_ids or ()})))
        object.__setattr__(self, "formats", tuple(sorted({str(code) for code in self.formats or ()})))
        object.__setattr__(self, "product_classes", tuple(sorted(set(self.product_classes or ()))))
        if self.sort not in SORTS or (self.sort == SORT_DISTANCE and self.circle is None):
            object.__setattr__(self, "sort", SORT_RELEVANCE)
        if self.delivers_to_me and self.circle is None:
            raise ValueError("delivers_to_me needs an origin (a circle)")
        if self.page_size < 1:
            raise ValueError("page_size must be positive")
        if self.page < 1:
            raise PageOutOfRange(f"page {self.page} is not a page number")

    @property
    def moment(self) -> datetime:
        from django.utils import timezone

        return self.at or timezone.now()

    @property
    def terms(self) -> list[str]:
        return self.query.split()


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of listings it would show."""

    key: str  # a format code or a category pk, as a string (what goes into the URL)
    label: str
    count: int
    selected: bool = False


class LazyListings(Sequence):
    """A page of listings hydrated from the database only when first read.

    An engine's hits already carry what the API answers with (``ListingSearchResult.rows``),
    so an API request never loads models; a storefront page iterating the items does.
    """

    def __init__(self, load: Callable[[], list]):
        self._load, self._items = load, None

    def _loaded(self) -> list:
        if self._items is None:
            self._items = self._load()
        return self._items

    def __getitem__(self, index):
        return self._loaded()[index]

    def __len__(self) -> int:
        return len(self._loaded())

    def __bool__(self) -> bool:
        return bool(self._loaded())


def listing_row(listing) -> dict:
    """The API's view of a hydrated listing (engines build the same dict from their hits)."""
    merchant = listing.partner
    return {
        "id": listing.pk,
        "product_id": listing.product_id,
        "title": listing.product.get_title(),
        "price": f"{listing.price:.2f}",
        "currency": listing.price_currency or "CNY",
        "merchant": {"id": merchant.pk, "name": merchant.name, "format": merchant.format_id},
        "distance_m": getattr(listing, "distance_m", None),
        "minutes": getattr(listing, "minutes", None),
        "in_stock": listing.in_stock,
    }


@dataclass(frozen=True)
class ListingSearchResult:
    """One page of listings, the total count and the facets.

    ``items`` are StockRecord instances with ``product`` (and its class and parent),
    ``partner`` and ``partner.format`` loaded, and an ``in_stock`` attribute, so a template
    can render a page without further queries.
    """

    items: list
    count: int
    page: int
    page_size: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    backend: str = ""
    circle: Circle | None = None
    hit_rows: list[dict] | None = None  # the API rows, when the engine's hits carry them

    @property
    def rows(self) -> list[dict]:
        return self.hit_rows if self.hit_rows is not None else [listing_row(item) for item in self.items]

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))


def check_page(*, page: int, count: int, page_size: int) -> None:
    """Raise PageOutOfRange unless the page exists; page 1 always exists (maybe empty)."""
    if page < 1 or page > max(1, math.ceil(count / page_size)):
        raise PageOutOfRange(f"page {page} is out of range")


class ListingSearchBackend(Protocol):
    name: str

    def search(self, query: ListingQuery) -> ListingSearchResult:
        """Answer one query. Raise PageOutOfRange for a missing page and
        SearchBackendUnavailable when the engine cannot answer."""
