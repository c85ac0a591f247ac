"""A neighbourhood for the browser tests of basket and checkout: a resident with a saved address
and three merchants open around the clock.

- 菜场青菜摊: greens sold by weight (500 g packs, ¥3.00 a pack), delivering, ¥2 fee, and a
  30-minute delivery window in two hours with room for 2 orders;
- 社区药房: packaged medicine at ¥12.50, ¥20 minimum for delivery, ¥3 fee;
- 好帮手家政: a two-hour home cleaning at ¥120 with a slot tomorrow for 3 households;
- a community pickup station 青岛路自提点 next to the resident's building.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Product
from catalog.tests.factories import FreshProductClassFactory, ProductFactory, ServiceProductClassFactory
from communities.tests.factories import ResidentAddressFactory, UserFactory
from delivery.models import FulfilmentPoint, Slot
from delivery.tests.factories import FulfilmentPointFactory, SlotFactory
from merchants.models import OpeningPeriod
from merchants.tests.factories import ListingFactory, MerchantFactory, business_format

PASSWORD = "demo-pass-123"


def open_all_week(merchant) -> None:
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(partner=merchant, weekday=day, opens="00:00", closes="00:00") for day in range(7)
    )


@dataclass
class Neighbourhood:
    resident: object
    address: object
    greens: object
    medicine: object
    cleaning: object
    slot: object  # the cleaning slot
    window: object  # the stall's delivery window
    station: object

    def sign_in(self, client, user=None):
        user = user or self.resident
        assert client.login(username=str(user.mobile), password=PASSWORD)
        return client


def make_neighbourhood() -> Neighbourhood:
    resident = UserFactory()
    address = ResidentAddressFactory(user=resident, is_default=True)
    community = address.standard_address.community
    stall = MerchantFactory(name="菜场青菜摊", community=community, format=business_format("wet_market"),
                            delivery_fee=Decimal("2.00"), address="青岛路 12 号")
    pharmacy = MerchantFactory(name="社区药房", community=community, format=business_format("pharmacy"),
                               min_order=Decimal("20.00"), delivery_fee=Decimal("3.00"))
    cleaners = MerchantFactory(name="好帮手家政", community=community, format=business_format("housekeeping"),
                               delivery_capability="none", service_radius_m=3000)
    for merchant in (stall, pharmacy, cleaners):
        open_all_week(merchant)
    greens = ListingFactory(
        partner=stall, price=Decimal("3.00"), num_in_stock=50,
        product=ProductFactory(title="青菜", product_class=FreshProductClassFactory(),
                               sale_unit=Product.SaleUnit.WEIGHT, pack_size_g=500),
    )
    medicine = ListingFactory(partner=pharmacy, price=Decimal("12.50"), num_in_stock=20,
                              product=ProductFactory(title="感冒灵颗粒", unit_label="盒"))
    cleaning = ListingFactory(
        partner=cleaners, price=Decimal("120.00"), num_in_stock=None,
        product=ProductFactory(title="日常保洁 2 小时", product_class=ServiceProductClassFactory(),
                               service_duration_min=120),
    )
    slot = SlotFactory(merchant=cleaners, product=cleaning.product, capacity=3)
    starts = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    window = SlotFactory(merchant=stall, kind=Slot.Kind.DELIVERY, starts_at=starts, duration_min=30, capacity=2)
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, community=community, name="青岛路自提点")
    return Neighbourhood(resident, address, greens, medicine, cleaning, slot, window, station)
