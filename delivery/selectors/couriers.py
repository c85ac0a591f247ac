"""Reads for couriers: who is one, their jobs (offered and held), couriers with work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from ..lifecycle import (
    ON_THE_WAY,
)
from ..models import (
    Courier,
    FulfilmentGroup,
    JobOffer,
)
from .tracking import Dropoff, Place, _groups_query, dropoff_of, estimated_arrival, place_of

S = FulfilmentGroup.Status

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
class RunStop:
    """Where a job stands in a run (delivery.runs): stop `stop` of `stops`, ridden in that order."""

    id: int
    stop: int
    stops: int
    saving_min: float


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
    run: RunStop | None = None  # one of several jobs ridden together, else None


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
        .select_related("group", "run")
        .order_by("offered_at", "pk")
    )
    expiry = {offer.group_id: offer.expires_at for offer in offers}
    held_ids = list(
        FulfilmentGroup.objects.filter(courier=courier, status__in=ON_THE_WAY).order_by("pk").values_list("pk", flat=True)
    )
    runs = {offer.group_id: offer.run for offer in offers if offer.run_id}
    if held_ids:  # a held job's run: the one of the offer it was last accepted from (given back and
        # accepted again alone, it rides alone)
        runs.update((offer.group_id, offer.run) for offer in JobOffer.objects.filter(
            courier=courier, group_id__in=held_ids, state=JobOffer.State.ACCEPTED)
            .select_related("run").order_by("offered_at", "pk"))
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
                run=_run_stop(runs.get(gid), gid),
            )
        )
    return _in_run_order(jobs)


def _run_stop(run, group_id: int) -> RunStop | None:
    if run is None:
        return None
    order = [stop["group"] for stop in run.stops]
    return RunStop(id=run.pk, stop=order.index(group_id) + 1, stops=len(order), saving_min=run.saving_min)


def _in_run_order(jobs: list[Job]) -> list[Job]:
    """The jobs of one run together, in the order they are ridden, where its first one stood."""
    anchor = {}
    for index, job in enumerate(jobs):
        anchor.setdefault((job.state, job.run.id if job.run else -job.id), index)
    return sorted(jobs, key=lambda job: (anchor[(job.state, job.run.id if job.run else -job.id)],
                                         job.run.stop if job.run else 0))


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
