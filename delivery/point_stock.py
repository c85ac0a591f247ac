"""Stock held at fulfilment points other than the shop (front warehouses 前置仓, stations), as
stock-ledger movements (merchants.StockMovement rows with a ``point_id``).

One source of truth for a merchant's units: the listing (StockRecord) counts every unit the
merchant holds, wherever it is, and checkout allocates from it; a PointStock row says how many
of those units sit at one point, free for dispatch to take. So

    received at a point   the listing +n (received) and the point +n (received): new goods
    transferred           the point +n only (transferred): units move from the shop's shelf
    routed to the point   the point −n (allocated, the group): dispatch takes the units there
    ended before leaving  the point +n (released, the group): given back (services.transition)
    delivered/collected   the listing −n (sold): the order layer consumes the allocation once;
                          the point already gave its units up when the group was routed there

``stock_audit`` checks each PointStock row against the sum of its movements.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from merchants import services as stock
from merchants.models import StockMovement, StockRecord
from shop.core.errors import ConflictError, DomainError

from .models import FulfilmentPoint, PointStock

Reason = StockMovement.Reason


def point_movements(*, point_id: int, group_id: int, taken: Mapping[int, int]) -> None:
    """Ledger rows for units dispatch took at a point for a group (listing → units)."""
    StockMovement.objects.bulk_create([
        StockMovement(listing_id=listing_id, point_id=point_id, reason=Reason.ALLOCATED, delta=-units,
                      group_id=group_id)
        for listing_id, units in sorted(taken.items()) if units])


def _point_for(*, point_id: int, partner_id: int) -> FulfilmentPoint:
    point = FulfilmentPoint.objects.filter(pk=point_id, is_active=True).first()
    if point is None or point.kind == FulfilmentPoint.Kind.STORE or point.merchant_id not in (None, partner_id):
        raise DomainError(_("没有这个仓库或自提点"), fields={"point": [_("请选择本店的前置仓或社区自提点")]})
    return point


def _locked_row(point_id: int, listing_id: int) -> PointStock:
    PointStock.objects.get_or_create(point_id=point_id, listing_id=listing_id)
    return PointStock.objects.select_for_update().get(point_id=point_id, listing_id=listing_id)


@transaction.atomic
def receive_at_point(*, point_id: int, listing_id: int, quantity: int, partner_id: int, actor=None,
                     note: str = "") -> PointStock:
    """New goods arrive at a point: the listing's units and the point's grow together."""
    point = _point_for(point_id=point_id, partner_id=partner_id)
    stock.receive_stock(listing_id=listing_id, quantity=quantity, partner_id=partner_id, actor=actor,
                        note=(note or f"{point.name}")[:200])
    row = _locked_row(point.pk, listing_id)
    PointStock.objects.filter(pk=row.pk).update(num_in_stock=F("num_in_stock") + quantity)
    StockMovement.objects.create(listing_id=listing_id, point_id=point.pk, reason=Reason.RECEIVED, delta=quantity,
                                 actor=actor, note=note[:200])
    row.refresh_from_db()
    return row


@transaction.atomic
def transfer_to_point(*, point_id: int, listing_id: int, quantity: int, partner_id: int, actor=None,
                      note: str = "") -> PointStock:
    """Units move from the shop's shelf to a point (调拨). The shop keeps enough for what it has
    sold and not handed over: 409 naming what is free when it does not hold `quantity`."""
    quantity = stock.checked_units(quantity, name="quantity", minimum=1)
    point = _point_for(point_id=point_id, partner_id=partner_id)
    record = StockRecord.objects.select_for_update(of=("self",)).filter(pk=listing_id, partner_id=partner_id).first()
    if record is None:
        raise DomainError(_("没有这个商品"), fields={"listing": [_("没有这个商品")]})
    at_points = sum(PointStock.objects.filter(listing_id=listing_id).values_list("num_in_stock", flat=True))
    free = (record.num_in_stock or 0) - (record.num_allocated or 0) - at_points
    if quantity > free:
        raise ConflictError(_("店内可调拨的只有 %(free)s 件") % {"free": max(free, 0)}, code="insufficient_stock",
                            fields={"quantity": [_("最多可调拨 %(free)s 件") % {"free": max(free, 0)}]})
    row = _locked_row(point.pk, listing_id)
    PointStock.objects.filter(pk=row.pk).update(num_in_stock=F("num_in_stock") + quantity)
    StockMovement.objects.create(listing_id=listing_id, point_id=point.pk, reason=Reason.TRANSFERRED, delta=quantity,
                                 actor=actor, note=note[:200])
    row.refresh_from_db()
    return row


@transaction.atomic
def adjust_point_stock(*, point_id: int, listing_id: int, delta: int, actor=None, note: str = "") -> PointStock:
    """An operator's correction of a point's units by `delta` (盘点), added with F() under the
    row's lock, so a change made meanwhile (dispatch taking units, a transfer) stays; a
    `counted` movement keeps the ledger adding up. 409 if the point would hold fewer than 0."""
    row = _locked_row(point_id, listing_id)
    if delta == 0:
        return row
    if row.num_in_stock + delta < 0:
        raise ConflictError(_("履约点现有 %(units)s 件, 不能减少 %(delta)s 件") % {"units": row.num_in_stock, "delta": -delta},
                            code="insufficient_stock", fields={"num_in_stock": [_("库存不能小于 0")]})
    PointStock.objects.filter(pk=row.pk).update(num_in_stock=F("num_in_stock") + delta)
    StockMovement.objects.create(listing_id=listing_id, point_id=point_id, reason=Reason.COUNTED, delta=delta,
                                 actor=actor, note=note[:200])
    row.refresh_from_db()
    return row


def open_point_ledgers() -> int:
    """Opening movements for point stock that has units and no ledger row yet (rows written
    before the ledger, the demo's bulk load): the ledger then adds up to the counters."""
    have = set(StockMovement.objects.filter(point_id__isnull=False).values_list("point_id", "listing_id").distinct())
    rows = [StockMovement(listing_id=listing_id, point_id=point_id, reason=Reason.OPENING, delta=units,
                          note="opening balance")
            for point_id, listing_id, units in PointStock.objects.values_list("point_id", "listing_id", "num_in_stock")
            if units and (point_id, listing_id) not in have]
    StockMovement.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def point_stock_drift() -> list[tuple[int, int, int, int]]:
    """(point, listing, counter, ledger) for every point stock row whose counter differs from
    the sum of its movements (and every ledger sum without a row). One aggregate."""
    from django.db import connection

    movements, rows = StockMovement._meta.db_table, PointStock._meta.db_table
    sql = f"""
        SELECT COALESCE(ps.point_id, l.point_id), COALESCE(ps.listing_id, l.listing_id),
               COALESCE(ps.num_in_stock, 0), COALESCE(l.units, 0)
        FROM {rows} ps
        FULL OUTER JOIN (SELECT point_id, listing_id, SUM(delta) AS units FROM {movements}
                         WHERE point_id IS NOT NULL GROUP BY point_id, listing_id) l
          ON l.point_id = ps.point_id AND l.listing_id = ps.listing_id
        WHERE COALESCE(ps.num_in_stock, 0) <> COALESCE(l.units, 0)
        ORDER BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(int(value) for value in row) for row in cursor.fetchall()]


def left_at_station(*, group) -> dict[int, int]:
    """A station pickup that ends uncollected (expired, cancelled) while its goods sit at the
    station: those units become the station's point stock (returned, the group), exactly once,
    so the ledger says where they are; the merchant fetches or transfers them from there. The
    listing's own allocation is released by the order layer as for any early end. Called with
    the group locked, from its transition; answers listing → units recorded."""
    if not group.pickup_point_id:
        return {}
    if StockMovement.objects.filter(group_id=group.pk, point_id=group.pickup_point_id,
                                    reason=Reason.RETURNED).exists():
        return {}
    units: dict[int, int] = {}
    for listing_id, quantity in group.lines.filter(listing__isnull=False, slot__isnull=True).values_list(
            "listing_id", "quantity"):
        units[listing_id] = units.get(listing_id, 0) + quantity
    for listing_id in sorted(units):  # rows locked in listing order
        row = _locked_row(group.pickup_point_id, listing_id)
        PointStock.objects.filter(pk=row.pk).update(num_in_stock=F("num_in_stock") + units[listing_id])
    StockMovement.objects.bulk_create([
        StockMovement(listing_id=listing_id, point_id=group.pickup_point_id, reason=Reason.RETURNED, delta=count,
                      group_id=group.pk, note=_("自提超时未取, 留在自提点")[:200])
        for listing_id, count in sorted(units.items())])
    return units
