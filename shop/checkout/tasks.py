from celery import shared_task
from django.db import OperationalError

from . import money, selectors
from . import payment as gateway
from .models import Refund
from .payment import expire_payments
from .releasing import expire_uncollected

RELIABLE = dict(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True,
    autoretry_for=(OperationalError,), retry_backoff=1, retry_backoff_max=30, max_retries=5,
)


@shared_task(name="orders.expire_payments")
def expire_unpaid_orders() -> int:
    """Beat, every minute: cancel orders whose sandbox payment passed its deadline (idempotent)."""
    return expire_payments()


@shared_task(name="payments.settle", **RELIABLE)
def settle_payment(payment_id: int) -> int:
    """After a group's end: the payment's counters, then each refund due is issued (idempotent)."""
    issued = 0
    for refund_id in money.settle_payment(payment_id=payment_id):
        issued += issue_refund.run(refund_id)
    return issued


@shared_task(name="payments.issue_refund", **RELIABLE)
def issue_refund(refund_id: int) -> int:
    """Send one due refund to the sandbox gateway; its refund notice comes back asynchronously."""
    notice = gateway.issue_refund(refund_id=refund_id)
    if notice is None:
        return 0
    sandbox_refund_notice.apply_async((notice,), countdown=1)
    return 1


@shared_task(name="payments.sandbox_refund_notice", **RELIABLE)
def sandbox_refund_notice(params: dict) -> str:
    """The sandbox gateway posting its refund notice to us (as POST /api/v1/payments/sandbox/refund-notify/)."""
    return gateway.handle_refund_notification(params)


@shared_task(name="payments.issue_due_refunds", **RELIABLE)
def issue_due_refunds() -> int:
    """Beat: refunds still due (the broker was away after their commit) are issued."""
    due = Refund.objects.filter(status=Refund.Status.DUE).order_by("pk").values_list("payment_id", flat=True)
    return sum(settle_payment.run(payment_id) for payment_id in sorted(set(due[:500])))


@shared_task(name="payments.settle_behind", **RELIABLE)
def settle_payments_behind() -> int:
    """Beat: payments whose after-commit settle never ran (cash collected, still pending) are
    brought up to date and their refunds due issued (idempotent)."""
    behind = selectors.payments_behind()
    return sum(issue_refund.run(refund_id) for refund_id in money.settle_behind(payment_ids=behind))


@shared_task(name="orders.expire_pickups")
def expire_pickups() -> int:
    """Beat, every 10 minutes: cancel pickups not collected within PICKUP_EXPIRY_HOURS (idempotent)."""
    return len(expire_uncollected())
