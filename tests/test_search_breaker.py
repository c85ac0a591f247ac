"""Issue 15: the search circuit breaker once opened on a single slow query and sent every search of
that process to the database for 10 s. Now: one slow query falls back for itself only; repeated
failures within a window open the breaker; after the cool-down one probe goes to Elasticsearch
and its answer closes the breaker (or opens it again).

Through the search API on the real Elasticsearch; "slow" is a query timeout shorter than any
answer (SEARCH_TIMEOUT_SECONDS), the breaker's clock is a fake one moved by the test."""

import pytest

from catalog.search.elastic.client import breaker
from merchants.tests.factories import ListingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]
SLOW, NORMAL = 0.000_001, 5.0
DOWN = "http://127.0.0.1:9"  # nothing listens: refused at once (repeated 1 µs timeouts are not reliable)


@pytest.fixture
def engine(es_index, settings, monkeypatch):
    """A listing indexed in a private index; `clock` moves the breaker's time."""
    settings.SEARCH_BACKEND = "elasticsearch"
    # a generous timeout for the queries meant to succeed: on a loaded machine the default
    # production timeout is sometimes missed, and that real failure would count for the breaker
    settings.SEARCH_TIMEOUT_SECONDS = NORMAL
    listing = ListingFactory()
    es_index()
    now = [1000.0]
    monkeypatch.setattr(breaker, "clock", lambda: now[0])
    breaker.reset()
    return type("Engine", (), {"listing": listing, "now": now, "url": settings.ELASTICSEARCH_URL})


def answered_by(client, engine) -> str:
    response = client.get("/api/v1/search/", {"q": engine.listing.product.title})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["id"] for row in body["results"]] == [engine.listing.pk]  # the same answer either way
    return body["backend"]


def test_one_slow_query_does_not_open_the_breaker(client, engine, settings):
    # given Elasticsearch answering
    assert answered_by(client, engine) == "elasticsearch"
    # when one query is slower than the timeout
    settings.SEARCH_TIMEOUT_SECONDS = SLOW
    assert answered_by(client, engine) == "database"  # that request falls back
    # then the next query goes to Elasticsearch again
    settings.SEARCH_TIMEOUT_SECONDS = NORMAL
    assert answered_by(client, engine) == "elasticsearch"
    assert breaker.state == "closed"


def test_failures_spread_beyond_the_window_do_not_open_it(client, engine, settings):
    for _ in range(breaker.threshold * 2):
        settings.ELASTICSEARCH_URL = DOWN
        assert answered_by(client, engine) == "database"
        engine.now[0] += breaker.window / (breaker.threshold - 1) + 1
    settings.ELASTICSEARCH_URL = engine.url
    assert answered_by(client, engine) == "elasticsearch"


def test_repeated_failures_open_it_and_a_good_probe_closes_it(client, engine, settings):
    # given `threshold` slow queries within the window
    settings.ELASTICSEARCH_URL = DOWN
    for _ in range(breaker.threshold):
        assert answered_by(client, engine) == "database"
        engine.now[0] += 1
    assert breaker.state == "open"
    # when Elasticsearch is quick again, during the cool-down searches still skip it
    settings.ELASTICSEARCH_URL = engine.url
    assert answered_by(client, engine) == "database"
    # then after the cool-down one probe goes to Elasticsearch and, answered, closes the breaker
    engine.now[0] += breaker.cooldown
    assert breaker.state == "half-open"
    assert answered_by(client, engine) == "elasticsearch"
    assert breaker.state == "closed"
    assert answered_by(client, engine) == "elasticsearch"


def test_a_failed_probe_opens_it_again_and_only_one_probe_goes_at_a_time(client, engine, settings):
    settings.ELASTICSEARCH_URL = DOWN
    for _ in range(breaker.threshold):
        answered_by(client, engine)
    engine.now[0] += breaker.cooldown
    # the probe is slow too: open again for a whole cool-down
    assert answered_by(client, engine) == "database"
    assert breaker.state == "open"
    settings.ELASTICSEARCH_URL = engine.url
    engine.now[0] += breaker.cooldown - 1
    assert answered_by(client, engine) == "database"
    # half-open: while one probe is out (taken, not answered yet), the others keep to the database
    engine.now[0] += 1
    assert breaker.allow()  # a probe taken by another request of this process
    assert answered_by(client, engine) == "database"
    breaker.record_success()  # that probe answered
    assert answered_by(client, engine) == "elasticsearch"
