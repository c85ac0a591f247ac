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
    from django.utils import timezone

    local = timezone.localtime(moment)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    # .all() and not .filter(): uses prefetched exceptions when the caller loaded many merchants
    exception = next((e for e in merchant.opening_exceptions.all() if e.date == day), None)
    if exception is not None:
        return not exception.is_closed and _within(exception.opens, exception.closes, clock)
    periods = list(merchant.opening_periods.all())
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


def shops_on(*, day) -> list[dict]:
    """Shops trading on a date, for the commerce bureau's figures: active now and not yet closed
    then, or closed after it; opened on or before it (no opening date: before the records)."""
    from django.db.models import Q

    return list(
        Partner.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day))
        .filter(Q(closed_on__isnull=True, is_active=True) | Q(closed_on__gt=day))
        .exclude(lat__isnull=True)
        .values("id", "format_id", "community_id", "lat", "lng", "is_chain", "licence_verified", "floor_area_m2")
        .order_by("pk")
    )


def formats() -> list:
    """The 26 business formats in their order, with tier and priority pair."""
    from .models import BusinessFormat

    return list(BusinessFormat.objects.order_by("sort_order", "code"))
