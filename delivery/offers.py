"""Offers: the job of a routed group goes to the nearest courier (or, for a home-service
booking, to one of the merchant's providers), and their answers.

The job is offered to the available courier with spare capacity (held groups + open offers <
capacity) nearest in travel time to the point, for OFFER_SECONDS (a merchant that delivers
itself: only its own couriers, when it registered any); an offer not accepted in time is
expired by beat (delivery.sweeps) and the job offered to the next courier.

Contract for the HTTP layer (delivery/api/). Each locks the group; raises JobNotFound (404)
when the job is not offered to / held by that courier, BadTransition (409) when the group's
status does not allow the step (e.g. the order was cancelled):

    courier_accept(*, courier, group_id) -> FulfilmentGroup      accepting twice answers the same
    courier_decline(*, courier, group_id) -> FulfilmentGroup     an offer, or a job already accepted
    provider_accept / provider_decline: the same for home services
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.models import Partner
from shop.core.geo import haversine_m

from . import positions, travel
from . import runs as runs_
from .jobs import (
    OFFER_SECONDS,
    PROVIDER_OFFER_SECONDS,
    SCHEDULE_LEAD,
    Batch,
    JobNotFound,
    OfferExpired,
    S,
    agent_name,
    couriers_with_load,
    current_batch,
    holds,
    lock_groups,
    locked_group,
    refresh_courier_status,
    service_slot,
    store_pickup,
)
from .lifecycle import ON_THE_WAY
from .models import Courier, DispatchJob, FulfilmentGroup, FulfilmentLine, JobOffer, ServiceProvider, Slot
from .routing import plan_points, route
from .services import transition

COURIER_RADIUS_M = 5_000
NEAREST_COUNT = 30
LOCK_EACH = 3  # couriers locked per group: the nearest with room, and two in case it fills up meanwhile


def _wanted(batch: Batch) -> list[tuple[FulfilmentGroup, tuple[float, float] | None, bool]]:
    """The batch's groups that will be offered to a courier: (group, where the courier goes
    first, whether it is offered for the first time). Routing's plan gives the point of those
    routed in this batch."""
    if batch.points is None:
        batch.points = plan_points(batch)  # points are locked before couriers (the lock order)
    wanted = []
    for group in batch.groups.values():
        first = group.pk in batch.points  # routed in this batch: no courier was asked yet
        point = batch.points[group.pk][0] if first else group.point
        if point is None or store_pickup(group) or service_slot(group) is not None:
            continue
        if group.window_id and group.window.starts_at - batch.now > SCHEDULE_LEAD:
            continue
        wanted.append((group, (point.lat, point.lng), first))
    return wanted


def plan_couriers(wanted: list[tuple[FulfilmentGroup, tuple[float, float] | None, bool]],
                  runs: list[runs_.Run] = (), notes: dict | None = None) -> dict[int, tuple[int, float]]:
    """For each group, the available courier nearest its origin in travel time with room for
    one more job (group id → (courier id, metres)): the merchant's own couriers if it delivers
    itself and registered any, else platform couriers (those of no merchant); couriers already
    asked for a job come last for it. A run (delivery.runs) goes whole to one courier with room
    for all its jobs (`run.courier_id` set), or, when none has, its jobs go one by one
    (runs.split records why in `notes`). Set-based: one courier query with their loads for
    every group; then the first LOCK_EACH couriers with room of each group or run are locked in
    pk order and counted again (what committed while we waited), and the groups, in pk order,
    take the nearest locked one with room (two jobs must not both take a courier's last place).
    A group whose locked couriers all filled up gets no offer now: beat offers it again."""
    own_merchants = {g.merchant_id for g, _, _ in wanted if g.merchant_delivery == Partner.Delivery.OWN}
    own = defaultdict(list)
    for pk, merchant_id in (Courier.objects.filter(merchant_id__in=own_merchants).values_list("pk", "merchant_id")
                            if own_merchants else []):
        own[merchant_id].append(pk)
    def mine_of(group):
        return own.get(group.merchant_id) if group.merchant_delivery == Partner.Delivery.OWN else None

    # the platform's couriers near every origin: one search per point, all in one round trip
    around = {origin: dict(found) for origin, found in positions.nearest_couriers_around(
        [origin for group, origin, _ in wanted if origin is not None and not mine_of(group)],
        radius_m=COURIER_RADIUS_M, count=NEAREST_COUNT).items()}
    nearby, owner, tries = {}, {}, {}
    for group, origin, first in wanted:
        if origin is None:
            continue
        mine = mine_of(group)
        if mine:  # the merchant delivers itself: only its own couriers, wherever they are
            nearby[group.pk] = {pk: haversine_m(*origin, *here) for pk in mine if (here := positions.position_of(pk))}
        else:
            nearby[group.pk] = around[origin]
        owner[group.pk] = group.merchant_id if mine else None
        tries[group.pk] = Counter() if first else Counter(group.offers.values_list("courier_id", flat=True))
    union = sorted({pk for found in nearby.values() for pk in found})
    if not union:
        return {}
    couriers = {c.pk: c for c in couriers_with_load().filter(pk__in=union).exclude(status=Courier.Status.OFFLINE)
                .values_list("pk", "vehicle", "capacity", "load", "merchant_id", named=True)}

    def ranked(group_id):
        def rank(courier):
            speed = travel.SPEED_M_PER_MIN.get(courier.vehicle, travel.DEFAULT_SPEED)
            return tries[group_id][courier.pk], nearby[group_id][courier.pk] / speed, courier.pk

        return sorted((c for pk in nearby[group_id] if (c := couriers.get(pk)) and c.merchant_id == owner[group_id]),
                      key=rank)

    # the units to place: a run's jobs together (its first names it), every other group alone
    run_of = {run.ids[0]: run for run in runs if run.ids[0] in nearby}
    in_runs = {pk for run in run_of.values() for pk in run.ids}
    units = [run_of[pk].ids if pk in run_of else [pk] for pk in nearby if pk in run_of or pk not in in_runs]

    def one_by_one(unit, why):
        runs_.split(run_of.pop(unit[0]), notes if notes is not None else {}, why)
        return [[pk] for pk in unit]

    load, to_lock, placed = {pk: c.load for pk, c in couriers.items()}, set(), []
    for unit in units:
        roomy = [c for c in ranked(unit[0]) if load[c.pk] + len(unit) <= c.capacity][:LOCK_EACH]
        if not roomy and len(unit) > 1:
            units_alone = one_by_one(unit, f"单独派送: 附近没有骑手能一次带 {len(unit)} 单")
            placed += units_alone
            for alone in units_alone:
                roomy_alone = [c for c in ranked(alone[0]) if load[c.pk] < c.capacity][:LOCK_EACH]
                to_lock.update(c.pk for c in roomy_alone)
                if roomy_alone:
                    load[roomy_alone[0].pk] += 1
            continue
        placed.append(unit)
        to_lock.update(c.pk for c in roomy)
        if roomy:
            load[roomy[0].pk] += len(unit)
    locked = list(Courier.objects.select_for_update().filter(pk__in=sorted(to_lock))
                  .exclude(status=Courier.Status.OFFLINE).order_by("pk").values_list("pk", flat=True))
    load = dict(couriers_with_load().filter(pk__in=locked).values_list("pk", "load")) if locked else {}
    plan = {}

    def place(unit) -> bool:
        courier = next((c for c in ranked(unit[0]) if c.pk in load and load[c.pk] + len(unit) <= c.capacity), None)
        if courier is None:
            return False
        load[courier.pk] += len(unit)
        for pk in unit:
            plan[pk] = (courier.pk, nearby[unit[0]][courier.pk])
        if len(unit) > 1:
            run_of[unit[0]].courier_id = courier.pk
        return True

    for unit in placed:
        if not place(unit) and len(unit) > 1:
            for alone in one_by_one(unit, f"单独派送: 骑手已满, 没有人能一次带 {len(unit)} 单"):
                place(alone)
    return plan


def _offer_courier(group: FulfilmentGroup, now: datetime, *, first: bool) -> JobOffer | None:
    """Offer the job to the courier the plan gives it (plan_couriers): the batch's plan, made
    for all its groups at the first offer, or one made for this group alone."""
    batch = current_batch()
    if batch is not None and group.pk in batch.groups:
        if batch.couriers is None:
            wanted = _wanted(batch)
            runs, batch.chains = runs_.plan_runs(runs_.legs_of(wanted, batch.points, now))
            batch.couriers = plan_couriers(wanted, runs, batch.chains)
            batch.runs = {pk: run for run in runs if run.courier_id is not None for pk in run.ids}
        choice = batch.couriers.get(group.pk)
    else:
        origin = (group.point.lat, group.point.lng) if group.point_id else travel.destination_of(group)
        choice = plan_couriers([(group, origin, first)]).get(group.pk)
    if choice is None:
        return None
    courier_id, metres = choice
    offer = JobOffer(group=group, courier_id=courier_id, offered_at=now,
                     expires_at=now + timedelta(seconds=OFFER_SECONDS), note=f"{metres:.0f} 米")
    if batch is not None and group.pk in batch.runs:
        offer.run = batch.runs[group.pk].as_row(now)  # inserted first, with the batch's rows
    if batch is not None and group.pk in batch.groups:
        batch.offers.append(offer)  # inserted with the batch's others
    else:
        offer.save()
    return offer


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
    destination = travel.destination_of(group) or (group.point.lat, group.point.lng)
    providers = list(ServiceProvider.objects.filter(merchant_id=group.merchant_id,
                                                    status=ServiceProvider.Status.AVAILABLE))
    busy = _provider_busy([p.pk for p in providers], slot)
    tries = Counter(group.offers.values_list("provider_id", flat=True))
    merchant = group.merchant

    def rank(provider):
        lat, lng = (provider.last_lat, provider.last_lng) if provider.last_lat is not None else (merchant.lat, merchant.lng)
        minutes = travel.travel_minutes(lat, lng, *destination) if lat is not None else 0
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
    group = locked_group(group_id)
    return _offer(group, service_slot(group), now or timezone.now())


@transaction.atomic
def route_and_offer(*, group_id: int, now: datetime | None = None) -> str:
    """The routing task's work, in one transaction: point, then the first offer. Answers the
    group's status (with "+offer" when an offer is open)."""
    return route_and_offer_in_transaction(group_id=group_id, now=now or timezone.now())


def route_and_offer_in_transaction(*, group_id: int, now: datetime) -> str:
    """route_and_offer inside the caller's transaction: in the current batch when the group is
    one of its groups (the drain's), else in a batch of its own (no savepoint either way)."""
    batch = current_batch()
    if batch is None or group_id not in batch.groups:
        with Batch.of(group_id, now).active():
            return route_and_offer_in_transaction(group_id=group_id, now=now)
    group = batch.groups[group_id]
    slot = service_slot(group)
    was_created = group.status == S.CREATED
    group = route(group, slot, now)
    batch.groups[group_id] = group
    offer = _offer(group, slot, now, routed_now=was_created)
    return group.status + ("+offer" if offer else "")


def route_and_offer_batch(batch: Batch) -> list[str]:
    """Route and offer every group of a claimed batch (the drain's), in its transaction, each
    through route_and_offer_in_transaction; the batch's rows are written at the end. A group
    whose routing raises names itself on the exception (``dispatch_group_id``): the caller
    rolls back and leaves it for beat."""
    outcomes = []
    with batch.active():
        for group_id in list(batch.groups):
            try:
                outcomes.append(route_and_offer_in_transaction(group_id=group_id, now=batch.now))
            except Exception as exc:
                exc.dispatch_group_id = group_id
                raise
    return outcomes


def _pending_offer(group: FulfilmentGroup, **agent) -> JobOffer | None:
    return group.offers.select_for_update().filter(state=JobOffer.State.PENDING, **agent).first()


def _run_mates(group_id: int, **agent) -> tuple[int | None, list[int]]:
    """The run of the courier's open offer for this group (delivery.runs) and its other groups,
    all locked in pk order (the lock order: groups first); (None, []) for a single job."""
    if "courier" not in agent:
        return None, []
    run_id = (JobOffer.objects.filter(group_id=group_id, state=JobOffer.State.PENDING, run__isnull=False, **agent)
              .values_list("run_id", flat=True).first())
    if run_id is None:
        return None, []
    ids = sorted({*JobOffer.objects.filter(run_id=run_id, state=JobOffer.State.PENDING, **agent)
                  .values_list("group_id", flat=True), group_id})
    lock_groups(ids)
    return run_id, [pk for pk in ids if pk != group_id]


def _take(group: FulfilmentGroup, offer: JobOffer, actor: str, now: datetime, **agent) -> FulfilmentGroup:
    changes = {"courier": agent["courier"]} if "courier" in agent else {}
    group = transition(group=group, to=S.COURIER_ASSIGNED, actor=actor, note=agent_name(**agent), **changes)
    JobOffer.objects.filter(pk=offer.pk).update(state=JobOffer.State.ACCEPTED, answered_at=now)
    if "provider" in agent:
        DispatchJob.objects.filter(group=group).update(provider=agent["provider"])
    return group


def _accept(group_id: int, actor: str, **agent) -> FulfilmentGroup:
    """Accept the offer of this group; an offer of a run accepts the run's other open offers
    to the same agent too (those still waiting for a courier and not expired)."""
    now = timezone.now()
    run_id, mates = _run_mates(group_id, **agent)
    group = locked_group(group_id)
    offer = _pending_offer(group, **agent)
    if offer is None:
        if group.status == S.COURIER_ASSIGNED and holds(group, **agent):
            return group  # accepted twice (a retried request): the same answer
        raise JobNotFound(_("该订单没有派给您, 或已派给他人"))
    if offer.expires_at <= now:
        raise OfferExpired(_("派单已超时, 已转派他人"))
    group = _take(group, offer, actor, now, **agent)
    for mate_id in mates:
        mate = locked_group(mate_id)
        mate_offer = _pending_offer(mate, **agent)
        if (mate.status == S.POINT_ASSIGNED and mate_offer is not None and mate_offer.run_id == run_id
                and mate_offer.expires_at > now):
            _take(mate, mate_offer, actor, now, **agent)
    return group


def _decline(group_id: int, actor: str, **agent) -> FulfilmentGroup:
    """Decline an offer (a run's: every open offer of the run to the same agent, each job then
    offered on its own), or give back a job already accepted."""
    now = timezone.now()
    run_id, mates = _run_mates(group_id, **agent)
    group = locked_group(group_id)
    offer = _pending_offer(group, **agent)
    if offer is not None:
        JobOffer.objects.filter(pk=offer.pk).update(state=JobOffer.State.DECLINED, answered_at=now)
    elif group.status == S.COURIER_ASSIGNED and holds(group, **agent):
        # giving back a job already accepted, before pickup
        group = transition(group=group, to=S.POINT_ASSIGNED, actor=actor,
                           note=f"{agent_name(**agent)} 放弃, 重新派单", courier=None)
        DispatchJob.objects.filter(group=group).update(provider=None, eta_at=None)
    else:
        raise JobNotFound(_("该订单没有派给您"))
    declined = [m for m in mates if JobOffer.objects.filter(group_id=m, run_id=run_id, state=JobOffer.State.PENDING,
                                                            **agent).update(state=JobOffer.State.DECLINED,
                                                                            answered_at=now)]
    for pk in [group.pk, *declined]:
        offer_next(group_id=pk, now=now)
    return FulfilmentGroup.objects.get(pk=group.pk)


@transaction.atomic
def courier_accept(*, courier: Courier, group_id: int) -> FulfilmentGroup:
    group = _accept(group_id, f"courier:{courier.pk}", courier=courier)
    refresh_courier_status(courier.pk)
    positions.refresh_etas(courier=courier, group=group)
    return group


@transaction.atomic
def courier_decline(*, courier: Courier, group_id: int) -> FulfilmentGroup:
    group = _decline(group_id, f"courier:{courier.pk}", courier=courier)
    refresh_courier_status(courier.pk)
    return group


@transaction.atomic
def provider_accept(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider takes the booking offered to them (courier_accept for home services).

    Callers: the provider API and page (delivery.api, delivery.views), simulate_couriers."""
    return _accept(group_id, f"provider:{provider.pk}", provider=provider)


@transaction.atomic
def provider_decline(*, provider: ServiceProvider, group_id: int) -> FulfilmentGroup:
    """The provider declines (or gives back) a booking; it is offered to the next one.

    Callers: the provider API and page (delivery.api, delivery.views), simulate_couriers."""
    return _decline(group_id, f"provider:{provider.pk}", provider=provider)
