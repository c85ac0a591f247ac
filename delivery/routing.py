"""Routing: choose a group's fulfilment point (created → point_assigned).

Routing picks, among the active points of the merchant and of anyone (e.g. a community pickup
station) holding PointStock of the group's listings, one that has the goods, is open when they
leave, has capacity left this hour (`capacity_per_hour`, counted from the decisions of the last
hour) and is nearest in travel time to the drop-off (delivery.travel); the DispatchDecision
keeps every candidate and why it lost. The merchant's own store always has the goods (its stock
was allocated at checkout); any other point must hold every goods line as PointStock, whose
units are taken under the point's lock when it is chosen (noted on the FulfilmentLines) and
given back by services.transition when the group ends rejected, cancelled or failed before
leaving it.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import get_language

from merchants.models import OpeningException, OpeningPeriod

from . import travel
from .jobs import ACTOR, Batch, S, current_batch, group_lines, prefetch_lines, service_slot, store_pickup
from .models import DispatchDecision, FulfilmentGroup, FulfilmentLine, FulfilmentPoint, PointHours, PointStock, Slot
from .point_stock import point_movements
from .selectors import point_closed_reason, point_is_open
from .services import transition


def _is_open(point: FulfilmentPoint, at: datetime) -> bool:
    return point_is_open(point, at)  # one set of hours: delivery.selectors


def leaves_at(group: FulfilmentGroup, slot: Slot | None, now: datetime) -> datetime:
    """When the goods (or the provider) leave the point: the window's or appointment's start, or
    now (routing checks the point's hours then; delivery.runs starts a run then)."""
    start = slot.starts_at if slot else (group.window.starts_at if group.window_id else None)
    return max(start, now) if start else now


def promise_of(group: FulfilmentGroup, slot: Slot | None, now: datetime) -> datetime:
    """The group's promise: the one checkout wrote, else the promise rule's (delivery.travel)."""
    return group.promised_at or travel.promised_at(
        method=group.method, window=group.window if group.window_id else None,
        service_starts=[slot.starts_at] if slot else [], now=now)


def _own_store(point: FulfilmentPoint, group: FulfilmentGroup) -> bool:
    """The merchant's own store holds its stock (allocated at checkout); any other point holds
    a listing only as PointStock rows."""
    return point.kind == FulfilmentPoint.Kind.STORE and point.merchant_id == group.merchant_id


def _goods_lines(group: FulfilmentGroup) -> list[FulfilmentLine]:
    """The lines that need stock at the point (a home-service booking needs none)."""
    return [line for line in group_lines(group) if line.listing_id and not line.slot_id]


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


def _take_stock(point_id: int, group: FulfilmentGroup, rows: dict[int, PointStock]) -> None:
    """Write down the units planned from a non-store point (rows: listing → its PointStock row,
    locked by the plan): counters with F(), the ledger's rows, and on each line where its
    units came from (to give them back: services.release_point_stock)."""
    lines = _goods_lines(group)
    need = _needed(lines)
    for listing_id, row in sorted(rows.items(), key=lambda item: item[1].pk):
        PointStock.objects.filter(pk=row.pk).update(num_in_stock=F("num_in_stock") - need[listing_id])
    point_movements(point_id=point_id, group_id=group.pk, taken=need)
    for line in lines:
        line.point_stock = rows[line.listing_id]
    FulfilmentLine.objects.bulk_update(lines, ["point_stock"])


def _candidates(group: FulfilmentGroup, points: dict, held: dict, at: datetime) -> list[dict]:
    """The group's candidate points, each with its travel time and, when it cannot serve, why."""
    destination = travel.destination_of(group)
    lines = _goods_lines(group)
    listing_ids = set(_needed(lines))
    candidates = []
    for point in points.values():
        if point.merchant_id != group.merchant_id and not listing_ids & set(held[point.pk]):
            continue  # another's point holding none of these goods
        minutes = travel.travel_minutes(point.lat, point.lng, *destination) if destination else None
        reason = ""
        if store_pickup(group) and not _own_store(point, group):
            reason = "到店自提只在门店"
        elif not _is_open(point, at):
            reason = point_closed_reason(point)
        elif not _own_store(point, group):
            reason = _shortage(lines, held[point.pk])
        candidates.append({"point_id": point.pk, "name": point.name, "kind": point.kind,
                           "travel_min": None if minutes is None else round(minutes, 1),
                           "chosen": False, "reason": reason})
    candidates.sort(key=lambda c: (c["travel_min"] or 0, c["point_id"]))
    return candidates


def _hours() -> tuple[Prefetch, ...]:
    """The points' hours, unordered (the hours rule does not need an order; the models' own
    order joins the merchant, or the point and its community, to every read)."""
    return (Prefetch("merchant__opening_periods", queryset=OpeningPeriod.objects.order_by()),
            Prefetch("merchant__opening_exceptions", queryset=OpeningException.objects.order_by()),
            Prefetch("hours", queryset=PointHours.objects.order_by()))


def plan_points(batch: Batch) -> dict:
    """Choose the point of every "created" group of the batch at once (group id → (point or
    None, candidates, stock rows to take)). Set-based: the lines, the candidate points (the
    merchants' and any holding stock of the listings) with their hours, and the stock they
    hold are read once; then the points that could serve are locked in pk order, their load of
    the last hour counted in one query, the stock rows locked in pk order, and each group, in
    pk order, takes the nearest that still has room and stock (re-checked under the locks, kept
    in memory as the batch's groups take places and units: two groups must not both take a
    point's last place or its last unit)."""
    now = batch.now
    groups = [group for group in batch.groups.values() if group.status == S.CREATED]
    if not groups:
        return {}
    prefetch_lines(groups)
    listing_ids = sorted({listing_id for group in groups for listing_id in _needed(_goods_lines(group))})
    stocked = PointStock.objects.filter(listing_id__in=listing_ids).order_by()  # (Meta's order joins two tables)
    where = Q(merchant_id__in={group.merchant_id for group in groups})
    if listing_ids:
        where |= Q(pk__in=stocked.values("point_id"))
    points = {p.pk: p for p in FulfilmentPoint.objects.filter(where, is_active=True).select_related("merchant")
              .prefetch_related(*_hours()).order_by("pk")}
    held: dict[int, dict[int, int]] = {pk: {} for pk in points}
    if listing_ids:
        for point_id, listing_id, units in stocked.filter(point_id__in=list(points)).values_list(
                "point_id", "listing_id", "num_in_stock"):
            held[point_id][listing_id] = units
    candidates = {group.pk: _candidates(group, points, held, leaves_at(group, service_slot(group), now))
                  for group in groups}
    usable = sorted({c["point_id"] for rows in candidates.values() for c in rows if not c["reason"]})
    locked = list(FulfilmentPoint.objects.select_for_update().filter(pk__in=usable).order_by("pk")
                  .values_list("pk", flat=True)) if usable else []
    used = Counter(dict(DispatchDecision.objects.filter(point_id__in=locked, decided_at__gt=now - timedelta(hours=1))
                        .order_by().values("point_id").annotate(n=Count("pk")).values_list("point_id", "n"))) \
        if locked else Counter()
    stock_rows: dict[int, dict[int, PointStock]] = {pk: {} for pk in locked}
    away = sorted({c["point_id"] for group in groups for c in candidates[group.pk]
                   if not c["reason"] and not _own_store(points[c["point_id"]], group)} & set(locked))
    if away and listing_ids:
        for row in PointStock.objects.select_for_update().filter(point_id__in=away, listing_id__in=listing_ids) \
                .order_by("pk"):
            stock_rows[row.point_id][row.listing_id] = row
    plan = {}
    for group in groups:
        plan[group.pk] = _choose(group, candidates[group.pk], points, used, stock_rows)
    return plan


def _choose(group: FulfilmentGroup, candidates: list[dict], points: dict, used: Counter, stock_rows: dict):
    """The nearest candidate with room this hour and the goods (under the plan's locks)."""
    lines = _goods_lines(group)
    for row in candidates:
        if row["reason"]:
            continue
        point = points[row["point_id"]]
        if used[point.pk] >= point.capacity_per_hour:
            row["reason"] = f"本小时已满 ({used[point.pk]}/{point.capacity_per_hour})"
            continue
        take = {}
        if not _own_store(point, group):
            rows = stock_rows[point.pk]
            row["reason"] = _shortage(lines, {listing_id: r.num_in_stock for listing_id, r in rows.items()})
            if row["reason"]:
                continue
            for listing_id, units in _needed(lines).items():
                rows[listing_id].num_in_stock -= units  # what is left for the batch's next groups
                take[listing_id] = rows[listing_id]
        used[point.pk] += 1
        row["chosen"] = True
        for other in candidates:
            if not other["reason"] and not other["chosen"]:
                other["reason"] = f"较远 ({other['travel_min']} 分钟, 选中的 {row['travel_min']} 分钟)"
        return point, candidates, take
    return None, candidates, {}


@functools.cache
def _kind_label(kind: str, language: str | None) -> str:
    """The point kind's label (get_kind_display builds the choices and translates on every call)."""
    return str(dict(FulfilmentPoint.Kind.choices).get(kind, kind))


def route(group: FulfilmentGroup, slot: Slot | None, now: datetime) -> FulfilmentGroup:
    """Route a locked "created" group of the current batch by the batch's plan; its decision
    and its dispatch request's "routed" mark are written when the batch ends (whatever the
    outcome: a group no point could take stays "created" and beat tries again)."""
    batch = current_batch()
    if group.status == S.CREATED:
        if batch.points is None:
            batch.points = plan_points(batch)
        point, candidates, take = batch.points[group.pk]
        if point is None:
            reason = "无可用履约点, 稍后重试" if candidates else "商户没有登记履约点"
        else:
            chosen = next(c for c in candidates if c["chosen"])
            distance = f", 距送达点 {chosen['travel_min']} 分钟" if chosen["travel_min"] is not None else ""
            reason = f"选中{_kind_label(point.kind, get_language())}「{point.name}」{distance}"
            if take:
                _take_stock(point.pk, group, take)
        batch.decisions.append(DispatchDecision(group=group, point=point, candidates=candidates, reason=reason,
                                                decided_at=now))
        if point is not None:
            group = transition(group=group, to=S.POINT_ASSIGNED, actor=ACTOR, note=reason[:200], point=point,
                               promised_at=promise_of(group, slot, now), events=batch.events)
    batch.routed.append(group.pk)
    return group


@transaction.atomic
def assign_point(*, group_id: int, now: datetime | None = None) -> FulfilmentGroup:
    """Route a "created" group to its point (point_assigned), recording the decision.

    A group in any other status is left as it is (routed already, cancelled...). When no point
    qualifies the decision says why and the group stays "created"; beat tries again.
    Production routes through offers.route_and_offer (routing, then the first offer); this
    step alone is for the order-loop issue (11) and the tests.
    """
    now = now or timezone.now()
    with Batch.of(group_id, now).active() as batch:
        group = batch.groups[group_id]
        return route(group, service_slot(group), now)
