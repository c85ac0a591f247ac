"""The database backend's text search (catalog/search/backends/matched.py: one read of the
matching rows, counted, faceted and ordered in Python, on PostgreSQL under its own planner
settings) answers exactly what the same query answers when counted, ordered, paged and faceted
in SQL (``DatabaseListingBackend._search_in_sql``, the browsing path): the same count, the same
listings in the same order on every page, the same rows and facets. A seeded neighbourhood with
ties in every sort key, variants, hidden products, sold-out goods, services and merchants whose
name holds the word."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Product
from catalog.search.backends.base import SORTS, ListingQuery, PageOutOfRange, listing_row
from catalog.search.backends.database import PLAN_SETTINGS, DatabaseListingBackend, planned_for_memory
from catalog.search.listings import category_product_ids
from catalog.tests.factories import FreshProductClassFactory, ProductFactory, ServiceProductClassFactory, category
from communities.circle import make_circle
from communities.tests.factories import BASE_LAT, BASE_LNG
from merchants.models import StockRecord
from merchants.tests.factories import ListingFactory, MerchantFactory, business_format

pytestmark = pytest.mark.django_db

WORDS = ["药", "牛奶", "鲜牛奶", "青菜", "保洁"]
FORMATS = ["convenience_store", "pharmacy", "fresh_grocery", "housekeeping"]


@pytest.fixture
def neighbourhood():
    """Twelve merchants within ~1.5 km, about 160 listings of 40 products (seeded)."""
    rng = random.Random(16)
    categories = [category("生鲜 > 蔬菜"), category("生鲜 > 乳品"), category("药品 > 感冒药"), category("上门服务")]
    fresh, service = FreshProductClassFactory(), ServiceProductClassFactory()
    merchants = [
        MerchantFactory(
            name=rng.choice(["大药房", "便利店", "菜店", "牛奶铺"]) + str(n), format=business_format(rng.choice(FORMATS)),
            lat=BASE_LAT + rng.uniform(-0.012, 0.012), lng=BASE_LNG + rng.uniform(-0.012, 0.012),
            rating=Decimal(rng.choice(["4.2", "4.5", "4.5", "4.8"])),
        )
        for n in range(12)
    ]
    titles = ["鲜牛奶 950ml", "牛奶 鲜", "感冒药 10片", "青菜 500g", "日常保洁 2小时", "本地小白菜", "酸奶 牛奶味", "药皂"]
    products = []
    for n in range(40):
        kind = rng.random()
        product = ProductFactory(
            title=f"{rng.choice(titles)} {n}", product_class=service if kind < 0.15 else fresh,
            categories=[rng.choice(categories)] if rng.random() < 0.8 else [],
            rating=rng.choice([None, 3.5, 4.0, 4.0]), is_public=rng.random() > 0.05,
        )
        if rng.random() < 0.2:  # a parent with two variants (titled by the parent)
            product.structure = Product.PARENT
            product.save()
            products += [ProductFactory(structure=Product.CHILD, parent=product, title=title, product_class=None)
                         for title in ("", "大瓶")]
        else:
            products.append(product)
    now = timezone.now()
    for _n in range(160):
        listing = ListingFactory(
            partner=rng.choice(merchants), product=rng.choice(products),
            price=Decimal(rng.choice(["3.50", "9.90", "9.90", "12.00", "29.90", "120.00"])),
            num_in_stock=rng.choice([0, 5, 50]),
        )
        # ties in the date too (the newest sort breaks them by id)
        StockRecord.objects.filter(pk=listing.pk).update(date_created=now - timedelta(days=rng.choice([1, 2, 2, 3])))
    return categories


def in_sql(query: ListingQuery):
    """The same query counted, ordered, paged and faceted in SQL."""
    backend = DatabaseListingBackend()
    reach = backend._reach(query)
    filtered = backend._filtered(backend._matching(query), query, reach)
    product_ids = category_product_ids(category_ids=query.category_ids) if query.category_ids else None
    return backend._search_in_sql(query, filtered, product_ids, reach)


def answer(result) -> tuple:
    return (result.count, [row for row in result.rows], result.facets)


def queries(categories) -> list[ListingQuery]:
    circle = make_circle(lat=BASE_LAT, lng=BASE_LNG, minutes=15, mode="walk")
    found = []
    for word in WORDS:
        for sort in sorted(SORTS):
            found.append(ListingQuery(query=word, sort=sort, circle=circle, page_size=5))
            found.append(ListingQuery(query=word, sort=sort, page_size=7))
        found += [
            ListingQuery(query=word, circle=circle, formats=("pharmacy", "fresh_grocery"), page_size=5),
            ListingQuery(query=word, circle=circle, category_ids=(categories[0].pk, categories[2].pk), page_size=5),
            ListingQuery(query=word, min_price=Decimal("9.90"), max_price=Decimal("29.90"), in_stock=True,
                         product_classes=("fresh",), page_size=5),
            ListingQuery(query=f"{word} 鲜", circle=circle, page_size=5),
        ]
    return found


def test_a_text_search_answers_as_the_same_query_ordered_and_faceted_in_sql(neighbourhood):
    # given the seeded neighbourhood and, for every word, sort and filter, every page
    backend, compared, nonempty = DatabaseListingBackend(), 0, 0
    for first_page in queries(neighbourhood):
        reference = in_sql(first_page)
        nonempty += reference.count > 0
        for page in range(1, reference.num_pages + 1):
            query = ListingQuery(**{**first_page.__dict__, "page": page})
            # when the text search answers
            result = backend.search(query)
            expected = in_sql(query) if page > 1 else reference
            # then with the same count, listings in the same order, rows and facets
            assert answer(result) == answer(expected), (query, page)
            assert [listing.pk for listing in result.items] == [listing.pk for listing in expected.items]
            assert [listing_row(listing) for listing in result.items] == expected.rows
            compared += 1
    assert nonempty >= 40 and compared >= 150  # the data set exercised the paths


def test_a_text_search_plans_for_memory_and_a_missing_page_leaves_the_transaction_usable(neighbourhood):
    # given a text search's planner settings (PostgreSQL; a no-op elsewhere)
    with planned_for_memory():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('random_page_cost'), "
                               "current_setting('max_parallel_workers_per_gather')")
                # then they hold for the block's queries
                assert cursor.fetchone() == (PLAN_SETTINGS["random_page_cost"],
                                             PLAN_SETTINGS["max_parallel_workers_per_gather"])
    # when a text search asks for a page that does not exist inside the test's transaction
    with pytest.raises(PageOutOfRange):
        DatabaseListingBackend().search(ListingQuery(query="药", page=99))
    # then the transaction still answers (the view sends the resident to page 1)
    assert DatabaseListingBackend().search(ListingQuery(query="药")).count > 0
