"""The circle map: a service circle drawn from data as SVG geometry (no tiles, no external assets).

A local equirectangular projection around the origin (lat0, lng0) is exact enough at the
scale of a city district:

    x = (lng - lng0) × cos(lat0),  y = -(lat - lat0)      (degrees, north up)

scaled to metres and then to a square viewBox of ``SIZE`` units whose half-width is the
circle's radius plus a margin. The template turns the result into ``<path>``, ``<circle>`` and
``<text>`` elements; every number is preformatted, so the SVG does not depend on the locale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from shop.core.geo import EARTH_RADIUS_M

SIZE = 1000  # the viewBox is 0 0 SIZE SIZE
MARGIN = 1.12  # the view reaches this many radii from the origin
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
MIN_LABELLED_AREA = 12_000  # square viewBox units of a community in view before it gets a name
LABEL_FONT = 36  # viewBox units; keep in step with .map-area-label in static/css/circle.css
SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def _n(value: float) -> str:
    """A coordinate for the SVG: one decimal, no locale."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


@dataclass(frozen=True)
class Projection:
    lat0: float
    lng0: float
    half_width_m: float

    @property
    def units_per_metre(self) -> float:
        return (SIZE / 2) / self.half_width_m

    def metres(self, lat: float, lng: float) -> tuple[float, float]:
        """East and south offsets of a point from the origin, in metres."""
        x = (lng - self.lng0) * math.cos(math.radians(self.lat0)) * METRES_PER_DEGREE
        y = -(lat - self.lat0) * METRES_PER_DEGREE
        return x, y

    def point(self, lat: float, lng: float) -> tuple[float, float]:
        x, y = self.metres(lat, lng)
        scale = self.units_per_metre
        return SIZE / 2 + x * scale, SIZE / 2 + y * scale


@dataclass(frozen=True)
class MapArea:
    """A community boundary as an SVG path, with a label position when it falls in view."""

    id: int
    name: str
    path: str
    label_x: str | None
    label_y: str | None
    is_home: bool


@dataclass(frozen=True)
class MapDot:
    id: int
    name: str
    title: str  # the tooltip: name, format, minutes and distance
    tier: str  # "basic", "quality" or "" (no format)
    x: str
    y: str


@dataclass(frozen=True)
class CircleMap:
    size: int
    origin_x: str
    origin_y: str
    origin_label_y: str
    radius: str
    areas: list[MapArea]
    dots: list[MapDot]
    scale_m: int
    scale_km: str  # "2" or "2.5" for a bar of a kilometre or more, else ""
    scale_length: str
    scale_x1: str
    scale_x2: str
    scale_y: str
    scale_tick_y: str
    scale_label_y: str


def rings(geometry: dict | None) -> list[list]:
    """Every ring (exterior and holes) of a GeoJSON Polygon or MultiPolygon, as [lng, lat] lists."""
    if not isinstance(geometry, dict):
        return []
    if geometry.get("type") == "Polygon":
        return list(geometry.get("coordinates") or [])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry.get("coordinates") or [] for ring in polygon]
    return []


def svg_path(projection: Projection, geometry: dict | None) -> str:
    parts = []
    for ring in rings(geometry):
        points = [projection.point(lat, lng) for lng, lat, *_rest in ring]
        if len(points) < 3:
            continue
        head, *tail = points
        parts.append(f"M{_n(head[0])} {_n(head[1])}" + "".join(f"L{_n(x)} {_n(y)}" for x, y in tail) + "Z")
    return " ".join(parts)


def label_position(projection: Projection, community) -> tuple[float, float] | None:
    """Where a community's name goes, or None when too little of it is in view.

    The community around the origin is labelled just above its boundary (below when the top
    is out of view), so its name hides neither the origin marker nor the dots around it; a
    neighbour is labelled inside the part of it that is in view.
    """
    projected = [
        [projection.point(lat, lng) for lng, lat, *_rest in ring] for ring in rings(community.boundary)
    ]
    projected = [ring for ring in projected if len(ring) >= 3]
    if not projected:
        return None
    area = unary_union([Polygon(ring).buffer(0) for ring in projected])
    visible = area.intersection(box(0, 0, SIZE, SIZE))
    if visible.is_empty or visible.area < MIN_LABELLED_AREA:
        return None
    half_text = len(community.name) * LABEL_FONT / 2 + 10
    if area.covers(Point(SIZE / 2, SIZE / 2)):
        min_x, min_y, max_x, max_y = area.bounds
        x = (min_x + max_x) / 2
        y = min_y - 14 if min_y - 14 >= LABEL_FONT + 10 else max_y + LABEL_FONT + 6
    else:
        point = visible.representative_point()
        x, y = point.x, point.y + LABEL_FONT / 3
    x = min(max(x, half_text), SIZE - half_text)  # keep the whole name in view
    y = min(max(y, LABEL_FONT + 6), SIZE - 150)  # the scale bar and north sit below
    return x, y


def scale_bar_metres(half_width_m: float) -> int:
    """A round length near a quarter of the map's width."""
    target = half_width_m / 2
    return min(SCALE_STEPS_M, key=lambda step: abs(step - target))


def build_map(*, lat: float, lng: float, radius_m: float, communities, dots, home_community_id: int | None = None) -> CircleMap:
    """The geometry of one circle map.

    ``communities``: objects with ``id``, ``name``, ``boundary`` (GeoJSON), ``centroid_lat``/``_lng``.
    ``dots``: (id, name, title, tier, lat, lng) tuples, one per merchant in the circle.
    """
    projection = Projection(lat0=lat, lng0=lng, half_width_m=max(radius_m, 50.0) * MARGIN)
    areas = []
    for community in communities:
        path = svg_path(projection, community.boundary)
        if not path:
            continue
        label = label_position(projection, community)
        areas.append(
            MapArea(id=community.id, name=community.name, path=path, is_home=community.id == home_community_id,
                    label_x=_n(label[0]) if label else None, label_y=_n(label[1]) if label else None)
        )
    map_dots = []
    for dot_id, name, title, tier, dot_lat, dot_lng in dots:
        x, y = projection.point(dot_lat, dot_lng)
        map_dots.append(MapDot(id=dot_id, name=name, title=title, tier=tier or "", x=_n(x), y=_n(y)))
    scale_m = scale_bar_metres(projection.half_width_m)
    scale_length = scale_m * projection.units_per_metre
    return CircleMap(
        size=SIZE,
        origin_x=_n(SIZE / 2),
        origin_y=_n(SIZE / 2),
        origin_label_y=_n(SIZE / 2 + 66),
        radius=_n(radius_m * projection.units_per_metre),
        areas=areas,
        dots=map_dots,
        scale_m=scale_m,
        scale_km=f"{scale_m / 1000:g}" if scale_m >= 1000 else "",
        scale_length=_n(scale_length),
        scale_x1=_n(40),
        scale_x2=_n(40 + scale_length),
        scale_y=_n(SIZE - 40),
        scale_tick_y=_n(SIZE - 54),
        scale_label_y=_n(SIZE - 64),
    )
