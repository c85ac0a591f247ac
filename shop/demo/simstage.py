"""The stage of a simulated day (shop/demo/simday.py): the report, the shops near each
address with what they sell, staff and providers, and the round-the-clock switch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from communities.models import ResidentAddress
from delivery import positions
from delivery.models import (
    Courier,
    FulfilmentPoint,
    PointHours,
    ServiceProvider,
)
from delivery.point_stock import open_point_ledgers
from merchants.models import Partner, StockMovement, StockRecord
from merchants.selectors import in_service_area
from merchants.services import record_opening
from shop.core.errors import DomainError

SIM_PREFIX = "simday"  # the first name of the staff and providers a run had to create


@dataclass
class Report:
    placed: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    ended: Counter = field(default_factory=Counter)
    forced: int = 0
    seconds: float = 0.0
    placing: float = 0.0  # seconds spent placing orders (checkout, payment notices, cancels)
    driving: float = 0.0  # seconds spent driving them (acting, and waiting for the worker)
    waiting: float = 0.0  # of which asleep: nothing could move until the worker had run
    order_ids: list[int] = field(default_factory=list)


@dataclass
class Shop:
    merchant: Partner
    goods: list[StockRecord]
    weighed: list[StockRecord]
    services: list[StockRecord]
    has_store: bool = True  # a store point of its own: the only place a pickup at the shop can be


class Stage:
    """Setting the stage: what the day's driver (simday.Day) needs before placing orders."""

    # --- setting the stage ----------------------------------------------------------------------

    @staticmethod
    def trade_round_the_clock() -> int:
        """--all-hours: every active shop opens all day, every day, and so do the points (for a run
        outside the demo's trading hours; load_demo writes the demo's own hours back)."""
        from datetime import time as clock

        from merchants.models import OpeningPeriod

        merchants = list(Partner.objects.filter(is_active=True).values_list("pk", flat=True))
        OpeningPeriod.objects.filter(partner_id__in=merchants).delete()
        OpeningPeriod.objects.bulk_create([
            OpeningPeriod(partner_id=pk, weekday=day, opens=clock(0), closes=clock(0))
            for pk in merchants for day in range(7)])
        FulfilmentPoint.objects.update(opens=clock(0), closes=clock(0))
        # warehouses and stations with weekly hours of their own follow those, not opens/closes
        # (delivery.selectors.point_is_open): without them they fall back to the day-long 00:00-00:00
        PointHours.objects.all().delete()
        return len(merchants)

    def prepare(self) -> None:
        """Ledgers opened for counters written before the ledger (the demo's bulk load), every
        courier available at its home point, a provider for every service merchant."""
        without = StockRecord.objects.exclude(pk__in=StockMovement.objects.filter(point_id__isnull=True)
                                              .values("listing_id")).only("pk", "num_in_stock", "num_allocated")
        opened = record_opening(records=without.iterator(chunk_size=2000))
        opened_points = open_point_ledgers()
        for courier in Courier.objects.select_related("home_point", "user").order_by("pk"):
            home = courier.home_point
            if home is None:
                continue
            Courier.objects.filter(pk=courier.pk).update(status=Courier.Status.AVAILABLE)
            courier.status = Courier.Status.AVAILABLE
            positions.update_position(courier=courier, lat=home.lat, lng=home.lng)
        self.addresses = list(ResidentAddress.objects.select_related("standard_address__community", "user")
                              .order_by("pk"))
        if not self.addresses:
            raise DomainError("no residents: run load_demo first")
        self.shops_by_community: dict[int, list[Shop]] = {}
        self.stations = list(FulfilmentPoint.objects.filter(
            is_active=True, kind=FulfilmentPoint.Kind.PICKUP_STATION))
        self.log(f"ledgers opened: {opened} listings, {opened_points} point rows; "
                 f"{len(self.addresses)} addresses, {len(self.stations)} stations")

    def shops_near(self, address: ResidentAddress) -> list[Shop]:
        community_id = address.standard_address.community_id
        if community_id not in self.shops_by_community:
            shops = []
            merchants = Partner.objects.filter(is_active=True, community_id=community_id).order_by("pk")
            listings_of: dict[int, list[StockRecord]] = {}
            for listing in (StockRecord.objects.filter(partner__in=merchants, price__isnull=False, is_published=True,
                                                       product__is_public=True)
                            .select_related("product__product_class", "product__parent__product_class")
                            .order_by("pk")):  # one query per community, not one per shop
                listings_of.setdefault(listing.partner_id, []).append(listing)
            stores = set(FulfilmentPoint.objects.filter(merchant__in=merchants, kind=FulfilmentPoint.Kind.STORE,
                                                        is_active=True).values_list("merchant_id", flat=True))
            for merchant in merchants:
                goods, weighed, services = [], [], []
                for listing in listings_of.get(merchant.pk, []):
                    product_class = listing.product.get_product_class()
                    if product_class is not None and product_class.kind == "service":
                        services.append(listing)
                    elif product_class is None or product_class.track_stock:
                        (weighed if listing.product.sale_unit == "weight" else goods).append(listing)
                shops.append(Shop(merchant, goods, weighed, services, has_store=merchant.pk in stores))
            self.shops_by_community[community_id] = shops
        point = address.standard_address
        return [shop for shop in self.shops_by_community[community_id]
                if in_service_area(shop.merchant, point.lat, point.lng)]

    def staff_of(self, merchant_id: int):
        if merchant_id not in self.staff:
            merchant = Partner.objects.get(pk=merchant_id)
            user = merchant.users.order_by("pk").first()
            if user is None:
                user, _created = get_user_model().objects.get_or_create(
                    mobile=f"199{merchant_id:08d}"[-11:], defaults={"first_name": f"{SIM_PREFIX} staff"})
                merchant.users.add(user)
            self.staff[merchant_id] = user
        return self.staff[merchant_id]

    def ensure_provider(self, merchant: Partner) -> None:
        if merchant.pk in self.providers:
            return
        provider = ServiceProvider.objects.filter(merchant=merchant).order_by("pk").first()
        if provider is None:
            user, _created = get_user_model().objects.get_or_create(
                mobile=f"198{merchant.pk:08d}"[-11:], defaults={"first_name": f"{SIM_PREFIX} provider"})
            provider = ServiceProvider.objects.create(merchant=merchant, user=user, name=f"{merchant.name[:20]}师傅",
                                                      last_lat=merchant.lat, last_lng=merchant.lng)
        self.providers[merchant.pk] = provider
