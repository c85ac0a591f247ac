"""The district map: every community's boundary as an SVG path, coloured by coverage (no tiles).
Reuses the projection and path code of communities.circle_map."""

from __future__ import annotations

from dataclasses import dataclass

from communities.circle_map import SIZE, Projection, svg_path
from shop.core.geo import haversine_m


@dataclass(frozen=True)
class Area:
    slug: str
    name: str
    path: str
    shade: str  # a CSS class: cov-0 … cov-4 (or cov-na)
    title: str


def shade(value) -> str:
    if not isinstance(value, float):
        return "cov-na"
    return f"cov-{min(int(value * 5), 4)}"


def build(*, communities, ranking: list[dict]) -> dict:
    """`communities`: objects with slug, name, boundary, centroid_lat/lng; `ranking`: rows with slug
    and mean_basic_share."""
    by_slug = {r["slug"]: r for r in ranking}
    communities = [c for c in communities if c.boundary]
    if not communities:
        return {"size": SIZE, "areas": []}
    lat0 = sum(c.centroid_lat for c in communities) / len(communities)
    lng0 = sum(c.centroid_lng for c in communities) / len(communities)
    reach = 0.0
    for c in communities:
        for ring in c.boundary.get("coordinates", []):
            for lng, lat, *_ in ring:
                reach = max(reach, haversine_m(lat0, lng0, lat, lng))
    projection = Projection(lat0=lat0, lng0=lng0, half_width_m=max(reach, 500.0) * 1.05)
    areas = []
    for c in communities:
        row = by_slug.get(c.slug, {})
        value = row.get("mean_basic_share")
        title = f"{c.name}: {value * 100:.0f}%" if isinstance(value, float) else f"{c.name}: {value or '-'}"
        areas.append(Area(slug=c.slug, name=c.name, path=svg_path(projection, c.boundary), shade=shade(value), title=title))
    return {"size": SIZE, "areas": areas}
