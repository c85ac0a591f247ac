"""Dispatch requests survive a broker outage: the request is a row written in the order's
transaction, and the task is only a wake-up call.

    request_dispatch(group_ids=[...])   # inside the transaction that makes the groups "created"

writes one DispatchJob per group (the outbox row; a group already requested keeps its row) and,
once the transaction commits, wakes the drain: `dispatch.drain` routes pending rows one at a
time, each in its own transaction holding the row's lock (SELECT ... FOR UPDATE SKIP LOCKED, so
the worker's processes drain side by side and never take the same row), until none is left.

One wake serves many orders. A commit publishes a drain only when the wake key is absent
(Redis SET NX with a short expiry); a drain deletes the key before it first looks for rows.
So a row whose commit found the key set is seen by the drain that set it, which has not
started yet. Under load that is one message per drain instead of one per order, which is most
of what a Celery task costs.

If the broker is down the wake fails quietly and the rows stay pending (`routed_at` empty);
beat's `dispatch.send_outbox` wakes a drain while any row is due, so every committed order is
dispatched when the broker returns. A rolled back order leaves no row and sends nothing.
Routing is idempotent, so a row routed twice (a drain killed mid-row) is harmless.

In the embedded demo (Celery eager, no broker) each group is routed in-process right after the
commit (`dispatch.route_group`).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import DispatchJob

log = logging.getLogger(__name__)

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
    transaction.on_commit(partial(send, group_ids))


_local = threading.local()


def _broker():
    """This thread's connection for sending dispatch tasks, kept between commits. It gives up
    within a second when the broker is away (max_retries=0, connect_timeout=1) rather than
    hold up the resident's request: kombu would otherwise retry for seconds per message."""
    from celery import current_app

    if getattr(_local, "connection", None) is None:
        _local.connection = current_app.connection_for_write(connect_timeout=1, transport_options={"max_retries": 0})
    return _local.connection


def _drop_broker() -> None:
    connection, _local.connection = getattr(_local, "connection", None), None
    if connection is not None:
        try:
            connection.release()
        except Exception:
            pass


WAKE_KEY = "dispatch:wake"
WAKE_SECONDS = 2  # a wake whose message was lost (whole worker killed) blocks others no longer than this
DRAIN_LIMIT = 200  # rows per drain task; then a fresh task carries on behind what else is queued


def _publish_drain(connection, *, force: bool) -> None:
    """Publish one drain, unless (not `force`) one is already due: the wake key is set."""
    from .tasks import drain

    client = connection.default_channel.client
    if client.set(WAKE_KEY, "1", nx=not force, ex=WAKE_SECONDS) or force:
        drain.apply_async(connection=connection, retry=False)  # no publish retries


def wake(*, force: bool = False) -> bool:
    """Make sure a drain will look at the pending rows; False when the broker is away. Never raises."""
    for _attempt in range(2):  # a kept connection may have gone stale (broker restarted): one fresh try
        kept = getattr(_local, "connection", None) is not None
        try:
            _publish_drain(_broker(), force=force)
            return True
        except Exception as exc:
            _drop_broker()
            if not kept:
                log.warning("could not wake the dispatch drain (%s); beat will try again", exc)
                return False
    return False


def send(group_ids: list[int]) -> int:
    """Dispatch these requested groups; answer how many were sent. Never raises: what could not
    be sent stays pending for beat."""
    from celery import current_app

    from .tasks import route_group

    sent = []
    if current_app.conf.task_always_eager:  # the demo: route in-process, one group at a time
        for group_id in group_ids:
            try:
                route_group.apply_async((group_id,))
                sent.append(group_id)
            except Exception:
                log.exception("dispatch of group %s failed; beat will try again", group_id)
    elif wake():
        sent = group_ids
    if sent:
        DispatchJob.objects.filter(group_id__in=sent).update(sent_at=timezone.now())
    return len(sent)


def drain(*, limit: int = DRAIN_LIMIT) -> int:
    """The drain task's work: route pending rows, oldest first, until none is left; answer how
    many were routed. A row whose routing raises is logged and left pending for beat."""
    from . import dispatch

    try:
        _broker().default_channel.client.delete(WAKE_KEY)  # from now on a commit wakes another drain
    except Exception:
        _drop_broker()  # the key expires on its own; meanwhile this drain sees the rows anyway
    routed, failed = 0, []
    while routed + len(failed) < limit:
        job = None
        try:
            with transaction.atomic():
                job = (DispatchJob.objects.select_for_update(skip_locked=True)
                       .filter(routed_at__isnull=True).exclude(pk__in=failed)
                       .order_by("requested_at", "pk").only("pk", "group_id").first())
                if job is None:
                    return routed
                dispatch.route_and_offer_in_transaction(group_id=job.group_id, now=timezone.now())
            routed += 1
        except Exception:
            if job is None:
                raise  # the database itself (OperationalError: the task retries with backoff)
            log.exception("routing group %s failed; beat will try again", job.group_id)
            failed.append(job.pk)
    wake(force=True)  # rows may be left: a fresh task carries on, behind what else is queued
    return routed


def pending_group_ids(*, now=None) -> list[int]:
    """Groups whose dispatch was requested but not routed, and due for beat: never sent, or
    sent longer than RESEND_AFTER ago (the wake may have died with a killed worker)."""
    now = now or timezone.now()
    due = Q(sent_at__isnull=True) | Q(sent_at__lte=now - RESEND_AFTER)
    rows = DispatchJob.objects.filter(due, routed_at__isnull=True, requested_at__lte=now - GRACE)
    return list(rows.order_by("requested_at", "pk").values_list("group_id", flat=True))


def resend_pending() -> int:
    """Beat: dispatch every pending row that is due; answer how many were sent."""
    group_ids = pending_group_ids()
    return send(group_ids) if group_ids else 0
