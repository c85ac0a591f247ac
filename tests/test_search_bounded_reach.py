"""Issue 15, search amplification: "delivers to me" on the database backend once sent one SQL
CASE branch (and one IN parameter) per merchant the circle reaches, up to 10,000. The statement
must not grow with the number of merchants, and the results must stay what they were."""

from contextlib import contextmanager

import pytest
from django.db import connection

from communities.tests.factories import BASE_LAT, BASE_LNG
from merchants.models import Partner
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.core.geo import haversine_m

pytestmark = pytest.mark.django_db
STEP = 0.0001  # degrees of latitude between shops: ~11 m


@contextmanager
def statements():
    """Every statement the request sends, as (SQL template, parameters), before binding."""
    seen: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def shops(count: int, *, offset: int = 0) -> list[int]:
    """`count` delivering shops on a line north of the origin, each selling one listing."""
    listings = []
    for n in range(offset, offset + count):
        shop = MerchantFactory(name=f"送货店{n}", lat=BASE_LAT + STEP * (n + 1), lng=BASE_LNG, service_radius_m=3000)
        listings.append(ListingFactory(partner=shop).pk)
    return listings


def search(client, **params) -> dict:
    response = client.get("/api/v1/search/", {"lat": BASE_LAT, "lng": BASE_LNG, "delivers_to_me": "true",
                                              "minutes": 30, "mode": "walk", **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["backend"] == "database"
    return body


def test_delivers_to_me_keeps_its_results_nearest_first(client, settings):
    # given delivering shops, one nearer shop that does not deliver and one whose area misses us
    settings.SEARCH_BACKEND = "database"
    delivering = shops(6)
    MerchantFactory(lat=BASE_LAT + STEP / 2, lng=BASE_LNG, delivery_capability=Partner.Delivery.NONE)
    ListingFactory(partner=Partner.objects.get(delivery_capability=Partner.Delivery.NONE))
    ListingFactory(partner=MerchantFactory(lat=BASE_LAT + STEP / 3, lng=BASE_LNG + 0.05, service_radius_m=100))
    # when a resident asks who delivers to her, nearest first
    body = search(client, sort="distance", page_size=50)
    # then exactly the delivering shops' listings, in order of distance, each with its distance
    assert [row["id"] for row in body["results"]] == delivering
    assert body["count"] == 6
    for row, n in zip(body["results"], range(6), strict=True):
        expected = haversine_m(BASE_LAT, BASE_LNG, BASE_LAT + STEP * (n + 1), BASE_LNG)
        assert row["distance_m"] == pytest.approx(expected, abs=1)
    # and the default order (relevance) keeps nearer shops first among equals too
    assert [row["id"] for row in search(client, page_size=50)["results"]] == delivering


def test_the_statements_do_not_grow_with_the_merchants_reached(client, settings):
    # given a circle reaching 3 delivering shops
    settings.SEARCH_BACKEND = "database"
    shops(3)
    with statements() as few:
        first = search(client, sort="distance", page_size=2)
    # when 60 more shops deliver here
    shops(60, offset=3)
    with statements() as many:
        second = search(client, sort="distance", page_size=2)
    # then the same page of the nearest, and no statement got longer or took more parameters
    assert [row["id"] for row in second["results"]] == [row["id"] for row in first["results"]]
    assert second["count"] == 63
    assert max(len(params) for _sql, params in many) == max(len(params) for _sql, params in few) <= 20
    assert max(len(sql) for sql, _params in many) == max(len(sql) for sql, _params in few)
