from celery import shared_task

from .payment import expire_payments
from .releasing import expire_uncollected


@shared_task(name="orders.expire_payments")
def expire_unpaid_orders() -> int:
    """Beat, every minute: cancel orders whose sandbox payment passed its deadline (idempotent)."""
    return expire_payments()


@shared_task(name="orders.expire_pickups")
def expire_pickups() -> int:
    """Beat, every 10 minutes: cancel pickups not collected within PICKUP_EXPIRY_HOURS (idempotent)."""
    return len(expire_uncollected())
