"""One search sync task waiting at a time (catalog.search.outbox): a busy shop's commits do not
each publish a task, and no committed row is left for beat alone."""

from decimal import Decimal

import pytest
from celery.signals import before_task_publish
from django.core.cache import cache

from catalog.models import SearchOutbox
from catalog.search import sync_due as outbox
from merchants.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sync_messages(settings):
    settings.ELASTICSEARCH_URL = settings.ELASTICSEARCH_URL or "http://127.0.0.1:19200"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(outbox.SYNC_DUE_KEY)
    published = []

    def record(sender=None, **kwargs):
        if sender == "search.apply_outbox":
            published.append(sender)

    before_task_publish.connect(record, weak=False)
    yield published
    before_task_publish.disconnect(record)
    cache.delete(outbox.SYNC_DUE_KEY)


def test_commits_while_a_sync_task_waits_send_no_other_and_its_start_opens_the_way(
        sync_messages, django_capture_on_commit_callbacks):
    listing = ListingFactory()
    # when a listing's price changes three times, each change committed, no task having started
    for price in ("3.00", "3.50", "4.00"):
        with django_capture_on_commit_callbacks(execute=True):
            listing.price = Decimal(price)
            listing.save()
    # then one sync task was published, and the rows wait for it
    assert sync_messages == ["search.apply_outbox"]
    assert SearchOutbox.objects.filter(object_id=listing.pk, kind=SearchOutbox.Kind.LISTING).count() >= 3
    # when that task starts (before it reads the outbox) and the listing changes again
    outbox.sync_started()
    with django_capture_on_commit_callbacks(execute=True):
        listing.price = Decimal("4.50")
        listing.save()
    # then that commit sends a task of its own
    assert sync_messages == ["search.apply_outbox", "search.apply_outbox"]


def test_the_task_applies_the_waiting_rows_and_opens_the_way(es_index, sync_messages):
    # given a listing changed while a task was marked as waiting
    listing = ListingFactory(price=Decimal("5.50"))
    es_index()
    cache.set(outbox.SYNC_DUE_KEY, 1, timeout=outbox.SYNC_DUE_SECONDS)
    listing.price = Decimal("6.80")
    listing.save()
    # when the task runs (in this process, on the real index)
    from catalog import tasks

    assert tasks.apply_search_outbox.run() >= 1
    # then the row is applied and the next commit may send a task again
    assert not SearchOutbox.objects.filter(object_id=listing.pk, processed_at__isnull=True).exists()
    assert cache.get(outbox.SYNC_DUE_KEY) is None
