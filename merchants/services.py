"""Writes about merchants' stock: allocation that never oversells, its release and
consumption, and the shop's own movements ("received 20", "counted 48"), each written to the
stock ledger (StockMovement) in the same transaction as the counter it changes.

Oscar's StockRecord.allocate() adds to num_allocated without checking availability, and its
checkout checks availability earlier without a lock, so two checkouts can both buy the last
unit. These services lock the stock records (always in primary-key order, so concurrent
callers never deadlock), re-check inside the lock, and update the counters with F().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shop.core.errors import ConflictError, DomainError
from shop.core.queries import prepared_cursor

from .models import (
    StockMovement,
    StockRecord,
)
from .signals import listings_changed

MAX_UNITS = 1_000_000  # a movement of more units than this is a typing error


@dataclass(frozen=True)
class Shortage:
    listing_id: int
    requested: int
    available: int


class InsufficientStock(ConflictError):
    """Some listings have fewer units available than asked for; names each of them."""

    code = "insufficient_stock"

    def __init__(self, shortages: list[Shortage]):
        super().__init__(
            "库存不足: " + ", ".join(f"#{s.listing_id} 需要 {s.requested}, 剩余 {s.available}" for s in shortages),
            lines=[asdict(shortage) for shortage in shortages],
        )
        self.shortages = shortages


def _check_quantities(quantities: dict[int, int]) -> None:
    if not quantities:
        raise DomainError("no listings given", fields={"lines": ["at least one listing is required"]})
    bad = {pk: qty for pk, qty in quantities.items() if not isinstance(qty, int) or qty <= 0}
    if bad:
        raise DomainError("quantities must be positive integers", fields={str(pk): ["must be a positive integer"] for pk in bad})


def _missing(quantities: dict[int, int], found) -> None:
    missing = sorted(set(quantities) - set(found))
    if missing:
        raise DomainError("no such listing", fields={str(pk): ["no such listing"] for pk in missing})


def _locked(quantities: dict[int, int]) -> list[StockRecord]:
    _check_quantities(quantities)
    records = list(
        StockRecord.objects.select_for_update(of=("self",))
        .filter(pk__in=list(quantities))
        .select_related("product__product_class", "product__parent__product_class")
        .order_by("pk")
    )
    _missing(quantities, [record.pk for record in records])
    return records


@dataclass(frozen=True)
class _Counts:
    """What allocating needs of a locked listing: its counters and whether it counts units."""

    pk: int
    num_in_stock: int | None
    num_allocated: int | None
    tracks: bool


def _locked_counts(quantities: dict[int, int]) -> list[_Counts]:
    """_locked for allocating: the same rows locked in the same (pk) order, reading only the
    counters and the product class's track_stock (a few columns, not whole rows). Plain SQL: it
    runs on every checkout, and the ORM spent more compiling this 5-table read than running it."""
    _check_quantities(quantities)
    keys = sorted(int(pk) for pk in quantities)
    product = StockRecord._meta.get_field("product").related_model
    product_class = product._meta.get_field("product_class").related_model
    tables = {"stock": StockRecord._meta.db_table, "product": product._meta.db_table,
              "class": product_class._meta.db_table}
    lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else (
        " FOR UPDATE" if connection.features.has_select_for_update else "")
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.num_in_stock, s.num_allocated, p.structure, c.track_stock, pc.track_stock"
            " FROM {stock} s INNER JOIN {product} p ON p.id = s.product_id"
            " LEFT OUTER JOIN {class} c ON c.id = p.product_class_id"
            " LEFT OUTER JOIN {product} pp ON pp.id = p.parent_id"
            " LEFT OUTER JOIN {class} pc ON pc.id = pp.product_class_id".format(**tables)
            + f" WHERE s.id IN ({', '.join(['%s'] * len(keys))}) ORDER BY s.id" + lock,
            keys,
        )
        rows = cursor.fetchall()
    counts = []
    for pk, in_stock, allocated, structure, own, parents in rows:
        track = parents if structure == "child" else own  # Oscar's Product.get_product_class()
        counts.append(_Counts(pk=pk, num_in_stock=in_stock, num_allocated=allocated, tracks=track is None or bool(track)))
    _missing(quantities, [row.pk for row in counts])
    return counts


def _add_allocated(taken: dict[int, int]) -> None:
    """One UPDATE for every listing (rows locked by the caller): num_allocated += taken[pk]."""
    keys = sorted(taken)
    with prepared_cursor() as cursor:
        cursor.execute(
            f"UPDATE {StockRecord._meta.db_table} SET num_allocated = COALESCE(num_allocated, 0) + CASE id"
            + " WHEN %s THEN %s" * len(keys) + f" END WHERE id IN ({', '.join(['%s'] * len(keys))})",
            [value for pk in keys for value in (pk, taken[pk])] + keys,
        )


def tracks_stock(record: StockRecord) -> bool:
    """Whether the listing counts units (home services and untracked classes do not)."""
    product_class = record.product.get_product_class()
    return product_class.track_stock if product_class else True


def available(record: StockRecord) -> int:
    return (record.num_in_stock or 0) - (record.num_allocated or 0)


Reason = StockMovement.Reason


def _write_movements(movements: list[StockMovement]) -> None:
    if movements:
        StockMovement.objects.bulk_create(movements)
        listings_changed.send(sender=StockMovement, listing_ids=sorted({m.listing_id for m in movements}))


def allocate_stock(*, quantities: dict[int, int], group_id: int | None = None, actor=None, savepoint: bool = True) -> None:
    """Allocate units of several listings at once, all or nothing.

    Raises InsufficientStock naming every short listing (and allocates nothing) when any
    listing lacks units; DomainError for unknown listings or non-positive quantities.
    Writes one `allocated` movement per listing. ``savepoint=False`` for a caller whose own
    transaction ends on any error (the checkout): no SAVEPOINT and RELEASE of its own, an error
    rolls back the caller's block (Django's atomic(savepoint=False)).
    """
    with transaction.atomic(savepoint=savepoint):
        records = [record for record in _locked_counts(quantities) if record.tracks]
        shortages = [
            Shortage(listing_id=record.pk, requested=quantities[record.pk], available=max(available(record), 0))
            for record in records
            if available(record) < quantities[record.pk]
        ]
        if shortages:
            raise InsufficientStock(shortages)
        if records:  # one UPDATE for every listing (the rows are locked above, in pk order)
            _add_allocated({record.pk: quantities[record.pk] for record in records})
        _write_movements([
            StockMovement(listing_id=record.pk, reason=Reason.ALLOCATED, allocated_delta=quantities[record.pk],
                          group_id=group_id, actor=actor)
            for record in records
        ])


@transaction.atomic
def release_allocation(*, quantities: dict[int, int], group_id: int | None = None, actor=None) -> None:
    """Give allocated units back (a cancelled, rejected, failed or expired order); never below
    zero. Writes a `released` movement per listing that gave units back. Calling it once per
    ended group is the caller's duty (the group's status says whether it already ran)."""
    movements = []
    for record in _locked(quantities):
        if not tracks_stock(record):
            continue
        released = min(quantities[record.pk], record.num_allocated or 0)
        if released <= 0:
            continue
        StockRecord.objects.filter(pk=record.pk).update(num_allocated=F("num_allocated") - released)
        movements.append(StockMovement(listing_id=record.pk, reason=Reason.RELEASED, allocated_delta=-released,
                                       group_id=group_id, actor=actor))
    _write_movements(movements)


def release_stock(*, quantities: dict[int, int], group_id: int | None = None, actor=None) -> None:
    """The older name of release_allocation (checkout's callers use it)."""
    release_allocation(quantities=quantities, group_id=group_id, actor=actor)


@transaction.atomic
def consume_allocation(*, quantities: dict[int, int], group_id: int | None = None, actor=None) -> None:
    """The goods left the shop for good (delivered or collected): the allocated units leave the
    shelf. Both counters go down by the units still allocated (never below zero), one `sold`
    movement per listing. For the order loop to call once per group that ended delivered."""
    movements = []
    for record in _locked(quantities):
        if not tracks_stock(record):
            continue
        taken = min(quantities[record.pk], record.num_allocated or 0)  # the allocation closes whole
        sold = min(taken, max(record.num_in_stock or 0, 0))  # a shelf counted short never goes below zero
        if taken <= 0:
            continue
        StockRecord.objects.filter(pk=record.pk).update(
            num_allocated=F("num_allocated") - taken, num_in_stock=F("num_in_stock") - sold
        )
        movements.append(StockMovement(listing_id=record.pk, reason=Reason.SOLD, delta=-sold, allocated_delta=-taken,
                                       group_id=group_id, actor=actor))
    _write_movements(movements)


def _one_locked(listing_id: int, partner_id: int | None) -> StockRecord:
    query = StockRecord.objects.select_for_update(of=("self",)).select_related(
        "product__product_class", "product__parent__product_class"
    ).filter(pk=listing_id)
    if partner_id is not None:
        query = query.filter(partner_id=partner_id)
    record = query.first()
    if record is None:
        raise DomainError("no such listing", fields={"listing": ["no such listing"]})
    if not tracks_stock(record):
        raise DomainError("这个商品不计库存 (上门服务按预约时段)", fields={"listing": ["stock is not tracked"]})
    return record


def checked_units(value, *, name: str, minimum: int) -> int:
    """A whole number of units within minimum..MAX_UNITS, or 422 naming the field."""
    return _units(value, name=name, minimum=minimum)


def _units(value, *, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_UNITS:
        raise DomainError(
            f"数量须为 {minimum} 到 {MAX_UNITS} 之间的整数", fields={name: [f"must be an integer {minimum}..{MAX_UNITS}"]}
        )
    return value


@transaction.atomic
def receive_stock(*, listing_id: int, quantity: int, partner_id: int | None = None, actor=None,
                  note: str = "", reason: str = Reason.RECEIVED) -> StockMovement:
    """"Received 20": N more units on the shelf. Adds with F() under the row's lock, so a
    concurrent checkout's allocation is never overwritten. `partner_id` scopes the listing to
    one shop (a listing of another shop is "no such listing"). `reason` may be `returned`."""
    quantity = _units(quantity, name="quantity", minimum=1)
    if reason not in {Reason.RECEIVED, Reason.RETURNED}:
        raise DomainError("unknown reason", fields={"reason": ["received or returned"]})
    _one_locked(listing_id, partner_id)
    StockRecord.objects.filter(pk=listing_id).update(num_in_stock=Coalesce(F("num_in_stock"), 0) + quantity)
    movement = StockMovement(listing_id=listing_id, reason=reason, delta=quantity, actor=actor, note=note[:200])
    _write_movements([movement])
    return movement


@transaction.atomic
def count_stock(*, listing_id: int, counted: int, partner_id: int | None = None, actor=None,
                note: str = "") -> StockMovement | None:
    """"Counted 48": the shelf holds `counted` units (allocated ones still on it included).

    The difference to the counter read under the row's lock is added with F(): a checkout
    that allocated meanwhile waited for the lock and its allocation stays. No movement when
    nothing changed (None)."""
    counted = _units(counted, name="counted", minimum=0)
    record = _one_locked(listing_id, partner_id)
    delta = counted - (record.num_in_stock or 0)
    if delta == 0:
        return None
    StockRecord.objects.filter(pk=listing_id).update(num_in_stock=Coalesce(F("num_in_stock"), 0) + delta)
    movement = StockMovement(listing_id=listing_id, reason=Reason.COUNTED, delta=delta, actor=actor, note=note[:200])
    _write_movements([movement])
    return movement


def record_opening(*, records: Iterable[StockRecord]) -> int:
    """Opening balances for listings created with counters (a new listing, a bulk load): one
    `opening` movement each, so the ledger adds up to the counters from the start."""
    movements = [
        StockMovement(listing_id=record.pk, reason=Reason.OPENING, delta=record.num_in_stock or 0,
                      allocated_delta=record.num_allocated or 0, note="opening balance")
        for record in records
    ]
    StockMovement.objects.bulk_create(movements, batch_size=2000)
    return len(movements)


# --- the shop's own listings (the merchant portal) ---------------------------------------------

MAX_PRICE = Decimal("99999.99")


def _locked_listing(*, shop_id: int, listing_id: int) -> StockRecord:
    record = StockRecord.objects.select_for_update(of=("self",)).filter(pk=listing_id, partner_id=shop_id).first()
    if record is None:
        raise DomainError(_("没有这个商品"), fields={"listing": [_("没有这个商品")]})
    return record


def checked_price(value) -> Decimal:
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("价格格式不对"), fields={"price": [_("请填写金额, 如 12.80")]}) from None
    if not price.is_finite() or price <= 0 or price > MAX_PRICE or price != price.quantize(Decimal("0.01")):
        raise DomainError(_("价格须在 0.01 到 99999.99 元之间, 最多两位小数"),
                          fields={"price": [_("价格须在 0.01 到 99999.99 元之间, 最多两位小数")]})
    return price


@transaction.atomic
def update_listing(*, shop_id: int, listing_id: int, price=None, is_published: bool | None = None,
                   low_stock_threshold: int | None = None, clear_threshold: bool = False,
                   partner_sku: str | None = None) -> StockRecord:
    """Change a listing's own fields (never its stock counters: those move through the ledger).

    Saved with save(update_fields=...), so the search outbox row is written in the same
    transaction (catalog.search.outbox) and the resident sees the change within seconds."""
    record = _locked_listing(shop_id=shop_id, listing_id=listing_id)
    changed = []
    if price is not None:
        record.price = checked_price(price)
        changed.append("price")
    if is_published is not None:
        record.is_published = bool(is_published)
        changed.append("is_published")
    if clear_threshold or low_stock_threshold is not None:
        if low_stock_threshold is not None and (
            isinstance(low_stock_threshold, bool) or not isinstance(low_stock_threshold, int)
            or not 0 <= low_stock_threshold <= MAX_UNITS
        ):
            raise DomainError(_("低库存提醒数量须为不小于 0 的整数"), fields={"low_stock_threshold": [_("须为整数")]})
        record.low_stock_threshold = None if clear_threshold else low_stock_threshold
        changed.append("low_stock_threshold")
    if partner_sku is not None:
        sku = partner_sku.strip()
        if not sku or len(sku) > 128:
            raise DomainError(_("货号不能为空"), fields={"partner_sku": [_("货号不能为空, 最长 128 字")]})
        if StockRecord.objects.filter(partner_id=shop_id, partner_sku=sku).exclude(pk=record.pk).exists():
            raise ConflictError(_("本店已有这个货号"), code="duplicate_sku", fields={"partner_sku": [_("本店已有这个货号")]})
        record.partner_sku = sku
        changed.append("partner_sku")
    if changed:
        record.save(update_fields=[*changed, "date_updated"])
    return record
