"""Every change that a search document depends on writes an outbox row in the same transaction.

Connected in catalog.apps.CatalogueConfig.ready(). After the transaction commits, the sync
task is sent; beat also runs it every few seconds, so rows written while the broker or
Elasticsearch was away are applied when they return.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.models import Product, SearchOutbox
from merchants.models import OpeningException, OpeningPeriod, Partner, StockRecord
from merchants.signals import listings_changed


def record(kind: str, object_id: int | None) -> None:
    if object_id is None:
        return
    SearchOutbox.objects.create(kind=kind, object_id=object_id)
    transaction.on_commit(_send_sync_task)


def _send_sync_task() -> None:
    from django.conf import settings

    if not settings.ELASTICSEARCH_URL:
        return  # the database backend needs no index
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No worker: running the sync inline would make every save wait on Elasticsearch (and a
        # bulk load re-index a merchant's listings per save). The rows wait for
        # `search_index --sync`, or a rebuild.
        return
    from catalog.tasks import apply_search_outbox

    if _sync_already_due():
        return
    try:
        apply_search_outbox.delay()
    except Exception:  # broker away: beat picks the rows up when it returns
        import logging

        sync_started()
        logging.getLogger(__name__).warning("could not send the search sync task; beat will apply the outbox")


# One sync task waiting is enough: a busy shop commits many times a second, and a task sent
# for each commit (~0.5 ms of the web process each: serialise, publish) applies nothing the
# waiting one will not. The key is set when a task is sent and deleted when one starts, before
# it reads the outbox, so a commit that found it set is read by that task. It expires on its
# own (a lost message); beat runs the sync every few seconds anyway.
SYNC_DUE_KEY = "search:sync-due"
SYNC_DUE_SECONDS = 10


def _sync_already_due() -> bool:
    from django.core.cache import cache

    try:
        return not cache.add(SYNC_DUE_KEY, 1, timeout=SYNC_DUE_SECONDS)
    except Exception:  # the cache away: send, as before
        return False


def sync_started() -> None:
    """Called by the sync task before it reads the outbox: the next commit sends a task again."""
    from django.core.cache import cache

    try:
        cache.delete(SYNC_DUE_KEY)
    except Exception:  # the key expires by itself
        pass


def _listing_changed(sender, instance, **kwargs):
    record(SearchOutbox.Kind.LISTING, instance.pk)


def _product_changed(sender, instance, **kwargs):
    record(SearchOutbox.Kind.PRODUCT, instance.pk)


def _merchant_changed(sender, instance, **kwargs):
    record(SearchOutbox.Kind.MERCHANT, instance.pk)


def _hours_changed(sender, instance, **kwargs):
    record(SearchOutbox.Kind.MERCHANT, instance.partner_id)


def _listings_changed(sender, listing_ids, **kwargs):
    """merchants.signals.listings_changed: one outbox row per listing, in one statement."""
    if listing_ids:
        SearchOutbox.objects.bulk_create([SearchOutbox(kind=SearchOutbox.Kind.LISTING, object_id=pk) for pk in listing_ids])
        transaction.on_commit(_send_sync_task)


def _categories_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # category.product_set changed
        for product_id in pk_set or ():
            record(SearchOutbox.Kind.PRODUCT, product_id)
    else:
        record(SearchOutbox.Kind.PRODUCT, instance.pk)


def connect() -> None:
    receivers = [
        (_listing_changed, StockRecord), (_product_changed, Product), (_merchant_changed, Partner),
        (_hours_changed, OpeningPeriod), (_hours_changed, OpeningException),
    ]
    for event, signal in (("saved", post_save), ("deleted", post_delete)):
        for receiver, model in receivers:
            signal.connect(receiver, sender=model, dispatch_uid=f"outbox-{model.__name__}-{event}")
    listings_changed.connect(_listings_changed, dispatch_uid="outbox-listings-changed")
    m2m_changed.connect(_categories_changed, sender=Product.categories.through, dispatch_uid="outbox-categories")
