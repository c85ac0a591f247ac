"""Dispatch tasks (queue "dispatch", routed in CELERY_TASK_ROUTES; beat entries in
CELERY_BEAT_SCHEDULE), and beside them the drain of the dispatch outbox.

Reliability: every task is idempotent (it locks the group and re-checks its status, and the
database allows one open offer per group), so running twice is harmless. acks_late +
reject_on_worker_lost put a task killed mid-run back on the queue instead of losing it; the
broker's visibility timeout (settings) is longer than any task, so a running task is never
handed to a second worker; the outbox and the beat sweeps recover anything still lost (a
whole worker killed leaves its messages unacknowledged until that timeout).

The drain: ``delivery.outbox`` writes a row per group in the order's transaction and, after
commit, sends ``dispatch_requested``; ``send`` (its receiver) wakes a drain. One wake serves
many orders: a commit publishes a drain only when the wake key is absent (Redis SET NX with a
short expiry); a drain deletes the key before it first looks for rows, so a row whose commit
found the key set is seen by the drain that set it, which has not looked yet. Under load that
is one message per drain instead of one per order, which is most of what a Celery task costs.
A woken drain first lingers (DISPATCH_LINGER_MS, 100 ms) with the key still set, so at ordinary
rates the orders of that moment share one drain and its fixed cost instead of each waking its
own (the key is cleared after the wait, not before: else each commit meanwhile woke another).
The drain routes DISPATCH_BATCH groups per transaction (delivery.jobs.Batch: set-based reads,
one insert per kind of row; the lock order is in delivery.jobs) and stops after a batch that
found fewer pending groups than it asked for, without a last empty look: every row committed
before the drain cleared the key was free to take then (or held by another drain, which routes
it), and every row committed after woke a drain of its own. (A group some other transaction
held at that instant, e.g. a cancellation, is left for beat's re-send, as a drain's last look
would have left it while still held.)
In the embedded demo (Celery eager, no broker) each group is routed in-process right after the
commit (``route_group``).
"""

from __future__ import annotations

import logging
import threading
import time

from celery import current_app, shared_task
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from shop.core.queries import prepared_cursor

from . import offers, outbox, sweeps
from .jobs import Batch, JobNotFound
from .models import DispatchJob
from .signals import dispatch_requested

log = logging.getLogger(__name__)

RELIABLE = dict(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True,
    # a deadlock or a lock timeout is worth another try; anything else is a bug to see
    autoretry_for=(OperationalError,), retry_backoff=1, retry_backoff_max=30, max_retries=5,
)


@shared_task(name="dispatch.drain", **RELIABLE)
def drain(linger: bool = True) -> int:
    """Route the pending dispatch requests (the wake-up: this module's docstring); `linger`:
    wait DISPATCH_LINGER_MS first (a drain carrying on after its predecessor's limit does not)."""
    return drain_pending(linger=min(settings.DISPATCH_LINGER_MS / 1000, WAKE_SECONDS / 2) if linger else 0)


@shared_task(name="dispatch.route_group", **RELIABLE)
def route_group(group_id: int) -> str:
    """Choose one group's point, then offer the job to the nearest courier or provider (the
    embedded demo's in-process dispatch; a broker-backed deployment drains the outbox instead)."""
    try:
        return offers.route_and_offer(group_id=group_id)
    except JobNotFound:
        return "gone"  # the order was deleted (or the message outlived its database)


@shared_task(name="dispatch.send_outbox", **RELIABLE)
def send_outbox() -> int:
    """Beat: wake the drain while requests are due (e.g. placed while the broker was down)."""
    return resend_pending()


@shared_task(name="dispatch.expire_offers", **RELIABLE)
def expire_offers() -> int:
    """Beat: offers not accepted in time go to the next courier."""
    return sweeps.expire_offers()


@shared_task(name="dispatch.redispatch_stuck", **RELIABLE)
def redispatch_stuck() -> dict:
    """Beat: groups stuck in a status past its limit are routed, offered or taken back again."""
    return dict(sweeps.redispatch_stuck())


@shared_task(name="slots.keep_ahead", **RELIABLE)
def keep_slots_ahead() -> dict:
    """Beat: keep the next SLOT_DAYS_AHEAD days of slots written from the merchants' templates."""
    from django.utils import timezone

    from . import slot_templates

    return slot_templates.write_slots(now=timezone.now())


# --- the drain ----------------------------------------------------------------------------------


_local = threading.local()


def _broker():
    """This thread's connection for sending dispatch tasks, kept between commits. It gives up
    within a second when the broker is away (max_retries=0, connect_timeout=1) rather than
    hold up the resident's request: kombu would otherwise retry for seconds per message."""
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
# (longer than any DISPATCH_LINGER_MS: the key must outlive a lingering drain's wait)
DRAIN_LIMIT = 200  # rows per drain task; then a fresh task carries on behind what else is queued


def _publish_drain(connection, *, force: bool) -> None:
    """Publish one drain, unless (not `force`) one is already due: the wake key is set."""
    client = connection.default_channel.client
    if client.set(WAKE_KEY, "1", nx=not force, ex=WAKE_SECONDS) or force:
        # no publish retries; a forced drain carries on a backlog: rows are waiting, no linger
        drain.apply_async(kwargs={"linger": False} if force else None, connection=connection, retry=False)


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


@receiver(dispatch_requested, dispatch_uid="delivery.tasks.send")
def _requested(sender, *, group_ids: list[int], **kwargs) -> None:
    send(group_ids)


def send(group_ids: list[int]) -> int:
    """Dispatch these requested groups; answer how many were sent. Never raises: what could not
    be sent stays pending for beat."""
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
        _mark_sent(sent, now=timezone.now())
    return len(sent)


def _mark_sent(group_ids: list[int], *, now) -> None:
    """One statement, its own transaction: UPDATE ... IN (SELECT ... FOR UPDATE SKIP LOCKED),
    skipping the rows a drain holds (being routed now; SKIP LOCKED never waits, so no lock
    order to keep). Plain SQL on a prepared statement: the ORM spent longer compiling the
    subquery UPDATE (~0.4 ms, on every checkout) than PostgreSQL spent running it."""
    table = DispatchJob._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET sent_at = %s WHERE id IN"
            f" (SELECT id FROM {table} WHERE group_id IN ({', '.join(['%s'] * len(group_ids))}){lock})",
            [connection.ops.adapt_datetimefield_value(now), *group_ids],
        )


def drain_pending(*, limit: int = DRAIN_LIMIT, batch: int | None = None, linger: float = 0) -> int:
    """The drain task's work: route pending rows, oldest first, `batch` groups per transaction
    (settings.DISPATCH_BATCH; 1: one group per transaction), until none is left; answer how
    many were routed. A group whose routing raises is logged and left pending for beat (its
    batch is rolled back and routed again without it). `linger` (seconds): wait before
    clearing the wake key and looking, so the orders committed meanwhile (which find the key
    set and send no message) are routed in this drain's batch; a drain's cost is mostly fixed
    (the task, the claim, the set-based reads), so at ordinary rates this is what shares it."""
    if linger:
        time.sleep(linger)
    try:
        _broker().default_channel.client.delete(WAKE_KEY)  # from now on a commit wakes another drain
        cleared = True
    except Exception:
        _drop_broker()  # the key expires on its own; meanwhile this drain sees the rows anyway
        cleared = False  # so it looks until none is left
    size = batch or settings.DISPATCH_BATCH
    routed, failed = 0, []
    while routed + len(failed) < limit:
        claimed = None
        try:
            with transaction.atomic():
                claimed = Batch.claim(limit=min(size, limit - routed - len(failed)), exclude=failed,
                                      now=timezone.now())
                if claimed.empty:
                    return routed
                offers.route_and_offer_batch(claimed)
            routed += len(claimed.groups)
            if claimed.short and cleared:  # nothing else was pending and free when it claimed (docstring)
                return routed
        except Exception as exc:
            group_id = getattr(exc, "dispatch_group_id", None)
            if claimed is None:
                raise  # the database itself (OperationalError: the task retries with backoff)
            if group_id is None and len(claimed.groups) > 1:
                log.warning("a batch of %s groups failed (%s); routing them one at a time", len(claimed.groups), exc)
                size = 1
                continue
            group_id = group_id or next(iter(claimed.groups))
            log.exception("routing group %s failed; beat will try again", group_id)
            failed.append(group_id)
    wake(force=True)  # rows may be left: a fresh task carries on, behind what else is queued
    return routed


def resend_pending() -> int:
    """Beat: dispatch every pending row that is due; answer how many were sent."""
    group_ids = outbox.pending_group_ids()
    return send(group_ids) if group_ids else 0
