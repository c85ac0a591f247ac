"""Every change that a search document depends on writes an outbox row in the same transaction.

Connected in catalog.apps.CatalogueConfig.ready(). After the transaction commits, the sync
task is sent; beat also runs it every few seconds, so rows written while the broker or
Elasticsearch was away are applied when they return.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.models import Product, SearchOutbox
from catalog.search import sync_due
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

    if sync_due.already_due():
        return
    try:
        apply_search_outbox.delay()
    except Exception:  # broker away: beat picks the rows up when it returns
        import logging

        sync_due.sync_started()
        logging.getLogger(__name__).warning("could not send the search sync task; beat will apply the outbox")


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
