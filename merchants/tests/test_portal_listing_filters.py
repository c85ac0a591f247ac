"""The listings table's filters, every combination, against the rule computed in Python: the
narrow paging query (listings_page) must find exactly what the rules say, in the table's order."""

import itertools
from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.tests.factories import FreshProductClassFactory, ProductFactory, ServiceProductClassFactory
from merchants.dashboard import selectors
from merchants.tests.factories import ListingFactory, MerchantFactory

QS = ("", "鸡蛋", "SKU-EGG", "6901234567890")
KINDS = ("", "packaged", "fresh", "service")
STOCKS = ("", "in", "low", "out")
PUBLISHED = ("", "1", "0")


@pytest.fixture
def table():
    """Given a shop with listings of every kind and stock state (one a variant of a fresh parent)."""
    shop = MerchantFactory()
    fresh, service = FreshProductClassFactory(), ServiceProductClassFactory()
    parent = ProductFactory(title="散装土鸡蛋", product_class=fresh, structure=Product.PARENT, upc=None)
    child = ProductFactory(title="散装土鸡蛋 1斤", product_class=None, structure=Product.CHILD, parent=parent, upc=None)
    facts = [  # (listing keyword arguments, kind)
        (dict(product__title="土鸡蛋", partner_sku="SKU-EGG-1", num_in_stock=30), "packaged"),
        (dict(product__title="牛奶", num_in_stock=2, low_stock_threshold=3), "packaged"),
        (dict(product__title="矿泉水", num_in_stock=0, is_published=False), "packaged"),
        (dict(product__title="青菜", product__product_class=fresh, num_in_stock=5, num_allocated=5,
              low_stock_threshold=1), "fresh"),
        (dict(product__title="鸡蛋饼", product__upc="6901234567890", product__product_class=fresh,
              num_in_stock=9, low_stock_threshold=2), "fresh"),
        (dict(product=child, num_in_stock=1, low_stock_threshold=4, is_published=False), "fresh"),
        (dict(product__title="保洁2小时", product__product_class=service, num_in_stock=0), "service"),
        (dict(product__title="钟点工", product__product_class=service, num_in_stock=0, low_stock_threshold=0,
              partner_sku="SKU-EGG-SERVICE"), "service"),
    ]
    rows = []
    for kwargs, kind in facts:
        listing = ListingFactory(partner=shop, price=Decimal("5.00"), **kwargs)
        rows.append((listing, kind))
    ListingFactory(product__title="别家土鸡蛋", partner_sku="SKU-EGG-9")  # another shop's: never shown
    return shop, rows


def expected(rows, *, q, kind, stock, published):
    found = []
    for listing, listing_kind in rows:
        available = (listing.num_in_stock or 0) - (listing.num_allocated or 0)
        low = listing.low_stock_threshold is not None and available <= listing.low_stock_threshold
        if q and not (q.upper() in listing.product.title.upper() or q.upper() in listing.partner_sku.upper()
                      or listing.product.upc == q):
            continue
        if kind and listing_kind != kind:
            continue
        if stock == "out" and not (available <= 0 and listing_kind != "service"):
            continue
        if stock == "low" and not (low and listing_kind != "service"):
            continue
        if stock == "in" and not (available > 0 and not low):
            continue
        if published and listing.is_published != (published == "1"):
            continue
        found.append(listing.pk)
    return set(found)


@pytest.mark.django_db
def test_every_filter_combination_finds_what_the_rules_say_in_the_tables_order(table):
    shop, rows = table
    for q, kind, stock, published in itertools.product(QS, KINDS, STOCKS, PUBLISHED):
        filters = dict(q=q, kind=kind, stock=stock, published=published)
        # when the table asks for the first page (all fit on it)
        page = selectors.listings_page(shop_id=shop.pk, number=1, **filters)
        # then it holds exactly the listings the rules pick, newest change first, annotated for the template
        got = [listing.pk for listing in page.object_list]
        assert set(got) == expected(rows, **filters), filters
        assert page.paginator.count == len(got), filters
        ordered = sorted(page.object_list, key=lambda listing: (listing.date_updated, listing.pk), reverse=True)
        assert got == [listing.pk for listing in ordered], filters
        kinds = dict((listing.pk, kind_) for listing, kind_ in rows)
        assert all(listing.kind == kinds[listing.pk] for listing in page.object_list), filters


@pytest.mark.django_db
def test_pages_split_the_table_without_losing_or_repeating_a_listing():
    shop = MerchantFactory()
    listings = ListingFactory.create_batch(selectors.LISTINGS_PAGE_SIZE + 7, partner=shop)
    first = selectors.listings_page(shop_id=shop.pk, number=1)
    second = selectors.listings_page(shop_id=shop.pk, number=2)
    beyond = selectors.listings_page(shop_id=shop.pk, number="x")  # a bad page number: the first
    seen = [listing.pk for listing in first.object_list] + [listing.pk for listing in second.object_list]
    assert len(first.object_list) == selectors.LISTINGS_PAGE_SIZE and len(second.object_list) == 7
    assert sorted(seen) == sorted(listing.pk for listing in listings)
    assert [listing.pk for listing in beyond.object_list] == [listing.pk for listing in first.object_list]
