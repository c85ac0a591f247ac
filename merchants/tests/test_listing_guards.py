"""A listing's price is > 0 wherever it enters, and saving a listing never undoes an allocation."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from catalog.tests.factories import ProductFactory, category
from merchants.models import StockRecord
from merchants.services import allocate_stock
from merchants.tests.factories import ListingFactory, MerchantFactory
from merchants.tests.test_merchant_dashboard import merchant_staff
from tests.forms import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("price", ["-50.00", "0", "0.00"])
def test_a_shop_cannot_list_at_zero_or_a_negative_price(client, price):
    # given a shop's staff member on the form of its own product
    shop = MerchantFactory()
    listing = ListingFactory(partner=shop, price=Decimal("9.90"),
                             product=ProductFactory(title="酱油", categories=[category("调味")]))
    client.force_login(merchant_staff(shop))
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
