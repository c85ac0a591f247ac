"""The Elasticsearch backends: merchants within a circle, and (below) listing search.

User-facing queries go through client.guarded_search: a sub-second timeout and a circuit
breaker; when Elasticsearch cannot answer they raise SearchBackendUnavailable and the
selector answers from the database backend instead.
"""

from __future__ import annotations

from functools import lru_cache

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
    SORT_RELEVANCE,
    FacetValue,
    LazyListings,
    ListingQuery,
    ListingSearchResult,
    PageOutOfRange,
    check_page,
)
from catalog.search.backends.circles import (
    ALL_MERCHANTS,
    MAX_CIRCLE_MERCHANTS,
    CircleMerchant,
    CircleResult,
    build_result,
)
from catalog.search.elastic.client import guarded_search
from catalog.search.elastic.documents import MINUTES_PER_DAY, alias_name, decimal_price
from catalog.search.labels import labels
from catalog.search.listings import attach_distances, facet_categories, format_name, listings_by_ids, price_range_label
from communities.circle import DELIVERY, Circle
from shop.core.geo import distance_from, haversine_m, polygon_contains

# Elasticsearch's arc distance uses a slightly different Earth radius than ours; widen the
# engine's filter by a metre and apply the exact radius here, so both backends agree.
EDGE_SLACK_M = 1.0


def origin_in_area_box(lat: float, lng: float) -> dict:
    """Merchants that deliver and whose service-area box holds the origin (exact test follows)."""
    return {"bool": {"filter": [
        {"term": {"delivers": True}},
        {"range": {"area_min_lat": {"lte": lat}}}, {"range": {"area_max_lat": {"gte": lat}}},
        {"range": {"area_min_lng": {"lte": lng}}}, {"range": {"area_max_lng": {"gte": lng}}},
    ]}}


def circle_filter(circle: Circle, delivers_to_me: bool) -> list[dict]:
    clauses = [{"geo_distance": {"distance": f"{circle.radius_m + EDGE_SLACK_M}m",
                                 "location": {"lat": circle.lat, "lon": circle.lng}}}]
    if delivers_to_me:
        clauses.append(origin_in_area_box(circle.lat, circle.lng))
    return clauses


def area_holds(source: dict, lat: float, lng: float) -> bool:
    """The exact test the database backend applies: shapely for polygons, haversine for radii."""
    if source.get("service_area"):
        return polygon_contains(source["service_area"], lat, lng)
    radius = source.get("service_radius_m")
    location = source["location"]
    return radius is not None and haversine_m(location["lat"], location["lon"], lat, lng) <= radius


class ElasticsearchCircleBackend:
    name = "elasticsearch"

    def merchants_in_circle(self, circle: Circle, *, limit: int = MAX_CIRCLE_MERCHANTS,
                            delivers_to_me: bool = False) -> CircleResult:
        delivers_to_me = delivers_to_me or circle.mode == DELIVERY
        body = {
            "size": min(limit + 50, 10_000),  # a few beyond the limit: the exact tests may drop some
            "track_total_hits": True,
            "_source": ["merchant_id", "name", "format", "location", "service_area", "service_radius_m"],
            "query": {"bool": {"filter": circle_filter(circle, delivers_to_me)}},
            "sort": [{"_geo_distance": {"location": {"lat": circle.lat, "lon": circle.lng}, "order": "asc",
                                        "unit": "m", "distance_type": "arc"}}, {"merchant_id": "asc"}],
            "aggs": {"formats": {"terms": {"field": "format", "size": 100}}},
        }
        response = guarded_search(alias_name("merchants"), body)
        reached = []
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            lat, lng = source["location"]["lat"], source["location"]["lon"]
            distance = haversine_m(circle.lat, circle.lng, lat, lng)
            if distance > circle.radius_m:
                continue
            if delivers_to_me and not area_holds(source, circle.lat, circle.lng):
                continue
            reached.append(CircleMerchant(
                id=source["merchant_id"], name=source["name"], format=source["format"], lat=lat, lng=lng,
                distance_m=distance, minutes=circle.minutes_for(distance),
            ))
        total = response["hits"]["total"]["value"]
        if total > len(response["hits"]["hits"]):
            # More merchants than fetched: the total and the formats come from the whole circle.
            covered = {bucket["key"] for bucket in response["aggregations"]["formats"]["buckets"]}
            return build_result(circle, reached, self.name, limit, total=total, covered=covered)
        return build_result(circle, reached, self.name, limit)


# --- listing search ---------------------------------------------------------------------------


def term_clause(term: str) -> dict:
    """One search term: where the database backend matches it (as a phrase: for Chinese, the
    characters in order), plus the pinyin tokens (qingcai, qc) only this engine has."""
    phrase_fields = ("title", "parent_title", "merchant_name", "format_names", "category_names")
    should = [{"match_phrase": {name: term}} for name in phrase_fields]
    if term.isascii():
        should.append({"term": {"pinyin": term.lower()}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def relevance_clauses(query: ListingQuery) -> list[dict]:
    """The database backend's weights: whole query in the title 8, a term in the title 4, in the
    merchant's name 2."""
    clauses = [{"match_phrase": {"title": {"query": query.query, "boost": 8}}}]
    for term in query.terms:
        clauses.append({"match_phrase": {"title": {"query": term, "boost": 4}}})
        clauses.append({"match_phrase": {"merchant_name": {"query": term, "boost": 2}}})
        if term.isascii():
            clauses.append({"term": {"pinyin": {"value": term.lower(), "boost": 4}}})
    return clauses


def open_now_clause(moment) -> dict:
    from django.utils import timezone

    local = timezone.localtime(moment)
    minute = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
    return {"bool": {"should": [
        {"bool": {"filter": [{"term": {"open_minutes": minute}}],
                  "must_not": [{"term": {"exception_dates": local.date().isoformat()}}]}},
        {"term": {"special_open": local.isoformat()}},
    ], "minimum_should_match": 1}}


def price_clause(query: ListingQuery) -> list[dict]:
    bounds = {}
    if query.min_price is not None:
        bounds["gte"] = float(query.min_price)
    if query.max_price is not None:
        bounds["lte"] = float(query.max_price)
    return [{"range": {"price": bounds}}] if bounds else []


HIT_FIELDS = ["listing_id", "product_id", "title", "price", "in_stock", "merchant_id", "merchant_name",
              "merchant_format", "location"]


@lru_cache(maxsize=4096)
def price_text(value: float) -> str:
    """A hit's price as the API spells it ("3.50"): decimal_price's rounding, kept per value."""
    return f"{decimal_price(value):.2f}"


def hit_rows(hits: list[dict], circle) -> list[dict]:
    """The API rows of a page of hits, as catalog.search.backends.base.listing_row makes them from
    models (distances by shop.core.geo.distance_from: haversine_m with the origin's part once)."""
    distance_to = distance_from(circle.lat, circle.lng) if circle is not None else None
    rows = []
    for hit in hits:
        source = hit["_source"]
        distance = minutes = None
        if distance_to is not None and source.get("location"):
            exact = distance_to(source["location"]["lat"], source["location"]["lon"])
            distance, minutes = round(exact, 1), round(circle.minutes_for(exact), 1)
        rows.append({
            "id": source["listing_id"],
            "product_id": source["product_id"],
            "title": source["title"],
            "price": price_text(source["price"]),
            "currency": "CNY",
            "merchant": {"id": source["merchant_id"], "name": source["merchant_name"], "format": source["merchant_format"]},
            "distance_m": distance,
            "minutes": minutes,
            "in_stock": source["in_stock"],
        })
    return rows


# The parts of every request body that only the configuration and the category map decide, built
# once and shared by the bodies (which the client only serializes; never change them in place).
PRICE_BUCKETS = [{"key": key, **({"from": low} if low is not None else {}), **({"to": high} if high is not None else {})}
                 for key, low, high in PRICE_RANGES]


@lru_cache(maxsize=256)
def category_buckets(category_ids: tuple[int, ...]) -> dict:
    """The category facet's buckets: one per candidate category (by id, as a string)."""
    return {str(pk): {"term": {"category_ids": pk}} for pk in category_ids} or {"none": {"match_none": {}}}


class ElasticsearchListingBackend:
    name = "elasticsearch"

    def search(self, query: ListingQuery) -> ListingSearchResult:
        body, candidates = self.request_body(query)
        response = guarded_search(alias_name("listings"), body)
        return self._result(query, response, candidates)

    def suggest(self, prefix: str, *, size: int) -> list[str]:
        """Distinct titles starting with (or containing a word starting with) the prefix, or whose
        pinyin starts with it; the titles of the best-matching listings first."""
        should = [{"match_phrase_prefix": {"title": {"query": prefix, "boost": 2}}}]
        if prefix.isascii():
            should.append({"prefix": {"pinyin": prefix.lower()}})
        body = {
            "size": size,
            "_source": ["title"],
            "query": {"bool": {"should": should, "minimum_should_match": 1}},
            "collapse": {"field": "title.raw"},  # one hit per distinct title, best first
            "sort": ["_score", {"title.raw": "asc"}],
        }
        response = guarded_search(alias_name("listings"), body)
        return [hit["_source"]["title"] for hit in response["hits"]["hits"]]

    def request_body(self, query: ListingQuery) -> tuple[dict, list]:
        """The one request this query makes of the listings index (and the category facet's
        candidates). Delivery circles first ask the merchants index who delivers."""
        filters: list[dict] = []
        circle = query.circle
        if circle is not None and (query.delivers_to_me or circle.mode == DELIVERY):
            # service areas need the exact test: ask the merchants index, then filter by id
            reached = ElasticsearchCircleBackend().merchants_in_circle(circle, limit=ALL_MERCHANTS, delivers_to_me=True)
            filters.append({"terms": {"merchant_id": [merchant.id for merchant in reached.merchants]}})
        elif circle is not None:
            # a walk: the listing carries its merchant's location, one request does it all
            filters.append({"geo_distance": {"distance": f"{circle.radius_m}m",
                                             "location": {"lat": circle.lat, "lon": circle.lng}}})
        if query.product_classes:
            filters.append({"terms": {"product_class": list(query.product_classes)}})
        if query.in_stock:
            filters.append({"term": {"in_stock": True}})
        if query.open_now:
            filters.append(open_now_clause(query.moment))

        # Facet filters go to post_filter, so each facet can ignore its own selection.
        by_price = price_clause(query)
        by_format = [{"terms": {"merchant_format": list(query.formats)}}] if query.formats else []
        by_category = [{"terms": {"category_ids": list(query.category_ids)}}] if query.category_ids else []
        candidates = facet_categories(selected_ids=query.category_ids)

        text = {"bool": {
            "must": [term_clause(term) for term in query.terms],
            "should": relevance_clauses(query) if query.terms else [],
            "filter": filters,
        }}
        start = (query.page - 1) * query.page_size
        body = {
            "from": start,
            "size": query.page_size,
            "track_total_hits": True,
            "_source": HIT_FIELDS,
            "query": self._ranked(text, query),
            "post_filter": {"bool": {"filter": by_price + by_format + by_category}},
            "sort": self._sort(query),
            "aggs": {
                "format": {"filter": {"bool": {"filter": by_price + by_category}},
                           "aggs": {"values": {"terms": {"field": "merchant_format", "size": 100}}}},
                "category": {"filter": {"bool": {"filter": by_price + by_format}},
                             "aggs": {"values": {"filters": {"filters": category_buckets(tuple(c.pk for c in candidates))}}}},
                "price": {"filter": {"bool": {"filter": by_format + by_category}},
                          "aggs": {"values": {"range": {"field": "price", "keyed": True, "ranges": PRICE_BUCKETS}}}},
            },
        }
        if start + query.page_size > 10_000:
            raise PageOutOfRange("pages beyond the first 10,000 results are not served")
        return body, candidates

    def _result(self, query: ListingQuery, response: dict, candidates: list) -> ListingSearchResult:
        circle = query.circle
        count = response["hits"]["total"]["value"]
        check_page(page=query.page, count=count, page_size=query.page_size)
        hits = response["hits"]["hits"]

        def hydrate():
            items = listings_by_ids([int(hit["_id"]) for hit in hits])
            attach_distances(items, circle)
            return items
        aggregations = response["aggregations"]
        category_counts = aggregations["category"]["values"]["buckets"]
        return ListingSearchResult(
            items=LazyListings(hydrate),
            hit_rows=hit_rows(hits, circle),
            count=count,
            page=query.page,
            page_size=query.page_size,
            facets={
                FACET_FORMAT: self._format_facet(aggregations["format"]["values"]["buckets"], query.formats),
                FACET_CATEGORY: [
                    FacetValue(key=str(category.pk), label=category.name, selected=category.pk in query.category_ids,
                               count=category_counts[str(category.pk)]["doc_count"])
                    for category in candidates
                    if category_counts[str(category.pk)]["doc_count"] or category.pk in query.category_ids
                ],
                FACET_PRICE: [
                    FacetValue(key=key, label=price_range_label(low, high),
                               count=aggregations["price"]["values"]["buckets"][key]["doc_count"])
                    for key, low, high in PRICE_RANGES
                ],
            },
            backend=self.name,
            circle=query.circle,
        )

    @staticmethod
    def _ranked(text: dict, query: ListingQuery) -> dict:
        """Relevance combined with nearness (a decay over the circle's radius) and rating."""
        if query.sort != SORT_RELEVANCE:
            return {"constant_score": {"filter": text}} if not query.terms else text
        functions = [{"field_value_factor": {"field": "rating", "modifier": "log1p", "missing": 0}}]
        if query.circle is not None:
            functions.append({"gauss": {"location": {
                "origin": {"lat": query.circle.lat, "lon": query.circle.lng},
                "scale": f"{max(query.circle.radius_m / 2, 50):.0f}m",
            }}, "weight": 2})
        return {"function_score": {"query": text, "functions": functions, "score_mode": "sum", "boost_mode": "sum"}}

    @staticmethod
    def _sort(query: ListingQuery) -> list:
        tie = [{"listing_id": "asc"}]
        if query.sort == SORT_DISTANCE and query.circle is not None:
            return [{"_geo_distance": {"location": {"lat": query.circle.lat, "lon": query.circle.lng},
                                       "order": "asc", "distance_type": "arc"}}, *tie]
        if query.sort == SORT_PRICE_ASC:
            return [{"price": "asc"}, *tie]
        if query.sort == SORT_PRICE_DESC:
            return [{"price": "desc"}, *tie]
        if query.sort == SORT_NEWEST:
            return [{"listing_id": "desc"}]
        if query.sort == SORT_RATING:
            return [{"rating": "desc"}, *tie]
        return ["_score", {"in_stock": "desc"}, {"rating": "desc"}, *tie]

    @staticmethod
    def _format_facet(buckets: list[dict], selected: tuple[str, ...]) -> list[FacetValue]:
        counts = {bucket["key"]: bucket["doc_count"] for bucket in buckets}
        return [
            FacetValue(key=f.code, label=format_name(name_zh=f.name_zh, name_en=f.name_en), count=counts[f.code],
                       selected=f.code in selected)
            for f in labels().formats_by_order(counts)
        ]
