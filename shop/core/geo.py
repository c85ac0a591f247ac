"""Geographic helpers shared by every app: distances, bounding boxes, GeoJSON polygons."""

import math
from collections.abc import Callable

from django.core.exceptions import ValidationError
from shapely.geometry import Point, shape

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
# Redis GEO (Web Mercator) refuses latitudes beyond this: positions past it are refused at entry.
GEO_MAX_LAT = 85.05112878


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_from(lat: float, lng: float) -> Callable[[float, float], float]:
    """``haversine_m`` from a fixed origin, for many points: the origin's part is computed once;
    the same arithmetic in the same order, so the same floats."""
    p1 = math.radians(lat)
    cos_p1 = math.cos(p1)

    def to(lat2: float, lng2: float) -> float:
        p2 = math.radians(lat2)
        a = math.sin((p2 - p1) / 2) ** 2 + cos_p1 * math.cos(p2) * math.sin(math.radians(lng2 - lng) / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
    return to


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) that contains every point within radius_m."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def validate_polygon_geojson(value) -> None:
    """A GeoJSON Polygon or MultiPolygon that shapely accepts as valid."""
    if value in (None, ""):
        return
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError("Expected a GeoJSON Polygon or MultiPolygon.")
    try:
        geometry = shape(value)
    except Exception as exc:  # shapely raises several kinds for malformed coordinates
        raise ValidationError(f"Invalid GeoJSON polygon: {exc}") from exc
    if not geometry.is_valid or geometry.is_empty:
        raise ValidationError("The polygon is empty or intersects itself.")


def polygon_contains(polygon_geojson: dict, lat: float, lng: float) -> bool:
    """Whether the point lies inside (or on the edge of) a GeoJSON polygon; GeoJSON is lng, lat."""
    return shape(polygon_geojson).covers(Point(lng, lat))


def circle_polygon(lat: float, lng: float, radius_m: float, segments: int = 32) -> dict:
    """A GeoJSON polygon approximating a circle, e.g. a service area drawn from a radius."""
    coordinates = []
    for i in range(segments + 1):
        angle = 2 * math.pi * (i % segments) / segments
        dlat = math.degrees(radius_m * math.cos(angle) / EARTH_RADIUS_M)
        dlng = math.degrees(radius_m * math.sin(angle) / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
        coordinates.append([round(lng + dlng, 7), round(lat + dlat, 7)])
    return {"type": "Polygon", "coordinates": [coordinates]}
