"""Dispatch tasks (queue "dispatch", routed in CELERY_TASK_ROUTES; beat entries in
CELERY_BEAT_SCHEDULE).

Reliability: every task is idempotent (it locks the group and re-checks its status, and the
database allows one open offer per group), so running twice is harmless. acks_late +
reject_on_worker_lost put a task killed mid-run back on the queue instead of losing it; the
broker's visibility timeout (settings) is longer than any task, so a running task is never
handed to a second worker; the outbox and the beat sweeps recover anything still lost (a
whole worker killed leaves its messages unacknowledged until that timeout).
"""

from celery import shared_task
from django.db import OperationalError

RELIABLE = dict(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True,
    # a deadlock or a lock timeout is worth another try; anything else is a bug to see
    autoretry_for=(OperationalError,), retry_backoff=1, retry_backoff_max=30, max_retries=5,
)


@shared_task(name="dispatch.drain", **RELIABLE)
def drain() -> int:
    """Route the pending dispatch requests (delivery.outbox explains the wake-up)."""
    from . import outbox

    return outbox.drain()


@shared_task(name="dispatch.route_group", **RELIABLE)
def route_group(group_id: int) -> str:
    """Choose one group's point, then offer the job to the nearest courier or provider (the
    embedded demo's in-process dispatch; a broker-backed deployment drains the outbox instead)."""
    from . import dispatch

    try:
        return dispatch.route_and_offer(group_id=group_id)
    except dispatch.JobNotFound:
        return "gone"  # the order was deleted (or the message outlived its database)


@shared_task(name="dispatch.send_outbox", **RELIABLE)
def send_outbox() -> int:
    """Beat: wake the drain while requests are due (e.g. placed while the broker was down)."""
    from . import outbox

    return outbox.resend_pending()


@shared_task(name="dispatch.expire_offers", **RELIABLE)
def expire_offers() -> int:
    """Beat: offers not accepted in time go to the next courier."""
    from . import dispatch

    return dispatch.expire_offers()


@shared_task(name="dispatch.redispatch_stuck", **RELIABLE)
def redispatch_stuck() -> dict:
    """Beat: groups stuck in a status past its limit are routed, offered or taken back again."""
    from . import dispatch

    return dict(dispatch.redispatch_stuck())


@shared_task(name="slots.keep_ahead", **RELIABLE)
def keep_slots_ahead() -> dict:
    """Beat: keep the next SLOT_DAYS_AHEAD days of slots written from the merchants' templates."""
    from django.utils import timezone

    from . import slot_templates

    return slot_templates.write_slots(now=timezone.now())
