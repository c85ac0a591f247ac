"""Beat sweeps: offers past their time go to the next courier, and groups stuck past their
status's limit are routed, offered or taken back again (delivery.tasks runs them)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .jobs import ACTOR, SCHEDULE_LEAD, S, locked_group, refresh_courier_status
from .models import Courier, DispatchDecision, DispatchJob, FulfilmentGroup, JobOffer
from .offers import offer_next, route_and_offer
from .services import transition

log = logging.getLogger(__name__)

RETRY_ROUTING = timedelta(minutes=5)  # a group no point could take is routed again after this
# how long a group may sit in a status before beat re-dispatches it
STUCK_AFTER = {
    S.CREATED: timedelta(minutes=2),
    S.POINT_ASSIGNED: timedelta(seconds=30),  # with no open offer (no courier was free)
    S.COURIER_ASSIGNED: timedelta(minutes=30),  # accepted but never picked up: taken back
}


@transaction.atomic
def _expire_group_offers(group_id: int, now: datetime) -> JobOffer | None:
    group = locked_group(group_id)
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
    group = locked_group(group_id)
    if group.status != S.COURIER_ASSIGNED or group.updated_at > now - limit:
        return
    courier_id = group.courier_id
    transition(group=group, to=S.POINT_ASSIGNED, actor=ACTOR, note="骑手超时未取货, 重新派单", courier=None)
    DispatchJob.objects.filter(group_id=group_id).update(eta_at=None)
    if courier_id:
        refresh_courier_status(courier_id)
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
        refresh_courier_status(courier_id)
    return done
