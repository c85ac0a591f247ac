"""Reads about fulfilment: an order's tracking as its viewer may see it, a courier's jobs.

Who sees what of an order's tracking:

- the resident who placed the order: every group, with the pickup code and the drop-off;
- merchant staff (``Partner.users``): only their merchant's groups, without the pickup code
  (the resident shows it at the counter) and without the drop-off;
- a courier: only the groups they carry, with the drop-off, without the pickup code.

Anyone else gets nothing (``order_tracking`` answers None and the views answer 404), so an
order number reveals nothing to a stranger.

The courier's live position and the estimated arrival come from the dispatch core
(``delivery.positions.position_of`` and ``eta_for``); a courier's position is shown only while
the courier is on the way (courier_assigned, picked_up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from oscar.apps.order.models import Order

from .. import positions
from ..lifecycle import (
    DELIVERY_STEPS,
    HEADLINES,
    ON_THE_WAY,
    PICKUP_STEPS,
    SERVICE_HEADLINES,
    SERVICE_STEP_LABELS,
    SERVICE_STEPS,
    STATION_STEPS,
    STEP_LABELS,
    TERMINAL,
    TROUBLE,
    event_label,
)
from ..models import (
    Courier,
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentPoint,
)

S = FulfilmentGroup.Status


@dataclass(frozen=True)
class Place:
    id: int
    kind: str
    kind_label: str
    name: str
    lat: float
    lng: float
    address: str = ""


@dataclass(frozen=True)
class Dropoff:
    """Where the goods go: the resident's standard address (lat/lng from the register)."""

    lat: float
    lng: float
    label: str


@dataclass(frozen=True)
class CourierOnMap:
    id: int
    name: str
    vehicle_label: str
    lat: float | None
    lng: float | None


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class Event:
    status: str
    at: datetime
    label: str


@dataclass(frozen=True)
class GroupTracking:
    group: FulfilmentGroup
    id: int
    status: str
    status_label: str
    headline: str  # the status in the resident's words
    method: str
    method_label: str
    merchant_id: int
    merchant_name: str
    point: Place | None
    pickup_point: Place | None
    dropoff: Dropoff | None  # None for merchant staff, or when the order has no standard address
    courier: CourierOnMap | None
    eta: datetime | None
    events: list[Event]
    reason: str
    pickup_code: str | None  # the resident's only
    steps: list[Step]
    is_final: bool
    is_trouble: bool
    is_service: bool = False  # a home-service booking: a provider comes, the code ends it

    @property
    def on_the_way(self) -> bool:
        """The courier is riding for this group: their marker and line are drawn."""
        return self.status in ON_THE_WAY

    @property
    def courier_target(self) -> str:
        """Where the courier rides now: to the point to pick up, then to the pickup station or
        the resident's door."""
        if self.status != S.PICKED_UP:
            return "point"
        return "station" if self.pickup_point is not None else "home"


@dataclass(frozen=True)
class OrderTracking:
    order: Order
    number: str
    is_resident: bool
    groups: list[GroupTracking]

    @property
    def is_final(self) -> bool:
        return all(group.is_final for group in self.groups)


def place_of(point: FulfilmentPoint | None) -> Place | None:
    if point is None:
        return None
    return Place(id=point.pk, kind=point.kind, kind_label=str(point.get_kind_display()), name=point.name,
                 lat=point.lat, lng=point.lng, address=point.address)


def dropoff_of(group: FulfilmentGroup) -> Dropoff | None:
    address = group.dropoff
    if address is None:
        return None
    return Dropoff(lat=address.lat, lng=address.lng, label=address.label)


def courier_position(courier: Courier) -> tuple[float, float] | None:
    """The courier's last known position (live store first, then the database), or None."""
    position = positions.position_of(courier.pk)
    if position is None:
        return None
    return float(position[0]), float(position[1])


def estimated_arrival(group: FulfilmentGroup) -> datetime | None:
    """When the goods should arrive (or be ready to collect): the live estimate while a courier
    carries the group, else the time promised at checkout; None once the group is final."""
    if group.status in TERMINAL:
        return None
    return positions.eta_for(group) or group.promised_at


def service_steps(group: FulfilmentGroup, reached: set[str]) -> list[Step]:
    """A home-service booking's steps (lifecycle.SERVICE_STEPS): "arrived" is an event, current
    while the provider is at the door."""
    if group.status in TROUBLE or group.status == S.AWAITING_PAYMENT:
        states = ["done" if status in reached else "todo" for status in SERVICE_STEPS]
    else:
        current = group.status
        if current == S.PICKED_UP and "arrived" in reached:
            current = "arrived"
        index = SERVICE_STEPS.index(current) if current in SERVICE_STEPS else 0
        final = group.status in TERMINAL
        states = ["done" if i < index or (i == index and final) else "current" if i == index else "todo"
                  for i in range(len(SERVICE_STEPS))]
    return [Step(status=status, label=str(SERVICE_STEP_LABELS[status]), state=state)
            for status, state in zip(SERVICE_STEPS, states, strict=True)]


def is_service_group(group: FulfilmentGroup) -> bool:
    """The group books a home service (a line holds a service slot)."""
    return group.lines.filter(slot__kind="service").exists()


def steps_of(group: FulfilmentGroup, reached: set[str]) -> list[Step]:
    """The journey's steps with each one done, current or still to come.

    A group in trouble (rejected, failed, cancelled) or awaiting payment shows the steps its
    events reached as done and the rest as to come; the reason is shown apart.
    """
    if group.method == FulfilmentGroup.Method.PICKUP and group.pickup_point_id is None:
        sequence = PICKUP_STEPS  # at the merchant's store: nobody carries it
        current = S.CREATED if group.status == S.POINT_ASSIGNED else group.status
    else:
        carried_to_station = (group.pickup_point_id is not None or group.status in (S.READY_FOR_PICKUP, S.COLLECTED)
                              or S.READY_FOR_PICKUP in reached)
        sequence = STATION_STEPS if carried_to_station else DELIVERY_STEPS
        current = group.status
    if current in sequence:
        index = sequence.index(current)
        final = group.status in TERMINAL
        states = ["done" if i < index or (i == index and final) else "current" if i == index else "todo"
                  for i in range(len(sequence))]
    else:
        states = ["done" if status in reached else "todo" for status in sequence]
    return [Step(status=status, label=str(STEP_LABELS[status]), state=state) for status, state in zip(sequence, states, strict=False)]


def _groups_query():
    return (
        FulfilmentGroup.objects.select_related("merchant", "point", "pickup_point", "dropoff", "courier")
        .prefetch_related(Prefetch("events", queryset=FulfilmentEvent.objects.order_by("at", "pk")))
        .order_by("pk")
    )


def group_tracking(group: FulfilmentGroup, *, as_resident: bool, with_dropoff: bool) -> GroupTracking:
    events = list(group.events.all())
    reached = {event.status for event in events} | {group.status}
    service = is_service_group(group)
    courier = None
    if group.courier is not None:
        lat = lng = None
        if group.status in ON_THE_WAY:
            position = courier_position(group.courier)
            if position is not None:
                lat, lng = position
        courier = CourierOnMap(id=group.courier.pk, name=group.courier.name,
                               vehicle_label=str(group.courier.get_vehicle_display()), lat=lat, lng=lng)
    return GroupTracking(
        group=group,
        id=group.pk,
        status=group.status,
        status_label=str(group.get_status_display()),
        headline=str((SERVICE_HEADLINES if service else HEADLINES).get(group.status, group.get_status_display())),
        method=group.method,
        method_label=str(group.get_method_display()),
        merchant_id=group.merchant_id,
        merchant_name=group.merchant.name,
        point=place_of(group.point),
        pickup_point=place_of(group.pickup_point),
        dropoff=dropoff_of(group) if with_dropoff else None,
        courier=courier,
        eta=estimated_arrival(group),
        events=[Event(status=e.status, at=e.at, label=event_label(e.status)) for e in events],
        reason=group.status_reason if group.status in TROUBLE else "",
        pickup_code=(group.pickup_code or None) if as_resident else None,
        steps=service_steps(group, reached) if service else steps_of(group, reached),
        is_final=group.status in TERMINAL,
        is_trouble=group.status in TROUBLE,
        is_service=service,
    )


def order_tracking(*, number: str, user) -> OrderTracking | None:
    """The order's tracking as `user` may see it, or None when they may see none of it."""
    if user is None or not user.is_authenticated:
        return None
    order = Order.objects.filter(number=number).first()
    if order is None:
        return None
    is_resident = order.user_id is not None and order.user_id == user.pk
    groups = _groups_query().filter(order=order)
    if not is_resident:
        groups = groups.filter(Q(merchant__users=user) | Q(courier__user=user)).distinct()
    groups = list(groups)
    if not is_resident and not groups:
        return None
    carried = {g.pk for g in groups if g.courier is not None and g.courier.user_id == user.pk}
    return OrderTracking(
        order=order,
        number=order.number,
        is_resident=is_resident,
        groups=[group_tracking(g, as_resident=is_resident, with_dropoff=is_resident or g.pk in carried) for g in groups],
    )


def resident_groups(*, order: Order) -> list[GroupTracking]:
    """Every group of an order, as its resident sees them (the account's order page)."""
    return [group_tracking(g, as_resident=True, with_dropoff=True) for g in _groups_query().filter(order=order)]
