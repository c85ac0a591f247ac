"""Dispatch requests survive a broker outage: the request is a row written in the order's
transaction, and the task is only a wake-up call.

    request_dispatch(group_ids=[...])   # inside the transaction that makes the groups "created"

writes one DispatchJob per group (the outbox row; a group already requested keeps its row) and,
once the transaction commits, sends `dispatch.route_group` for each. If the broker is down the
send fails quietly and the rows stay pending (`routed_at` empty); beat's `dispatch.send_outbox`
re-sends pending rows, so every committed order is dispatched when the broker returns. A rolled
back order leaves no row and sends nothing. The routing task is idempotent, so a row sent twice
is harmless.

In the embedded demo (Celery eager, no broker) the task runs in-process right after the commit.
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
BATCH = 500
QUEUE = "dispatch"  # CELERY_TASK_ROUTES sends dispatch.* here
BACKLOG = 500  # a queue longer than this is a backlog, not lost messages


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


def send(group_ids: list[int]) -> int:
    """Send the routing task for each group; answer how many were sent. Never raises: what could
    not be sent stays pending for beat."""
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
    else:
        for _attempt in range(2):  # a kept connection may have gone stale (broker restarted): one fresh try
            kept = getattr(_local, "connection", None) is not None
            try:
                connection = _broker()
                for group_id in group_ids[len(sent):]:
                    route_group.apply_async((group_id,), connection=connection, retry=False)  # no publish retries
                    sent.append(group_id)
                break
            except Exception as exc:
                _drop_broker()
                if not kept:
                    log.warning("could not send the dispatch of groups %s (%s); beat will re-send them",
                                group_ids[len(sent):], exc)
                    break
    if sent:
        DispatchJob.objects.filter(group_id__in=sent).update(sent_at=timezone.now())
    return len(sent)


def pending_group_ids(*, now=None, limit: int = BATCH, resend: bool = True) -> list[int]:
    """Groups whose dispatch was requested but not routed: never sent, or (`resend`) sent
    longer than RESEND_AFTER ago."""
    now = now or timezone.now()
    due = Q(sent_at__isnull=True) | Q(sent_at__lte=now - RESEND_AFTER) if resend else Q(sent_at__isnull=True)
    rows = DispatchJob.objects.filter(due, routed_at__isnull=True, requested_at__lte=now - GRACE)
    return list(rows.order_by("requested_at", "pk").values_list("group_id", flat=True)[:limit])


def queue_length() -> int | None:
    """Messages waiting in the dispatch queue, None when the broker does not answer."""
    from celery import current_app

    try:
        with current_app.connection_for_write() as connection:
            return connection.default_channel.queue_declare(queue=QUEUE, passive=True).message_count
    except Exception:
        return None


def resend_pending() -> int:
    """Beat: send every pending row that is due; answer how many were sent.

    Rows already sent are re-sent only while the queue is short: behind a long backlog their
    messages are most likely still waiting, and sending them again would only make it longer.
    """
    total = 0
    waiting = queue_length()
    resend = waiting is not None and waiting < BACKLOG
    while group_ids := pending_group_ids(resend=resend):
        count = send(group_ids)
        total += count
        if count < len(group_ids):
            break  # broker away
    return total
