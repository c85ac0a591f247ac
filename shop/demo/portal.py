"""The merchant portal's demo: on first sign-in the demo shop owner (13800000002) sees a week
of sales, a low-stock warning and a pending slot booking; every demo listing's stock ledger
starts from its counters.

A pure plan (`portal_plan`, seeded by the date) and an idempotent writer (`write_portal_demo`):
orders are keyed by number (DEMOSALE-<day>-<n>, DEMOBOOK-<day>), so loading again adds only
what is missing (a new day's sales, a booking when none is pending).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from delivery.models import FulfilmentGroup, FulfilmentLine, Slot, SlotTemplate, new_pickup_code
from merchants.models import Partner, StaffRole, StockMovement, StockRecord
from merchants.services import allocate_stock, record_opening

SALE_DAYS = 7
LOW_STOCK = (3, 10)  # units on the shelf, the threshold: two listings are flagged


@dataclass(frozen=True)
class DemoSale:
    day: datetime.date
    number: str
    lines: tuple[tuple[int, int], ...]  # (index into the shop's goods listings, quantity)
    hour: int


def portal_plan(*, today: datetime.date, goods: int) -> list[DemoSale]:
    """A week of sales (three to six a day), pure: the same date gives the same plan."""
    sales = []
    if goods == 0:
        return sales
    for back in range(SALE_DAYS, 0, -1):
        day = today - datetime.timedelta(days=back)
        rng = random.Random(day.toordinal())
        for n in range(rng.randint(3, 6)):
            count = rng.randint(1, min(3, goods))
            picks = rng.sample(range(goods), count)
            sales.append(DemoSale(day=day, number=f"DEMOSALE-{day:%Y%m%d}-{n}",
                                  lines=tuple((i, rng.randint(1, 3)) for i in picks), hour=rng.randint(8, 20)))
    return sales


def write_portal_demo(*, shop: Partner, owner, buyers: list, now=None) -> None:
    now = now or timezone.now()
    StaffRole.objects.get_or_create(partner=shop, user=owner, defaults={"role": StaffRole.Role.OWNER})
    open_ledgers()
    goods = list(
        StockRecord.objects.filter(partner=shop, product__product_class__track_stock=True, price__isnull=False)
        .select_related("product").order_by("pk")
    )
    flag_low_stock(goods)
    write_sales(shop=shop, goods=goods, buyers=buyers, now=now)
    write_booking(shop=shop, goods=goods, buyer=buyers[0] if buyers else owner, now=now)


def open_ledgers() -> None:
    """An opening movement for each listing (of any shop) that has counters and no ledger row."""
    without = StockRecord.objects.exclude(pk__in=StockMovement.objects.values("listing_id")).only(
        "pk", "num_in_stock", "num_allocated")
    record_opening(records=[r for r in without if r.num_in_stock or r.num_allocated])


def flag_low_stock(goods: list[StockRecord]) -> None:
    """Two listings run low: a count through the ledger to LOW_STOCK[0] and a threshold."""
    from merchants.services import count_stock, update_listing

    for listing in goods[:2]:
        if listing.low_stock_threshold is None:
            update_listing(shop_id=listing.partner_id, listing_id=listing.pk, low_stock_threshold=LOW_STOCK[1])
            count_stock(listing_id=listing.pk, counted=LOW_STOCK[0] + (listing.num_allocated or 0), note="demo")


def _order(*, number: str, user, merchant: Partner, rows: list[tuple[StockRecord, int]], status: str, at,
           window: Slot | None = None) -> FulfilmentGroup:
    from oscar.apps.order.models import Line, Order

    total = sum((listing.price * quantity for listing, quantity in rows), Decimal("0.00"))
    order = Order.objects.create(
        number=number, user=user, currency="CNY", total_incl_tax=total, total_excl_tax=total,
        shipping_incl_tax=Decimal("0.00"), shipping_excl_tax=Decimal("0.00"),
        status="completed" if status == "collected" else "placed",
    )
    Order.objects.filter(pk=order.pk).update(date_placed=at)
    group = FulfilmentGroup.objects.create(
        order=order, merchant=merchant, method=FulfilmentGroup.Method.PICKUP if window is None else "delivery",
        status=status, pickup_code=new_pickup_code(), goods_total=total, window=window,
        accepted_at=at + datetime.timedelta(minutes=3) if status == "collected" else None,
        promised_at=at + datetime.timedelta(minutes=30) if window is None else window.starts_at,
        completed_at=at + datetime.timedelta(minutes=25) if status == "collected" else None,
    )
    FulfilmentGroup.objects.filter(pk=group.pk).update(created_at=at)
    for listing, quantity in rows:
        amount = listing.price * quantity
        product = listing.product
        line = Line.objects.create(
            order=order, partner=merchant, partner_name=merchant.name, partner_sku=listing.partner_sku,
            stockrecord=listing, product=product, title=product.get_title(), upc=product.upc, quantity=quantity,
            line_price_incl_tax=amount, line_price_excl_tax=amount, line_price_before_discounts_incl_tax=amount,
            line_price_before_discounts_excl_tax=amount, unit_price_incl_tax=listing.price,
            unit_price_excl_tax=listing.price, num_allocated=quantity,
        )
        FulfilmentLine.objects.create(
            group=group, order_line=line, listing=listing, quantity=quantity, unit_price=listing.price,
            estimated_amount=amount, estimated_weight_g=quantity * product.pack_size_g if product.is_sold_by_weight else None,
        )
    return group


def write_sales(*, shop: Partner, goods: list[StockRecord], buyers: list, now) -> None:
    from oscar.apps.order.models import Order

    if not goods or not buyers:
        return
    plan = portal_plan(today=timezone.localdate(now), goods=len(goods))
    have = set(Order.objects.filter(number__in=[s.number for s in plan]).values_list("number", flat=True))
    zone = timezone.get_current_timezone()
    for index, sale in enumerate(plan):
        if sale.number in have:
            continue
        at = datetime.datetime.combine(sale.day, datetime.time(sale.hour, 10), tzinfo=zone)
        _order(number=sale.number, user=buyers[index % len(buyers)], merchant=shop, status="collected", at=at,
               rows=[(goods[i], quantity) for i, quantity in sale.lines])


def write_booking(*, shop: Partner, goods: list[StockRecord], buyer, now) -> None:
    """A delivery booked into tomorrow's 10:00 window, not yet served (stock allocated). The
    shop gets weekly delivery-window templates, so its slots never run out."""
    from delivery import slot_templates

    if not goods:
        return
    if not SlotTemplate.objects.filter(merchant=shop).exists():
        for weekday in range(7):
            SlotTemplate.objects.create(merchant=shop, kind=Slot.Kind.DELIVERY, weekday=weekday,
                                        starts=datetime.time(9), ends=datetime.time(21), slot_minutes=30, capacity=8)
    slot_templates.write_slots(now=now, merchant_ids=[shop.pk])
    if FulfilmentGroup.objects.filter(merchant=shop, order__number__startswith="DEMOBOOK-",
                                      window__starts_at__gt=now).exists():
        return
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    start = datetime.datetime.combine(tomorrow, datetime.time(10), tzinfo=timezone.get_current_timezone())
    slot = Slot.objects.filter(merchant=shop, kind=Slot.Kind.DELIVERY, starts_at__gte=start).order_by("starts_at").first()
    listing = next((g for g in goods[2:] if (g.num_in_stock or 0) - (g.num_allocated or 0) >= 2), None)
    if slot is None or listing is None or slot.booked >= slot.capacity:
        return
    allocate_stock(quantities={listing.pk: 2})
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    listing.refresh_from_db()
    _order(number=f"DEMOBOOK-{tomorrow:%Y%m%d}", user=buyer, merchant=shop, status="created", at=now, window=slot,
           rows=[(listing, 2)])


def write_for_plan(plan, users: dict, partners: dict[str, Partner]) -> None:
    """The hook in builder.write_plan: the demo shop, its owner (the demo merchant user) and the
    demo residents as buyers."""
    from . import people

    by_role = {d.role: users[d.mobile] for d in people.DEMO_USERS}
    buyers = [by_role["resident"]] + [u for mobile, u in sorted(users.items())
                                      if mobile.startswith(people.RESIDENT_MOBILE_PREFIX)][:5]
    write_portal_demo(shop=partners[plan.staff_merchant_code], owner=by_role["merchant"], buyers=buyers)
