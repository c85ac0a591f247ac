"""The Elasticsearch backends: merchants within a circle, and (below) listing search.

User-facing queries go through client.guarded_search: a sub-second timeout and a circuit
breaker; when Elasticsearch cannot answer they raise SearchBackendUnavailable and the
selector answers from the database backend instead.
"""

from __future__ import annotations

from catalog.search.backends.circles import (
    MAX_CIRCLE_MERCHANTS,
    CircleMerchant,
    CircleResult,
    build_result,
    reference_format_codes,
)
from catalog.search.elastic.client import guarded_search
from catalog.search.elastic.documents import alias_name
from communities.circle import DELIVERY, Circle
from shop.core.geo import haversine_m, polygon_contains

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
        result = build_result(circle, reached, self.name, limit)
        total = response["hits"]["total"]["value"]
        if total > len(response["hits"]["hits"]):
            # More merchants than fetched: formats and the total come from the aggregation.
            covered = {bucket["key"] for bucket in response["aggregations"]["formats"]["buckets"]}
            reference = reference_format_codes()
            return CircleResult(
                circle=circle, merchants=result.merchants, truncated=True,
                formats_covered=[c for c in reference if c in covered],
                formats_missing=[c for c in reference if c not in covered],
                backend=self.name, total=total, by_format=result.by_format,
            )
        return result
