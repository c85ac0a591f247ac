"""Build a big listings index for bench/search_bench.py from an existing one, inside Elasticsearch.

Loading a million listings into PostgreSQL and indexing them through Django takes hours on this
machine; the search API over Elasticsearch never reads the database for a result row (the hits
carry the API's rows), so its benchmark only needs a big *index*. This copies a built listings
index (e.g. the 100k one `search_bench.py --rebuild` made) N times (scroll + bulk: this
Elasticsearch build has no reindex module), throttled (the cluster is shared): copy k gets listing ids + k·10,000,000 and its
locations moved k·0.2° north (another district of the same city, ~22 km apart), so a query in
the original district sees the same neighbourhood in an index N times as big.

    scripts/with-env.sh dev uv run python bench/search_index_copies.py \
        --source perfbench-listings --copies 10 --rate 20000

It creates ``<SEARCH_INDEX_PREFIX>-listings-copies-<timestamp>`` and points the alias
``<SEARCH_INDEX_PREFIX>-listings`` (and ``-merchants``, copied once) at it. ``--delete``
removes the indexes behind the prefix's aliases afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

import django  # noqa: E402

django.setup()

from elasticsearch import helpers  # noqa: E402

from catalog.search.elastic.client import indexing_client  # noqa: E402
from catalog.search.elastic.documents import alias_name  # noqa: E402

ID_STEP = 10_000_000
LAT_STEP = 0.2


def concrete(client, name: str) -> str:
    return next(iter(client.indices.get(index=name)))


def create_like(client, source: str, target: str) -> None:
    mappings = client.indices.get_mapping(index=source)[source]["mappings"]
    analysis = client.indices.get_settings(index=source)[source]["settings"]["index"].get("analysis")
    settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
    if analysis:
        settings["analysis"] = analysis
    client.indices.create(index=target, mappings=mappings, settings=settings)


def shifted(client, source: str, target: str, *, k: int, rate: float, written: list[int]):
    """Copy k of the source's documents as bulk actions, never ahead of `rate` documents a second."""
    started = time.perf_counter()
    for hit in helpers.scan(client, index=source, size=2000, preserve_order=False):
        doc = hit["_source"]
        if k:
            doc["listing_id"] += k * ID_STEP
            if doc.get("location"):
                doc["location"]["lat"] += k * LAT_STEP
        written[0] += 1
        if written[0] % 2000 == 0:
            ahead = written[0] / rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(ahead)
        yield {"_index": target, "_id": str(doc["listing_id"]), "_source": doc}


def copy(client, source: str, target: str, *, copies: int, rate: float) -> None:
    """Scroll the source once per copy and bulk-write the shifted documents."""
    for k in range(copies):
        started, written = time.perf_counter(), [0]
        helpers.bulk(client.options(request_timeout=600), shifted(client, source, target, k=k, rate=rate, written=written),
                     chunk_size=2000, refresh=False)
        print(f"  copy {k}: {written[0]:,} documents in {time.perf_counter() - started:.1f} s", flush=True)


def point_alias(client, alias: str, index: str) -> None:
    actions = [{"add": {"index": index, "alias": alias}}]
    if client.indices.exists_alias(name=alias):
        actions = [{"remove": {"index": old, "alias": alias}} for old in client.indices.get_alias(name=alias)] + actions
    client.indices.update_aliases(actions=actions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="alias or index of a built listings index, e.g. perfbench-listings")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20000, help="documents per second (throttle)")
    parser.add_argument("--delete", action="store_true", help="delete the indexes behind this prefix's aliases")
    args = parser.parse_args()
    client = indexing_client()
    if args.delete:
        for kind in ("listings", "merchants"):
            if client.indices.exists_alias(name=alias_name(kind)):
                for index in client.indices.get_alias(name=alias_name(kind)):
                    client.indices.delete(index=index)
                    print(f"deleted {index}")
        return
    if not args.source:
        sys.exit("--source is required")
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    started = time.perf_counter()
    source = concrete(client, args.source)
    target = f"{alias_name('listings')}-copies-{stamp}"
    create_like(client, source, target)
    print(f"{source} -> {target}, {args.copies} copies at ≤ {args.rate:,.0f} docs/s")
    copy(client, source, target, copies=args.copies, rate=args.rate)
    client.indices.put_settings(index=target, settings={"refresh_interval": "1s"})
    client.indices.refresh(index=target)
    client.options(request_timeout=3600).indices.forcemerge(index=target, max_num_segments=1)
    point_alias(client, alias_name("listings"), target)
    merchants_source = concrete(client, args.source.replace("listings", "merchants"))
    merchants = f"{alias_name('merchants')}-copy-{stamp}"
    create_like(client, merchants_source, merchants)
    helpers.bulk(client, ({"_index": merchants, "_id": hit["_id"], "_source": hit["_source"]}
                          for hit in helpers.scan(client, index=merchants_source)), refresh=True)
    point_alias(client, alias_name("merchants"), merchants)
    count = client.count(index=target)["count"]
    print(f"built {target}: {count:,} listings in {time.perf_counter() - started:.1f} s (with force-merge)")


if __name__ == "__main__":
    main()
