"""Live courier positions: Redis GEO when Redis is configured, the database otherwise.

    update_position(courier=, lat=, lng=)   # a courier's app posts where it is
    position_of(courier_id) -> (lat, lng) | None
    nearest_couriers(lat, lng, radius_m=, count=) -> [(courier_id, metres)]
    eta_for(group) -> datetime | None

Every position is also kept on the Courier row (last_lat/lng, last_seen): the embedded demo
has no Redis, and the Redis set is rebuilt from those rows when it is missing (a fresh or
flushed Redis). Travel times are delivery.travel's; the ETA of a group is courier → point → resident (or courier → resident once
the goods are picked up), refreshed on every position the courier posts.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.errors import DomainError
from shop.core.geo import GEO_MAX_LAT, bounding_box, haversine_m
from shop.core.redis import redis_client

from .lifecycle import ON_THE_WAY
from .models import Courier, DispatchJob, FulfilmentGroup
from .travel import destination_of, travel_minutes

log = logging.getLogger(__name__)

GEO_KEY = "dispatch:couriers"
S = FulfilmentGroup.Status


# --- Redis ------------------------------------------------------------------------------------


def _geoadd(client, rows) -> None:
    values = []
    for courier_id, lat, lng in rows:
        if abs(lat) <= GEO_MAX_LAT:  # one unstorable row would fail the whole GEOADD
            values += [lng, lat, str(courier_id)]  # GEO takes longitude first
    if values:
        client.geoadd(GEO_KEY, values)


def load_positions_into_redis() -> int:
    """Copy every known courier position from the database into the Redis set."""
    client = redis_client()
    if client is None:
        return 0
    rows = list(Courier.objects.filter(last_lat__isnull=False, last_lng__isnull=False)
                .values_list("pk", "last_lat", "last_lng"))
    _geoadd(client, rows)
    return len(rows)


# --- writes and reads -------------------------------------------------------------------------


def update_position(*, courier: Courier, lat: float, lng: float) -> Courier:
    """Record where a courier is now: Redis GEO, the Courier row, then the ETA of its groups.

    Raises DomainError (422) for coordinates out of range. A Redis failure is logged, not
    raised: the row still has the position and dispatch falls back to it.
    """
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise DomainError(_("坐标必须是数字"), fields={"lat": [_("坐标必须是数字")]}) from None
    fields = {}
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        fields["lat"] = [_("纬度须在 -90 到 90 之间")]
    if not (math.isfinite(lng) and -180 <= lng <= 180):
        fields["lng"] = [_("经度须在 -180 到 180 之间")]
    if fields:
        raise DomainError(_("坐标超出范围"), fields=fields)
    now = timezone.now()
    Courier.objects.filter(pk=courier.pk).update(last_lat=lat, last_lng=lng, last_seen=now)
    courier.last_lat, courier.last_lng, courier.last_seen = lat, lng, now
    client = redis_client()
    if client is not None:
        try:
            _geoadd(client, [(courier.pk, lat, lng)])
        except Exception:
            log.warning("could not store the position of courier %s in Redis", courier.pk, exc_info=True)
    refresh_etas(courier=courier)
    return courier


def position_of(courier_id: int) -> tuple[float, float] | None:
    """Where the courier was last seen: Redis first, then the Courier row."""
    client = redis_client()
    if client is not None:
        try:
            found = client.geopos(GEO_KEY, str(courier_id))
            if found and found[0]:
                lng, lat = found[0]
                return float(lat), float(lng)
        except Exception:
            log.warning("Redis did not answer the position of courier %s", courier_id, exc_info=True)
    row = Courier.objects.filter(pk=courier_id).values_list("last_lat", "last_lng").first()
    if row and row[0] is not None and row[1] is not None:
        return row
    return None


def nearest_couriers(lat: float, lng: float, *, radius_m: float, count: int) -> list[tuple[int, float]]:
    """Couriers with a known position within radius_m of (lat, lng), nearest first, as (id, metres).

    Every courier with a position, whatever its status: the caller filters availability.
    """
    client = redis_client()
    if client is not None:
        try:
            found = _geosearch(client, lat, lng, radius_m, count)
            if not found and not client.exists(GEO_KEY):  # a fresh or flushed Redis
                load_positions_into_redis()
                found = _geosearch(client, lat, lng, radius_m, count)
            return found
        except Exception:
            log.warning("Redis GEO search failed; using the positions in the database", exc_info=True)
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_m)
    rows = Courier.objects.filter(
        last_lat__range=(min_lat, max_lat), last_lng__range=(min_lng, max_lng)
    ).values_list("pk", "last_lat", "last_lng")
    found = sorted((haversine_m(lat, lng, r_lat, r_lng), pk) for pk, r_lat, r_lng in rows)
    return [(pk, metres) for metres, pk in found if metres <= radius_m][:count]


def nearest_couriers_around(origins, *, radius_m: float, count: int) -> dict[tuple[float, float], list]:
    """nearest_couriers for several places (a dispatch batch's points) in one Redis round trip:
    origin → [(courier id, metres)]. Any failure, or nothing found anywhere (a fresh Redis?),
    falls back to nearest_couriers place by place (which rebuilds the set or reads the rows)."""
    origins = list(dict.fromkeys(origins))
    client = redis_client()
    if client is not None and len(origins) > 1:
        try:
            pipe = client.pipeline(transaction=False)
            for lat, lng in origins:
                pipe.geosearch(GEO_KEY, longitude=lng, latitude=lat, radius=radius_m, unit="m", sort="ASC",
                               count=count, withdist=True)
            found = {origin: [(int(member), float(dist)) for member, dist in rows]
                     for origin, rows in zip(origins, pipe.execute(), strict=True)}
            if any(found.values()):
                return found
        except Exception:
            log.warning("Redis GEO search failed; searching place by place", exc_info=True)
    return {origin: nearest_couriers(*origin, radius_m=radius_m, count=count) for origin in origins}


def _geosearch(client, lat, lng, radius_m, count) -> list[tuple[int, float]]:
    rows = client.geosearch(GEO_KEY, longitude=lng, latitude=lat, radius=radius_m, unit="m",
                            sort="ASC", count=count, withdist=True)
    return [(int(member), float(dist)) for member, dist in rows]


# --- ETA --------------------------------------------------------------------------------------


def eta_for(group: FulfilmentGroup, *, now: datetime | None = None) -> datetime | None:
    """When the courier will reach the resident (or the pickup station): courier → point →
    drop-off, or courier → drop-off once picked up, at the courier's speed. None when no courier
    holds the group, or a position is unknown."""
    if group.status not in ON_THE_WAY or group.courier_id is None:
        return None
    here = position_of(group.courier_id)
    dropoff = destination_of(group)
    if here is None or dropoff is None:
        return None
    vehicle = group.courier.vehicle
    if group.status == S.COURIER_ASSIGNED and group.point is not None:
        minutes = (travel_minutes(*here, group.point.lat, group.point.lng, vehicle)
                   + travel_minutes(group.point.lat, group.point.lng, *dropoff, vehicle))
    else:
        minutes = travel_minutes(*here, *dropoff, vehicle)
    return (now or timezone.now()) + timedelta(minutes=minutes)


def refresh_etas(*, courier: Courier, group: FulfilmentGroup | None = None) -> int:
    """Recompute the ETA of every group the courier holds (or of just `group`, an instance the
    caller has loaded with its point and drop-off); answer how many were updated."""
    now = timezone.now()
    if group is not None:
        if group.courier_id != courier.pk or group.status not in ON_THE_WAY:
            return 0
        return DispatchJob.objects.filter(group=group).update(eta_at=eta_for(group, now=now))
    groups = FulfilmentGroup.objects.filter(courier=courier, status__in=ON_THE_WAY).select_related(
        "courier", "point", "pickup_point", "dropoff"
    )
    return sum(DispatchJob.objects.filter(group=g).update(eta_at=eta_for(g, now=now)) for g in groups)
