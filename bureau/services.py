"""Writes of the bureau: storing each community's figures for a day (MetricSnapshot)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from communities.selectors import community_directory

from . import metrics
from .models import MetricSnapshot


def store_snapshots(*, day: date, now, community_ids: list[int] | None = None, households=None,
                    coverage_cache: dict | None = None) -> int:
    """Compute and store (replace) the day's snapshot of every community; returns how many.

    Idempotent: running it twice for a day leaves one row per community with the same data."""
    ids = community_ids if community_ids is not None else list(community_directory().values_list("pk", flat=True))
    counts = metrics.day_counts(day=day, community_ids=ids, households=households, coverage_cache=coverage_cache)
    with transaction.atomic():
        MetricSnapshot.objects.filter(date=day, community_id__in=ids).delete()
        MetricSnapshot.objects.bulk_create([
            MetricSnapshot(community_id=community_id, date=day, data=counts.get(community_id) or metrics.empty_day(),
                           computed_at=now)
            for community_id in sorted(ids)
        ])
    return len(ids)


def store_snapshot_range(*, first: date, last: date, now, progress: bool = False, chunk_days: int = 31) -> int:
    """Store the snapshots of every day from `first` to `last` (inclusive), a month of days per
    round of queries, with a progress bar; households are read once and coverage is reused while
    the trading shops stay the same."""
    import sys
    from datetime import timedelta

    from tqdm import tqdm

    from communities.selectors import household_points

    households = household_points()
    ids = list(community_directory().values_list("pk", flat=True))
    cache: dict = {}
    stored = 0
    with tqdm(total=(last - first).days + 1, desc="compute_metrics", unit="day", disable=not progress,
              file=sys.stderr) as bar:
        begin = first
        while begin <= last:
            end = min(begin + timedelta(days=chunk_days - 1), last)
            counts = metrics.range_counts(first=begin, last=end, community_ids=ids, households=households,
                                          coverage_cache=cache)
            with transaction.atomic():
                MetricSnapshot.objects.filter(date__gte=begin, date__lte=end, community_id__in=ids).delete()
                MetricSnapshot.objects.bulk_create([
                    MetricSnapshot(community_id=cid, date=day, data=per_day.get(cid) or metrics.empty_day(), computed_at=now)
                    for day, per_day in counts.items() for cid in sorted(ids)
                ], batch_size=1000)
            stored += len(counts) * len(ids)
            bar.update(len(counts))
            begin = end + timedelta(days=1)
    return stored
