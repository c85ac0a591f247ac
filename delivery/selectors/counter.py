"""Reads for the handover at the counter and the station, and for home-service providers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from ..lifecycle import (
    ON_THE_WAY,
    SERVICE_HEADLINES,
)
from ..models import (
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentPoint,
    JobOffer,
)
from .couriers import mask_phone, recipient_name

S = FulfilmentGroup.Status


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
    from ..models import ServiceProvider

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
    from ..models import DispatchJob, FulfilmentLine, Slot

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
    from ..models import DispatchJob

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
    from ..models import ServiceProvider

    now = now or timezone.now()
    busy = Q(offers__state=JobOffer.State.PENDING, offers__expires_at__gt=now,
             offers__group__status=S.POINT_ASSIGNED) | Q(jobs__group__status__in=ON_THE_WAY)
    return list(ServiceProvider.objects.filter(busy).select_related("merchant").distinct().order_by("pk"))
