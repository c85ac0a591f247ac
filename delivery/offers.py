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

from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.models import Partner
from shop.core.geo import haversine_m

from . import positions, travel
from .jobs import (
    OFFER_SECONDS,
    PROVIDER_OFFER_SECONDS,
    SCHEDULE_LEAD,
    JobNotFound,
    OfferExpired,
    S,
    agent_name,
    couriers_with_load,
    holds,
    locked_group,
    refresh_courier_status,
    service_slot,
    store_pickup,
)
from .lifecycle import ON_THE_WAY
from .models import Courier, DispatchJob, FulfilmentGroup, FulfilmentLine, JobOffer, ServiceProvider, Slot
from .routing import route
from .services import transition

COURIER_RADIUS_M = 5_000
NEAREST_COUNT = 30


def _own_couriers(group: FulfilmentGroup) -> list[int]:
    """The couriers of a merchant that delivers with its own (Partner.Delivery.OWN); empty when
    it registered none, and then platform couriers carry its orders."""
    if group.merchant_delivery != Partner.Delivery.OWN:  # annotated by locked_group
        return []
    return list(Courier.objects.filter(merchant_id=group.merchant_id).values_list("pk", flat=True))


def _offer_courier(group: FulfilmentGroup, now: datetime, *, first: bool) -> JobOffer | None:
    """The available courier nearest the point in travel time with room for one more job: the
    merchant's own couriers if it has any, else platform couriers (those of no merchant).
    Couriers already asked for this job come last (`first`: none was)."""
    origin = (group.point.lat, group.point.lng) if group.point_id else travel.destination_of(group)
    if origin is None:
        return None
    own = _own_couriers(group)
    if own:  # the merchant delivers itself: only its own couriers, wherever they are
        nearby = {pk: haversine_m(*origin, *here) for pk in own if (here := positions.position_of(pk))}
    else:
        nearby = dict(positions.nearest_couriers(*origin, radius_m=COURIER_RADIUS_M, count=NEAREST_COUNT))
    couriers = (couriers_with_load().filter(pk__in=list(nearby), merchant_id=group.merchant_id if own else None)
                .exclude(status=Courier.Status.OFFLINE).values_list("pk", "vehicle", "capacity", "load", named=True))
    tries = Counter() if first else Counter(group.offers.values_list("courier_id", flat=True))

    def rank(courier):
        speed = travel.SPEED_M_PER_MIN.get(courier.vehicle, travel.DEFAULT_SPEED)
        return tries[courier.pk], nearby[courier.pk] / speed, courier.pk

    for courier in sorted((c for c in couriers if c.load < c.capacity), key=rank):
        # Lock the courier, then count again in a new statement (it sees what committed while we
        # waited for the lock): two jobs offered at once must not both take its last place.
        locked = Courier.objects.select_for_update().filter(pk=courier.pk).exclude(status=Courier.Status.OFFLINE)
        if not locked.values_list("pk", flat=True) or \
                couriers_with_load().filter(pk=courier.pk).values_list("load", flat=True)[0] >= courier.capacity:
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
    """route_and_offer inside the caller's transaction (the outbox drain's, which also holds
    the group's DispatchJob row): no savepoint of its own."""
    group = locked_group(group_id)
    slot = service_slot(group)
    was_created = group.status == S.CREATED
    group = route(group, slot, now)
    offer = _offer(group, slot, now, routed_now=was_created)
    return group.status + ("+offer" if offer else "")


def _pending_offer(group: FulfilmentGroup, **agent) -> JobOffer | None:
    return group.offers.select_for_update().filter(state=JobOffer.State.PENDING, **agent).first()


def _accept(group_id: int, actor: str, **agent) -> FulfilmentGroup:
    now = timezone.now()
    group = locked_group(group_id)
    offer = _pending_offer(group, **agent)
    if offer is None:
        if group.status == S.COURIER_ASSIGNED and holds(group, **agent):
            return group  # accepted twice (a retried request): the same answer
        raise JobNotFound(_("该订单没有派给您, 或已派给他人"))
    if offer.expires_at <= now:
        raise OfferExpired(_("派单已超时, 已转派他人"))
    changes = {"courier": agent["courier"]} if "courier" in agent else {}
    group = transition(group=group, to=S.COURIER_ASSIGNED, actor=actor, note=agent_name(**agent), **changes)
    JobOffer.objects.filter(pk=offer.pk).update(state=JobOffer.State.ACCEPTED, answered_at=now)
    if "provider" in agent:
        DispatchJob.objects.filter(group=group).update(provider=agent["provider"])
    return group


def _decline(group_id: int, actor: str, **agent) -> FulfilmentGroup:
    now = timezone.now()
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
    offer_next(group_id=group.pk, now=now)
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
