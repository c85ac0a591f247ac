"""The service-area map of the profile page: the shop, the nearby communities and the current
area as SVG geometry (the circle map's projection, no tiles). The page's script turns clicks
back into lat/lng with the projection carried as data attributes (static/merchants/area_map.js)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from communities.circle_map import METRES_PER_DEGREE, SIZE, Projection, _n, svg_path
from communities.models import Community

NEARBY_M = 4000


@dataclass(frozen=True)
class AreaMap:
    size: int
    lat0: str
    lng0: str
    units_per_metre: str
    shop_x: str
    shop_y: str
    radius_units: str
    area_path: str
    communities: list[dict]


def nearby_communities(shop) -> list[Community]:
    if shop.lat is None:
        return list(Community.objects.order_by("name")[:30])
    dlat = NEARBY_M / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(shop.lat)), 0.1)
    return list(Community.objects.filter(
        centroid_lat__range=(shop.lat - dlat, shop.lat + dlat), centroid_lng__range=(shop.lng - dlng, shop.lng + dlng),
    ).order_by("name")[:40])


def build_area_map(shop, communities: list[Community]) -> AreaMap | None:
    if shop.lat is None:
        return None
    half = max((shop.service_radius_m or 0) * 1.4, 1500.0)
    projection = Projection(lat0=shop.lat, lng0=shop.lng, half_width_m=half)
    x, y = projection.point(shop.lat, shop.lng)
    served = set(shop.communities_served.values_list("pk", flat=True))
    return AreaMap(
        size=SIZE, lat0=repr(shop.lat), lng0=repr(shop.lng), units_per_metre=repr(projection.units_per_metre),
        shop_x=_n(x), shop_y=_n(y), radius_units=_n((shop.service_radius_m or 0) * projection.units_per_metre),
        area_path=svg_path(projection, shop.service_area) if shop.service_area else "",
        communities=[{"id": c.pk, "name": c.name, "path": svg_path(projection, c.boundary), "served": c.pk in served}
                     for c in communities if c.boundary],
    )
