"""The catalogue and search with a chosen location (split from test_storefront_circle.py)."""

import pytest
from django.urls import reverse

from communities.tests.storefront import CIRCLE_URL, LOCATION_URL, page_text, shop

pytestmark = pytest.mark.django_db


# --- the catalogue and search with a chosen location --------------------------------------------


@pytest.fixture
def listings(home):
    """Eggs at three shops: 200 m, 500 m and 2 km from the community's centre."""
    from catalog.tests.factories import ProductFactory
    from merchants.tests.factories import ListingFactory

    eggs = ProductFactory(title="土鸡蛋")
    near = shop(home, "街角便利店", "convenience_store", north_m=200)
    middle = shop(home, "平价超市", "supermarket", east_m=-500)
    far = shop(home, "远处超市", "supermarket", north_m=2000)
    return {
        "near": ListingFactory(product=eggs, partner=near, price="12.00"),
        "middle": ListingFactory(product=eggs, partner=middle, price="9.00"),
        "far": ListingFactory(product=eggs, partner=far, price="8.00"),
    }


def _merchants(response) -> list[str]:
    return [listing.partner.name for listing in response.context["listings"]]


def _sort_labels(response) -> list[str]:
    return [str(option["label"]) for option in response.context["sort_options"]]


def test_with_a_location_the_catalogue_shows_the_circle_with_walking_badges(client, listings, home, search_backend):
    search_backend.sync()
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    # when the resident browses
    response = client.get(reverse("catalogue:index"))
    # then only the shops within a 15-minute walk, each card saying how far
    assert sorted(_merchants(response)) == ["平价超市", "街角便利店"]
    text = page_text(response)
    assert "只显示步行15分钟 (约864米) 内的店" in text
    assert "步行约 4 分钟 · 距离 200 米" in text and "步行约 9 分钟 · 距离 500 米" in text
    assert "远处超市" not in text
    # and nearest first is offered, and sorts by distance
    assert "距离最近" in _sort_labels(response)
    by_distance = client.get(reverse("catalogue:index"), {"sort_by": "distance"})
    assert _merchants(by_distance) == ["街角便利店", "平价超市"]
    # the search page too
    found = client.get(reverse("search:search"), {"q": "鸡蛋", "sort_by": "distance"})
    assert _merchants(found) == ["街角便利店", "平价超市"]


def test_every_shop_is_one_click_away_and_keeps_the_badges(client, listings, home):
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    circle_page = client.get(reverse("catalogue:index"), {"sort_by": "distance"})
    all_url = next(option["url"] for option in circle_page.context["scope_options"] if option["value"] == "all")
    assert "scope=all" in all_url and "sort_by" not in all_url  # nearest first needs the circle
    # when they ask for every shop
    response = client.get(all_url)
    # then the far shop is back, its card greyed as outside the circle, and nearest first is not offered
    assert sorted(_merchants(response)) == ["平价超市", "街角便利店", "远处超市"]
    text = page_text(response)
    assert "显示全部店铺, 不限距离" in text
    assert "步行约 35 分钟 · 距离 2.0 公里" in text
    assert 'class="listing-distance outside-circle"' in response.content.decode()
    assert "距离最近" not in _sort_labels(response)


def test_nothing_in_the_circle_offers_every_shop(client, listings, home):
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    response = client.get(reverse("search:search"), {"q": "远处超市"})
    text = page_text(response)
    assert "步行15分钟 (约864米) 内没有找到与“远处超市”相关的商品" in text
    assert "看看全部店铺" in text
    assert _merchants(client.get(reverse("search:search"), {"q": "远处超市", "scope": "all"})) == ["远处超市"]


def test_without_a_location_the_catalogue_is_unchanged_and_invites_one(client, listings):
    response = client.get(reverse("catalogue:index"), {"sort_by": "distance"})
    assert response.status_code == 200
    assert sorted(_merchants(response)) == ["平价超市", "街角便利店", "远处超市"]
    text = page_text(response)
    assert "步行约" not in text and "距离最近" not in _sort_labels(response)
    assert "选好您的位置, 就能只看走路15分钟内的店" in text
    assert response.context["sort_options"][0]["selected"]  # relevance, as the backend sorted


def test_the_catalogue_badges_render_in_english(client, listings, home):
    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    text = page_text(client.get(reverse("catalogue:index"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "about 4 min on foot · 200 m away" in text
    assert "Only shops within a 15-minute walk (about 864 m)" in text
    assert "Nearest first" in text and "Every shop" in text


@pytest.mark.parametrize("path", [LOCATION_URL, CIRCLE_URL, CIRCLE_URL + "?mode=delivery&minutes=30"])
def test_the_circle_pages_load_nothing_from_another_host(client, listings, home, path):
    from catalog.tests.test_no_external_assets import EXTERNAL_ATTRIBUTE, EXTERNAL_CSS_URL, SCRIPT

    client.post(LOCATION_URL, {"kind": "community", "community": home.pk})
    html = client.get(path).content.decode()
    assert EXTERNAL_ATTRIBUTE.findall(html) == [] and EXTERNAL_CSS_URL.findall(html) == []
    assert all(src.startswith("/static/") for src in SCRIPT.findall(html))
    assert "/static/css/circle.css" in html
