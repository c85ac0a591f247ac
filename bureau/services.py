"""Writes of the bureau: storing each community's figures for a day (MetricSnapshot)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from communities.selectors import community_directory

from . import metrics
from .models import MetricSnapshot


def store_snapshots(*, day: date, now, community_ids: list[int] | None = None) -> int:
    """Compute and store (replace) the day's snapshot of every community; returns how many.

    Idempotent: running it twice for a day leaves one row per community with the same data."""
    ids = community_ids if community_ids is not None else list(community_directory().values_list("pk", flat=True))
    counts = metrics.day_counts(day=day, community_ids=ids)
    with transaction.atomic():
        for community_id in sorted(ids):
            MetricSnapshot.objects.update_or_create(
                community_id=community_id, date=day,
                defaults={"data": counts.get(community_id) or metrics.empty_day(), "computed_at": now},
            )
    return len(ids)
