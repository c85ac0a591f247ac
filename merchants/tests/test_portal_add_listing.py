"""Adding listings: from the shared catalogue (name, pinyin, barcode) or a new product with the
fields of its kind, checked photos and a sanitised description."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import Category, Product
from catalog.tests.factories import FreshProductClassFactory, ProductFactory, ServiceProductClassFactory
from merchants.models import StockMovement, StockRecord
from merchants.tests.factories import ListingFactory
from merchants.tests.portal_helpers import shop_with_staff


@pytest.fixture
def category():
    FreshProductClassFactory(), ServiceProductClassFactory()
    return Category.add_root(name="蔬菜")


def png(size=(60, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return SimpleUploadedFile("veg.png", buffer.getvalue(), content_type="image/png")


def new_product(category_, **overrides):
    body = {"mode": "new", "kind": "fresh", "title": "本地小青菜", "category": category_.pk, "price": "4.50",
            "partner_sku": "VEG-1", "num_in_stock": "30", "sale_unit": "weight", "unit_label": "份",
            "pack_size_g": "500", "storage": "chilled", "shelf_life_days": "3",
            "description": '<p onclick="steal()">新鲜<script>alert(1)</script><b>直供</b></p>'}
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_find_a_shared_product_by_name_pinyin_or_barcode_and_list_it(client):
    shop, owner, _clerk = shop_with_staff()
    eggs = ProductFactory(title="土鸡蛋", upc="6901234567890")
    ListingFactory(product=eggs)  # another shop sells it already
    client.force_login(owner)
    for q in ("鸡蛋", "tujidan", "tjd", "6901234567890"):
        page = client.get(reverse("merchant-portal:listing-add"), {"q": q}).content.decode()
        assert f'data-product="{eggs.pk}"' in page, q
    response = client.post(reverse("merchant-portal:listing-add"), {
        "mode": "existing", "product": eggs.pk, "price": "13.00", "partner_sku": "EGG", "num_in_stock": "24"})
    listing = StockRecord.objects.get(partner=shop, product=eggs)
    assert response["Location"] == reverse("merchant-portal:listing", kwargs={"pk": listing.pk})
    assert (listing.price, listing.num_in_stock) == (Decimal("13.00"), 24)
    assert StockMovement.objects.filter(listing=listing, reason="opening", delta=24).exists()
    again = client.post(reverse("merchant-portal:listing-add"), {
        "mode": "existing", "product": eggs.pk, "price": "13.00", "partner_sku": "EGG2"}, follow=True)
    assert "本店已在卖" in again.content.decode()


@pytest.mark.django_db
def test_a_new_weighed_product_with_a_photo_and_a_sanitised_description(client, category):
    shop, owner, _clerk = shop_with_staff()
    client.force_login(owner)
    response = client.post(reverse("merchant-portal:listing-add"), {**new_product(category), "photos": [png()]})
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(title="本地小青菜")
    assert (product.sale_unit, product.pack_size_g, product.kind) == ("weight", 500, "fresh")
    assert "script" not in product.description and "onclick" not in product.description
    assert "<b>直供</b>" in product.description
    assert product.images.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "<img src=" in page  # the thumbnail


@pytest.mark.django_db
def test_a_new_service_needs_its_duration(client, category):
    shop, owner, _clerk = shop_with_staff()
    client.force_login(owner)
    body = new_product(category, kind="service", title="家电清洗", sale_unit="", pack_size_g="")
    refused = client.post(reverse("merchant-portal:listing-add"), body)
    assert "服务时长" in refused.content.decode() and not Product.objects.filter(title="家电清洗").exists()
    client.post(reverse("merchant-portal:listing-add"), {**body, "service_duration_min": "120"})
    product = Product.objects.get(title="家电清洗")
    assert product.service_duration_min == 120 and product.kind == "service"


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [
    {"pack_size_g": ""},  # weighed goods need a pack size
    {"price": "0"},
    {"category": "999999"},
    {"photos": [SimpleUploadedFile("x.png", b"GIF89a not really", "image/png")]},
    {"photos": [SimpleUploadedFile("big.png", b"\0" * (5 * 1024 * 1024 + 1), "image/png")]},
])
def test_bad_new_products_write_nothing(client, category, bad):
    shop, owner, _clerk = shop_with_staff()
    client.force_login(owner)
    response = client.post(reverse("merchant-portal:listing-add"), new_product(category, **bad))
    assert response.status_code == 200
    assert not Product.objects.filter(title="本地小青菜").exists()
    assert not StockRecord.objects.filter(partner=shop).exists()
