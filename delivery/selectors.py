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

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone
from oscar.apps.order.models import Order

from . import positions
from .lifecycle import (
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
from .models import Courier, FulfilmentEvent, FulfilmentGroup, FulfilmentPoint, JobOffer

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


# --- couriers ---------------------------------------------------------------------------------


def courier_of(user) -> Courier | None:
    """The user's courier row, or None: only couriers may use the courier API."""
    if user is None or not user.is_authenticated:
        return None
    return Courier.objects.filter(user=user).first()


def mask_phone(phone) -> str:
    """138****0001: enough for the courier to recognise the number, not to copy it."""
    digits = re.sub(r"\D", "", str(phone or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "****" if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


def recipient_name(address) -> str:
    if address is None:
        return ""
    return f"{address.last_name or ''}{address.first_name or ''}".strip()


@dataclass(frozen=True)
class Job:
    """One job on a courier's list: offered to them (to accept or decline) or held by them."""

    group: FulfilmentGroup
    id: int  # the group's id: the job's id in the courier API
    state: str  # "offered" or "held"
    order_number: str
    status: str
    status_label: str
    method: str
    merchant_name: str
    point: Place | None
    dropoff: Dropoff | None  # where the courier leaves the goods: the door, or the pickup station
    to_station: bool  # the job ends at a community pickup station (/deliver/ may carry the code)
    recipient_name: str
    recipient_phone: str  # masked
    eta: datetime | None
    offer_expires_at: datetime | None


def job_destination(group: FulfilmentGroup) -> Dropoff | None:
    """Where a courier takes the goods (as delivery.travel.destination_of): the pickup station for
    a station pickup, else the resident's standard address."""
    if group.pickup_point is not None:
        station = group.pickup_point
        return Dropoff(lat=station.lat, lng=station.lng, label=f"{station.name} {station.address}".strip())
    return dropoff_of(group)


def courier_jobs(*, courier: Courier, now: datetime | None = None) -> list[Job]:
    """The courier's pending offers (not yet expired, for a group still waiting for a courier),
    then the jobs they hold, oldest first.

    Held: groups assigned to them that are still on the way (courier_assigned, picked_up).
    """
    now = now or timezone.now()
    offers = (
        # an offer for a group that moved on (cancelled meanwhile) is not a job any more
        JobOffer.objects.filter(courier=courier, state=JobOffer.State.PENDING, expires_at__gt=now,
                                group__status=S.POINT_ASSIGNED)
        .select_related("group")
        .order_by("offered_at", "pk")
    )
    expiry = {offer.group_id: offer.expires_at for offer in offers}
    held_ids = list(
        FulfilmentGroup.objects.filter(courier=courier, status__in=ON_THE_WAY).order_by("pk").values_list("pk", flat=True)
    )
    offered_ids = [gid for gid in expiry if gid not in held_ids]
    groups = {g.pk: g for g in _groups_query().select_related("order__shipping_address").filter(pk__in=offered_ids + held_ids)}
    jobs = []
    for gid in offered_ids + held_ids:
        group = groups[gid]
        address = group.order.shipping_address
        jobs.append(
            Job(
                group=group,
                id=group.pk,
                state="offered" if gid in expiry and gid not in held_ids else "held",
                order_number=group.order.number,
                status=group.status,
                status_label=str(group.get_status_display()),
                method=group.method,
                merchant_name=group.merchant.name,
                point=place_of(group.point),
                dropoff=job_destination(group),
                to_station=group.pickup_point_id is not None,
                recipient_name=recipient_name(address),
                recipient_phone=mask_phone(address.phone_number if address is not None else ""),
                eta=estimated_arrival(group),
                offer_expires_at=expiry.get(gid) if gid not in held_ids else None,
            )
        )
    return jobs


def courier_may_see(*, courier: Courier, group_id: int) -> bool:
    """Whether the job is theirs: offered to them (at any time) or assigned to them."""
    return (
        FulfilmentGroup.objects.filter(pk=group_id, courier=courier).exists()
        or JobOffer.objects.filter(group_id=group_id, courier=courier).exists()
    )


def couriers_with_work(*, now: datetime | None = None, courier_ids: list[int] | None = None) -> list[Courier]:
    """Couriers with an open offer (not expired) or a job on the way, in id order (simulate_couriers)."""
    now = now or timezone.now()
    busy = Q(offers__state=JobOffer.State.PENDING, offers__expires_at__gt=now,
             offers__group__status=S.POINT_ASSIGNED) | Q(groups__status__in=ON_THE_WAY)
    couriers = Courier.objects.filter(busy)
    if courier_ids is not None:
        couriers = couriers.filter(pk__in=courier_ids)
    return list(couriers.select_related("home_point").distinct().order_by("pk"))


# --- handover at the counter and the station, home-service providers (issue 11) ---------------


def waiting_pickups(*, merchant_ids=None, point_ids=None, search: str = "") -> list[FulfilmentGroup]:
    """Groups ready to be collected: at these merchants' shops (a pickup at the store) or at these
    stations; oldest first. `search`: an order number (or its end) to find one parcel."""
    from django.db.models import Q as _Q

    groups = FulfilmentGroup.objects.filter(status=S.READY_FOR_PICKUP)
    where = _Q(pk__in=[])
    if merchant_ids:
        where |= _Q(merchant_id__in=merchant_ids, method=FulfilmentGroup.Method.PICKUP, pickup_point__isnull=True)
    if point_ids:
        where |= _Q(pickup_point_id__in=point_ids)
    groups = groups.filter(where)
    search = (search or "").strip()
    if search:
        groups = groups.filter(order__number__endswith=search)
    return list(groups.select_related("order__shipping_address", "merchant", "pickup_point")
                .order_by("updated_at", "pk")[:200])


def collected_today(*, merchant_ids=None, point_ids=None, now: datetime | None = None) -> list[FulfilmentGroup]:
    """The pickups handed over here today (the counter's and the station's record)."""
    from django.db.models import Q as _Q

    start = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    where = _Q(pk__in=[])
    if merchant_ids:
        where |= _Q(merchant_id__in=merchant_ids, method=FulfilmentGroup.Method.PICKUP, pickup_point__isnull=True)
    if point_ids:
        where |= _Q(pickup_point_id__in=point_ids)
    return list(FulfilmentGroup.objects.filter(where, status=S.COLLECTED, completed_at__gte=start)
                .select_related("order", "merchant").order_by("-completed_at", "-pk")[:50])


def staff_merchants(user) -> list[int]:
    """The merchants `user` is staff of (Partner.users)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.partners.values_list("pk", flat=True))


def provider_of(user):
    """The user's (first) ServiceProvider row, or None: only providers use the provider pages."""
    from .models import ServiceProvider

    if user is None or not user.is_authenticated:
        return None
    return ServiceProvider.objects.filter(user=user).select_related("merchant").order_by("pk").first()


@dataclass(frozen=True)
class Booking:
    """A home-service booking on a provider's list: offered to them, held, or done today."""

    group: FulfilmentGroup
    id: int
    state: str  # "offered", "held" or "done"
    order_number: str
    status: str
    status_label: str
    headline: str
    services: list[str]
    starts_at: datetime | None
    ends_at: datetime | None
    address: str
    recipient_name: str
    recipient_phone: str  # masked
    arrived: bool
    offer_expires_at: datetime | None


def provider_bookings(*, provider, now: datetime | None = None) -> list[Booking]:
    """The provider's pending offers, the bookings they hold (soonest first) and today's done ones."""
    from .models import DispatchJob, FulfilmentLine, Slot

    now = now or timezone.now()
    offers = dict(JobOffer.objects.filter(provider=provider, state=JobOffer.State.PENDING, expires_at__gt=now,
                                          group__status=S.POINT_ASSIGNED).values_list("group_id", "expires_at"))
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    held = set(DispatchJob.objects.filter(provider=provider, group__status__in=ON_THE_WAY).values_list("group_id", flat=True))
    done = set(DispatchJob.objects.filter(provider=provider, group__status=S.DELIVERED,
                                          group__completed_at__gte=start).values_list("group_id", flat=True))
    ids = set(offers) | held | done
    groups = (FulfilmentGroup.objects.filter(pk__in=ids)
              .select_related("order__shipping_address", "dropoff")
              .prefetch_related(Prefetch("lines", queryset=FulfilmentLine.objects.select_related("slot", "order_line")),
                                Prefetch("events", queryset=FulfilmentEvent.objects.filter(status="arrived"),
                                         to_attr="arrivals")))
    bookings = []
    for group in groups:
        slots = [line.slot for line in group.lines.all() if line.slot_id and line.slot.kind == Slot.Kind.SERVICE]
        first = min(slots, key=lambda slot: slot.starts_at, default=None)
        address = group.order.shipping_address
        state = "done" if group.pk in done else "held" if group.pk in held else "offered"
        bookings.append(Booking(
            group=group, id=group.pk, state=state, order_number=group.order.number, status=group.status,
            status_label=str(group.get_status_display()),
            headline=str(SERVICE_HEADLINES.get(group.status, group.get_status_display())),
            services=[line.order_line.title for line in group.lines.all()],
            starts_at=first.starts_at if first else None, ends_at=first.ends_at if first else None,
            address=group.dropoff.label if group.dropoff else "",
            recipient_name=recipient_name(address),
            recipient_phone=mask_phone(address.phone_number if address is not None else ""),
            arrived=bool(group.arrivals), offer_expires_at=offers.get(group.pk) if state == "offered" else None,
        ))
    order = {"offered": 0, "held": 1, "done": 2}
    far = now + timezone.timedelta(days=3650)
    return sorted(bookings, key=lambda b: (order[b.state], b.starts_at or far, b.id))


def provider_may_see(*, provider, group_id) -> bool:
    """The booking was offered to them (at any time) or is theirs."""
    from .models import DispatchJob

    return (JobOffer.objects.filter(group_id=group_id, provider=provider).exists()
            or DispatchJob.objects.filter(group_id=group_id, provider=provider).exists())


def operated_stations(*, user) -> list[FulfilmentPoint]:
    """The stations (and lockers) `user` operates."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(FulfilmentPoint.objects.filter(operators__user=user).order_by("pk"))


def operator_may_see(*, user, group_id) -> bool:
    """The group is bound for one of the user's stations."""
    if not getattr(user, "is_authenticated", False):
        return False
    return FulfilmentGroup.objects.filter(pk=group_id, pickup_point__operators__user=user).exists()


def providers_with_work(*, now: datetime | None = None) -> list:
    """Providers with an open offer or a booking on the way, in id order (simulate_couriers)."""
    from .models import ServiceProvider

    now = now or timezone.now()
    busy = Q(offers__state=JobOffer.State.PENDING, offers__expires_at__gt=now,
             offers__group__status=S.POINT_ASSIGNED) | Q(jobs__group__status__in=ON_THE_WAY)
    return list(ServiceProvider.objects.filter(busy).select_related("merchant").distinct().order_by("pk"))



def point_closed_reason(point: FulfilmentPoint) -> str:
    """Why routing skipped a closed point, with the hours when they are the point's own."""
    own = not (point.kind == FulfilmentPoint.Kind.STORE and point.merchant_id
               and point.merchant.opening_periods.exists()) and not point.hours.exists()
    return f"未营业 ({point.opens:%H:%M}-{point.closes:%H:%M})" if own else "未营业"


def point_is_open(point: FulfilmentPoint, at: datetime) -> bool:
    """One set of hours (merchants.selectors.open_in): a store follows its merchant's opening
    periods and exceptions; a warehouse or station its weekly PointHours; a point with neither
    (a store whose merchant recorded no hours) its own opens/closes."""
    from merchants.selectors import is_open_at, open_in

    if point.kind == FulfilmentPoint.Kind.STORE and point.merchant_id:
        merchant = point.merchant
        if merchant.opening_periods.exists() or merchant.opening_exceptions.exists():
            return is_open_at(merchant, at)
    else:
        hours = list(point.hours.all())
        if hours:
            return open_in(hours, [], at)
    t = timezone.localtime(at).time()
    if point.opens < point.closes:
        return point.opens <= t < point.closes
    return t >= point.opens or t < point.closes  # runs past midnight
# --- for the commerce bureau's figures (bureau.metrics): plain rows, no personal data ----------


def groups_for_figures(*, start, end) -> list[dict]:
    """Every placed group created in [start, end): who sold, which household, when and how.

    Rows: id, merchant_id, format_id, community_id (the household's, from the drop-off),
    dropoff_id, method, status, created_at, promised_at, completed_at, total (goods + fee +
    weight adjustment), service_amount (the lines of home services)."""
    from django.db.models import DecimalField, ExpressionWrapper, F, Sum, Value
    from django.db.models.functions import Coalesce

    from catalog.models import ProductClass

    money = DecimalField(max_digits=12, decimal_places=2)
    rows = (
        FulfilmentGroup.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=S.AWAITING_PAYMENT)
        .annotate(
            format_id=F("merchant__format_id"),
            community_id=Coalesce("dropoff__community_id", "dropoff_community_id"),
            total=ExpressionWrapper(F("goods_total") + F("delivery_fee") + F("weight_adjustment"), output_field=money),
            service_amount=Coalesce(
                Sum(Coalesce("lines__final_amount", "lines__estimated_amount"),
                    filter=Q(lines__order_line__product__product_class__kind=ProductClass.Kind.SERVICE)),
                Value(0), output_field=money,
            ),
        )
        .values("id", "merchant_id", "format_id", "community_id", "dropoff_id", "method", "status", "created_at",
                "promised_at", "completed_at", "total", "service_amount")
        .order_by("pk")
    )
    return list(rows)


def ratings_for_figures(*, start, end) -> list[dict]:
    """Ratings given in [start, end): score, the shop, and the rating household's community (kept in
    `dropoff_community` once an erased account's room is dropped)."""
    from django.db.models.functions import Coalesce

    from .models import GroupRating

    return list(GroupRating.objects.filter(rated_at__gte=start, rated_at__lt=end)
                .values("score", "merchant_id", "rated_at", community_id=Coalesce("group__dropoff__community_id", "group__dropoff_community_id"))
                .order_by("pk"))
