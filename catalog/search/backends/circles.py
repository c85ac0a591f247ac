"""Merchants within a service circle: the shared result type and the database backend.

The Elasticsearch backend (elasticsearch.py) answers the same question from its merchants
index; contract tests run every case against both and expect the same merchant sets and
distances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from communities.circle import DELIVERY, Circle
from merchants.models import BusinessFormat, Partner
from merchants.selectors import in_service_area
from shop.core.geo import bounding_box, haversine_m

MAX_CIRCLE_MERCHANTS = 500
ALL_MERCHANTS = 10_000  # no truncation: listing filters need every merchant the circle reaches


@dataclass(frozen=True)
class CircleMerchant:
    id: int
    name: str
    format: str | None
    lat: float
    lng: float
    distance_m: float
    minutes: float


@dataclass(frozen=True)
class CircleResult:
    circle: Circle
    merchants: list[CircleMerchant]
    truncated: bool
    formats_covered: list[str]
    formats_missing: list[str]
    backend: str
    total: int = 0
    by_format: dict[str, list[CircleMerchant]] = field(default_factory=dict)


def reference_format_codes() -> list[str]:
    """The 26 formats of the living circle, in the guide's order."""
    return list(BusinessFormat.objects.order_by("sort_order", "code").values_list("code", flat=True))


def build_result(circle: Circle, reached: list[CircleMerchant], backend: str, limit: int, *,
                 total: int | None = None, covered: set[str] | None = None) -> CircleResult:
    """Sort by distance (then id, for a stable order), truncate, and compare formats with the guide.

    An engine that fetched only the nearest of more merchants passes the full `total` and the
    formats it `covered` (from an aggregation over the whole circle).
    """
    reached = sorted(reached, key=lambda m: (m.distance_m, m.id))
    total = len(reached) if total is None else total
    if covered is None:
        covered = {m.format for m in reached if m.format}
    reference = reference_format_codes()
    shown = reached[:limit]
    by_format: dict[str, list[CircleMerchant]] = {}
    for merchant in shown:
        by_format.setdefault(merchant.format or "", []).append(merchant)
    return CircleResult(
        circle=circle,
        merchants=shown,
        truncated=total > limit,
        formats_covered=[code for code in reference if code in covered],
        formats_missing=[code for code in reference if code not in covered],
        backend=backend,
        total=total,
        by_format=by_format,
    )


def delivers_to(merchant, lat: float, lng: float) -> bool:
    """Whether the origin lies in the merchant's service area (polygon, or radius around the shop)."""
    return merchant.delivery_capability != Partner.Delivery.NONE and in_service_area(merchant, lat, lng)


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


def circle_backends() -> list:
    """The configured backend first, the database last (it always answers)."""
    from django.conf import settings

    backends = []
    if settings.SEARCH_BACKEND == "elasticsearch":
        from catalog.search.backends.elasticsearch import ElasticsearchCircleBackend

        backends.append(ElasticsearchCircleBackend())
    return [*backends, DatabaseCircleBackend()]
