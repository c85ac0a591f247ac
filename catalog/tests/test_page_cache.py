"""Cached storefront pages never show a wrong price, stock state or distance, and never one
visitor's basket, token or messages to another (catalog/page_cache.py), on the real Redis cache."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import page_cache
from communities import location as locations
from merchants.services import allocate_stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A write as it happens in a request: committed, its on-commit work (the page-cache bump) run."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _queries(client, url) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


def test_the_second_visit_is_served_from_the_cache(client, catalogue):
    url = catalogue.eggs.get_absolute_url()
    _first, first_queries = _queries(client, url)
    # when the same page is asked for again
    second, second_queries = _queries(client, url)
    # then it does not touch the database at all
    assert first_queries > 0 and second_queries == 0
    assert "¥29.90" in _text(second)


def test_a_price_change_a_sell_out_and_an_unpublish_show_at_once_on_the_product_page(client, catalogue, committed):
    listing, url = catalogue.eggs_at_corner_shop, catalogue.eggs.get_absolute_url()
    assert "¥29.90" in _text(client.get(url)) and "¥29.90" in _text(client.get(url))  # cached
    # when the shop changes the price
    with committed():  # the generation moves when the write commits
        listing.price = Decimal("25.50")
        listing.save()
    # then the next visit shows the new price, not the cached one
    page = _text(client.get(url))
    assert "¥25.50" in page and "¥29.90" not in page
    # when checkouts take every unit (counters move in bulk: merchants.services.allocate_stock)
    before = page_cache.generation()
    with committed():  # the generation moves when the write commits, once
        allocate_stock(quantities={listing.pk: listing.num_in_stock})
    assert page_cache.generation() == before + 1
    page = _text(client.get(url))
    assert "暂时缺货" in page and "有货" not in page
    # when the shop unpublishes it
    listing.refresh_from_db()
    with committed():  # the generation moves when the write commits
        listing.is_published = False
        listing.save()
    assert "暂时没有店铺出售这件商品" in _text(client.get(url))


def test_a_price_change_a_sell_out_and_an_unpublish_show_at_once_on_the_catalogue(client, catalogue, committed):
    listing = catalogue.eggs_at_corner_shop
    assert "¥29.90" in _text(client.get("/catalogue/")) and "¥29.90" in _text(client.get("/catalogue/"))
    with committed():  # the generation moves when the write commits
        listing.price = Decimal("25.50")
        listing.save()
    assert "¥25.50" in _text(client.get("/catalogue/"))
    card = re.compile(r'<article class="listing-card[^"]*"[^>]*>(?:(?!</article>).)*土鸡蛋(?:(?!</article>).)*</article>', re.S)
    assert "listing-unavailable" not in card.search(client.get("/catalogue/").content.decode()).group(0)
    with committed():  # the generation moves when the write commits
        allocate_stock(quantities={listing.pk: listing.num_in_stock})
    assert "listing-unavailable" in card.search(client.get("/catalogue/").content.decode()).group(0)
    listing.refresh_from_db()
    with committed():  # the generation moves when the write commits
        listing.is_published = False
        listing.save()
    assert "土鸡蛋" not in _text(client.get("/catalogue/"))


def test_the_distance_follows_the_visitors_own_location(catalogue):
    # given two anonymous visitors in different places, the first 120 m from the greengrocer
    shop = catalogue.greengrocer
    near, far = Client(), Client()
    for visitor, metres in ((near, 120), (far, 400)):
        session = visitor.session
        locations.set_location(_Request(session), locations.ChosenLocation(
            kind=locations.POINT, lat=float(shop.lat) + metres / 111_320, lng=float(shop.lng)))
        session.save()
    url = "/catalogue/?sort=distance"
    near_page = _text(near.get(url))
    # when the second asks for the same page
    far_page = _text(far.get(url))
    # then each sees the distances from where they are, not the first one's cached page
    near_distances = re.findall(r"距离 ([^ ]+ ?[千公]?米)", near_page)
    far_distances = re.findall(r"距离 ([^ ]+ ?[千公]?米)", far_page)
    assert near_distances and far_distances and near_distances != far_distances
    assert near_page == _text(near.get(url)) and far_page == _text(far.get(url))  # and each keeps its own


class _Request:
    def __init__(self, session):
        self.session = session


def test_two_visitors_never_share_a_basket_a_token_or_a_message(catalogue, django_user_model):
    url = catalogue.eggs.get_absolute_url()
    # given Ann with two boxes of eggs in her basket and Ben, signed in, with an empty one
    ann, ben = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ann.force_login(django_user_model.objects.create_user(mobile="13900000001", password="x-pass-123"))
    ben.force_login(django_user_model.objects.create_user(mobile="13900000002", password="x-pass-123"))
    token = _csrf(ann.get(url))
    added = ann.post("/basket/listings/add/", {"csrfmiddlewaretoken": token, "listing_id": catalogue.eggs_at_corner_shop.pk,
                                                "quantity": 2, "next": url})
    assert added.status_code in (302, 303)
    ann_page, ben_page = ann.get(url), ben.get(url)
    # then only Ann's header counts her eggs
    assert "2 件" in _text(ann_page) and "2 件" not in _text(ben_page)
    # and Ben's page carries a token of his own that his next form post passes with
    assert _csrf(ben.get(url)) != _csrf(ann.get(url))
    response = ben.post("/basket/listings/add/", {"csrfmiddlewaretoken": _csrf(ben.get(url)),
                                                   "listing_id": catalogue.eggs_at_corner_shop.pk, "quantity": 1, "next": url})
    assert response.status_code in (302, 303)
    # and the script nonce matches this response's own policy
    page = ben.get(url)
    nonce = re.search(r'<script nonce="([^"]+)"', page.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]
    # when an anonymous visitor gets a flash message (a page number that does not exist)
    carl, dora = Client(), Client()
    assert carl.get("/catalogue/?page=x").status_code == 302
    # then it shows to that visitor once, and never to the next one
    assert "页码无效" in _text(carl.get("/catalogue/"))
    assert "页码无效" not in _text(dora.get("/catalogue/"))
    assert "页码无效" not in _text(carl.get("/catalogue/"))


def _csrf(response) -> str:
    assert response.status_code == 200
    found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()))
    assert len(found) == 1 and page_cache.CSRF_HOLE not in found.pop() + ""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def test_the_cache_keeps_no_page_after_a_bump():
    # the generation moves on every bump, so no key made before it is read again
    before = page_cache.generation()
    page_cache.bump()
    assert page_cache.generation() == before + 1
    cache.delete(page_cache.GENERATION_KEY)
    assert page_cache.generation() > before + 1  # evicted: restarts past every earlier value
