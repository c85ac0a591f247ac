"""The database listing search backend: the embedded default and the fallback.

Substring matching (``icontains``) on product titles, merchant names, business formats and
category names; every term must match somewhere. Good enough for a district's few thousand
listings; the Elasticsearch backend takes over for real full-text and geo search.

A page costs a fixed handful of queries whatever its size: count, page of listings (with
product, class, merchant and format joined), images, format facet, category facet and the
category lookups.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from operator import add

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Substr

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
    ListingQuery,
    ListingSearchResult,
    check_page,
)
from catalog.search.backends.circles import (
    ALL_MERCHANTS,
    MAX_CIRCLE_MERCHANTS,
    CircleMerchant,
    CircleResult,
    build_result,
    delivers_to,
)
from catalog.search.backends.matched import search_matched
from catalog.search.listings import (
    attach_distances,
    category_product_ids,
    facet_categories,
    format_name,
    listing_queryset,
    price_range_label,
    price_range_q,
)
from communities.circle import DELIVERY, Circle
from merchants.models import Partner
from merchants.selectors import is_open_at
from shop.core.expressions import ValueById
from shop.core.geo import bounding_box, haversine_m


class DatabaseListingBackend:
    name = "database"

    def search(self, query: ListingQuery) -> ListingSearchResult:
        if query.terms:  # a text search joins a few thousand listings to their products: see PLAN_SETTINGS
            with planned_for_memory():
                return self._search(query)
        return self._search(query)

    def _search(self, query: ListingQuery) -> ListingSearchResult:
        reach = self._reach(query)  # merchant id -> CircleMerchant, or None without a circle
        filtered = self._filtered(self._matching(query), query, reach)  # text + the plain filters
        product_ids = category_product_ids(category_ids=query.category_ids) if query.category_ids else None
        if query.terms:
            return self._search_matched(query, filtered, product_ids, reach)
        return self._search_in_sql(query, filtered, product_ids, reach)

    def _search_in_sql(self, query: ListingQuery, filtered: QuerySet, product_ids: QuerySet | None,
                       reach: dict | None) -> ListingSearchResult:
        """Count, page and facets each in SQL (browsing; for a text search, the reference the
        tests hold matched.py to)."""
        unpriced = self._in_categories(self._in_formats(filtered, query.formats), product_ids)
        priced = self._priced(filtered, query)
        in_formats = self._in_formats(priced, query.formats)
        in_categories = self._in_categories(priced, product_ids)
        results = self._in_categories(in_formats, product_ids)

        count = results.count()
        check_page(page=query.page, count=count, page_size=query.page_size)
        start = (query.page - 1) * query.page_size
        items = list(self._ordered(results, query, reach)[start : start + query.page_size])
        attach_distances(items, query.circle)

        return ListingSearchResult(
            items=items,
            count=count,
            page=query.page,
            page_size=query.page_size,
            facets={
                # Each facet counts what selecting one of its values would show, so it
                # ignores its own selection but honours every other filter.
                FACET_FORMAT: self._format_facet(in_categories, query.formats),
                FACET_CATEGORY: self._category_facet(in_formats, query.category_ids),
                FACET_PRICE: self._price_facet(unpriced),
            },
            backend=self.name,
            circle=query.circle,
        )

    def _search_matched(self, query: ListingQuery, filtered: QuerySet, product_ids: QuerySet | None,
                        reach: dict | None) -> ListingSearchResult:
        """A text search: its rows read once, counted, faceted and ordered in Python (matched.py)."""
        return search_matched(query, filtered, product_ids, reach, backend=self.name)

    def suggest(self, prefix: str, *, size: int) -> list[str]:
        """Product titles containing what the resident typed, those starting with it first."""
        titles = (
            listing_queryset()
            .filter(product__title__icontains=prefix)
            .annotate(starts=Case(When(product__title__istartswith=prefix, then=Value(0)), default=Value(1)))
            .order_by("starts", "product__title")
            .values_list("product__title", flat=True)
        )
        return list(dict.fromkeys(titles[: size * 5]))[:size]

    # --- filters ------------------------------------------------------------------------------

    @staticmethod
    def _reach(query: ListingQuery) -> dict | None:
        if query.circle is None:
            return None
        result = DatabaseCircleBackend().merchants_in_circle(
            query.circle, limit=ALL_MERCHANTS, delivers_to_me=query.delivers_to_me
        )
        return {merchant.id: merchant for merchant in result.merchants}

    @staticmethod
    def _filtered(listings: QuerySet, query: ListingQuery, reach: dict | None) -> QuerySet:
        if reach is not None:
            listings = listings.filter(partner__any_id=list(reach))
        if query.product_classes:
            listings = listings.filter(
                Q(product__product_class__kind__in=query.product_classes)
                | Q(product__parent__product_class__kind__in=query.product_classes)
            )
        if query.in_stock:
            listings = listings.filter(in_stock=True)
        if query.open_now:
            listings = listings.filter(partner_id__in=open_merchant_ids(at=query.moment))
        return listings

    @staticmethod
    def _priced(listings: QuerySet, query: ListingQuery) -> QuerySet:
        if query.min_price is not None:
            listings = listings.filter(price__gte=query.min_price)
        if query.max_price is not None:
            listings = listings.filter(price__lte=query.max_price)
        return listings

    def _matching(self, query: ListingQuery) -> QuerySet:
        """Listings whose product (its title, its parent's title, its categories' names) or
        merchant (name, business format) contains every term. The products and merchants are
        read first (a trigram index on PostgreSQL, see catalog migration 0035), so the listings
        are then found through their product and merchant indexes."""
        listings = listing_queryset()
        for term in query.terms:
            # Every set is read first, as a list of ids: PostgreSQL then finds the listings through
            # the product and merchant indexes (an OR of subqueries would scan every listing).
            titled = titled_products(term).values_list("pk", flat=True)
            named = category_product_ids_by_name(term).order_by().values_list("product_id", flat=True)
            named_merchants = Partner.objects.filter(
                Q(name__icontains=term) | Q(format__name_zh__icontains=term) | Q(format__name_en__icontains=term)
            ).order_by().annotate(negated=-F("pk")).values_list("negated", flat=True)
            # one round trip, each part through its own index; merchants come back negated
            found = set(titled.union(named, named_merchants))
            products = {pk for pk in found if pk > 0}
            merchants = sorted(-pk for pk in found if pk < 0)
            if products:
                products.update(Product.objects.filter(parent__any_id=products).order_by().values_list("pk", flat=True))
            listings = listings.filter(Q(product__any_id=sorted(products)) | Q(partner__any_id=merchants))
        return listings

    @staticmethod
    def _in_formats(listings: QuerySet, formats: tuple[str, ...]) -> QuerySet:
        return listings.filter(partner__format__in=formats) if formats else listings

    @staticmethod
    def _in_categories(listings: QuerySet, product_ids: QuerySet | None) -> QuerySet:
        if product_ids is None:
            return listings
        return listings.filter(Q(product_id__in=product_ids) | Q(product__parent_id__in=product_ids))

    # --- order --------------------------------------------------------------------------------

    @staticmethod
    def _ordered(listings: QuerySet, query: ListingQuery, reach: dict | None) -> QuerySet:
        if reach:
            # the distance of each listing's merchant, for sorting and as a tie-break
            listings = listings.annotate(
                distance=ValueById("partner_id", {pk: m.distance_m for pk, m in reach.items()}, default=0.0))
        if query.sort == SORT_DISTANCE and reach:
            return listings.order_by("distance", "pk")
        if query.sort == SORT_PRICE_ASC:
            return listings.order_by("price", "pk")
        if query.sort == SORT_PRICE_DESC:
            return listings.order_by("-price", "pk")
        if query.sort == SORT_NEWEST:
            return listings.order_by("-date_created", "-pk")
        if query.sort == SORT_RATING:
            return listings.order_by(
                F("partner__rating").desc(), F("product__rating").desc(nulls_last=True), "pk"
            )
        # relevance: how well the title (then the merchant's name) matches, available first
        # relevance: text match, then nearer, then better-rated merchants
        nearer = ["distance"] if reach else []
        if query.terms:
            listings = listings.annotate(relevance=_relevance(query))
            return listings.order_by("-relevance", "-in_stock", *nearer, F("partner__rating").desc(), "pk")
        return listings.order_by("-in_stock", *nearer, F("partner__rating").desc(), "product__title", "pk")

    # --- facets -------------------------------------------------------------------------------

    @staticmethod
    def _format_facet(listings: QuerySet, selected: tuple[str, ...]) -> list[FacetValue]:
        rows = (
            listings.order_by()
            .filter(partner__format__isnull=False)
            .values("partner__format", "partner__format__name_zh", "partner__format__name_en",
                    "partner__format__sort_order")
            .annotate(listings=Count("pk"))
            .order_by("partner__format__sort_order", "partner__format")
        )
        return [
            FacetValue(
                key=row["partner__format"],
                label=format_name(name_zh=row["partner__format__name_zh"], name_en=row["partner__format__name_en"]),
                count=row["listings"],
                selected=row["partner__format"] in selected,
            )
            for row in rows
        ]

    @staticmethod
    def _price_facet(listings: QuerySet) -> list[FacetValue]:
        counts = listings.order_by().aggregate(**{
            key: Count("pk", filter=price_range_q(low, high)) for key, low, high in PRICE_RANGES
        })
        return [FacetValue(key=key, label=price_range_label(low, high), count=counts[key])
                for key, low, high in PRICE_RANGES]

    @staticmethod
    def _category_facet(listings: QuerySet, selected_ids: tuple[int, ...]) -> list[FacetValue]:
        """Counts for the categories one level below the selected one (or its siblings when it
        has no children, or the top level), each including its descendants."""
        candidates = facet_categories(selected_ids=selected_ids)
        if not candidates:
            return []
        prefix_length = len(candidates[0].path)  # candidates share one depth
        rows = (
            listings.order_by()
            .annotate(
                category_prefix=Substr(
                    Coalesce("product__categories__path", "product__parent__categories__path"), 1, prefix_length
                )
            )
            .filter(category_prefix__in=[category.path for category in candidates])
            .values("category_prefix")
            .annotate(listings=Count("pk", distinct=True))
        )
        counts = {row["category_prefix"]: row["listings"] for row in rows}
        return [
            FacetValue(
                key=str(category.pk),
                label=category.name,
                count=counts.get(category.path, 0),
                selected=category.pk in selected_ids,
            )
            for category in candidates
            if counts.get(category.path) or category.pk in selected_ids
        ]


# The planner settings of a text search (PostgreSQL): an index lookup costs little more than a
# sequential read when the listings are in memory (the stock 4 made the planner hash all
# products to join a few thousand listings), and a parallel worker only adds its start-up to a
# query of a few milliseconds on a machine whose cores serve every request.
PLAN_SETTINGS = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}


@contextmanager
def planned_for_memory() -> Iterator[None]:
    """Run the block's queries with PLAN_SETTINGS: one statement, local to the transaction (its
    own, or the caller's, e.g. the request's, for the rest of which they then hold too)."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        with transaction.atomic():
            with planned_for_memory():
                yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(PLAN_SETTINGS)),
                       [value for item in PLAN_SETTINGS.items() for value in item])
    yield


def open_merchant_ids(*, at) -> list[int]:
    """Merchants open at a moment (weekly hours and date exceptions, as merchants.selectors)."""
    merchants = Partner.objects.filter(is_active=True).prefetch_related("opening_periods", "opening_exceptions")
    return [merchant.pk for merchant in merchants if is_open_at(merchant, at)]


# A term shorter than a trigram: its characters, which the GIN index of catalog migration 0036
# finds, narrow the titles before the LIKE checks them (PostgreSQL; elsewhere a plain scan).
TITLE_CHARACTERS = (
    'string_to_array(UPPER("catalogue_product"."title"::text), NULL::text) @> string_to_array(UPPER(%s), NULL::text)'
)


def titled_products(term: str) -> QuerySet:
    """Products whose title contains the term: a trigram index lookup for three characters or
    more (migration 0035), a character index lookup for one or two (0036), on PostgreSQL."""
    products = Product.objects.filter(title__icontains=term).order_by()
    if len(term) < 3 and connection.vendor == "postgresql":
        products = products.filter(RawSQL(TITLE_CHARACTERS, (term,), output_field=BooleanField()))
    return products


def category_product_ids_by_name(term: str) -> QuerySet:
    """Ids of products in a category whose name contains the term (a subquery)."""
    return Product.categories.through.objects.filter(category__name__icontains=term).values("product_id")


def _relevance(query: ListingQuery):
    title = Q(product__title__icontains=query.query) | Q(product__parent__title__icontains=query.query)
    weights = [Case(When(title, then=Value(8)), default=Value(0), output_field=IntegerField())]
    for term in query.terms:
        in_title = Q(product__title__icontains=term) | Q(product__parent__title__icontains=term)
        weights.append(Case(When(in_title, then=Value(4)), default=Value(0), output_field=IntegerField()))
        weights.append(
            Case(When(partner__name__icontains=term, then=Value(2)), default=Value(0), output_field=IntegerField())
        )
    return reduce(add, weights)


class DatabaseCircleBackend:
    """Bounding-box prefilter on the indexed lat/lng, then exact haversine (and shapely for areas)."""

    name = "database"

    def merchants_in_circle(self, circle: Circle, *, limit: int = MAX_CIRCLE_MERCHANTS,
                            delivers_to_me: bool = False) -> CircleResult:
        """Merchants within the circle; with delivers_to_me (implied by the delivery mode) only
        those whose service area holds the origin."""
        delivers_to_me = delivers_to_me or circle.mode == DELIVERY
        min_lat, max_lat, min_lng, max_lng = bounding_box(circle.lat, circle.lng, circle.radius_m)
        candidates = Partner.objects.filter(
            is_active=True, lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng)
        )
        fields = ["id", "name", "format_id", "lat", "lng"]
        if delivers_to_me:
            candidates = candidates.filter(~Q(delivery_capability=Partner.Delivery.NONE))
            fields += ["delivery_capability", "service_area", "service_radius_m"]
        reached = []
        for merchant in candidates.only(*fields):
            distance = haversine_m(circle.lat, circle.lng, merchant.lat, merchant.lng)
            if distance > circle.radius_m:
                continue
            if delivers_to_me and not delivers_to(merchant, circle.lat, circle.lng):
                continue
            reached.append(
                CircleMerchant(
                    id=merchant.id, name=merchant.name, format=merchant.format_id, lat=merchant.lat,
                    lng=merchant.lng, distance_m=distance, minutes=circle.minutes_for(distance),
                )
            )
        return build_result(circle, reached, self.name, limit)
