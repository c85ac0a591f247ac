"""Issue 16 (search API overhead): the search runs outside the request's transaction, so an
answer from Elasticsearch touches no database; an error answer leaves a surrounding transaction
usable; the rows built from the hits keep the exact distances, minutes and prices."""

import random
from dataclasses import asdict
from decimal import Decimal

import pytest
from django.db import connection

from catalog.search.backends.elasticsearch import price_text
from catalog.search.elastic.documents import decimal_price
from communities.circle import make_circle
from merchants.tests.factories import ListingFactory
from shop.core.geo import distance_from, haversine_m

pytestmark = pytest.mark.django_db


@pytest.mark.elasticsearch
def test_a_search_answered_by_elasticsearch_runs_no_statement(client, es_index, settings, django_assert_num_queries):
    # given a listing indexed in Elasticsearch, and one search done (the facet labels are read once)
    settings.SEARCH_BACKEND = "elasticsearch"
    listing = ListingFactory()
    es_index()
    params = {"q": listing.product.title, "lat": listing.partner.lat, "lng": listing.partner.lng}
    assert client.get("/api/v1/search/", params).json()["backend"] == "elasticsearch"
    # when it is searched again
    with django_assert_num_queries(0):  # inside ATOMIC_REQUESTS the view's savepoint would show here
        body = client.get("/api/v1/search/", params).json()
    # then it is found, from Elasticsearch, with its distance, and no statement ran
    assert body["backend"] == "elasticsearch"
    assert [row["id"] for row in body["results"]] == [listing.pk]
    assert body["results"][0]["distance_m"] == 0.0


def test_a_refused_search_leaves_the_surrounding_transaction_usable(client):
    # given a test transaction around the request (as a caller's atomic block would be)
    assert connection.in_atomic_block
    # when the search refuses its parameters (400) and a page that does not exist (404)
    refused = client.get("/api/v1/search/", {"sort": "cheapest"})
    missing = client.get("/api/v1/search/", {"q": "没有这个", "page": 5})
    # then both answer in the API's error shape
    assert refused.status_code == 400 and refused.json()["error"] == "invalid" and "sort" in refused.json()["fields"]
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    # and the transaction was not marked for rollback: the next statement runs
    assert not connection.needs_rollback
    assert ListingFactory().pk


def test_distances_from_one_origin_are_haversine_to_the_last_bit():
    rng = random.Random(16)
    for _ in range(2000):
        lat, lng = rng.uniform(-80, 80), rng.uniform(-179, 179)
        to = distance_from(lat, lng)
        for _ in range(5):
            lat2, lng2 = lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05)
            assert to(lat2, lng2) == haversine_m(lat, lng, lat2, lng2)
    assert distance_from(32.0, 118.0)(32.0, 118.0) == 0.0


def test_prices_are_spelt_as_the_decimal_rounding_does():
    for value in (3.5, 0.01, 15.0, 2.675, 1.005, 99999.99, 12.3456):
        assert price_text(value) == f"{decimal_price(value):.2f}"
    assert price_text(3.5) == "3.50" and decimal_price(3.5) == Decimal("3.50")


def test_the_circle_states_every_field_of_the_circle():
    circle = make_circle(lat=32.0668, lng=118.7784, minutes=20, mode="elderly")
    fields = asdict(circle)
    assert circle.parameters() == {
        "origin": {"lat": fields.pop("lat"), "lng": fields.pop("lng")}, **fields, "radius_m": round(circle.radius_m, 1)}
    assert list(circle.parameters()) == ["origin", "mode", "minutes", "speed_m_per_min", "detour_factor", "radius_m"]
