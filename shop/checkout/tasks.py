from celery import shared_task

from .payment import expire_payments


@shared_task(name="orders.expire_payments")
def expire_unpaid_orders() -> int:
    """Beat, every minute: cancel orders whose sandbox payment passed its deadline (idempotent)."""
    return expire_payments()
