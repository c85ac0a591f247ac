"""Writing the search indices: full rebuilds behind an alias, the outbox, and the check.

Only Celery tasks and the `search_index` command call this module; requests never write
to Elasticsearch, so a save never waits on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from elasticsearch import helpers

from catalog.models import Product, SearchOutbox
from catalog.search.elastic.client import indexing_client
from catalog.search.elastic.documents import (
    DOCUMENTS,
    LISTING_COLUMNS,
    alias_name,
    category_lookup,
    listing_document,
    merchant_document,
    merchant_fields,
)
from merchants.models import OpeningException, OpeningPeriod, Partner, StockRecord

logger = logging.getLogger(__name__)

BATCH = 2000
KINDS = ("merchants", "listings")


class IndexingFailed(Exception):
    """Elasticsearch refused some documents; the outbox rows stay pending."""


# --- loading what to index ---------------------------------------------------------------------


def indexable_merchants():
    return Partner.objects.filter(is_active=True).select_related("format").prefetch_related(
        Prefetch("opening_periods", queryset=OpeningPeriod.objects.order_by("weekday", "opens")),
        Prefetch("opening_exceptions", queryset=OpeningException.objects.order_by("date")),
    )


def indexable_listings():
    """The same set the database backend searches: public products of active merchants, priced."""
    from catalog.search.listings import listing_queryset

    return listing_queryset().select_related(None).prefetch_related(None)


class MerchantFieldsCache(dict):
    """merchant id → merchant_fields(), loaded once per run for all of a merchant's listings."""

    def fields_for(self, merchant_id: int) -> dict:
        if merchant_id not in self:
            for merchant in indexable_merchants().filter(pk=merchant_id):
                self[merchant_id] = merchant_fields(merchant)
        return self.get(merchant_id, {})


def listing_documents(listings, cache: MerchantFieldsCache) -> Iterator[tuple[int, dict]]:
    """Documents for a queryset of listings, a batch of rows (and their categories) at a time."""
    lookup = category_lookup()
    for rows in iter_by_pk(listings.values(*LISTING_COLUMNS)):
        product_ids = {row["product__parent_id"] or row["product_id"] for row in rows}
        categories: dict[int, list[int]] = {}
        for product_id, category_id in Product.categories.through.objects.filter(
            product_id__in=product_ids
        ).values_list("product_id", "category_id"):
            categories.setdefault(product_id, []).append(category_id)
        for row in rows:
            owner = row["product__parent_id"] or row["product_id"]
            yield row["pk"], listing_document(row, shared=cache.fields_for(row["partner_id"]),
                                              category_ids=categories.get(owner, ()), lookup=lookup)


def iter_by_pk(queryset, batch: int = BATCH) -> Iterator[list]:
    """A large queryset in primary-key order, one batch at a time (rows or instances)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"] if isinstance(rows[-1], dict) else rows[-1].pk


def all_documents(kind: str) -> Iterator[tuple[int, dict]]:
    if kind == "merchants":
        for merchants in iter_by_pk(indexable_merchants()):
            for merchant in merchants:
                yield merchant.pk, merchant_document(merchant)
    else:
        yield from listing_documents(indexable_listings(), MerchantFieldsCache())


def count_documents(kind: str) -> int:
    return (indexable_merchants() if kind == "merchants" else indexable_listings()).count()


# --- full rebuild behind an alias -----------------------------------------------------------------


@dataclass
class RebuildStats:
    kind: str
    index: str
    documents: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def create_index(kind: str, name: str, *, loading: bool = False) -> None:
    index = DOCUMENTS[kind]._index.clone(name=name)
    if loading:  # no refreshes while bulk loading: much faster; set back before the swap
        index.settings(refresh_interval="-1")
    index.create(using=indexing_client())


def rebuild(kind: str, *, progress: Callable[[int], None] | None = None, chunk_size: int = 2000) -> RebuildStats:
    """Build a new index from the database, then swap the alias to it in one atomic step.

    Documents are made in this thread (it owns the database connection) while up to two
    bulk requests are in flight on others, so reading and indexing overlap.
    """
    client = indexing_client().options(request_timeout=120)
    alias = alias_name(kind)
    new_index = f"{alias}-{timezone.now():%Y%m%d%H%M%S%f}"
    started, clock = timezone.now(), _clock()
    create_index(kind, new_index, loading=True)
    written = 0
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            in_flight: list[Future] = []
            for chunk in chunked(all_documents(kind), chunk_size):
                operations = []
                for pk, body in chunk:
                    operations += [{"index": {"_index": new_index, "_id": pk}}, body]
                in_flight.append(pool.submit(send_bulk, client, operations))
                while len(in_flight) >= 2:
                    written += _finished(in_flight.pop(0), kind, progress)
            for future in in_flight:
                written += _finished(future, kind, progress)
    except Exception:
        client.indices.delete(index=new_index, ignore_unavailable=True)
        raise
    client.indices.put_settings(index=new_index, settings={"refresh_interval": "1s"})
    client.indices.refresh(index=new_index)
    swap_alias(alias, new_index)
    # Changes applied to the old index while this one was loading are applied again.
    SearchOutbox.objects.filter(processed_at__gte=started).update(processed_at=None)
    return RebuildStats(kind=kind, index=new_index, documents=written, seconds=_clock() - clock)


def chunked(pairs: Iterable, size: int) -> Iterator[list]:
    iterator = iter(pairs)
    while chunk := list(islice(iterator, size)):
        yield chunk


def send_bulk(client, operations: list) -> int:
    response = client.bulk(operations=operations)
    if response["errors"]:
        failed = [item for item in response["items"] if item["index"].get("error")]
        raise IndexingFailed(f"{len(failed)} documents refused, first: {failed[0]}")
    return len(response["items"])


def _finished(future: Future, kind: str, progress) -> int:
    count = future.result()
    if progress:
        progress(count)
    return count


def swap_alias(alias: str, new_index: str) -> None:
    client = indexing_client()
    old = list(client.indices.get_alias(name=alias, ignore_unavailable=True).body) if client.indices.exists_alias(name=alias) else []
    if client.indices.exists(index=alias) and not client.indices.exists_alias(name=alias):
        client.indices.delete(index=alias)  # a concrete index squatting on the alias name
    actions = [{"remove": {"index": index, "alias": alias}} for index in old]
    actions.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(actions=actions)
    for index in old:
        if index != new_index:
            client.indices.delete(index=index, ignore_unavailable=True)


def ensure_indices() -> None:
    """Create empty indices behind the aliases where none exist yet (first start, tests)."""
    client = indexing_client()
    for kind in KINDS:
        alias = alias_name(kind)
        if not client.indices.exists_alias(name=alias) and not client.indices.exists(index=alias):
            name = f"{alias}-{timezone.now():%Y%m%d%H%M%S%f}"
            create_index(kind, name)
            swap_alias(alias, name)


def _clock() -> float:
    import time

    return time.perf_counter()


# --- the outbox ---------------------------------------------------------------------------------


def expand(rows: Iterable[SearchOutbox]) -> tuple[set[int], set[int]]:
    """Outbox rows → (listing ids, merchant ids) whose documents must be refreshed."""
    listing_ids, product_ids, merchant_ids = set(), set(), set()
    for row in rows:
        {"listing": listing_ids, "product": product_ids, "merchant": merchant_ids}[row.kind].add(row.object_id)
    if product_ids:
        listing_ids.update(
            StockRecord.objects.filter(product_id__in=product_ids).values_list("pk", flat=True)
        )
        listing_ids.update(
            StockRecord.objects.filter(product__parent_id__in=product_ids).values_list("pk", flat=True)
        )
    if merchant_ids:
        listing_ids.update(StockRecord.objects.filter(partner_id__in=merchant_ids).values_list("pk", flat=True))
    return listing_ids, merchant_ids


def refresh_actions(listing_ids: set[int], merchant_ids: set[int]) -> list[dict]:
    """Index what is visible, delete what is gone or hidden: the same result however often."""
    actions: list[dict] = []
    listings_alias, merchants_alias = alias_name("listings"), alias_name("merchants")
    cache = MerchantFieldsCache()
    ids = sorted(listing_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = dict(listing_documents(indexable_listings().filter(pk__in=chunk), cache))
        for pk in chunk:
            if pk in found:
                actions.append({"_index": listings_alias, "_id": pk, "_source": found[pk]})
            else:
                actions.append({"_op_type": "delete", "_index": listings_alias, "_id": pk})
    merchants = {m.pk: m for m in indexable_merchants().filter(pk__in=merchant_ids)}
    for pk in sorted(merchant_ids):
        if pk in merchants:
            actions.append({"_index": merchants_alias, "_id": pk, "_source": merchant_document(merchants[pk])})
        else:
            actions.append({"_op_type": "delete", "_index": merchants_alias, "_id": pk})
    return actions


def apply_outbox(*, limit: int = 5000) -> int:
    """Apply pending outbox rows in bulk; returns how many rows were applied.

    The rows stay locked (and pending) until Elasticsearch has taken every document, so a
    failure leaves them for the next run; rows locked by a concurrent run are skipped.
    """
    with transaction.atomic():
        rows = list(
            SearchOutbox.objects.filter(processed_at__isnull=True)
            .select_for_update(skip_locked=True)
            .order_by("pk")[:limit]
        )
        if not rows:
            return 0
        actions = refresh_actions(*expand(rows))
        if actions:
            # Large requests and one refresh at the end: waiting for a refresh after every
            # 500 documents made a 10,000-row import's sync ~5x slower.
            client = indexing_client()
            _, errors = helpers.bulk(client, actions, chunk_size=BATCH, raise_on_error=False,
                                     raise_on_exception=True, refresh=False)
            real = [e for e in errors if not (e.get("delete", {}).get("status") == 404)]
            if real:
                raise IndexingFailed(f"{len(real)} documents refused, first: {real[0]}")
            client.indices.refresh(index=sorted({action["_index"] for action in actions}), ignore_unavailable=True)
        SearchOutbox.objects.filter(pk__in=[row.pk for row in rows]).update(processed_at=timezone.now())
    return len(rows)


def purge_outbox(*, older_than_hours: int = 24) -> int:
    cutoff = timezone.now() - timezone.timedelta(hours=older_than_hours)
    deleted, _ = SearchOutbox.objects.filter(processed_at__lt=cutoff).delete()
    return deleted


# --- the check ------------------------------------------------------------------------------------


@dataclass
class CheckReport:
    kind: str
    database: int = 0
    index: int = 0
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not in the database
    stale: list[int] = field(default_factory=list)  # in both, but different

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check(kind: str) -> CheckReport:
    client = indexing_client()
    alias = alias_name(kind)
    indexed = {
        int(hit["_id"]): hit["_source"].get("digest")
        for hit in helpers.scan(client, index=alias, query={"query": {"match_all": {}}}, _source=["digest"])
    }
    report = CheckReport(kind=kind, index=len(indexed))
    seen = set()
    for pk, body in all_documents(kind):
        seen.add(pk)
        report.database += 1
        if pk not in indexed:
            report.missing.append(pk)
        elif indexed[pk] != body["digest"]:
            report.stale.append(pk)
    report.extra = sorted(set(indexed) - seen)
    return report
