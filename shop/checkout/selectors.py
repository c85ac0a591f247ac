"""Reads about orders, for the resident's pages and the API."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from oscar.apps.order.models import Order

from delivery.models import FulfilmentGroup, FulfilmentLine


def orders_of(*, user) -> QuerySet[Order]:
    """The resident's orders, newest first, with their groups, lines, events and payment."""
    return (
        Order.objects.filter(user=user)
        .select_related("payment")
        .prefetch_related(
            Prefetch(
                "fulfilment_groups",
                queryset=FulfilmentGroup.objects.select_related("merchant", "window", "pickup_point", "point")
                .prefetch_related(
                    Prefetch("lines", queryset=FulfilmentLine.objects.select_related("order_line", "slot")), "events"
                )
                .order_by("pk"),
            )
        )
        .order_by("-date_placed", "-pk")
    )


def order_of(*, user, number: str) -> Order | None:
    return orders_of(user=user).filter(number=number).first()


def dropoff_of(group: FulfilmentGroup) -> tuple[float, float] | None:
    """Where a group goes: the resident's standard address (None for a pickup at the shop)."""
    if group.method == FulfilmentGroup.Method.PICKUP:
        point = group.pickup_point
        return (point.lat, point.lng) if point else None
    return (group.dropoff.lat, group.dropoff.lng) if group.dropoff_id else None
