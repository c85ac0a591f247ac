"""Stored XSS: no shop (or editor) can put a script on a page of ours.

A shop's staff may edit the products only they sell, in Oscar's dashboard with a rich-text
editor. What they write is cleaned with an allow-list on save (shop/core/html.py) and rendered
through the same allow-list, never `|safe`.
"""

import pytest
from django.urls import reverse

from catalog.models import Category, Product
from catalog.tests.factories import ProductFactory, category
from cms.models import CommunityIndexPage
from merchants.tests.factories import ListingFactory, MerchantFactory
from merchants.tests.test_merchant_dashboard import merchant_staff
from tests.forms import form_data

PAYLOAD = (
    '<p>新鲜<strong>土鸡蛋</strong></p><img src="x" onerror="alert(document.cookie)">'
    '<script>fetch("/django-admin/")</script><a href="javascript:alert(1)">看看</a>'
    '<a href="https://example.org/farm" onclick="steal()">产地</a><iframe src="//evil"></iframe>'
)
DANGEROUS = ["onerror", "<script", "javascript:", "onclick", "<iframe"]


def assert_clean(html: str):
    for marker in DANGEROUS:
        assert marker not in html, marker


@pytest.mark.django_db
def test_a_shop_cannot_put_a_script_in_a_product_description(client):
    # given a shop's staff member editing a product only that shop sells
    shop = MerchantFactory()
    product = ListingFactory(partner=shop, product=ProductFactory(title="土鸡蛋", categories=[category("蛋类")])).product
    client.force_login(merchant_staff(shop))
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    data = form_data(client.get(url).content.decode(), contains="description")
    # when the description carries script in every form a browser would run
    data["description"] = PAYLOAD
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    # then the stored text keeps the formatting and loses the script
    stored = Product.objects.get(pk=product.pk).description
    assert_clean(stored)
    assert "<strong>土鸡蛋</strong>" in stored and 'href="https://example.org/farm"' in stored
    # and the public product page shows it without script
    page = client.get(product.get_absolute_url()).content.decode()
    assert "<strong>土鸡蛋</strong>" in page
    assert_clean(page.split('id="product_description"')[1].split("</section>")[0])


@pytest.mark.django_db
def test_html_written_before_the_fix_is_cleaned_when_rendered(client):
    # given a description stored unclean (a row from before the save-time cleaning)
    product = ListingFactory(product=ProductFactory(title="老数据")).product
    Product.objects.filter(pk=product.pk).update(description=PAYLOAD)
    cat = category("生鲜 > 蛋类")
    Category.objects.filter(pk=cat.pk).update(description=PAYLOAD)
    # then neither the product page nor the category page carries the script
    for url in [product.get_absolute_url(), cat.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert "<strong>土鸡蛋</strong>" in page, url
        for marker in ["onerror", "javascript:alert", "onclick", "<iframe", 'fetch("/django-admin/")']:
            assert marker not in page, (url, marker)


@pytest.mark.django_db
def test_every_html_field_is_cleaned_on_save_whatever_writes_it():
    # given a category and the community index page saved with script (as the admin would)
    cat = category("服务 > 家政")
    cat.description = PAYLOAD
    cat.save()
    page = CommunityIndexPage.objects.first()
    page.intro = PAYLOAD
    page.save()
    # then what is stored is clean and keeps its formatting
    for stored in [Category.objects.get(pk=cat.pk).description, CommunityIndexPage.objects.get(pk=page.pk).intro]:
        assert_clean(stored)
        assert "<strong>土鸡蛋</strong>" in stored
