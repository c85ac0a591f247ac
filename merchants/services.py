"""Writes about merchants' stock: allocation that never oversells, and its release.

Oscar's StockRecord.allocate() adds to num_allocated without checking availability, and its
checkout checks availability earlier without a lock, so two checkouts can both buy the last
unit. These services lock the stock records (always in primary-key order, so concurrent
callers never deadlock), re-check inside the lock, and update the counters with F().
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce

from shop.core.errors import ConflictError, DomainError

from .models import StockRecord


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


def _locked(quantities: dict[int, int]) -> list[StockRecord]:
    if not quantities:
        raise DomainError("no listings given", fields={"lines": ["at least one listing is required"]})
    bad = {pk: qty for pk, qty in quantities.items() if not isinstance(qty, int) or qty <= 0}
    if bad:
        raise DomainError("quantities must be positive integers", fields={str(pk): ["must be a positive integer"] for pk in bad})
    records = list(
        StockRecord.objects.select_for_update(of=("self",))
        .filter(pk__in=list(quantities))
        .select_related("product__product_class", "product__parent__product_class")
        .order_by("pk")
    )
    missing = sorted(set(quantities) - {record.pk for record in records})
    if missing:
        raise DomainError("no such listing", fields={str(pk): ["no such listing"] for pk in missing})
    return records


def tracks_stock(record: StockRecord) -> bool:
    """Whether the listing counts units (home services and untracked classes do not)."""
    product_class = record.product.get_product_class()
    return product_class.track_stock if product_class else True


def available(record: StockRecord) -> int:
    return (record.num_in_stock or 0) - (record.num_allocated or 0)


@transaction.atomic
def allocate_stock(*, quantities: dict[int, int]) -> None:
    """Allocate units of several listings at once, all or nothing.

    Raises InsufficientStock naming every short listing (and allocates nothing) when any
    listing lacks units; DomainError for unknown listings or non-positive quantities.
    """
    records = [record for record in _locked(quantities) if tracks_stock(record)]
    shortages = [
        Shortage(listing_id=record.pk, requested=quantities[record.pk], available=max(available(record), 0))
        for record in records
        if available(record) < quantities[record.pk]
    ]
    if shortages:
        raise InsufficientStock(shortages)
    for record in records:
        StockRecord.objects.filter(pk=record.pk).update(
            num_allocated=Coalesce(F("num_allocated"), 0) + quantities[record.pk]
        )


@transaction.atomic
def release_stock(*, quantities: dict[int, int]) -> None:
    """Give allocated units back (a cancelled or expired order); never below zero."""
    for record in _locked(quantities):
        if not tracks_stock(record):
            continue
        released = min(quantities[record.pk], record.num_allocated or 0)
        StockRecord.objects.filter(pk=record.pk).update(num_allocated=F("num_allocated") - released)
