"""The product page loads what it shows in a fixed handful of queries (catalog.views.ProductDetailView).

Before, the template queried the product class, the images and the breadcrumb (two queries)
lazily, and the offers query joined the product, its parent and their classes again.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.tests.factories import ProductFactory
from merchants.tests.factories import ListingFactory, MerchantFactory

pytestmark = pytest.mark.django_db

# product, images, offers, breadcrumb, Oscar's view counter (an UPDATE; an INSERT too on a
# product's first view), plus the request's savepoint and its release. Goods only: a home
# service's add-to-basket forms also read each merchant's slots (shop.basket).
PRODUCT_PAGE_QUERIES = 7


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _statements(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_product_page_is_a_fixed_handful_of_queries(client, catalogue, django_assert_max_num_queries):
    url = catalogue.cabbage.get_absolute_url()
    client.get(url)  # the category URL cache and the view counter's row
    # when the cabbage has two offers
    with django_assert_max_num_queries(PRODUCT_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert "由 青岛路菜店 供货" in _text(response)


def test_more_offers_do_not_mean_more_queries(client, catalogue):
    url = catalogue.cabbage.get_absolute_url()
    client.get(url)
    few = _statements(client, url)
    # when ten more merchants sell the cabbage
    for _ in range(10):
        ListingFactory(product=catalogue.cabbage, partner=MerchantFactory())
    many = _statements(client, url)
    # then the page shows them and still asks the same number of questions
    assert len(many) == len(few)
    assert "有售的店铺 (12 家)" in _text(client.get(url))


def test_the_breadcrumb_names_the_first_category_and_its_ancestors(client, catalogue):
    # the cabbage is in 生鲜 > 蔬菜
    assert [category.name for category in selectors.category_trail(product=catalogue.cabbage)] == ["生鲜", "蔬菜"]
    assert [category.name for category in selectors.category_trail(product=catalogue.eggs)] == ["生鲜"]
    assert selectors.category_trail(product=ProductFactory()) == []
    page = client.get(catalogue.cabbage.get_absolute_url()).content.decode()
    assert catalogue.vegetables.get_absolute_url() in page and catalogue.fresh.get_absolute_url() in page


def test_offers_of_a_hidden_product_or_an_inactive_merchant_are_not_shown(catalogue):
    catalogue.corner_shop.is_active = False
    catalogue.corner_shop.save()
    assert [offer.partner.name for offer in selectors.product_offers(product=catalogue.cabbage)] == ["青岛路菜店"]
    catalogue.cabbage.is_public = False
    assert selectors.product_offers(product=catalogue.cabbage) == []


def test_a_service_is_always_available(catalogue):
    [offer] = selectors.product_offers(product=catalogue.cleaning)
    assert offer.in_stock and offer.product is catalogue.cleaning


def test_templates_are_parsed_once_per_process(settings):
    # the storefront's pages render dozens of templates: Django's cached loader keeps them parsed
    # (the default when TEMPLATES names no loaders; a custom list must keep it outside DEBUG)
    from django.template import engines
    from django.template.loaders.cached import Loader as CachedLoader

    assert not settings.DEBUG
    assert [type(loader) for loader in engines["django"].engine.template_loaders] == [CachedLoader]
