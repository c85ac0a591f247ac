"""The tracking map: the fulfilment point, the resident's door and the courier drawn as SVG
geometry from our own data (no tiles, nothing from another host).

It uses the circle map's projection (communities.circle_map.Projection): a local
equirectangular projection around the middle of the places shown, scaled to a square viewBox
of ``SIZE`` units. The page's script (static/js/tracking.js) moves the courier with the same
formula, so the SVG carries the projection's origin and scale as data attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from communities.circle_map import METRES_PER_DEGREE, SIZE, Projection, _n, scale_bar_metres

MIN_HALF_WIDTH_M = 100.0  # a map never shows less than 200 m across
MARGIN = 1.6  # the view reaches this many times the farthest place: names and the scale bar fit
EDGE = 40.0  # a courier outside the view is drawn on the edge, this far in


@dataclass(frozen=True)
class MapMark:
    x: str
    y: str
    label_y: str


@dataclass(frozen=True)
class TrackingMap:
    size: int
    lat0: str
    lng0: str
    units_per_metre: str
    point: MapMark | None  # where the goods are prepared
    station: MapMark | None  # the community pickup station, for a station pickup
    home: MapMark | None  # the resident's standard address
    courier: MapMark | None  # None: not on the road (the marker is drawn hidden for the script)
    courier_target: str  # "point", "station" or "home": where the courier's line leads
    target: MapMark | None  # that place's mark, if it is on the map
    scale_m: int
    scale_km: str
    scale_x1: str
    scale_x2: str
    scale_y: str
    scale_tick_y: str
    scale_label_y: str


def clamp(value: float) -> float:
    return min(max(value, EDGE), SIZE - EDGE)


def _mark(projection: Projection, lat: float, lng: float) -> MapMark:
    x, y = projection.point(lat, lng)
    x, y = clamp(x), clamp(y)
    label_y = y + 62 if y + 62 <= SIZE - 90 else y - 40  # the name below the mark, above it near the bottom
    return MapMark(x=_n(x), y=_n(y), label_y=_n(label_y))


def build_map(*, point: tuple[float, float] | None, home: tuple[float, float] | None,
              courier: tuple[float, float] | None, station: tuple[float, float] | None = None,
              courier_target: str = "point") -> TrackingMap | None:
    """The geometry of one group's map, or None when no fixed place (point, station, home) is known.

    Each place is a (lat, lng) pair or None. The view is centred on the middle of the places
    and wide enough for all of them, never under 2 × MIN_HALF_WIDTH_M across.
    """
    fixed = [p for p in (point, station, home) if p is not None]
    if not fixed:
        return None
    places = fixed + ([courier] if courier is not None else [])
    lats = [lat for lat, _lng in places]
    lngs = [lng for _lat, lng in places]
    lat0, lng0 = (min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2
    unit = Projection(lat0=lat0, lng0=lng0, half_width_m=1.0)
    half_extent = max(max(abs(c) for c in unit.metres(lat, lng)) for lat, lng in places)
    projection = Projection(lat0=lat0, lng0=lng0, half_width_m=max(half_extent * MARGIN, MIN_HALF_WIDTH_M))
    scale_m = scale_bar_metres(projection.half_width_m)
    scale_length = scale_m * projection.units_per_metre
    marks = {name: _mark(projection, *place) if place is not None else None
             for name, place in (("point", point), ("station", station), ("home", home))}
    courier_target = courier_target if courier_target in marks else "point"
    return TrackingMap(
        size=SIZE,
        lat0=f"{lat0:.7f}",
        lng0=f"{lng0:.7f}",
        units_per_metre=f"{projection.units_per_metre:.6f}",
        point=marks["point"],
        station=marks["station"],
        home=marks["home"],
        courier=_mark(projection, *courier) if courier is not None else None,
        courier_target=courier_target,
        target=marks[courier_target],
        scale_m=scale_m,
        scale_km=f"{scale_m / 1000:g}" if scale_m >= 1000 else "",
        scale_x1=_n(40),
        scale_x2=_n(40 + scale_length),
        scale_y=_n(SIZE - 40),
        scale_tick_y=_n(SIZE - 54),
        scale_label_y=_n(SIZE - 64),
    )


def project(tracking_map: TrackingMap, lat: float, lng: float) -> tuple[float, float]:
    """Where (lat, lng) falls on an already built map, clamped into view (tests and the script agree)."""
    lat0, lng0 = float(tracking_map.lat0), float(tracking_map.lng0)
    scale = float(tracking_map.units_per_metre)
    x = SIZE / 2 + (lng - lng0) * math.cos(math.radians(lat0)) * METRES_PER_DEGREE * scale
    y = SIZE / 2 - (lat - lat0) * METRES_PER_DEGREE * scale
    return clamp(x), clamp(y)
