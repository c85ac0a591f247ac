from decimal import Decimal

import factory

from communities.tests.factories import BASE_LAT, BASE_LNG, CommunityFactory
from merchants.models import BusinessFormat, OpeningPeriod, Partner, StockRecord


def business_format(code: str) -> BusinessFormat:
    """The formats are data loaded by migration: look them up, never create them."""
    return BusinessFormat.objects.get(code=code)


class MerchantFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"测试便利店{n}")
    format = factory.LazyFunction(lambda: business_format("convenience_store"))
    community = factory.SubFactory(CommunityFactory)
    lat = BASE_LAT
    lng = BASE_LNG
    phone = "025-83000000"
    delivery_capability = Partner.Delivery.PLATFORM
    service_radius_m = 2000
    rating = Decimal("4.5")
    licence_verified = True

    class Meta:
        model = Partner


class OpeningPeriodFactory(factory.django.DjangoModelFactory):
    partner = factory.SubFactory(MerchantFactory)
    weekday = 0
    opens = "07:00"
    closes = "22:00"

    class Meta:
        model = OpeningPeriod


class ListingFactory(factory.django.DjangoModelFactory):
    """A merchant's offer of a product (Oscar's StockRecord)."""

    partner = factory.SubFactory(MerchantFactory)
    product = factory.SubFactory("catalog.tests.factories.ProductFactory")
    partner_sku = factory.Sequence(lambda n: f"SKU{n:06d}")
    price_currency = "CNY"
    price = Decimal("9.90")
    num_in_stock = 50

    class Meta:
        model = StockRecord
