"""Search index sync. Only tasks (and the search_index command) write to Elasticsearch."""

from celery import shared_task
from elasticsearch import exceptions as es_exceptions

from catalog.search import sync_due
from catalog.search.elastic import indexer

TRANSIENT = (es_exceptions.ConnectionError, es_exceptions.ConnectionTimeout, es_exceptions.TransportError,
             indexer.IndexingFailed)


@shared_task(
    name="search.apply_outbox", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=60, max_retries=8, ignore_result=True,
)
def apply_search_outbox() -> int:
    """Apply pending outbox rows until none are left; safe to run twice or concurrently."""
    sync_due.sync_started()  # before reading: a commit from now on sends a task of its own
    applied = 0
    while batch := indexer.apply_outbox():
        applied += batch
    return applied


@shared_task(name="search.purge_outbox", ignore_result=True)
def purge_search_outbox() -> int:
    return indexer.purge_outbox()


@shared_task(name="listings.import", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_listings(import_id: int) -> None:
    """A shop's large CSV/XLSX import (catalog.services.run_listing_import; a finished one is skipped)."""
    from catalog.services import run_listing_import

    run_listing_import(import_id=import_id)
