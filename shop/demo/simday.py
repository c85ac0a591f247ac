"""A day of the demo district, driven through the services until every order has ended.

`manage.py simulate_day --orders N` places N orders of every kind — delivery, pickup at the
shop, pickup at a community station, home service, weighed goods (lighter and heavier), cash
and sandbox, a whole order cancelled, one merchant's part cancelled, rejections, failed
deliveries, payment expiries, payments that arrive after expiry — and then plays merchants
(accept, weigh, settle, ready, reject), couriers (accept the offers dispatch made, pick up,
deliver, fail), providers (accept, on the way, done) and residents (pay, confirm a
supplementary charge, collect with the code) through the same services the pages and the API
call. Dispatch itself (routing, offers) and the money's after-commit work (refunds issued,
their notices) run where the stack runs them: in the Celery worker, or in-process when Celery
is eager. Orders go in batches, each driven until it has ended, so couriers are free again.

The driver is deterministic for a seed, apart from what the worker's timing changes.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from delivery import dispatch
from delivery.lifecycle import TERMINAL
from delivery.models import (
    DispatchDecision,
    FulfilmentGroup,
    JobOffer,
    ServiceProvider,
    Slot,
)
from delivery.services import accept_group, mark_ready, record_weights
from merchants.models import StockRecord
from shop.basket.selectors import open_basket
from shop.basket.services import add_line
from shop.checkout import payment as gateway
from shop.checkout.models import ExtraCharge, Payment, Refund
from shop.checkout.money import settle_weighing
from shop.checkout.services import GroupChoice, cancel_group, cancel_order, place_order, reject_group
from shop.core.errors import DomainError

from .simstage import Report, Shop, Stage

S = FulfilmentGroup.Status
KINDS = (
    "delivery_cod", "delivery_paid", "pickup_shop", "pickup_station", "service", "weighed_lighter",
    "weighed_heavier_paid", "weighed_heavier_cod", "cancel", "cancel_part", "reject", "fail", "expire",
    "late_notice",
)


class Day(Stage):
    def __init__(self, *, seed: int, log, wait_seconds: float = 60.0):
        self.rng = random.Random(seed)
        self.log = log
        self.wait_seconds = wait_seconds
        self.report = Report()
        self.kind_of: dict[int, str] = {}  # order id → kind
        self.staff: dict[int, object] = {}
        self.providers: dict[int, ServiceProvider] = {}

    # --- placing ---------------------------------------------------------------------------------

    def _available(self, listings: list[StockRecord], need: int = 8) -> list[StockRecord]:
        ids = [listing.pk for listing in listings]
        free = set(StockRecord.objects.filter(pk__in=ids, num_in_stock__gte=Coalesce(F("num_allocated"), 0) + need)
                   .values_list("pk", flat=True))
        return [listing for listing in listings if listing.pk in free]

    def _fill(self, basket, shop: Shop, kind: str) -> bool:
        """Lines for one shop; False when it has nothing that fits the kind."""
        if kind == "service":
            for listing in self.rng.sample(shop.services, len(shop.services)):
                slot = (Slot.objects.filter(Q(product=listing.product) | Q(product__isnull=True),
                                            merchant=shop.merchant, kind=Slot.Kind.SERVICE,
                                            starts_at__gt=timezone.now() + timedelta(hours=1),
                                            booked__lt=F("capacity")).order_by("starts_at").first())
                if slot is not None:
                    self.ensure_provider(shop.merchant)
                    add_line(basket=basket, listing_id=listing.pk, quantity=1, slot_id=slot.pk)
                    return True
            return False
        if kind.startswith("weighed"):
            pool = self._available(shop.weighed)
            if not pool:
                return False
            listing = self.rng.choice(pool)
            packs = 2
            while listing.price * packs < shop.merchant.min_order and packs < 8:
                packs += 1
            add_line(basket=basket, listing_id=listing.pk, quantity=packs)
            return True
        pool = self._available(shop.goods)
        if not pool:
            return False
        total = 0
        for listing in self.rng.sample(pool, min(2, len(pool))):
            add_line(basket=basket, listing_id=listing.pk, quantity=1)
            total += listing.price
        listing = pool[0]
        while total < shop.merchant.min_order and listing.num_in_stock - (listing.num_allocated or 0) > 10:
            add_line(basket=basket, listing_id=listing.pk, quantity=1)
            total += listing.price
            listing.num_allocated = (listing.num_allocated or 0) + 1
        return True

    def _shop_for(self, shops: list[Shop], kind: str, *, delivering: bool) -> Shop | None:
        def fits(shop: Shop) -> bool:
            if kind == "service":
                return bool(shop.services)
            if kind == "pickup_shop" and not shop.has_store:
                return False  # a shop with only a front warehouse: routing finds no counter (it stalled a batch)
            if delivering and not shop.merchant.delivers:
                return False
            return bool(shop.weighed if kind.startswith("weighed") else shop.goods)
        candidates = [shop for shop in shops if fits(shop)]
        return self.rng.choice(candidates) if candidates else None

    def place(self, kind: str) -> int | None:
        address = self.rng.choice(self.addresses)
        user = address.user
        shops = self.shops_near(address)
        pickup = kind in ("pickup_shop", "pickup_station")
        paid = kind in ("delivery_paid", "weighed_lighter", "weighed_heavier_paid", "cancel", "cancel_part",
                        "reject", "fail", "expire", "late_notice") and self.rng.random() < 0.8 or kind in (
                            "expire", "late_notice", "weighed_heavier_paid")
        if kind == "weighed_heavier_cod":
            paid = False
        basket = open_basket(user=user)
        basket.lines.all().delete()
        chosen = []
        first = self._shop_for(shops, kind, delivering=not pickup)
        if first is None:
            self.report.refused[f"{kind}: no shop"] += 1
            return None
        try:
            if not self._fill(basket, first, kind):
                self.report.refused[f"{kind}: nothing in stock"] += 1
                return None
            chosen.append(first)
            if kind == "cancel_part":
                others = [shop for shop in shops if shop is not first and shop.merchant.delivers and shop.goods]
                second = self.rng.choice(others) if others else None
                if second is None or not self._fill(basket, second, "delivery_cod"):
                    self.report.refused[f"{kind}: no second shop"] += 1
                    return None
                chosen.append(second)
            choices = []
            for shop in chosen:
                if pickup:
                    station = None
                    if kind == "pickup_station":
                        station = self._station_near(address)
                        if station is None:
                            self.report.refused[f"{kind}: no station"] += 1
                            return None
                    choices.append(GroupChoice(merchant_id=shop.merchant.pk, method="pickup",
                                               pickup_point_id=station.pk if station else None))
                else:
                    choices.append(GroupChoice(merchant_id=shop.merchant.pk, method="delivery"))
            order = place_order(user=user, basket=basket, address_id=address.pk, groups=choices,
                                payment="sandbox" if paid else "cod")
        except DomainError as error:
            self.report.refused[f"{kind}: {error.code}"] += 1
            basket.lines.all().delete()
            return None
        self.kind_of[order.pk] = kind
        self.report.placed[kind] += 1
        self.report.order_ids.append(order.pk)
        self.after_placing(order, kind, user)
        return order.pk

    def _station_near(self, address):
        from shop.core.geo import haversine_m

        home = address.standard_address
        near = [s for s in self.stations if haversine_m(s.lat, s.lng, home.lat, home.lng) <= 1900]
        return self.rng.choice(near) if near else None

    def after_placing(self, order, kind: str, user) -> None:
        payment = Payment.objects.get(order=order)
        if payment.provider == Payment.Provider.SANDBOX:
            if kind in ("expire", "late_notice"):
                gateway.expire_payment(payment_id=payment.pk, now=payment.expires_at + timedelta(seconds=1))
                if kind == "late_notice":
                    payment.refresh_from_db()
                    gateway.handle_notification(gateway.signed_notification(payment, txn_id=f"LATE{payment.pk}"))
                return
            gateway.handle_notification(gateway.signed_notification(payment))
        if kind == "cancel":
            cancel_order(order_number=order.number, user=user, reason="计划有变")
        elif kind == "cancel_part":
            first = order.fulfilment_groups.order_by("pk").first()
            cancel_group(order_number=order.number, group_id=first.pk, user=user, reason="这家不要了")

    # --- driving ---------------------------------------------------------------------------------

    def drive(self, order_ids: list[int]) -> None:
        """Play everyone until every group of these orders has ended (or the wait runs out)."""
        started = time.monotonic()
        last_progress = started
        merchant_done: set[int] = set()
        while True:
            groups = list(FulfilmentGroup.objects.filter(order_id__in=order_ids).exclude(status__in=TERMINAL)
                          .select_related("order", "courier").order_by("pk"))
            if not groups:
                return
            moved = 0
            for group in groups:
                try:
                    moved += self.act(group, merchant_done)
                except DomainError as error:  # the world moved on (an offer expired, ...): next round
                    self.report.refused[f"step: {error.code}"] += 1
            idle = time.monotonic() - last_progress
            if moved:
                last_progress = time.monotonic()
            elif idle > self.wait_seconds:
                self.force_end(groups)
                return
            else:
                if idle > 3:
                    self.sweep()
                time.sleep(0.2)
                self.report.waiting += 0.2

    @staticmethod
    def sweep() -> None:
        """What beat does every few seconds: resend dispatch requests, expire offers nobody took
        in time (the job goes to the next courier), re-dispatch stuck groups."""
        from delivery import tasks

        tasks.resend_pending()
        dispatch.expire_offers()
        dispatch.redispatch_stuck()

    def act(self, group: FulfilmentGroup, merchant_done: set[int]) -> int:
        kind = self.kind_of.get(group.order_id, "")
        staff = self.staff_of(group.merchant_id)
        if group.status == S.AWAITING_PAYMENT:
            return 0
        if group.pk not in merchant_done and group.status in (S.CREATED, S.POINT_ASSIGNED, S.COURIER_ASSIGNED):
            if kind == "reject":
                reject_group(group_id=group.pk, user=staff, reason="缺货")
                return 1
            if group.status == S.CREATED:
                if DispatchDecision.objects.filter(group=group, point__isnull=True).exists():
                    # routing found no point (its hour is full): beat would retry in 5 minutes, a
                    # compressed day cannot wait; the merchant turns it down rather than stall the batch
                    reject_group(group_id=group.pk, user=staff, reason="本小时接单已满")
                    self.report.refused["routing: no point free"] += 1
                    return 1
                return 0  # the worker routes it first
            self.merchant_prepares(group, kind, staff)
            merchant_done.add(group.pk)
            return 1
        if group.status == S.READY_FOR_PICKUP:
            dispatch.collect(group_id=group.pk, pickup_code=group.pickup_code, actor=f"resident:{group.order.user_id}")
            return 1
        if group.status == S.POINT_ASSIGNED:
            offer = JobOffer.objects.filter(group=group, state=JobOffer.State.PENDING).select_related(
                "courier", "provider").first()
            if offer is None:
                if group.method == FulfilmentGroup.Method.PICKUP and group.pickup_point_id is None:
                    return 0  # waits at the shop for mark_ready
                dispatch.offer_next(group_id=group.pk)
                return 0
            if offer.expires_at <= timezone.now():
                dispatch.expire_offers()  # too late for this one: the next courier is asked
                return 0
            if offer.provider_id:
                dispatch.provider_accept(provider=offer.provider, group_id=group.pk)
            else:
                dispatch.courier_accept(courier=offer.courier, group_id=group.pk)
            return 1
        provider = self.provider_of(group)
        if group.status == S.COURIER_ASSIGNED:
            if provider is not None:
                dispatch.provider_start(provider=provider, group_id=group.pk)
            else:
                dispatch.courier_pickup(courier=group.courier, group_id=group.pk)
            return 1
        if group.status == S.PICKED_UP:
            if provider is not None:
                dispatch.provider_complete(provider=provider, group_id=group.pk, pickup_code=group.pickup_code)
            elif kind == "fail":
                dispatch.courier_fail(courier=group.courier, group_id=group.pk, reason="联系不上顾客")
            else:
                dispatch.courier_deliver(courier=group.courier, group_id=group.pk)
            return 1
        return 0

    @staticmethod
    def provider_of(group: FulfilmentGroup) -> ServiceProvider | None:
        from delivery.models import DispatchJob

        job = DispatchJob.objects.filter(group=group).select_related("provider").first()
        return job.provider if job is not None else None

    def merchant_prepares(self, group: FulfilmentGroup, kind: str, staff) -> None:
        accept_group(group_id=group.pk, user=staff)
        weighed = [line for line in group.lines.order_by("pk") if line.is_weighed]
        if weighed:
            factor = 0.85 if kind == "weighed_lighter" or self.rng.random() < 0.5 else 1.3
            record_weights(group_id=group.pk, user=staff,
                           weights={line.pk: max(1, int(line.estimated_weight_g * factor)) for line in weighed})
            settle_weighing(group_id=group.pk, user=staff)
            for charge in ExtraCharge.objects.filter(group=group, status=ExtraCharge.Status.PENDING):
                gateway.confirm_charge(user=group.order.user, trade_no=charge.trade_no)  # the resident confirms
        if not any(line.slot_id for line in group.lines.all()):
            mark_ready(group_id=group.pk, user=staff)

    def force_end(self, groups: list[FulfilmentGroup]) -> None:
        """Nothing moved for the whole wait (no courier or provider could take a job): the merchant
        gives up what it can still refuse, so the day ends; counted in the report."""
        for group in groups:
            try:
                reject_group(group_id=group.pk, user=self.staff_of(group.merchant_id), reason="无人接单")
                self.report.forced += 1
            except DomainError:
                pass

    # --- the day -------------------------------------------------------------------------------

    def run(self, *, orders: int, batch: int = 40, all_hours: bool = False) -> Report:
        started = time.monotonic()
        if all_hours:
            self.log(f"trading round the clock: {self.trade_round_the_clock()} shops")
        self.prepare()
        placed = 0
        attempts = 0
        while placed < orders and attempts < orders * 3:
            batch_ids = []
            step = time.monotonic()
            while len(batch_ids) < min(batch, orders - placed) and attempts < orders * 3:
                kind = KINDS[attempts % len(KINDS)]
                attempts += 1
                order_id = self.place(kind)
                if order_id is not None:
                    batch_ids.append(order_id)
            placed += len(batch_ids)
            self.report.placing += time.monotonic() - step
            step = time.monotonic()
            self.drive(batch_ids)
            self.report.driving += time.monotonic() - step
            self.log(f"{placed}/{orders} orders placed and driven ({time.monotonic() - started:.0f} s: placing "
                     f"{self.report.placing:.0f}, driving {self.report.driving:.0f} of which waiting "
                     f"{self.report.waiting:.0f}; given up {self.report.forced})")
        self.wait_for_money()
        for status, count in Counter(FulfilmentGroup.objects.filter(order_id__in=self.report.order_ids)
                                     .values_list("status", flat=True)).items():
            self.report.ended[status] = count
        self.report.seconds = time.monotonic() - started
        return self.report

    def wait_for_money(self) -> None:
        """The worker settles payments and issues refunds after commit, and the gateway's notices
        come back later: wait while that moves on (a loaded worker may be minutes behind), giving
        up only after `wait_seconds` without progress. Beat's jobs are done here too: payments
        whose settle task was lost are settled, refunds still due issued."""
        from shop.checkout import selectors, tasks

        open_refunds = Refund.objects.filter(order_id__in=self.report.order_ids, status__in=[
            Refund.Status.DUE, Refund.Status.REQUESTED])
        last, moved_at = None, time.monotonic()
        while time.monotonic() - moved_at <= self.wait_seconds:
            tasks.settle_payments_behind.run()
            left = (open_refunds.count(), len(selectors.payments_behind()))
            if left == (0, 0):
                return
            if left != last:
                last, moved_at = left, time.monotonic()
            time.sleep(1)
        self.log(f"money still in flight after {self.wait_seconds:.0f} s without progress: "
                 f"{last[0]} refunds, {last[1]} payments behind")
        tasks.issue_due_refunds.run()
