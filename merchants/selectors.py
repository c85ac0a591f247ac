"""Reads about merchants."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from shop.core.geo import haversine_m, polygon_contains
from shop.core.queries import prepared_cursor

from .models import BusinessFormat, OpeningException, OpeningPeriod, Partner, StockMovement, StockRecord


def merchant_directory() -> QuerySet[Partner]:
    """Active merchants, in a stable order for paging."""
    return Partner.objects.filter(is_active=True).order_by("pk")


def is_open_at(merchant: Partner, moment) -> bool:
    """Whether the merchant is open at an aware datetime, honouring date exceptions.

    A weekly period whose close is not after its open runs past midnight: it covers the
    end of its own weekday and the start of the next.
    """
    if merchant.is_paused(moment):  # 暂停营业: closed until then, whatever the hours say
        return False
    # .all() and not .filter(): uses prefetched rows when the caller loaded many merchants
    return open_in(merchant.opening_periods.all(), merchant.opening_exceptions.all(), moment)


def open_in(periods, exceptions, moment) -> bool:
    """The one rule for opening hours (a shop's, and a warehouse's or station's weekly hours,
    delivery.PointHours): weekly periods (weekday, opens, closes; a close not after the open
    runs past midnight) and date exceptions (date, is_closed, opens, closes) that replace them."""
    local = timezone.localtime(moment)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    exception = next((e for e in exceptions if e.date == day), None)
    if exception is not None:
        return not exception.is_closed and _within(exception.opens, exception.closes, clock)
    weekday, yesterday = local.weekday(), (local.weekday() - 1) % 7
    for period in periods:
        overnight = period.closes <= period.opens
        if period.weekday == weekday and (period.opens <= clock and (overnight or clock < period.closes)):
            return True
        if period.weekday == yesterday and overnight and clock < period.closes:
            return True
    return False


@dataclass(frozen=True)
class _Hours:
    """A weekly period or a date exception as open_in reads them (no model instance)."""

    weekday: int
    date: object
    is_closed: bool
    opens: object
    closes: object


def open_merchants(merchants, moment) -> set[int]:
    """The pks of those merchants open at `moment`: is_open_at for many, in one statement that
    reads only the periods of that day and the day before and that day's exceptions (not every
    exception a shop ever had), as plain rows. For the basket and the checkout."""
    candidates = {merchant.pk: merchant for merchant in merchants if not merchant.is_paused(moment)}
    if not candidates:
        return set()
    local = timezone.localtime(moment)
    day, weekday = local.date(), local.weekday()
    # plain SQL: compiling a union of two querysets costs more than reading its few rows
    ids = ", ".join(["%s"] * len(candidates))
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT partner_id, weekday, 0, opens, closes FROM {OpeningPeriod._meta.db_table}"
            f" WHERE partner_id IN ({ids}) AND weekday IN (%s, %s) UNION ALL"
            f" SELECT partner_id, -1, CASE WHEN is_closed THEN 1 ELSE 0 END, opens, closes"
            f" FROM {OpeningException._meta.db_table} WHERE partner_id IN ({ids}) AND date = %s",
            [*candidates, weekday, (weekday - 1) % 7, *candidates, day],
        )
        rows = cursor.fetchall()
    hours: dict[int, tuple[list, list]] = {pk: ([], []) for pk in candidates}
    for partner_id, period_day, is_closed, opens, closes in rows:
        opens, closes = _clock(opens), _clock(closes)
        if period_day == -1:
            hours[partner_id][1].append(_Hours(weekday=-1, date=day, is_closed=bool(is_closed), opens=opens, closes=closes))
        else:
            hours[partner_id][0].append(_Hours(weekday=period_day, date=None, is_closed=False, opens=opens, closes=closes))
    return {pk for pk, (periods_of, exceptions_of) in hours.items() if open_in(periods_of, exceptions_of, moment)}


def _clock(value):
    """A time column as read by plain SQL (SQLite, the demo's database, answers text)."""
    return time.fromisoformat(value) if isinstance(value, str) else value


def _within(opens, closes, clock) -> bool:
    if closes <= opens:  # past midnight
        return clock >= opens or clock < closes
    return opens <= clock < closes


def in_service_area(merchant: Partner, lat: float, lng: float) -> bool:
    """Whether a point lies in the merchant's service area: its polygon, or the radius around the shop.

    A merchant with neither serves no one at home (customers come to the shop).
    """
    if merchant.service_area:
        return polygon_contains(merchant.service_area, lat, lng)
    if merchant.service_radius_m and merchant.lat is not None:
        return haversine_m(merchant.lat, merchant.lng, lat, lng) <= merchant.service_radius_m
    return False


# --- the stock ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StockDrift:
    listing_id: int
    num_in_stock: int
    ledger_in_stock: int
    num_allocated: int
    ledger_allocated: int


def stock_drift(*, listing_ids: list[int] | None = None) -> Iterator[StockDrift]:
    """Every listing whose counters differ from the sums of its ledger rows (the shop's own
    stock: rows without a point). One aggregate over the ledger, joined to the listings."""
    movements, records = StockMovement._meta.db_table, StockRecord._meta.db_table
    where, params = "", []
    if listing_ids is not None:
        if not listing_ids:
            return
        where = f"AND sr.id IN ({', '.join(['%s'] * len(listing_ids))})"
        params = list(listing_ids)
    sql = f"""
        SELECT sr.id, COALESCE(sr.num_in_stock, 0), COALESCE(l.on_hand, 0),
               COALESCE(sr.num_allocated, 0), COALESCE(l.allocated, 0)
        FROM {records} sr
        LEFT JOIN (SELECT listing_id, SUM(delta) AS on_hand, SUM(allocated_delta) AS allocated
                   FROM {movements} WHERE point_id IS NULL GROUP BY listing_id) l ON l.listing_id = sr.id
        WHERE (COALESCE(sr.num_in_stock, 0) <> COALESCE(l.on_hand, 0)
               OR COALESCE(sr.num_allocated, 0) <> COALESCE(l.allocated, 0)) {where}
        ORDER BY sr.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor:
            yield StockDrift(*[int(value) for value in row])


def listing_movements(*, listing_id: int, limit: int = 20):
    """The latest ledger rows of one listing, newest first."""
    return StockMovement.objects.filter(listing_id=listing_id).select_related("actor").order_by("-at", "-pk")[:limit]


def shops_on(*, day) -> list[dict]:
    """Shops trading on a date, for the commerce bureau's figures: active now and not yet closed
    then, or closed after it; opened on or before it (no opening date: before the records)."""
    return list(
        Partner.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day))
        .filter(Q(closed_on__isnull=True, is_active=True) | Q(closed_on__gt=day))
        .exclude(lat__isnull=True)
        .values("id", "format_id", "community_id", "lat", "lng", "is_chain", "licence_verified", "floor_area_m2")
        .order_by("pk")
    )


def formats() -> list:
    """The 26 business formats in their order, with tier and priority pair."""
    return list(BusinessFormat.objects.order_by("sort_order", "code"))
