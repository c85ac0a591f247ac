"""The database listing search backend behind catalog.selectors.search_listings."""

from decimal import Decimal

import pytest

from catalog import selectors
from catalog.search.backends import PageOutOfRange, SearchBackendUnavailable
from catalog.search.backends.base import FACET_CATEGORY, FACET_FORMAT
from merchants.tests.factories import ListingFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def _facet(result, name):
    return {value.label: value.count for value in result.facets[name]}


def test_browsing_lists_every_visible_listing_with_its_merchant(catalogue):
    # given the small district catalogue
    # when a resident browses without a query
    result = selectors.search_listings()
    # then every listing (product + merchant) is an item, with the merchant loaded
    assert result.count == 5
    assert {(item.product.title, item.partner.name) for item in result.items} == {
        ("本地小白菜", "青岛路菜店"),
        ("本地小白菜", "湖南路便利店"),
        ("烟台红富士苹果", "青岛路菜店"),
        ("土鸡蛋 30枚", "湖南路便利店"),
        ("日常保洁 2小时", "好帮手家政"),
    }
    assert result.backend == "database"


def test_hidden_products_inactive_merchants_and_unpriced_listings_are_not_listed(catalogue):
    # given a private product, a closed merchant and a listing without a price
    catalogue.apples.is_public = False
    catalogue.apples.save()
    ListingFactory(product=catalogue.eggs, partner=MerchantFactory(is_active=False))
    ListingFactory(product=catalogue.eggs, partner=MerchantFactory(), price=None)
    # when browsing
    result = selectors.search_listings()
    # then none of them shows
    assert {item.pk for item in result.items} == {
        catalogue.cabbage_at_greengrocer.pk, catalogue.cabbage_at_corner_shop.pk,
        catalogue.eggs_at_corner_shop.pk, catalogue.cleaning_at_housekeeper.pk,
    }


def test_a_listing_knows_whether_it_is_in_stock(catalogue):
    # given a sold-out cabbage at the corner shop and a service that tracks no stock
    items = {item.pk: item for item in selectors.search_listings().items}
    # then
    assert items[catalogue.cabbage_at_corner_shop.pk].in_stock is False
    assert items[catalogue.cabbage_at_greengrocer.pk].in_stock is True
    assert items[catalogue.cleaning_at_housekeeper.pk].in_stock is True


def test_a_query_finds_listings_by_a_substring_of_the_title(catalogue):
    # when searching a part of a title
    result = selectors.search_listings(query="白菜")
    # then both merchants' cabbage, and nothing else
    assert result.count == 2
    assert {item.product_id for item in result.items} == {catalogue.cabbage.pk}


def test_every_term_of_a_query_must_match_and_merchant_names_count(catalogue):
    # when the query names the product and the merchant
    result = selectors.search_listings(query="白菜  便利店")
    # then only that merchant's offer matches
    assert [item.pk for item in result.items] == [catalogue.cabbage_at_corner_shop.pk]


def test_a_query_matching_nothing_is_an_empty_first_page(catalogue):
    result = selectors.search_listings(query="榴莲")
    assert (result.count, result.items, result.num_pages) == (0, [], 1)


def test_a_category_includes_its_descendants(catalogue):
    # when filtering by the top category 生鲜 (the cabbage and apples sit in its children)
    result = selectors.search_listings(category_ids=[catalogue.fresh.pk])
    # then its own and its sub-categories' listings, not the service
    assert {item.product_id for item in result.items} == {
        catalogue.cabbage.pk, catalogue.apples.pk, catalogue.eggs.pk
    }
    # and a leaf category lists only its own
    vegetables = selectors.search_listings(category_ids=[catalogue.vegetables.pk])
    assert {item.product_id for item in vegetables.items} == {catalogue.cabbage.pk}


def test_formats_filter_by_the_merchants_business_format(catalogue):
    result = selectors.search_listings(formats=["fresh_grocery", "housekeeping"])
    assert {item.partner.name for item in result.items} == {"青岛路菜店", "好帮手家政"}


def test_facets_count_listings_per_format_and_top_category(catalogue):
    # when browsing everything
    result = selectors.search_listings()
    # then formats count listings (not merchants) and categories include descendants
    assert _facet(result, FACET_FORMAT) == {"便利店": 2, "生鲜超市(菜店)": 2, "家政服务点": 1}
    assert _facet(result, FACET_CATEGORY) == {"生鲜": 4, "上门服务": 1}


def test_in_a_category_the_category_facet_counts_its_children(catalogue):
    result = selectors.search_listings(category_ids=[catalogue.fresh.pk])
    assert _facet(result, FACET_CATEGORY) == {"蔬菜": 2, "水果": 1}
    assert _facet(result, FACET_FORMAT) == {"便利店": 2, "生鲜超市(菜店)": 2}


def test_a_facet_ignores_its_own_selection_but_honours_the_others(catalogue):
    # when one format is selected in the 生鲜 category
    result = selectors.search_listings(category_ids=[catalogue.fresh.pk], formats=["convenience_store"])
    # then the listings are narrowed, the format facet still offers the other format
    assert result.count == 2
    assert _facet(result, FACET_FORMAT) == {"便利店": 2, "生鲜超市(菜店)": 2}
    assert [value.key for value in result.facets[FACET_FORMAT] if value.selected] == ["convenience_store"]
    # and the category facet counts only the selected format's listings
    assert _facet(result, FACET_CATEGORY) == {"蔬菜": 1}


def test_a_leaf_category_facet_shows_its_siblings(catalogue):
    result = selectors.search_listings(category_ids=[catalogue.fruit.pk])
    assert _facet(result, FACET_CATEGORY) == {"蔬菜": 2, "水果": 1}
    assert [value.label for value in result.facets[FACET_CATEGORY] if value.selected] == ["水果"]


def test_a_query_narrows_the_facet_counts(catalogue):
    result = selectors.search_listings(query="白菜")
    assert _facet(result, FACET_FORMAT) == {"便利店": 1, "生鲜超市(菜店)": 1}
    assert _facet(result, FACET_CATEGORY) == {"生鲜": 2}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price-asc", ["2.50", "3.20", "12.80", "29.90", "100.00"]),
        ("price-desc", ["100.00", "29.90", "12.80", "3.20", "2.50"]),
    ],
)
def test_listings_sort_by_price(catalogue, sort, expected):
    result = selectors.search_listings(sort=sort)
    assert [item.price for item in result.items] == [Decimal(price) for price in expected]


def test_newest_listings_come_first_when_sorting_by_newest(catalogue):
    result = selectors.search_listings(sort="newest")
    assert result.items[0].pk == catalogue.cleaning_at_housekeeper.pk


def test_best_rated_merchants_come_first_when_sorting_by_rating(catalogue):
    result = selectors.search_listings(sort="rating")
    assert {item.partner.name for item in result.items[:2]} == {"青岛路菜店"}


def test_relevance_puts_title_matches_and_available_listings_first(catalogue):
    # given the query matches the cabbage by title and the corner shop's eggs only by merchant
    result = selectors.search_listings(query="便利店")
    assert {item.pk for item in result.items} == {catalogue.cabbage_at_corner_shop.pk, catalogue.eggs_at_corner_shop.pk}
    # when browsing without a query, sold-out listings come last
    assert selectors.search_listings().items[-1].pk == catalogue.cabbage_at_corner_shop.pk


def test_an_unknown_sort_falls_back_to_relevance(catalogue):
    assert selectors.search_listings(sort="cheapest-first").count == 5


def test_pages_cut_the_result_and_a_missing_page_raises(catalogue):
    # when paging two at a time
    first = selectors.search_listings(sort="price-asc", page_size=2)
    last = selectors.search_listings(sort="price-asc", page=3, page_size=2)
    # then
    assert (first.count, first.num_pages, len(first.items)) == (5, 3, 2)
    assert [item.price for item in last.items] == [Decimal("100.00")]
    with pytest.raises(PageOutOfRange):
        selectors.search_listings(page=4, page_size=2)
    with pytest.raises(PageOutOfRange):
        selectors.search_listings(page=0)


class DownBackend:
    """A backend whose engine cannot answer (as Elasticsearch when it is down)."""

    name = "down"

    def search(self, query):
        raise SearchBackendUnavailable("engine down")


def test_a_backend_that_is_not_installed_falls_back_to_the_database(catalogue, settings, monkeypatch):
    # given the configured backend's module does not exist
    monkeypatch.setitem(selectors.SEARCH_BACKENDS, "elsewhere", "catalog.search.backends.not_installed.Backend")
    settings.SEARCH_BACKEND = "elsewhere"
    # when searching, then the database answers
    result = selectors.search_listings(query="苹果")
    assert (result.backend, result.count) == ("database", 1)


def test_an_unknown_backend_name_falls_back_to_the_database(catalogue, settings):
    settings.SEARCH_BACKEND = "solr"
    assert selectors.search_listings().backend == "database"


def test_an_unavailable_backend_falls_back_to_the_database(catalogue, settings, monkeypatch):
    # given the configured engine is down
    monkeypatch.setitem(selectors.SEARCH_BACKENDS, "down", f"{__name__}.DownBackend")
    settings.SEARCH_BACKEND = "down"
    # when searching, then the database answers the same query
    result = selectors.search_listings(query="苹果", sort="price-desc")
    assert (result.backend, result.count) == ("database", 1)


def test_a_page_of_listings_costs_a_fixed_number_of_queries(catalogue, django_assert_max_num_queries):
    # given many more listings
    for _ in range(10):
        ListingFactory(product=catalogue.eggs, partner=MerchantFactory())
    # when loading a page with facets, touching what a card shows
    with django_assert_max_num_queries(9):  # count, page, images, 3 facets (format, category, price), categories
        result = selectors.search_listings(query="鸡蛋", category_ids=[catalogue.fresh.pk])
        for item in result.items:
            (item.product.get_title(), item.product.kind, item.partner.name, item.partner.format.name_zh,
             list(item.product.images.all()))
    assert result.count == 11


def test_product_offers_lists_every_merchant_available_first(catalogue):
    offers = selectors.product_offers(product=catalogue.cabbage)
    assert [(offer.partner.name, offer.in_stock) for offer in offers] == [("青岛路菜店", True), ("湖南路便利店", False)]
