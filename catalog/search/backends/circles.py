"""Merchants within a service circle: the result type both backends answer with
(``merchants_in_circle`` of database.py and elasticsearch.py). Contract tests run every case against both and expect the same merchant sets and
distances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.search.labels import labels
from communities.circle import Circle
from merchants.models import Partner
from merchants.selectors import in_service_area

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
    formats = labels().formats  # the per-process map (catalog/search/labels.py), no query
    return [label.code for label in labels().formats_by_order(formats)]


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
