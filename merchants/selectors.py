"""Reads about merchants."""

from django.db.models import QuerySet

from shop.core.geo import haversine_m, polygon_contains

from .models import Partner


def merchant_directory() -> QuerySet[Partner]:
    """Active merchants, in a stable order for paging."""
    return Partner.objects.filter(is_active=True).order_by("pk")


def is_open_at(merchant: Partner, moment) -> bool:
    """Whether the merchant is open at an aware datetime, honouring date exceptions.

    A weekly period whose close is not after its open runs past midnight: it covers the
    end of its own weekday and the start of the next.
    """
    # .all() and not .filter(): uses prefetched rows when the caller loaded many merchants
    return open_in(merchant.opening_periods.all(), merchant.opening_exceptions.all(), moment)


def open_in(periods, exceptions, moment) -> bool:
    """The one rule for opening hours (a shop's, and a warehouse's or station's weekly hours,
    delivery.PointHours): weekly periods (weekday, opens, closes; a close not after the open
    runs past midnight) and date exceptions (date, is_closed, opens, closes) that replace them."""
    from django.utils import timezone

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
