"""A home service's cached product page never offers a slot that is full or gone by: bookings,
releases and slots written from templates show at once, and the page is not kept past the start
of the first slot it lists (catalog/page_cache.py, on the real Redis cache)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import page_cache
from delivery.services import book_slots, release_slots
from delivery.tests.factories import SlotFactory
from shop.checkout.tests.scene import make_scene

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _slot_ids(response) -> list[int]:
    found = re.findall(r'name="slot_id" value="(\d+)"', response.content.decode())
    return list(dict.fromkeys(int(pk) for pk in found))  # the page may hold the form twice (phone and desktop)


def test_a_service_page_is_cached_and_shows_a_booking_and_a_release_at_once(client, django_capture_on_commit_callbacks):
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731  (the bump runs on commit)
    # given a cleaning service with a slot for 3 households, its page visited twice
    scene = make_scene(slot_capacity=3)
    url = scene.cleaning.product.get_absolute_url()
    assert "还可预约 3 户" in _text(client.get(url))
    with CaptureQueriesContext(connection) as queries:
        assert "还可预约 3 户" in _text(client.get(url))
    assert len(queries.captured_queries) == 0  # the second visit comes from the cache
    # when a resident books two places (an UPDATE with F(), no model signal)
    with committed():
        book_slots(quantities={scene.slot.pk: 2})
    # then the next visit shows one place left
    page = _text(client.get(url))
    assert "还可预约 1 户" in page and "还可预约 3 户" not in page
    # when the last place goes, the slot is no longer offered
    with committed():
        book_slots(quantities={scene.slot.pk: 1})
    assert scene.slot.pk not in _slot_ids(client.get(url))
    # when an order is cancelled and gives its two places back, it is offered again
    with committed():
        release_slots(quantities={scene.slot.pk: 2})
    response = client.get(url)
    assert scene.slot.pk in _slot_ids(response) and "还可预约 2 户" in _text(response)


def test_a_new_or_deleted_slot_shows_at_once(client, django_capture_on_commit_callbacks):
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731  (the bump runs on commit)
    scene = make_scene()
    url = scene.cleaning.product.get_absolute_url()
    assert _slot_ids(client.get(url)) == [scene.slot.pk]
    # when the merchant adds a slot (saved one by one) and the first one is deleted
    with committed():
        later = SlotFactory(merchant=scene.cleaning.partner, product=scene.cleaning.product,
                            starts_at=scene.slot.starts_at + datetime.timedelta(days=1))
    assert _slot_ids(client.get(url)) == [scene.slot.pk, later.pk]
    with committed():
        scene.slot.delete()
    assert _slot_ids(client.get(url)) == [later.pk]


def test_a_service_page_is_kept_no_longer_than_until_its_first_slot_starts(client):
    # given a slot starting in 20 seconds (well within PAGE_CACHE_SECONDS of 60)
    scene = make_scene()
    scene.slot.starts_at = timezone.now() + datetime.timedelta(seconds=20)
    scene.slot.save()
    url = scene.cleaning.product.get_absolute_url()
    # when the page is rendered and stored
    assert _slot_ids(client.get(url)) == [scene.slot.pk]
    # then its entry expires by the slot's start, not after the usual minute
    keys = list(cache._cache.get_client().scan_iter(match=f"*page:detail:{page_cache.generation()}:*"))
    assert len(keys) == 1
    assert 0 < cache._cache.get_client().ttl(keys[0]) <= 20


def test_the_time_left_is_rounded_down_and_a_past_start_keeps_nothing(settings):
    now = timezone.now()
    request = RequestFactory().get("/")
    assert page_cache.timeout_for(request, now=now) == 60  # nothing time-bound on the page
    page_cache.valid_until(request, now + datetime.timedelta(seconds=30, milliseconds=900))
    page_cache.valid_until(request, now + datetime.timedelta(minutes=5))  # a later slot changes nothing
    assert page_cache.timeout_for(request, now=now) == 30
    assert page_cache.timeout_for(request, now=now + datetime.timedelta(seconds=31)) == 0
