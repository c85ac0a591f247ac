"""A neighbourhood to order in: a resident and three merchants open all week.

- a wet-market stall selling greens by weight (500 g packs, ¥3.00 a pack), delivering;
- a pharmacy selling packaged goods, pickup or delivery, ¥20 minimum for delivery, ¥3 fee;
- a home-cleaning merchant with a two-hour slot tomorrow for 3 households.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Product
from catalog.tests.factories import FreshProductClassFactory, ProductFactory, ServiceProductClassFactory
from communities.tests.factories import ResidentAddressFactory, UserFactory
from delivery.models import FulfilmentPoint
from delivery.tests.factories import FulfilmentPointFactory, SlotFactory
from merchants.models import OpeningPeriod
from merchants.tests.factories import ListingFactory, MerchantFactory, business_format
from shop.basket.selectors import open_basket
from shop.basket.services import add_line
from shop.checkout.services import GroupChoice


def open_all_week(merchant) -> None:
    """A close not after the open runs past midnight: 00:00–00:00 is open around the clock."""
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(partner=merchant, weekday=day, opens="00:00", closes="00:00") for day in range(7)
    )


@dataclass
class Scene:
    resident: object
    address: object
    greens: object  # weighed listing
    medicine: object
    cleaning: object  # service listing
    slot: object
    station: object

    @property
    def merchants(self):
        return [self.greens.partner, self.medicine.partner, self.cleaning.partner]

    def basket(self, user=None):
        return open_basket(user=user or self.resident)

    def fill(self, user=None, *, greens_g=1000, medicine=2, cleaning=1):
        basket = self.basket(user)
        if greens_g:
            add_line(basket=basket, listing_id=self.greens.pk, weight_g=greens_g)
        if medicine:
            add_line(basket=basket, listing_id=self.medicine.pk, quantity=medicine)
        if cleaning:
            add_line(basket=basket, listing_id=self.cleaning.pk, quantity=cleaning, slot_id=self.slot.pk)
        return basket

    def choices(self, *, medicine="pickup", station=True):
        return [
            GroupChoice(merchant_id=self.greens.partner_id, method="delivery"),
            GroupChoice(merchant_id=self.medicine.partner_id, method=medicine,
                        pickup_point_id=self.station.pk if medicine == "pickup" and station else None),
            GroupChoice(merchant_id=self.cleaning.partner_id, method="delivery"),
        ]


def make_scene(*, greens_stock=50, medicine_stock=20, slot_capacity=3) -> Scene:
    resident = UserFactory()
    address = ResidentAddressFactory(user=resident)
    community = address.standard_address.community
    stall = MerchantFactory(name="菜场青菜摊", community=community, format=business_format("wet_market"),
                            delivery_fee=Decimal("2.00"))
    pharmacy = MerchantFactory(name="社区药房", community=community, format=business_format("pharmacy"),
                               min_order=Decimal("20.00"), delivery_fee=Decimal("3.00"))
    cleaners = MerchantFactory(name="好帮手家政", community=community, format=business_format("housekeeping"),
                               delivery_capability="none", service_radius_m=3000)
    for merchant in (stall, pharmacy, cleaners):
        open_all_week(merchant)
    greens = ListingFactory(
        partner=stall, price=Decimal("3.00"), num_in_stock=greens_stock,
        product=ProductFactory(title="青菜", product_class=FreshProductClassFactory(),
                               sale_unit=Product.SaleUnit.WEIGHT, pack_size_g=500),
    )
    medicine = ListingFactory(partner=pharmacy, price=Decimal("12.50"), num_in_stock=medicine_stock,
                              product=ProductFactory(title="感冒灵颗粒"))
    cleaning = ListingFactory(
        partner=cleaners, price=Decimal("120.00"), num_in_stock=0,
        product=ProductFactory(title="日常保洁 2 小时", product_class=ServiceProductClassFactory(), service_duration_min=120),
    )
    slot = SlotFactory(merchant=cleaners, product=cleaning.product, capacity=slot_capacity)
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, community=community, name="青岛路自提点")
    return Scene(resident, address, greens, medicine, cleaning, slot, station)
