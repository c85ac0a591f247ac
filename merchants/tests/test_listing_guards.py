"""A listing's price is > 0 wherever it enters, and saving a listing never undoes an allocation."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from catalog.tests.factories import ProductFactory, category
from communities.tests.factories import UserFactory
from merchants.models import StockRecord
from merchants.services import allocate_stock
from merchants.tests.factories import ListingFactory, MerchantFactory
from merchants.tests.test_merchant_dashboard import merchant_staff
from tests.forms import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("price", ["-50.00", "0", "0.00"])
def test_the_platform_cannot_list_at_zero_or_a_negative_price_in_oscars_form(client, price):
    # given platform staff on Oscar's product form (a shop's staff sets prices in the portal)
    shop = MerchantFactory()
    listing = ListingFactory(partner=shop, price=Decimal("9.90"),
                             product=ProductFactory(title="酱油", categories=[category("调味")]))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("dashboard:catalogue-product", kwargs={"pk": listing.product_id})
    data = form_data(client.get(url).content.decode(), contains="description")
    price_field = next(name for name in data if name.startswith("stockrecords-") and name.endswith("-price")
                       and data[name])
    # when it posts a price of zero or below
    data[price_field] = price
    response = client.post(url, data)
    # then the form says so and the price is unchanged
    assert response.status_code == 200
    assert response.context["stockrecord_formset"].errors[0]["price"]
    assert StockRecord.objects.get(pk=listing.pk).price == Decimal("9.90")


def test_a_shops_product_form_edits_the_product_and_never_the_listing(client):
    # given a shop's staff member who opened the form of its own product (stock 10, none allocated)
    shop = MerchantFactory()
    listing = ListingFactory(partner=shop, price=Decimal("9.90"), num_in_stock=10,
                             product=ProductFactory(title="酱油", categories=[category("调味")]))
    client.force_login(merchant_staff(shop))
    url = reverse("dashboard:catalogue-product", kwargs={"pk": listing.product_id})
    page = client.get(url)
    data = form_data(page.content.decode(), contains="description")
    assert not any(name.startswith("stockrecords-") for name in data), "the form carries no listing fields"
    assert "店铺后台" in page.content.decode()
    # when a checkout allocates 3 before the form is sent, with stock and price fields forged into it
    allocate_stock(quantities={listing.pk: 3})
    data.update({"title": "老抽酱油", "stockrecords-TOTAL_FORMS": "1", "stockrecords-INITIAL_FORMS": "1",
                 "stockrecords-0-id": str(listing.pk), "stockrecords-0-partner": str(shop.pk),
                 "stockrecords-0-partner_sku": listing.partner_sku, "stockrecords-0-price": "1.00",
                 "stockrecords-0-num_in_stock": "99", "stockrecords-0-price_currency": "CNY"})
    response = client.post(url, data)
    # then the product is saved, and the listing keeps its price, stock and the allocation
    assert response.status_code == 302, response.context and response.context["form"].errors
    fresh = StockRecord.objects.select_related("product").get(pk=listing.pk)
    assert fresh.product.title == "老抽酱油"
    assert (fresh.price, fresh.num_in_stock, fresh.num_allocated) == (Decimal("9.90"), 10, 3)


def test_a_shop_adds_products_in_the_portal_not_in_oscars_form(client):
    shop = MerchantFactory()
    own = ListingFactory(partner=shop).product
    client.force_login(merchant_staff(shop))
    create = reverse("dashboard:catalogue-product-create", kwargs={"product_class_slug": own.product_class.slug})
    for response in (client.get(create), client.post(create, {"title": "新商品"})):
        assert response.status_code == 302 and response["Location"] == reverse("merchant-portal:listing-add")
    assert not own.__class__.objects.filter(title="新商品").exists()


def test_the_database_refuses_a_negative_price_from_any_other_path():
    listing = ListingFactory(price=Decimal("5.00"))
    with pytest.raises(IntegrityError):
        StockRecord.objects.filter(pk=listing.pk).update(price=Decimal("-50.00"))


def test_saving_a_listing_read_before_an_allocation_keeps_the_allocation():
    # given a form (dashboard or admin) that read the listing
    listing = ListingFactory(num_in_stock=10)
    stale = StockRecord.objects.get(pk=listing.pk)
    # when a checkout allocates 3 meanwhile and the form then saves its copy with a new stock level
    allocate_stock(quantities={listing.pk: 3})
    stale.num_in_stock = 20
    stale.save()
    # then both writes hold
    fresh = StockRecord.objects.get(pk=listing.pk)
    assert (fresh.num_in_stock, fresh.num_allocated) == (20, 3)
