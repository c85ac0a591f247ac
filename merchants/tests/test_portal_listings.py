"""The portal's listings table: a shop changes prices, moves stock through the ledger,
publishes and unpublishes, only for itself; a clerk moves stock but does not set prices."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import SearchOutbox
from catalog.selectors import listing_queryset
from merchants.models import StockMovement, StockRecord
from merchants.tests.factories import ListingFactory
from merchants.tests.portal_helpers import shop_with_staff


@pytest.fixture
def shop():
    shop, owner, clerk = shop_with_staff()
    eggs = ListingFactory(partner=shop, product__title="土鸡蛋", price=Decimal("12.00"), num_in_stock=30)
    return shop, owner, clerk, eggs


def row(listing):
    return StockRecord.objects.get(pk=listing.pk)


@pytest.mark.django_db
def test_the_owner_sees_only_her_shops_listings_and_filters_them(client, shop):
    shop, owner, _clerk, eggs = shop
    other = ListingFactory(product__title="别家大米")
    low = ListingFactory(partner=shop, product__title="牛奶", num_in_stock=2, low_stock_threshold=3)
    client.force_login(owner)
    page = client.get(reverse("merchant-portal:listings"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "土鸡蛋" in text and "牛奶" in text and "别家大米" not in text
    low_page = client.get(reverse("merchant-portal:listings"), {"stock": "low"}).content.decode()
    assert f'data-listing="{low.pk}"' in low_page and f'data-listing="{eggs.pk}"' not in low_page
    search = client.get(reverse("merchant-portal:listings"), {"q": "鸡蛋"}).content.decode()
    assert f'data-listing="{eggs.pk}"' in search and f'data-listing="{low.pk}"' not in search
    assert client.get(reverse("merchant-portal:listing", kwargs={"pk": other.pk})).status_code == 404
    home = client.get(reverse("merchant-portal:home")).content.decode()
    assert f'data-low-listing="{low.pk}"' in home


@pytest.mark.django_db
def test_an_inline_price_change_is_saved_and_reaches_search(client, shop):
    shop, owner, _clerk, eggs = shop
    client.force_login(owner)
    SearchOutbox.objects.all().delete()
    response = client.post(reverse("merchant-portal:listing-price", kwargs={"pk": eggs.pk}), {"price": "13.50"})
    assert response.status_code == 302
    assert row(eggs).price == Decimal("13.50")
    assert SearchOutbox.objects.filter(kind="listing", object_id=eggs.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("price", ["", "abc", "0", "-1", "100000", "1.234", "NaN"])
def test_a_bad_price_is_refused_with_a_message_and_nothing_saved(client, shop, price):
    shop, owner, _clerk, eggs = shop
    client.force_login(owner)
    response = client.post(reverse("merchant-portal:listing-price", kwargs={"pk": eggs.pk}), {"price": price},
                           follow=True)
    assert response.status_code == 200 and "价格" in response.content.decode()
    assert row(eggs).price == Decimal("12.00")


@pytest.mark.django_db
def test_a_clerk_moves_stock_but_cannot_set_prices_or_publish(client, shop):
    shop, _owner, clerk, eggs = shop
    client.force_login(clerk)
    client.post(reverse("merchant-portal:listing-stock", kwargs={"pk": eggs.pk}), {"action": "received", "quantity": 20})
    assert row(eggs).num_in_stock == 50
    assert StockMovement.objects.filter(listing=eggs, reason="received", delta=20, actor=clerk).exists()
    assert client.post(reverse("merchant-portal:listing-price", kwargs={"pk": eggs.pk}),
                       {"price": "1.00"}).status_code == 403
    assert client.post(reverse("merchant-portal:listing-publish", kwargs={"pk": eggs.pk}),
                       {"published": "0"}).status_code == 403
    assert row(eggs).price == Decimal("12.00") and row(eggs).is_published


@pytest.mark.django_db
def test_counting_keeps_allocations_and_writes_the_difference(client, shop):
    from merchants.services import allocate_stock

    shop, owner, _clerk, eggs = shop
    allocate_stock(quantities={eggs.pk: 5})
    client.force_login(owner)
    client.post(reverse("merchant-portal:listing-stock", kwargs={"pk": eggs.pk}), {"action": "counted", "quantity": 48})
    assert (row(eggs).num_in_stock, row(eggs).num_allocated) == (48, 5)
    page = client.get(reverse("merchant-portal:listing", kwargs={"pk": eggs.pk})).content.decode()
    assert 'data-reason="counted"' in page and "+18" in page


@pytest.mark.django_db
def test_unpublishing_hides_the_listing_from_residents_and_search(client, shop):
    shop, owner, _clerk, eggs = shop
    client.force_login(owner)
    SearchOutbox.objects.all().delete()
    client.post(reverse("merchant-portal:listing-publish", kwargs={"pk": eggs.pk}), {"published": "0"})
    assert not row(eggs).is_published
    assert not listing_queryset().filter(pk=eggs.pk).exists()
    assert SearchOutbox.objects.filter(kind="listing", object_id=eggs.pk).exists()
    client.post(reverse("merchant-portal:listing-publish", kwargs={"pk": eggs.pk}), {"published": "1"})
    assert listing_queryset().filter(pk=eggs.pk).exists()


@pytest.mark.django_db
def test_a_shared_product_is_editable_per_shop(client, shop):
    # given a product two shops sell: each shop sets its own price, threshold and SKU
    shop, owner, _clerk, eggs = shop
    theirs = ListingFactory(product=eggs.product, price=Decimal("11.00"))
    client.force_login(owner)
    response = client.post(reverse("merchant-portal:listing", kwargs={"pk": eggs.pk}), {
        "partner_sku": "EGG-01", "price": "12.80", "low_stock_threshold": "5", "is_published": "on"})
    assert response.status_code == 302
    assert (row(eggs).partner_sku, row(eggs).price, row(eggs).low_stock_threshold) == ("EGG-01", Decimal("12.80"), 5)
    assert row(theirs).price == Decimal("11.00")


@pytest.mark.django_db
def test_another_shops_listing_cannot_be_touched(client, shop):
    shop, owner, _clerk, _eggs = shop
    theirs = ListingFactory(num_in_stock=10, price=Decimal("5.00"))
    client.force_login(owner)
    for name, body in [("listing-price", {"price": "1.00"}), ("listing-stock", {"action": "received", "quantity": 5}),
                       ("listing-publish", {"published": "0"})]:
        client.post(reverse(f"merchant-portal:{name}", kwargs={"pk": theirs.pk}), body)
    assert (row(theirs).price, row(theirs).num_in_stock, row(theirs).is_published) == (Decimal("5.00"), 10, True)


@pytest.mark.django_db
def test_someone_without_a_shop_is_sent_to_apply_and_a_visitor_to_sign_in(client):
    from communities.tests.factories import UserFactory

    assert client.get(reverse("merchant-portal:listings")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("merchant-portal:home"))["Location"] == reverse("merchant-portal:apply")
    assert client.get(reverse("merchant-portal:listings")).status_code == 404


@pytest.mark.django_db
def test_a_person_working_for_two_shops_switches(client, shop):
    from merchants.tests.factories import MerchantFactory

    shop, owner, _clerk, eggs = shop
    second = MerchantFactory(name="第二家店")
    second.users.add(owner)
    rice = ListingFactory(partner=second, product__title="东北大米")
    client.force_login(owner)
    client.post(reverse("merchant-portal:switch"), {"shop": second.pk})
    text = client.get(reverse("merchant-portal:listings")).content.decode()
    assert "东北大米" in text and "土鸡蛋" not in text
    # a shop that is not hers cannot be chosen
    stranger = MerchantFactory()
    assert client.post(reverse("merchant-portal:switch"), {"shop": stranger.pk}).status_code == 404
    assert client.get(reverse("merchant-portal:listings")).content.decode().count(f'data-listing="{rice.pk}"') == 1
