"""The storefront's browse, category, search and product pages (the `search` fork's views)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from merchants.tests.factories import ListingFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The visible text of a page, tags stripped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _card_titles(response) -> list[str]:
    return [listing.product.title for listing in response.context["listings"]]


def test_the_catalogue_lists_listings_with_merchant_and_cny_price(client, catalogue):
    # when a resident opens the catalogue
    response = client.get(reverse("catalogue:index"))
    # then each card shows product, merchant, format and a ¥ price
    assert response.status_code == 200
    text = _text(response)
    for needle in ["本地小白菜", "青岛路菜店", "湖南路便利店", "好帮手家政", "¥2.50", "¥3.20", "¥29.90", "¥100.00",
                   "生鲜超市(菜店)", "家政服务点"]:
        assert needle in text
    # weighed goods show the pack and the kilogram price, services their duration
    assert "约500克/份" in text and "折合 ¥5.00/公斤" in text
    assert "服务时长 约120分钟" in text
    assert "暂时缺货" in text  # the corner shop's cabbage
    assert len(response.context["listings"]) == 5


def test_a_card_links_to_the_product_page(client, catalogue):
    response = client.get(reverse("catalogue:index"))
    assert f'href="{catalogue.cabbage.get_absolute_url()}"' in response.content.decode()


def test_a_category_page_lists_only_that_category_and_its_descendants(client, catalogue):
    # when opening 生鲜, whose children hold the cabbage and apples
    response = client.get(catalogue.fresh.get_absolute_url())
    # then
    assert response.status_code == 200
    assert sorted(_card_titles(response)) == sorted(["本地小白菜", "本地小白菜", "烟台红富士苹果", "土鸡蛋 30枚"])
    assert "日常保洁" not in _text(response)
    # and its facet links to the sub-category pages with counts
    text = _text(response)
    assert "蔬菜 (2)" in text and "水果 (1)" in text
    assert catalogue.vegetables.get_absolute_url() in response.content.decode()


def test_a_leaf_category_lists_its_own_listings(client, catalogue):
    response = client.get(catalogue.fruit.get_absolute_url())
    assert _card_titles(response) == ["烟台红富士苹果"]


def test_a_category_url_with_an_old_slug_redirects_to_the_right_one(client, catalogue):
    response = client.get(reverse("catalogue:category", kwargs={"category_slug": "old", "pk": catalogue.fruit.pk}))
    assert response.status_code == 301
    assert response["Location"] == catalogue.fruit.get_absolute_url()


def test_a_missing_category_is_a_404(client, catalogue):
    response = client.get(reverse("catalogue:category", kwargs={"category_slug": "x", "pk": 999999}))
    assert response.status_code == 404


def test_search_finds_listings_by_a_title_substring(client, catalogue):
    # when searching part of a title
    response = client.get(reverse("search:search"), {"q": "红富士"})
    # then
    assert response.status_code == 200
    assert _card_titles(response) == ["烟台红富士苹果"]
    assert "搜索“红富士”" in _text(response)


def test_search_without_results_says_so_in_chinese(client, catalogue):
    response = client.get(reverse("search:search"), {"q": "榴莲"})
    assert response.status_code == 200
    assert "没有找到与“榴莲”相关的商品。" in _text(response)


def test_an_empty_search_goes_to_the_catalogue(client, catalogue):
    response = client.get(reverse("search:search"), {"q": "  ", "sort_by": "price-asc"})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:index") + "?sort_by=price-asc"


def test_an_empty_catalogue_says_so(client, db):
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 200
    assert "暂时还没有商品上架" in _text(response)


def test_facets_show_counts_and_filter_by_format(client, catalogue):
    # given the catalogue page shows format counts
    response = client.get(reverse("catalogue:index"))
    text = _text(response)
    assert "便利店 (2)" in text and "生鲜超市(菜店) (2)" in text and "家政服务点 (1)" in text
    assert "生鲜 (4)" in text and "上门服务 (1)" in text
    # when following the 家政服务点 facet link
    link = next(item["url"] for item in response.context["format_facet"] if item["value"].key == "housekeeping")
    filtered = client.get(link)
    # then only that format's listings show, and the filter can be cleared
    assert _card_titles(filtered) == ["日常保洁 2小时"]
    assert "清除筛选条件" in _text(filtered)


def test_a_category_facet_on_the_catalogue_filters_by_category(client, catalogue):
    response = client.get(reverse("catalogue:index"), {"category": catalogue.services.pk})
    assert _card_titles(response) == ["日常保洁 2小时"]


def test_unknown_filter_values_are_ignored(client, catalogue):
    response = client.get(reverse("catalogue:index"), {"format": "no-such-format", "sort_by": "nonsense"})
    assert response.status_code == 200
    assert len(response.context["listings"]) == 5


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [("price-asc", "本地小白菜", "日常保洁 2小时"), ("price-desc", "日常保洁 2小时", "本地小白菜")],
)
def test_the_catalogue_sorts_by_price(client, catalogue, sort, first, last):
    response = client.get(reverse("catalogue:index"), {"sort_by": sort})
    titles = _card_titles(response)
    assert (titles[0], titles[-1]) == (first, last)
    prices = [listing.price for listing in response.context["listings"]]
    assert prices == sorted(prices, reverse=sort == "price-desc")


def test_pages_hold_oscar_products_per_page_listings(client, catalogue, settings):
    # given two listings per page
    settings.OSCAR_PRODUCTS_PER_PAGE = 2
    # when opening the third page
    response = client.get(reverse("catalogue:index"), {"page": 3, "sort_by": "price-asc"})
    # then the last listing shows, with a link back
    assert _card_titles(response) == ["日常保洁 2小时"]
    assert "第 3 页, 共 3 页" in _text(response)
    assert "上一页" in _text(response)


@pytest.mark.parametrize("page", ["999", "0", "-1", "abc"])
def test_an_invalid_page_redirects_to_page_one_with_a_message(client, catalogue, page):
    # when asking for a page that does not exist
    response = client.get(reverse("catalogue:index"), {"page": page, "sort_by": "price-asc", "q": "x"})
    # then a redirect to the first page keeps the other parameters
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("catalogue:index")
    assert parse_qs(location.query) == {"sort_by": ["price-asc"], "q": ["x"]}
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["页码无效, 已为您显示第一页。"]


def test_an_invalid_page_of_a_category_or_search_redirects_too(client, catalogue):
    category = client.get(catalogue.fresh.get_absolute_url(), {"page": 999})
    search = client.get(reverse("search:search"), {"q": "白菜", "page": 999})
    assert (category.status_code, category["Location"]) == (302, catalogue.fresh.get_absolute_url())
    assert (search.status_code, search["Location"]) == (302, reverse("search:search") + "?q=%E7%99%BD%E8%8F%9C")
    followed = client.get(search["Location"])
    assert "页码无效, 已为您显示第一页。" in _text(followed)


def test_a_catalogue_page_is_a_handful_of_queries(client, catalogue, django_assert_max_num_queries):
    # given many listings
    for _ in range(20):
        ListingFactory(product=catalogue.eggs, partner=MerchantFactory())
    client.get(reverse("catalogue:index"))  # warm the category URL cache
    # when rendering a full page of cards
    with django_assert_max_num_queries(15):
        response = client.get(reverse("catalogue:index"))
    assert len(response.context["listings"]) == 24


def test_the_product_page_shows_every_merchants_offer(client, catalogue):
    # when opening the cabbage, sold by the greengrocer and (sold out) by the corner shop
    response = client.get(catalogue.cabbage.get_absolute_url())
    # then both offers show with format, price and stock
    assert response.status_code == 200
    text = _text(response)
    assert "有售的店铺 (2 家)" in text
    assert re.search(r"青岛路菜店 .*生鲜超市\(菜店\) ¥2\.50 / 份 折合 ¥5\.00/公斤 有货", text)
    assert re.search(r"湖南路便利店 .*便利店 ¥3\.20 / 份 折合 ¥6\.40/公斤 暂时缺货", text)
    # and the product facts
    assert "称重商品, 按份出售" in text and "约500克/份" in text
    assert "保质期 3 天" in text and "储存方式 冷藏" in text
    # and the buy box adds the first offer by its listing id, naming its merchant
    assert 'class="add-listing-form' in response.content.decode()
    assert 'id="add_to_basket_form"' not in response.content.decode()
    assert "由 青岛路菜店 供货" in text


def test_the_product_page_of_a_service_shows_its_duration(client, catalogue):
    response = client.get(catalogue.cleaning.get_absolute_url())
    text = _text(response)
    assert "服务时长 约120分钟" in text
    assert "提供此服务的商户 (1 家)" in text and "好帮手家政" in text and "可预约" in text


def test_adding_to_the_basket_from_the_product_page_works(client, catalogue):
    # given the product page's form
    page = client.get(catalogue.eggs.get_absolute_url())
    assert page.status_code == 200
    # when posting it for the corner shop's offer
    listing = catalogue.eggs.stockrecords.get()
    assert f'name="listing_id" value="{listing.pk}"' in page.content.decode()
    response = client.post(reverse("basket:add-listing"), {"listing_id": listing.pk, "quantity": 2})
    # then the basket holds the eggs at the corner shop's price
    assert response.status_code == 302
    basket = client.get(reverse("basket:summary"))
    assert "土鸡蛋 30枚" in _text(basket) and "¥59.80" in _text(basket)


def test_a_listing_with_a_product_image_shows_a_local_thumbnail(client, catalogue):
    # given the eggs have a photo
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from catalog.models import ProductImage

    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), "orange").save(buffer, format="JPEG")
    ProductImage.objects.create(
        product=catalogue.eggs, original=SimpleUploadedFile("eggs.jpg", buffer.getvalue(), content_type="image/jpeg")
    )
    # when browsing and opening the product
    listing_page = client.get(reverse("catalogue:index")).content.decode()
    detail_page = client.get(catalogue.eggs.get_absolute_url()).content.decode()
    # then both show a thumbnail served from this site's media
    assert re.search(r'<img src="/media/cache/[^"]+\.jpg"', listing_page)
    assert re.search(r'<img src="/media/cache/[^"]+\.jpg"', detail_page)
