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

from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import travel
from .jobs import ACTOR, S, group_lines, locked_group, service_slot, store_pickup
from .models import DispatchDecision, DispatchJob, FulfilmentGroup, FulfilmentLine, FulfilmentPoint, PointStock, Slot
from .services import transition


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
    destination = travel.destination_of(group)
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
        minutes = travel.travel_minutes(point.lat, point.lng, *destination) if destination else None
        reason = ""
        if store_pickup(group) and not _own_store(point, group):
            reason = "到店自提只在门店"
        elif not _is_open(point, at):
            reason = f"未营业 ({point.opens:%H:%M}-{point.closes:%H:%M})"
        elif not _own_store(point, group):
            reason = _shortage(lines, held[point.pk])
        candidates.append({"point_id": point.pk, "name": point.name, "kind": point.kind,
                           "travel_min": None if minutes is None else round(minutes, 1),
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


def route(group: FulfilmentGroup, slot: Slot | None, now: datetime) -> FulfilmentGroup:
    """Route a locked "created" group; mark its dispatch request done whatever the outcome."""
    if group.status == S.CREATED:
        point, candidates = _choose_point(group, slot, now)
        if point is None:
            reason = "无可用履约点, 稍后重试" if candidates else "商户没有登记履约点"
        else:
            chosen = next(c for c in candidates if c["chosen"])
            distance = f", 距送达点 {chosen['travel_min']} 分钟" if chosen["travel_min"] is not None else ""
            reason = f"选中{point.get_kind_display()}「{point.name}」{distance}"
        DispatchDecision.objects.create(group=group, point=point, candidates=candidates, reason=reason, decided_at=now)
        if point is not None:
            group = transition(
                group=group, to=S.POINT_ASSIGNED, actor=ACTOR, note=reason[:200], point=point,
                promised_at=group.promised_at or travel.promised_at(
                    method=group.method, window=group.window if group.window_id else None,
                    service_starts=[slot.starts_at] if slot else [], now=now),
            )
    if not DispatchJob.objects.filter(group=group, routed_at__isnull=True).update(routed_at=now):
        DispatchJob.objects.get_or_create(group=group, defaults={"routed_at": now})  # routed before, or never requested
    return group


@transaction.atomic
def assign_point(*, group_id: int, now: datetime | None = None) -> FulfilmentGroup:
    """Route a "created" group to its point (point_assigned), recording the decision.

    A group in any other status is left as it is (routed already, cancelled...). When no point
    qualifies the decision says why and the group stays "created"; beat tries again.
    Production routes through offers.route_and_offer (routing, then the first offer); this
    step alone is for the order-loop issue (11) and the tests.
    """
    group = locked_group(group_id)
    return route(group, service_slot(group), now or timezone.now())
