"""The search outbox: every change reaches Elasticsearch, saves never wait on it, and an index
that missed changes while Elasticsearch was away converges when it returns."""

import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.models import SearchOutbox
from catalog.search.elastic import client as es_client_module
from catalog.search.elastic import indexer
from catalog.search.elastic.documents import alias_name
from merchants.tests.factories import ListingFactory, MerchantFactory
from tests.services import closed_port

pytestmark = pytest.mark.django_db


def indexed(es_client, kind: str, pk: int) -> dict | None:
    es_client.indices.refresh(index=alias_name(kind))
    response = es_client.options(ignore_status=404).get(index=alias_name(kind), id=pk)
    return response.body.get("_source") if response.body.get("found") else None


def pending() -> int:
    return SearchOutbox.objects.filter(processed_at__isnull=True).count()


def test_a_change_writes_an_outbox_row_in_its_own_transaction():
    listing = ListingFactory()
    before = SearchOutbox.objects.count()
    # a rolled-back edit leaves no row behind
    with pytest.raises(RuntimeError), transaction.atomic():
        listing.price = Decimal("1.00")
        listing.save()
        raise RuntimeError("rollback")
    assert SearchOutbox.objects.count() == before
    # a committed one does
    listing.price = Decimal("2.00")
    listing.save()
    assert SearchOutbox.objects.filter(kind="listing", object_id=listing.pk).count() >= 1


def test_the_outbox_updates_and_deletes_documents_idempotently(es_index, es_client):
    # given an index built from one listing
    listing = ListingFactory(price=Decimal("5.50"))
    es_index()
    assert indexed(es_client, "listings", listing.pk)["price"] == 5.5
    # when its price changes and the outbox is applied (twice: a task may run twice)
    listing.price = Decimal("6.80")
    listing.save()
    assert indexer.apply_outbox() >= 1
    assert indexer.apply_outbox() == 0
    # then the document has the new price, and nothing is left pending
    assert indexed(es_client, "listings", listing.pk)["price"] == 6.8
    assert pending() == 0
    # when the listing is deleted, its document goes too
    pk = listing.pk
    listing.delete()
    indexer.apply_outbox()
    assert indexed(es_client, "listings", pk) is None


def test_a_merchant_change_reaches_its_listings_documents(es_index, es_client):
    merchant = MerchantFactory(name="老王水果店")
    listing = ListingFactory(partner=merchant)
    es_index()
    merchant.name = "王记鲜果"
    merchant.save()
    indexer.apply_outbox()
    assert indexed(es_client, "listings", listing.pk)["merchant_name"] == "王记鲜果"
    assert indexed(es_client, "merchants", merchant.pk)["name"] == "王记鲜果"
    # a merchant that closes down disappears from both indices
    merchant.is_active = False
    merchant.save()
    indexer.apply_outbox()
    assert indexed(es_client, "listings", listing.pk) is None
    assert indexed(es_client, "merchants", merchant.pk) is None


def unreachable_elasticsearch(settings):
    """Point the project at a port where nothing listens: Elasticsearch is "down"."""
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"


def reachable_again(settings, url):
    settings.ELASTICSEARCH_URL = url
    es_client_module.breaker.reset()


def test_while_elasticsearch_is_down_saves_succeed_and_the_index_converges_after(es_index, es_client, settings, client):
    listing = ListingFactory(price=Decimal("3.00"))
    es_index()
    url = settings.ELASTICSEARCH_URL
    settings.SEARCH_BACKEND = "elasticsearch"
    # given Elasticsearch is unreachable
    unreachable_elasticsearch(settings)
    # when the listing is edited, the save succeeds and the change waits in the outbox
    listing.price = Decimal("4.20")
    listing.save()
    with pytest.raises(Exception):  # noqa: B017  whatever the client raises for a dead node
        indexer.apply_outbox()
    assert pending() >= 1
    # and the circle still answers, from the database
    body = client.get("/api/v1/circle/", {"lat": listing.partner.lat, "lng": listing.partner.lng}).json()
    assert body["backend"] == "database"
    assert listing.partner_id in [m["id"] for m in body["merchants"]]
    # when Elasticsearch returns, one sync run brings the index up to date
    reachable_again(settings, url)
    indexer.apply_outbox()
    assert indexed(es_client, "listings", listing.pk)["price"] == 4.2
    assert pending() == 0


def test_search_index_check_reports_every_difference_and_rebuild_repairs_it(es_index, es_client):
    kept, changed, removed = ListingFactory(), ListingFactory(), ListingFactory()
    es_index()
    # the database moves on without the index: one changed, one deleted, one added
    SearchOutbox.objects.all().delete()
    changed.price = Decimal("99.00")
    changed.save()
    removed_pk = removed.pk
    removed.delete()
    added = ListingFactory()
    report = indexer.check("listings")
    assert report.stale == [changed.pk]
    assert report.extra == [removed_pk]
    assert report.missing == [added.pk]
    assert kept.pk not in report.stale + report.missing + report.extra
    with pytest.raises(Exception, match="differs"):
        call_command("search_index", "--check", "--only", "listings")
    # a rebuild swaps in a fresh index behind the alias
    call_command("search_index", "--rebuild", "--no-progress")
    assert indexer.check("listings").ok
    assert len(es_client.indices.get_alias(name=alias_name("listings")).body) == 1


@pytest.mark.celery
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' reference rows
def test_a_committed_edit_reaches_elasticsearch_through_the_real_worker(es_client, settings):
    # The worker reads the environment's index prefix, so this test uses it too.
    from catalog.search.elastic.client import breaker

    breaker.reset()
    indexer.ensure_indices()
    listing = ListingFactory(price=Decimal("7.00"))
    listing.price = Decimal("7.70")
    listing.save()  # committed: on_commit sends search.apply_outbox to the worker
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        document = indexed(es_client, "listings", listing.pk)
        # the task writes the documents, then marks its outbox rows done: wait for both
        if document and document["price"] == 7.7 and pending() == 0:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the edit did not reach Elasticsearch within 30 s ({pending()} outbox rows pending)")
