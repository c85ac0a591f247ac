"""What every dispatch job shares: the group locked for a step, its appointment, the courier's
load and the errors the courier API answers (delivery.routing, offers, handover, sweeps).

Idempotent by construction: every step locks the group (``locked_group``), re-checks its
status, and the database allows one open offer per group, so a task that runs twice changes
nothing the second time.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Prefetch, Subquery, Value, When, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shop.core.errors import ConflictError, NotFoundError

from .lifecycle import ON_THE_WAY, Status
from .models import Courier, DispatchJob, FulfilmentGroup, FulfilmentLine, JobOffer, ServiceProvider, Slot

S = Status
ACTOR = "dispatch"
OFFER_SECONDS = settings.DISPATCH_OFFER_SECONDS
PROVIDER_OFFER_SECONDS = 600  # a provider answers a booking for later at their own pace
SCHEDULE_LEAD = timedelta(minutes=45)  # a delivery window is offered this long before it starts


class JobNotFound(NotFoundError):
    """404: no such job, or it is not offered to / held by this courier."""


class OfferExpired(ConflictError):
    code = "offer_expired"


def group_lines(group: FulfilmentGroup) -> list[FulfilmentLine]:
    """The group's lines with their slots, read once per group instance (routing asks twice)."""
    prefetch_related_objects([group], Prefetch(
        "lines", queryset=FulfilmentLine.objects.select_related("slot", "order_line").order_by("pk")))
    return list(group.lines.all())


def service_slot(group: FulfilmentGroup) -> Slot | None:
    """The appointment of a home-service booking (None for goods)."""
    slots = [line.slot for line in group_lines(group) if line.slot_id and line.slot.kind == Slot.Kind.SERVICE]
    return min(slots, key=lambda slot: slot.starts_at, default=None)


def store_pickup(group: FulfilmentGroup) -> bool:
    return group.method == FulfilmentGroup.Method.PICKUP and not group.pickup_point_id


def locked_group(group_id: int) -> FulfilmentGroup:
    try:
        return (FulfilmentGroup.objects.select_for_update(of=("self",))
                .select_related("point", "pickup_point", "dropoff", "courier")
                .annotate(merchant_delivery=F("merchant__delivery_capability")).get(pk=group_id))
    except FulfilmentGroup.DoesNotExist:
        raise JobNotFound(_("没有这个订单")) from None


def count_for_courier(queryset):
    """A correlated count of `queryset`'s rows per Courier (for .annotate on couriers)."""
    counted = queryset.filter(courier_id=OuterRef("pk")).order_by().values("courier_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


@functools.cache
def couriers_with_load():
    """Couriers annotated with `load`: groups held plus open offers for groups still waiting.
    Built once: composing the two subqueries costs more than running them."""
    return Courier.objects.annotate(
        load=count_for_courier(FulfilmentGroup.objects.filter(status__in=ON_THE_WAY))
        + count_for_courier(JobOffer.objects.filter(state=JobOffer.State.PENDING, group__status=S.POINT_ASSIGNED)))


@functools.cache
def status_by_load():
    """busy when the groups a courier holds reach its capacity (built once, like couriers_with_load)."""
    held = count_for_courier(FulfilmentGroup.objects.filter(status__in=ON_THE_WAY))
    return Case(When(capacity__lte=held, then=Value(Courier.Status.BUSY)), default=Value(Courier.Status.AVAILABLE))


def refresh_courier_status(courier_id: int) -> None:
    """busy at capacity, available below it; an offline courier stays offline. One statement
    that writes (and so locks) the courier's row only when the status changes: routing locks
    that row to offer jobs, and an accept must not wait for it (nor make routing wait)."""
    (Courier.objects.filter(pk=courier_id).exclude(status=Courier.Status.OFFLINE)
     .exclude(status=status_by_load()).update(status=status_by_load()))


def holds(group: FulfilmentGroup, *, courier: Courier | None = None, provider: ServiceProvider | None = None) -> bool:
    if courier is not None:
        return group.courier_id == courier.pk
    return DispatchJob.objects.filter(group=group, provider=provider).exists()


def agent_name(*, courier: Courier | None = None, provider: ServiceProvider | None = None) -> str:
    return (courier or provider).name


def held(group_id: int, **agent) -> FulfilmentGroup:
    group = locked_group(group_id)
    if not holds(group, **agent) or group.status not in {*ON_THE_WAY, S.READY_FOR_PICKUP}:
        raise JobNotFound(_("该订单不在您名下"))
    return group
