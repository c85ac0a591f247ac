"""How far and how long: the one travel model of couriers and providers, and the promise.

Couriers (and home-service providers) travel the straight line times ``ROAD_FACTOR`` at their
vehicle's speed (``SPEED_M_PER_MIN``). Routing ranks points by it, offers rank couriers by it,
the live ETA adds up its legs (courier → point → drop-off).

Residents walking are the other, resident-facing model: ``communities.circle`` (72 m/min,
55 m/min for older residents, detour 1.25 from the planning reference) answers "what is within
15 minutes of my home". It stays apart on purpose: it is the bureau's and the resident's
definition of the circle, set in ``settings.SERVICE_CIRCLE``; the courier model is ours, with a
larger factor because e-bikes keep to roads and one-way streets where a walker cuts through a
compound.

``promised_at`` is the one promise rule: checkout writes it on every group, dispatch falls back
to it for a group that has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from shop.core.geo import haversine_m

from .models import Courier, FulfilmentGroup

ROAD_FACTOR = 1.3  # streets are longer than the straight line
# metres per minute by vehicle
SPEED_M_PER_MIN = {
    Courier.Vehicle.EBIKE: 250.0, Courier.Vehicle.TRICYCLE: 170.0, Courier.Vehicle.BICYCLE: 200.0,
    Courier.Vehicle.FOOT: 80.0,
}
DEFAULT_SPEED = SPEED_M_PER_MIN[Courier.Vehicle.EBIKE]
PICKUP_READY_MINUTES = 30  # a pickup order is ready this long after it was placed


def travel_minutes(lat1: float, lng1: float, lat2: float, lng2: float, vehicle: str | None = None) -> float:
    return haversine_m(lat1, lng1, lat2, lng2) * ROAD_FACTOR / SPEED_M_PER_MIN.get(vehicle, DEFAULT_SPEED)


def destination_of(group: FulfilmentGroup) -> tuple[float, float] | None:
    """Where the job ends: the pickup station for station pickup, the resident's standard
    address for delivery and home services, None for pickup at the store."""
    if group.pickup_point_id:
        return group.pickup_point.lat, group.pickup_point.lng
    if group.method == FulfilmentGroup.Method.DELIVERY and group.dropoff_id:
        return group.dropoff.lat, group.dropoff.lng
    return None


def promised_at(*, method: str, window=None, service_starts: Iterable[datetime] = (), now: datetime) -> datetime:
    """When the resident is promised the goods (or the provider): the end of the chosen delivery
    window, else the first booked appointment, else as soon as possible (settings.
    DELIVERY_ASAP_MINUTES for delivery, PICKUP_READY_MINUTES for pickup)."""
    if window is not None:
        return window.ends_at
    starts = list(service_starts)
    if starts:
        return min(starts)
    minutes = settings.DELIVERY_ASAP_MINUTES if method == FulfilmentGroup.Method.DELIVERY else PICKUP_READY_MINUTES
    return now + timedelta(minutes=minutes)
