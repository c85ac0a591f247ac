"""Dispatch: choose a group's fulfilment point, offer the job to the nearest courier (or, for a
home-service booking, to one of the merchant's providers), and the couriers' answers.

Flow of a group (every status change through delivery.services.transition, with an event):

    created ──route──▶ point_assigned ──offer…accept──▶ courier_assigned ─pickup▶ picked_up ─deliver▶ delivered
                                      ◀─decline/stuck─┘                                    └▶ ready_for_pickup ─collect▶ collected
    pickup at the store: point_assigned, then ready_for_pickup when the merchant has it ready
    failed (courier_fail, with the reason) and cancelled/rejected (checkout.release_group) end it

Routing picks, among the active points of the merchant and of anyone (e.g. a community pickup
station) holding PointStock of the group's listings, one that has the goods, is open when they
leave, has capacity left this hour (`capacity_per_hour`, counted from the decisions of the last
hour) and is nearest in travel time to the drop-off; the DispatchDecision keeps every candidate
and why it lost. The merchant's own store always has the goods (its stock was allocated at
checkout); any other point must hold every goods line as PointStock, whose units are taken
under the point's lock when it is chosen (noted on the FulfilmentLines) and given back by
services.transition when the group ends rejected, cancelled or failed before leaving it.
The job is then offered to the available courier with spare capacity (held groups +
open offers < capacity) nearest in travel time to the point, for OFFER_SECONDS; an offer not
accepted in time is expired by beat and the job offered to the next courier.

Idempotent by construction: every function locks the group, re-checks its status, and the
database allows one open offer per group, so a task that runs twice changes nothing the second
time.

Contract for the HTTP layer (delivery/api.py). Each locks the group; raises JobNotFound (404)
when the job is not offered to / held by that courier, BadTransition (409) when the group's
status does not allow the step (e.g. the order was cancelled), DomainError (422) for bad input:

    courier_accept(*, courier, group_id) -> FulfilmentGroup      accepting twice answers the same
    courier_decline(*, courier, group_id) -> FulfilmentGroup     an offer, or a job already accepted
    courier_pickup(*, courier, group_id) -> FulfilmentGroup
    courier_deliver(*, courier, group_id, pickup_code=None)      a station-pickup group becomes
                                                                 ready_for_pickup (and collected when
                                                                 the resident's code is given)
    courier_fail(*, courier, group_id, reason) -> FulfilmentGroup
    collect(*, group_id, pickup_code, actor) -> FulfilmentGroup  the 6-digit code at handover
    provider_accept / provider_decline / provider_start / provider_complete: the same for home services
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Case, Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Value, When, prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.models import Partner
from shop.core.errors import ConflictError, DomainError, NotFoundError
from shop.core.geo import haversine_m

from . import pickup_attempts, positions
from .lifecycle import ON_THE_WAY
from .models import (
    Courier, DispatchDecision, DispatchJob, FulfilmentGroup, FulfilmentLine, FulfilmentPoint, JobOffer, PointStock,
    ServiceProvider, Slot,
)
from .services import BadTransition, transition

log = logging.getLogger(__name__)

S = FulfilmentGroup.Status
ACTOR = "dispatch"
OFFER_SECONDS = settings.DISPATCH_OFFER_SECONDS
PROVIDER_OFFER_SECONDS = 600  # a provider answers a booking for later at their own pace
COURIER_RADIUS_M = 5_000
NEAREST_COUNT = 30
PREP_MINUTES = 15  # from the order to goods ready, for an as-soon-as-possible promise
COURIER_TO_POINT_MINUTES = 5
SCHEDULE_LEAD = timedelta(minutes=45)  # a delivery window is offered this long before it starts
RETRY_ROUTING = timedelta(minutes=5)  # a group no point could take is routed again after this
# how long a group may sit in a status before beat re-dispatches it
STUCK_AFTER = {
    S.CREATED: timedelta(minutes=2),
    S.POINT_ASSIGNED: timedelta(seconds=30),  # with no open offer (no courier was free)
    S.COURIER_ASSIGNED: timedelta(minutes=30),  # accepted but never picked up: taken back
}


class JobNotFound(NotFoundError):
    """404: no such job, or it is not offered to / held by this courier."""


class OfferExpired(ConflictError):
    code = "offer_expired"


# --- where the goods go -----------------------------------------------------------------------


def dropoff_of(group: FulfilmentGroup) -> tuple[float, float] | None:
    """Where the job ends: the pickup station for station pickup, the resident's standard
    address for delivery and home services, None for pickup at the store."""
    if group.pickup_point_id:
        return group.pickup_point.lat, group.pickup_point.lng
    if group.method == FulfilmentGroup.Method.DELIVERY and group.dropoff_id:
        return group.dropoff.lat, group.dropoff.lng
    return None


def _lines(group: FulfilmentGroup) -> list[FulfilmentLine]:
    """The group's lines with their slots, read once per group instance (routing asks twice)."""
    prefetch_related_objects([group], Prefetch(
        "lines", queryset=FulfilmentLine.objects.select_related("slot", "order_line").order_by("pk")))
    return list(group.lines.all())


def service_slot(group: FulfilmentGroup) -> Slot | None:
    """The appointment of a home-service booking (None for goods)."""
    slots = [line.slot for line in _lines(group) if line.slot_id and line.slot.kind == Slot.Kind.SERVICE]
    return min(slots, key=lambda slot: slot.starts_at, default=None)


def store_pickup(group: FulfilmentGroup) -> bool:
    return group.method == FulfilmentGroup.Method.PICKUP and not group.pickup_point_id


def _is_open(point: FulfilmentPoint, at: datetime) -> bool:
    t = timezone.localtime(at).time()
    if point.opens < point.closes:
        return point.opens <= t < point.closes
    return t >= point.opens or t < point.closes  # runs past midnight


def _leaves_at(group: FulfilmentGroup, slot: Slot | None, now: datetime) -> datetime:
    """When the goods (or the provider) leave the point: the window's or appointment's start, or now."""
    start = slot.starts_at if slot else (group.window.starts_at if group.window_id else None)
    return max(start, now) if start else now


def _hour_load(point: FulfilmentPoint, now: datetime) -> int:
    """Groups routed to the point in the last hour, counted no further than its capacity."""
    recent = DispatchDecision.objects.filter(point=point, decided_at__gt=now - timedelta(hours=1))
    return recent.values("pk")[: point.capacity_per_hour].count()


# --- routing ----------------------------------------------------------------------------------


def _own_store(point: FulfilmentPoint, group: FulfilmentGroup) -> bool:
    """The merchant's own store holds its stock (allocated at checkout); any other point holds
    a listing only as PointStock rows."""
    return point.kind == FulfilmentPoint.Kind.STORE and point.merchant_id == group.merchant_id


def _goods_lines(group: FulfilmentGroup) -> list[FulfilmentLine]:
    """The lines that need stock at the point (a home-service booking needs none)."""
    return [line for line in _lines(group) if line.listing_id and not line.slot_id]


def _needed(lines: list[FulfilmentLine]) -> Counter:
    need = Counter()
    for line in lines:
        need[line.listing_id] += line.quantity
    return need


def _shortage(lines: list[FulfilmentLine], held: dict[int, int]) -> str:
    """Why stock held at a point (listing → units) does not cover the lines; "" when it does."""
    titles = {line.listing_id: line.order_line.title for line in lines}
    return "; ".join(f"缺货: {titles[listing_id]} 需要 {units}, 仅有 {held.get(listing_id, 0)}"
                     for listing_id, units in sorted(_needed(lines).items()) if held.get(listing_id, 0) < units)


def _take_stock(point: FulfilmentPoint, lines: list[FulfilmentLine]) -> str:
    """Take the lines' units from a non-store point's stock and note on each line where they came
    from (to give them back: services.release_point_stock). Rows locked in pk order and
    re-checked, counted with F(); answers the shortage instead, taking nothing."""
    need = _needed(lines)
    rows = {row.listing_id: row for row in PointStock.objects.select_for_update()
            .filter(point=point, listing_id__in=list(need)).order_by("pk")}
    short = _shortage(lines, {listing_id: row.num_in_stock for listing_id, row in rows.items()})
    if short:
        return short
    for listing_id, row in rows.items():
        PointStock.objects.filter(pk=row.pk).update(num_in_stock=F("num_in_stock") - need[listing_id])
    for line in lines:
        line.point_stock = rows[line.listing_id]
    FulfilmentLine.objects.bulk_update(lines, ["point_stock"])
    return ""


def _choose_point(group: FulfilmentGroup, slot: Slot | None, now: datetime):
    """(point or None, candidates): the merchant's points and any other point holding stock of
    the group's listings, each with its travel time and, for those that lost, why. Tried nearest
    first; the hourly capacity is counted, and a non-store point's stock taken, under the point's
    lock (two groups routed at once must not both take its last place or its last unit)."""
    destination = dropoff_of(group)
    at = _leaves_at(group, slot, now)
    lines = _goods_lines(group)
    listing_ids = list(_needed(lines))
    stocked = PointStock.objects.filter(listing_id__in=listing_ids)
    points = {p.pk: p for p in FulfilmentPoint.objects.filter(
        Q(merchant_id=group.merchant_id) | Q(pk__in=stocked.values("point_id")), is_active=True)}
    held: dict[int, dict[int, int]] = {pk: {} for pk in points}
    for point_id, listing_id, units in stocked.filter(point_id__in=list(points)).values_list(
            "point_id", "listing_id", "num_in_stock"):
        held[point_id][listing_id] = units
    candidates = []
    for point in points.values():
        travel = positions.travel_minutes(point.lat, point.lng, *destination) if destination else None
        reason = ""
        if store_pickup(group) and not _own_store(point, group):
            reason = "到店自提只在门店"
        elif not _is_open(point, at):
            reason = f"未营业 ({point.opens:%H:%M}-{point.closes:%H:%M})"
        elif not _own_store(point, group):
            reason = _shortage(lines, held[point.pk])
        candidates.append({"point_id": point.pk, "name": point.name, "kind": point.kind,
                           "travel_min": None if travel is None else round(travel, 1),
                           "chosen": False, "reason": reason})
    candidates.sort(key=lambda c: (c["travel_min"] or 0, c["point_id"]))
    for row in candidates:
        if row["reason"]:
            continue
        point = FulfilmentPoint.objects.select_for_update().get(pk=row["point_id"])
        used = _hour_load(point, now)
        if used >= point.capacity_per_hour:
            row["reason"] = f"本小时已满 ({used}/{point.capacity_per_hour})"
            continue
        if not _own_store(point, group):
            row["reason"] = _take_stock(point, lines)
            if row["reason"]:
                continue
        row["chosen"] = True
        for other in candidates:
            if not other["reason"] and not other["chosen"]:
                other["reason"] = f"较远 ({other['travel_min']} 分钟, 选中的 {row['travel_min']} 分钟)"
        return points[point.pk], candidates
    return None, candidates


def _promise(group: FulfilmentGroup, point: FulfilmentPoint, slot: Slot | None, now: datetime) -> datetime:
    if slot:
        return slot.starts_at
    if group.window_id:
        return group.window.ends_at
    destination = dropoff_of(group)
    travel = positions.travel_minutes(point.lat, point.lng, *destination) if destination else 0
    extra = COURIER_TO_POINT_MINUTES if destination else 0
    return now + timedelta(minutes=PREP_MINUTES + extra + travel)


def _locked_group(group_id: int) -> FulfilmentGroup:
    try:
        return (FulfilmentGroup.objects.select_for_update(of=("self",))
                .select_related("point", "pickup_point", "dropoff", "courier")
                .annotate(merchant_delivery=F("merchant__delivery_capability")).get(pk=group_id))
    except FulfilmentGroup.DoesNotExist:
        raise JobNotFound(_("没有这个订单")) from None


def _route(group: FulfilmentGroup, slot: Slot | None, now: datetime) -> FulfilmentGroup:
    """Route a locked "created" group; mark its dispatch request done whatever the outcome."""
    if group.status == S.CREATED:
        point, candidates = _choose_point(group, slot, now)
        if point is None:
            reason = "无可用履约点, 稍后重试" if candidates else "商户没有登记履约点"
        else:
            chosen = next(c for c in candidates if c["chosen"])
            travel = f", 距送达点 {chosen['travel_min']} 分钟" if chosen["travel_min"] is not None else ""
            reason = f"选中{point.get_kind_display()}「{point.name}」{travel}"
        DispatchDecision.objects.create(group=group, point=point, candidates=candidates, reason=reason, decided_at=now)
        if point is not None:
            group = transition(
                group=group, to=S.POINT_ASSIGNED, actor=ACTOR, note=reason[:200], point=point,
                promised_at=group.promised_at or _promise(group, point, slot, now),
            )
    if not DispatchJob.objects.filter(group=group, routed_at__isnull=True).update(routed_at=now):
        DispatchJob.objects.get_or_create(group=group, defaults={"routed_at": now})  # routed before, or never requested
    return group


@transaction.atomic
def assign_point(*, group_id: int, now: datetime | None = None) -> FulfilmentGroup:
    """Route a "created" group to its point (point_assigned), recording the decision.

    A group in any other status is left as it is (routed already, cancelled...). When no point
    qualifies the decision says why and the group stays "created"; beat tries again.
    """
    group = _locked_group(group_id)
    return _route(group, service_slot(group), now or timezone.now())


# --- offers -----------------------------------------------------------------------------------


def _count_for_courier(queryset):
    """A correlated count of `queryset`'s rows per Courier (for .annotate on couriers)."""
    counted = queryset.filter(courier_id=OuterRef("pk")).order_by().values("courier_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


@functools.cache
def _couriers_with_load():
    """Couriers annotated with `load`: groups held plus open offers for groups still waiting.
    Built once: composing the two subqueries costs more than running them."""
    return Courier.objects.annotate(
        load=_count_for_courier(FulfilmentGroup.objects.filter(status__in=ON_THE_WAY))
        + _count_for_courier(JobOffer.objects.filter(state=JobOffer.State.PENDING, group__status=S.POINT_ASSIGNED)))


def _own_couriers(group: FulfilmentGroup) -> list[int]:
    """The couriers of a merchant that delivers with its own (Partner.Delivery.OWN); empty when
    it registered none, and then platform couriers carry its orders."""
    if group.merchant_delivery != Partner.Delivery.OWN:  # annotated by _locked_group
        return []
    return list(Courier.objects.filter(merchant_id=group.merchant_id).values_list("pk", flat=True))


def _offer_courier(group: FulfilmentGroup, now: datetime, *, first: bool) -> JobOffer | None:
    """The available courier nearest the point in travel time with room for one more job: the
    merchant's own couriers if it has any, else platform couriers (those of no merchant).
    Couriers already asked for this job come last (`first`: none was)."""
    origin = (group.point.lat, group.point.lng) if group.point_id else dropoff_of(group)
    if origin is None:
        return None
    own = _own_couriers(group)
    if own:  # the merchant delivers itself: only its own couriers, wherever they are
        nearby = {pk: haversine_m(*origin, *here) for pk in own if (here := positions.position_of(pk))}
    else:
        nearby = dict(positions.nearest_couriers(*origin, radius_m=COURIER_RADIUS_M, count=NEAREST_COUNT))
    couriers = (_couriers_with_load().filter(pk__in=list(nearby), merchant_id=group.merchant_id if own else None)
                .exclude(status=Courier.Status.OFFLINE).values_list("pk", "vehicle", "capacity", "load", named=True))
    tries = Counter() if first else Counter(group.offers.values_list("courier_id", flat=True))

    def rank(courier):
        speed = positions.SPEED_M_PER_MIN.get(courier.vehicle, positions.DEFAULT_SPEED)
        return tries[courier.pk], nearby[courier.pk] / speed, courier.pk

    for courier in sorted((c for c in couriers if c.load < c.capacity), key=rank):
        # Lock the courier, then count again in a new statement (it sees what committed while we
        # waited for the lock): two jobs offered at once must not both take its last place.
        locked = Courier.objects.select_for_update().filter(pk=courier.pk).exclude(status=Courier.Status.OFFLINE)
        if not locked.values_list("pk", flat=True) or \
                _couriers_with_load().filter(pk=courier.pk).values_list("load", flat=True)[0] >= courier.capacity:
            continue
        return JobOffer.objects.create(group=group, courier_id=courier.pk, offered_at=now,
                                       expires_at=now + timedelta(seconds=OFFER_SECONDS),
                                       note=f"{nearby[courier.pk]:.0f} 米")
    return None


def _overlaps(a_start, a_minutes, b_start, b_minutes) -> bool:
    return a_start < b_start + timedelta(minutes=b_minutes) and b_start < a_start + timedelta(minutes=a_minutes)


def _provider_busy(provider_ids, slot: Slot) -> set[int]:
    """Providers holding or offered another booking whose appointment overlaps this one."""
    held = FulfilmentLine.objects.filter(
        group__dispatch__provider_id__in=provider_ids, group__status__in=ON_THE_WAY, slot__kind=Slot.Kind.SERVICE,
    ).values_list("group__dispatch__provider_id", "slot__starts_at", "slot__duration_min")
    offered = FulfilmentLine.objects.filter(
        group__offers__provider_id__in=provider_ids, group__offers__state=JobOffer.State.PENDING,
        group__status=S.POINT_ASSIGNED, slot__kind=Slot.Kind.SERVICE,
    ).values_list("group__offers__provider_id", "slot__starts_at", "slot__duration_min")
    return {pid for pid, start, minutes in [*held, *offered]
            if _overlaps(start, minutes, slot.starts_at, slot.duration_min)}


def _offer_provider(group: FulfilmentGroup, slot: Slot, now: datetime) -> JobOffer | None:
    """The merchant's available provider nearest the resident with no overlapping booking."""
    destination = dropoff_of(group) or (group.point.lat, group.point.lng)
    providers = list(ServiceProvider.objects.filter(merchant_id=group.merchant_id,
                                                    status=ServiceProvider.Status.AVAILABLE))
    busy = _provider_busy([p.pk for p in providers], slot)
    tries = Counter(group.offers.values_list("provider_id", flat=True))
    merchant = group.merchant

    def rank(provider):
        lat, lng = (provider.last_lat, provider.last_lng) if provider.last_lat is not None else (merchant.lat, merchant.lng)
        minutes = positions.travel_minutes(lat, lng, *destination) if lat is not None else 0
        return tries[provider.pk], minutes, provider.pk

    for provider in sorted(providers, key=rank):
        if provider.pk in busy:
            continue
        provider = ServiceProvider.objects.select_for_update().get(pk=provider.pk)
        if provider.status != ServiceProvider.Status.AVAILABLE or _provider_busy([provider.pk], slot):
            continue
        offer = JobOffer.objects.create(group=group, provider=provider, offered_at=now,
                                        expires_at=now + timedelta(seconds=PROVIDER_OFFER_SECONDS))
        return offer
    return None


def _offer(group: FulfilmentGroup, slot: Slot | None, now: datetime, *, routed_now: bool = False) -> JobOffer | None:
    """Offer a locked group; `routed_now`: it was routed in this transaction, so it has no offers yet."""
    if group.status != S.POINT_ASSIGNED or store_pickup(group):
        return None
    if not routed_now:
        existing = group.offers.filter(state=JobOffer.State.PENDING).first()
        if existing:
            return existing
    if group.window_id and group.window.starts_at - now > SCHEDULE_LEAD:
        return None
    if slot:
        return _offer_provider(group, slot, now)
    return _offer_courier(group, now, first=routed_now)


@transaction.atomic
def offer_next(*, group_id: int, now: datetime | None = None) -> JobOffer | None:
    """Offer a point_assigned group to the next courier (or provider); the open offer when there
    is one already. None when no one is free (beat tries again), when the group needs no one
    (pickup at the store) or its delivery window is still far off."""
    group = _locked_group(group_id)
    return _offer(group, service_slot(group), now or timezone.now())


@transaction.atomic
def route_and_offer(*, group_id: int, now: datetime | None = None) -> str:
    """The routing task's work, in one transaction: point, then the first offer. Answers the
    group's status (with "+offer" when an offer is open)."""
    return route_and_offer_in_transaction(group_id=group_id, now=now or timezone.now())


def route_and_offer_in_transaction(*, group_id: int, now: datetime) -> str:
    """route_and_offer inside the caller's transaction (the outbox drain's, which also holds
    the group's DispatchJob row): no savepoint of its own."""
    group = _locked_group(group_id)
    slot = service_slot(group)
    was_created = group.status == S.CREATED
    group = _route(group, slot, now)
    offer = _offer(group, slot, now, routed_now=was_created)
    return group.status + ("+offer" if offer else "")


# --- answers from couriers and providers ------------------------------------------------------


def _pending_offer(group: FulfilmentGroup, **agent) -> JobOffer | None:
    return group.offers.select_for_update().filter(state=JobOffer.State.PENDING, **agent).first()


def _refresh_courier_status(courier_id: int) -> None:
    """busy at capacity, available below it; an offline courier stays offline. One statement
    that writes (and so locks) the courier's row only when the status changes: routing locks
    that row to offer jobs, and an accept must not wait for it (nor make routing wait)."""
    (Courier.objects.filter(pk=courier_id).exclude(status=Courier.Status.OFFLINE)
     .exclude(status=_status_by_load()).update(status=_status_by_load()))


@functools.cache
def _status_by_load():
    """busy when the groups a courier holds reach its capacity (built once, like _couriers_with_load)."""
    held = _count_for_courier(FulfilmentGroup.objects.filter(status__in=ON_THE_WAY))
    return Case(When(capacity__lte=held, then=Value(Courier.Status.BUSY)), default=Value(Courier.Status.AVAILABLE))


def _accept(group_id: int, actor: str, **agent) -> FulfilmentGroup:
    now = timezone.now()
    group = _locked_group(group_id)
    offer = _pending_offer(group, **agent)
    if offer is None:
        if group.status == S.COURIER_ASSIGNED and _holds(group, **agent):
            return group  # accepted twice (a retried request): the same answer
        raise JobNotFound(_("该订单没有派给您, 或已派给他人"))
    if offer.expires_at <= now:
        raise OfferExpired(_("派单已超时, 已转派他人"))
    changes = {"courier": agent["courier"]} if "courier" in agent else {}
    group = transition(group=group, to=S.COURIER_ASSIGNED, actor=actor, note=_agent_name(**agent), **changes)
    JobOffer.objects.filter(pk=offer.pk).update(state=JobOffer.State.ACCEPTED, answered_at=now)
    if "provider" in agent:
        DispatchJob.objects.filter(group=group).update(provider=agent["provider"])
    return group


def _holds(group: FulfilmentGroup, *, courier: Courier | None = None, provider: ServiceProvider | None = None) -> bool:
    if courier is not None:
        return group.courier_id == courier.pk
    return DispatchJob.objects.filter(group=group, provider=provider).exists()


def _agent_name(*, courier: Courier | None = None, provider: ServiceProvider | None = None) -> str:
    return (courier or provider).name


def _held(group_id: int, **agent) -> FulfilmentGroup:
    group = _locked_group(group_id)
    if not _holds(group, **agent) or group.status not in {*ON_THE_WAY, S.READY_FOR_PICKUP}:
        raise JobNotFound(_("该订单不在您名下"))
    return group


def _decline(group_id: int, actor: str, **agent) -> FulfilmentGroup:
    now = timezone.now()
    group = _locked_group(group_id)
    offer = _pending_offer(group, **agent)
    if offer is not None:
        JobOffer.objects.filter(pk=offer.pk).update(state=JobOffer.State.DECLINED, answered_at=now)
    elif group.status == S.COURIER_ASSIGNED and _holds(group, **agent):
        # giving back a job already accepted, before pickup
        group = transition(group=group, to=S.POINT_ASSIGNED, actor=actor,
                           note=f"{_agent_name(**agent)} 放弃, 重新派单", courier=None)
        DispatchJob.objects.filter(group=group).update(provider=None, eta_at=None)
    else:
        raise JobNotFound(_("该订单没有派给您"))
    offer_next(group_id=group.pk, now=now)
    return FulfilmentGroup.objects.get(pk=group.pk)


@transaction.atomic
def courier_accept(*, courier: Courier, group_id: int) -> FulfilmentGroup:
    group = _accept(group_id, f"courier:{courier.pk}", courier=courier)
    _refresh_courier_status(courier.pk)
    positions.refresh_etas(courier=courier, group=group)
    return group


@transaction.atomic
def courier_decline(*, courier: Courier, group_id: int) -> FulfilmentGroup:
    group = _decline(group_id, f"courier:{courier.pk}", courier=courier)
    _refresh_courier_status(courier.pk)
    return group


@transaction.atomic
def courier_pickup(*, courier: Courier, group_id: int) -> FulfilmentGroup:
    group = transition(group=_held(group_id, courier=courier), to=S.PICKED_UP, actor=f"courier:{courier.pk}",
                       note=courier.name)
    positions.refresh_etas(courier=courier, group=group)
    return group


@transaction.atomic
def courier_deliver(*, courier: Courier, group_id: int, pickup_code: str | None = None,
                    now: datetime | None = None) -> FulfilmentGroup:
    """A station-pickup group with the resident's code goes through `collect` (its guessing
    limit included): a wrong code undoes the whole delivery (422), a locked group refuses it (429)."""
    group = _held(group_id, courier=courier)
    actor = f"courier:{courier.pk}"
    if group.pickup_point_id:  # dropped at the community pickup station: the resident collects it there
        group = transition(group=group, to=S.READY_FOR_PICKUP, actor=actor,
                           note=f"已送达{group.pickup_point.name}")
        if pickup_code:
            group = collect(group_id=group_id, pickup_code=pickup_code, actor=actor, now=now)
    else:
        group = transition(group=group, to=S.DELIVERED, actor=actor, note=courier.name)
    DispatchJob.objects.filter(group_id=group_id).update(eta_at=None)
    _refresh_courier_status(courier.pk)
    return group


@transaction.atomic
def courier_fail(*, courier: Courier, group_id: int, reason: str) -> FulfilmentGroup:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写失败原因"), fields={"reason": [_("请填写失败原因")]})
    group = transition(group=_held(group_id, courier=courier), to=S.FAILED, actor=f"courier:{courier.pk}",
                       note=reason[:200])
    DispatchJob.objects.filter(group_id=group_id).update(eta_at=None)
    _refresh_courier_status(courier.pk)
    return group


@transaction.atomic
def collect(*, group_id: int, pickup_code: str, actor: str, now: datetime | None = None) -> FulfilmentGroup:
    """The resident collects a ready group; the code they show must match (6 digits).

    Guessing is limited (delivery.pickup_attempts): after 5 wrong codes within 15 minutes the
    group refuses every code for 15 minutes (TooManyAttempts, 429, with retry_after); until
    then a wrong code is a DomainError (422) saying how many tries are left; a right code
    clears the count. `now` moves the clock (tests)."""
    group = _locked_group(group_id)
    if group.status != S.READY_FOR_PICKUP:
        raise BadTransition(
            _("履约单 %(group)s 当前状态为「%(status)s」, 不能取货")
            % {"group": group.pk, "status": group.get_status_display()},
            status=group.status, requested=S.COLLECTED,
        )
    pickup_attempts.check(group, now=now)
    code = (pickup_code or "").strip()
    if not group.pickup_code or not secrets.compare_digest(code, group.pickup_code):
        left = pickup_attempts.record_failure(group, now=now)
        raise DomainError(_("取货码不正确"), fields={"pickup_code": [_("取货码不正确")]},
                          attempts_left=left)
    pickup_attempts.reset(group)
    return transition(group=group, to=S.COLLECTED, actor=actor, note="取货码已核验")


@transaction.atomic
def provider_accept(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    return _accept(group_id, f"provider:{provider.pk}", provider=provider)


@transaction.atomic
def provider_decline(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    return _decline(group_id, f"provider:{provider.pk}", provider=provider)


@transaction.atomic
def provider_start(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider sets off to the resident (picked_up: "on the way")."""
    return transition(group=_held(group_id, provider=provider), to=S.PICKED_UP, actor=f"provider:{provider.pk}",
                      note=provider.name)


@transaction.atomic
def provider_complete(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    return transition(group=_held(group_id, provider=provider), to=S.DELIVERED, actor=f"provider:{provider.pk}",
                      note=provider.name)


# --- beat sweeps ------------------------------------------------------------------------------


@transaction.atomic
def _expire_group_offers(group_id: int, now: datetime) -> JobOffer | None:
    group = _locked_group(group_id)
    offers = group.offers.select_for_update().filter(state=JobOffer.State.PENDING, expires_at__lte=now)
    state = JobOffer.State.EXPIRED if group.status == S.POINT_ASSIGNED else JobOffer.State.WITHDRAWN
    if not offers.update(state=state, answered_at=now):
        return None
    return offer_next(group_id=group_id, now=now)


def expire_offers(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat: close offers past their time and offer those jobs to the next courier."""
    now = now or timezone.now()
    group_ids = list(JobOffer.objects.filter(state=JobOffer.State.PENDING, expires_at__lte=now)
                     .order_by("expires_at").values_list("group_id", flat=True)[:limit])
    for group_id in dict.fromkeys(group_ids):
        try:
            _expire_group_offers(group_id, now)
        except Exception:
            log.exception("could not expire the offers of group %s", group_id)
    return len(group_ids)


@transaction.atomic
def _take_back(group_id: int, limit: timedelta, now: datetime) -> None:
    group = _locked_group(group_id)
    if group.status != S.COURIER_ASSIGNED or group.updated_at > now - limit:
        return
    courier_id = group.courier_id
    transition(group=group, to=S.POINT_ASSIGNED, actor=ACTOR, note="骑手超时未取货, 重新派单", courier=None)
    DispatchJob.objects.filter(group_id=group_id).update(eta_at=None)
    if courier_id:
        _refresh_courier_status(courier_id)
    offer_next(group_id=group_id, now=now)


def redispatch_stuck(*, now: datetime | None = None, limit: int = 200) -> Counter:
    """Beat: move on every group stuck past its status's limit (STUCK_AFTER): route "created"
    groups again (at most every RETRY_ROUTING, so a shop without an open point does not pile up
    decisions), offer point_assigned groups that have no open offer (not before their delivery
    window comes near), take back jobs accepted but not picked up. Couriers left "busy" by
    cancelled jobs are set available again. Answers how many of each it touched."""
    now = now or timezone.now()
    done = Counter()
    recently_tried = DispatchDecision.objects.filter(group=OuterRef("pk"), decided_at__gt=now - RETRY_ROUTING)
    steps = [
        (S.CREATED, FulfilmentGroup.objects.filter(status=S.CREATED).exclude(Exists(recently_tried)), route_and_offer),
        (S.POINT_ASSIGNED, FulfilmentGroup.objects.filter(status=S.POINT_ASSIGNED)
         .exclude(method=FulfilmentGroup.Method.PICKUP, pickup_point__isnull=True)
         .exclude(window__starts_at__gt=now + SCHEDULE_LEAD)
         .exclude(offers__state=JobOffer.State.PENDING), offer_next),
        (S.COURIER_ASSIGNED, FulfilmentGroup.objects.filter(status=S.COURIER_ASSIGNED, dispatch__provider__isnull=True)
         .exclude(window__starts_at__gt=now - STUCK_AFTER[S.COURIER_ASSIGNED]), None),
    ]
    for status, groups, step in steps:
        ids = groups.filter(updated_at__lte=now - STUCK_AFTER[status]).order_by("updated_at").values_list("pk", flat=True)
        for group_id in list(ids[:limit]):
            try:
                if step is None:
                    _take_back(group_id, STUCK_AFTER[status], now)
                else:
                    step(group_id=group_id, now=now)
                done[status] += 1
            except Exception:
                log.exception("could not re-dispatch group %s", group_id)
    for courier_id in Courier.objects.filter(status=Courier.Status.BUSY).values_list("pk", flat=True):
        _refresh_courier_status(courier_id)
    return done
