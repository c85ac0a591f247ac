"""Celery tasks of the bureau: the nightly snapshot of yesterday's figures."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="bureau.snapshot_yesterday", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def snapshot_yesterday() -> int:
    """Store every community's figures for yesterday (local time). Idempotent: a re-run replaces them."""
    now = timezone.now()
    return services.store_snapshots(day=timezone.localdate(now) - timedelta(days=1), now=now)
