"""A small district catalogue for the storefront tests."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from catalog import page_cache
from catalog.models import Category, Product
from catalog.tests.factories import (
    FreshProductClassFactory,
    ProductFactory,
    ServiceProductClassFactory,
    category,
)
from merchants.models import Partner, StockRecord
from merchants.tests.factories import ListingFactory, MerchantFactory, business_format


@dataclass
class Catalogue:
    fresh: Category
    vegetables: Category
    fruit: Category
    services: Category
    corner_shop: Partner
    greengrocer: Partner
    housekeeper: Partner
    cabbage: Product
    apples: Product
    eggs: Product
    cleaning: Product
    cabbage_at_greengrocer: StockRecord
    cabbage_at_corner_shop: StockRecord
    apples_at_greengrocer: StockRecord
    eggs_at_corner_shop: StockRecord
    cleaning_at_housekeeper: StockRecord


@pytest.fixture
def catalogue(db) -> Catalogue:
    """Two fresh sub-categories, a service, three merchants of three formats, five listings."""
    fresh, vegetables, fruit = category("生鲜"), category("生鲜 > 蔬菜"), category("生鲜 > 水果")
    services = category("上门服务")
    corner_shop = MerchantFactory(name="湖南路便利店", format=business_format("convenience_store"))
    greengrocer = MerchantFactory(name="青岛路菜店", format=business_format("fresh_grocery"), rating=Decimal("4.8"))
    housekeeper = MerchantFactory(name="好帮手家政", format=business_format("housekeeping"))

    fresh_class = FreshProductClassFactory()
    cabbage = ProductFactory(
        title="本地小白菜", product_class=fresh_class, categories=[vegetables],
        sale_unit=Product.SaleUnit.WEIGHT, pack_size_g=500, unit_label="份",
        shelf_life_days=3, storage=Product.Storage.CHILLED,
    )
    apples = ProductFactory(
        title="烟台红富士苹果", product_class=fresh_class, categories=[fruit],
        sale_unit=Product.SaleUnit.WEIGHT, pack_size_g=1000, unit_label="份",
    )
    eggs = ProductFactory(title="土鸡蛋 30枚", categories=[fresh], unit_label="盒", shelf_life_days=30)
    cleaning = ProductFactory(
        title="日常保洁 2小时", product_class=ServiceProductClassFactory(), categories=[services],
        service_duration_min=120, unit_label="次",
    )
    return Catalogue(
        fresh=fresh, vegetables=vegetables, fruit=fruit, services=services,
        corner_shop=corner_shop, greengrocer=greengrocer, housekeeper=housekeeper,
        cabbage=cabbage, apples=apples, eggs=eggs, cleaning=cleaning,
        cabbage_at_greengrocer=ListingFactory(product=cabbage, partner=greengrocer, price=Decimal("2.50")),
        cabbage_at_corner_shop=ListingFactory(product=cabbage, partner=corner_shop, price=Decimal("3.20"), num_in_stock=0),
        apples_at_greengrocer=ListingFactory(product=apples, partner=greengrocer, price=Decimal("12.80")),
        eggs_at_corner_shop=ListingFactory(product=eggs, partner=corner_shop, price=Decimal("29.90")),
        cleaning_at_housekeeper=ListingFactory(
            product=cleaning, partner=housekeeper, price=Decimal("100.00"), num_in_stock=None
        ),
    )


@pytest.fixture
def page_cache_on(settings):
    """The page cache on the test profile's Redis, with the database search backend (it reads
    committed rows at once: Elasticsearch's refresh is not what the page-cache tests are about)."""
    settings.PAGE_CACHE_SECONDS = 60
    settings.SEARCH_BACKEND = "database"
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower(), "the test profile caches in Redis"
    page_cache.bump()
