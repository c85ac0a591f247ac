"""What every dispatch job shares: the group locked for a step, its appointment, the courier's
load and the errors the courier API answers (delivery.routing, offers, handover, sweeps).

Idempotent by construction: every step locks the group (``locked_group``), re-checks its
status, and the database allows one open offer per group, so a task that runs twice changes
nothing the second time.

Routing works on a ``Batch``: one or several groups locked in one transaction, whose reads
(lines, candidate points, point stock, hourly loads, courier loads) are made once for all of
them (delivery.routing, delivery.offers) and whose decision, offer and outbox rows are written
in one statement each at the end. Every path takes its row locks in ONE order (docs/
architecture.md, "Lock order"):

    groups → dispatch jobs → fulfilment points → point stock → couriers → offers

each kind in pk order (a drain takes its groups with SKIP LOCKED, so it never waits for one).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, OuterRef, Prefetch, Subquery, Value, When, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shop.core.errors import ConflictError, NotFoundError

from .lifecycle import ON_THE_WAY, Status
from .models import (
    Courier,
    DeliveryRun,
    DispatchDecision,
    DispatchJob,
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentLine,
    JobOffer,
    ServiceProvider,
    Slot,
)

S = Status
ACTOR = "dispatch"
OFFER_SECONDS = settings.DISPATCH_OFFER_SECONDS
PROVIDER_OFFER_SECONDS = 600  # a provider answers a booking for later at their own pace
SCHEDULE_LEAD = timedelta(minutes=45)  # a delivery window is offered this long before it starts


class JobNotFound(NotFoundError):
    """404: no such job, or it is not offered to / held by this courier."""


class OfferExpired(ConflictError):
    code = "offer_expired"


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=FulfilmentLine.objects.select_related("slot", "order_line").order_by("pk"))


def group_lines(group: FulfilmentGroup) -> list[FulfilmentLine]:
    """The group's lines with their slots, read once per group instance (routing asks twice)."""
    cached = getattr(group, "_prefetched_objects_cache", {}).get("lines")
    if cached is None:  # (a batch prefetched them: asked several times a group, not rebuilt each time)
        prefetch_related_objects([group], _lines())
        cached = group._prefetched_objects_cache["lines"]
    return list(cached)


def service_slot(group: FulfilmentGroup) -> Slot | None:
    """The appointment of a home-service booking (None for goods)."""
    slots = [line.slot for line in group_lines(group) if line.slot_id and line.slot.kind == Slot.Kind.SERVICE]
    return min(slots, key=lambda slot: slot.starts_at, default=None)


def store_pickup(group: FulfilmentGroup) -> bool:
    return group.method == FulfilmentGroup.Method.PICKUP and not group.pickup_point_id


def _groups(**lock):
    """Groups locked (their own rows only) with what every step reads. Joined: the drop-off and
    the window (routing asks for both); fetched after, one query each and only when some group
    has one: the points and the courier (a group waiting for dispatch has none). Joining all
    five made PostgreSQL plan a 9-table join for every claim: ~10 ms of planning for a query
    that runs in 0.2 ms."""
    return (FulfilmentGroup.objects.select_for_update(of=("self",), **lock)
            .select_related("dropoff", "window").prefetch_related("point", "pickup_point", "courier")
            .annotate(merchant_delivery=F("merchant__delivery_capability")))


def locked_group(group_id: int) -> FulfilmentGroup:
    batch = _batch.get()
    if batch is not None and group_id in batch.groups:
        return batch.groups[group_id]  # locked with its batch
    try:
        return _groups().get(pk=group_id)
    except FulfilmentGroup.DoesNotExist:
        raise JobNotFound(_("没有这个订单")) from None


def lock_groups(group_ids: list[int]) -> dict[int, FulfilmentGroup]:
    """Several groups locked at once, in pk order (a run's, delivery.offers)."""
    return {group.pk: group for group in _groups().filter(pk__in=group_ids).order_by("pk")}


class Batch:
    """Groups routed in one transaction: locked, read set-based once, written in bulk.

    ``claim`` (the drain) takes up to `limit` groups whose dispatch is pending, oldest request
    first, skipping groups another transaction holds; ``of`` (one group: beat, the admin, the
    demo) waits for its group. Both then lock the groups' dispatch jobs in pk order. Inside
    ``active()`` the routing and offer steps find the batch (``current_batch``): routing plans
    every group's point at its first call (delivery.routing), offers every courier at theirs
    (delivery.offers); the decisions, offers and outbox marks are inserted on leaving."""

    def __init__(self, groups: list[FulfilmentGroup], now: datetime):
        self.groups = {group.pk: group for group in groups}
        self.now = now
        self.jobs = {job.group_id: job for job in DispatchJob.objects.select_for_update()
                     .filter(group_id__in=list(self.groups)).order_by("pk")} if groups else {}
        prefetch_lines(groups)  # every step asks for them (the appointment, the goods)
        self.points: dict | None = None  # group id -> (point, candidates, stock to take): delivery.routing
        self.couriers: dict | None = None  # group id -> (courier id, metres): delivery.offers
        self.runs: dict = {}  # group id -> its delivery.runs.Run, for the runs offered whole
        self.chains: dict[int, dict] = {}  # group id -> its decision's "chain" (delivery.runs)
        self.decisions: list[DispatchDecision] = []
        self.events: list[FulfilmentEvent] = []  # the routed groups' status events (services.transition)
        self.offers: list[JobOffer] = []
        self.routed: list[int] = []
        self.empty = False  # claim found no pending group free to take
        self.short = True  # claim found fewer than it asked for (delivery.tasks.drain_pending stops)

    @classmethod
    def claim(cls, *, limit: int, exclude: list[int], now: datetime) -> Batch:
        pending = (_groups(skip_locked=True)
                   .filter(dispatch__requested_at__isnull=False, dispatch__routed_at__isnull=True)
                   .exclude(pk__in=exclude).order_by("dispatch__requested_at", "pk"))
        batch = cls(list(pending[:limit]), now)
        batch.empty = not batch.groups
        batch.short = len(batch.groups) < limit  # every pending group free to take was in it
        for group_id in [pk for pk in batch.groups if batch.jobs.get(pk) is None or batch.jobs[pk].routed_at]:
            del batch.groups[group_id]  # routed by another drain between our look and our lock
        return batch

    @classmethod
    def of(cls, group_id: int, now: datetime) -> Batch:
        return cls([locked_group(group_id)], now)

    @contextmanager
    def active(self):
        token = _batch.set(self)
        try:
            yield self
        finally:
            _batch.reset(token)
        self.flush()

    def flush(self) -> None:
        """The batch's inserts, one statement each; the outbox rows marked routed."""
        rows = list({id(run.row): run.row for run in self.runs.values() if run.row is not None}.values())
        if rows:
            DeliveryRun.objects.bulk_create(rows)  # before the offers and decisions naming them
        for decision in self.decisions:
            if decision.group_id in self.chains:
                run = self.runs.get(decision.group_id)
                decision.chain = {**self.chains[decision.group_id], **({"run": run.row.pk} if run and run.row else {})}
        DispatchDecision.objects.bulk_create(self.decisions)
        FulfilmentEvent.objects.bulk_create(self.events)
        JobOffer.objects.bulk_create(self.offers)
        routed = [pk for pk in self.routed if pk in self.jobs and not self.jobs[pk].routed_at]
        if routed:
            DispatchJob.objects.filter(group_id__in=routed, routed_at__isnull=True).update(routed_at=self.now)
        missing = [pk for pk in self.routed if pk not in self.jobs]  # routed before, or never requested
        if missing:
            DispatchJob.objects.bulk_create([DispatchJob(group_id=pk, routed_at=self.now) for pk in missing],
                                            ignore_conflicts=True)
        self.decisions, self.offers, self.routed, self.runs, self.chains, self.events = [], [], [], {}, {}, []


_batch: ContextVar[Batch | None] = ContextVar("dispatch_batch", default=None)


def current_batch() -> Batch | None:
    return _batch.get()


def prefetch_lines(groups: list[FulfilmentGroup]) -> None:
    """Every group's lines (with slots) in one query; group_lines then reads them."""
    prefetch_related_objects(groups, _lines())


def count_for_courier(queryset):
    """A correlated count of `queryset`'s rows per Courier (for .annotate on couriers)."""
    counted = queryset.filter(courier_id=OuterRef("pk")).order_by().values("courier_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


@functools.cache
def couriers_with_load():
    """Couriers annotated with `load`: groups held plus open offers for groups still waiting.
    Built once: composing the two subqueries costs more than running them."""
    return Courier.objects.order_by().annotate(
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
