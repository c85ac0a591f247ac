"""Dispatch requests survive a broker outage: the request is a row written in the order's
transaction, and the task is only a wake-up call. This module is the producer; the drain that
routes the rows lives beside the tasks (delivery.outbox_drain).

    request_dispatch(group_ids=[...])   # inside the transaction that makes the groups "created"

writes one DispatchJob per group (the outbox row; a group already requested keeps its row) and,
once the transaction commits, sends ``delivery.signals.dispatch_requested``: the drain module
wakes a drain, which routes pending rows a batch of groups per transaction, holding the
groups' locks (SELECT ... FOR UPDATE SKIP LOCKED, so the worker's processes drain side by side
and never take the same group), until none is left.

If the broker is down the wake fails quietly and the rows stay pending (`routed_at` empty);
beat's `dispatch.send_outbox` wakes a drain while any row is due (``pending_group_ids``), so
every committed order is dispatched when the broker returns. A rolled back order leaves no row
and sends nothing. Routing is idempotent, so a row routed twice (a drain killed mid-row) is
harmless.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import DispatchJob
from .signals import dispatch_requested

# A pending row sent this long ago without being routed is sent again (its message may have been
# lost with a killed worker, or be waiting behind a backlog: the re-send is harmless, only wasted).
RESEND_AFTER = timedelta(seconds=settings.DISPATCH_RESEND_AFTER_SECONDS)
# Fresh rows are left to their own on_commit send for this long before beat sends them too.
GRACE = min(timedelta(seconds=5), RESEND_AFTER)


def request_dispatch(*, group_ids: list[int]) -> None:
    """Ask for the dispatch of these groups once the current transaction commits."""
    group_ids = sorted(set(group_ids))
    if not group_ids:
        return
    now = timezone.now()
    DispatchJob.objects.bulk_create(
        [DispatchJob(group_id=group_id, requested_at=now) for group_id in group_ids], ignore_conflicts=True
    )
    transaction.on_commit(partial(dispatch_requested.send, sender=DispatchJob, group_ids=group_ids))


def pending_group_ids(*, now=None) -> list[int]:
    """Groups whose dispatch was requested but not routed, and due for beat: never sent, or
    sent longer than RESEND_AFTER ago (the wake may have died with a killed worker)."""
    now = now or timezone.now()
    due = Q(sent_at__isnull=True) | Q(sent_at__lte=now - RESEND_AFTER)
    rows = DispatchJob.objects.filter(due, routed_at__isnull=True, requested_at__lte=now - GRACE)
    return list(rows.order_by("requested_at", "pk").values_list("group_id", flat=True))
