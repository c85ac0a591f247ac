"""An order's status, derived from its fulfilment groups in one function (as Saleor derives
an order's from its fulfilments); nothing else writes ``Order.status``.

    awaiting_payment  some group still waits for the online payment
    cancelled         every group ended and none reached the resident (cancelled, rejected
                      or failed: the order layer has released their stock and refunded them)
    completed         every group ended and at least one reached the resident
    placed            anything else: some group is still on its way

Every order therefore ends once its groups end (a failed delivery no longer leaves its order
"placed" for ever: no step leads on from a failed group).

The values are OSCAR_ORDER_STATUS_PIPELINE's (settings).
"""

from __future__ import annotations

from collections.abc import Iterable

from oscar.apps.order.models import Order

from delivery.lifecycle import COMPLETED, RETURNS_STOCK, TERMINAL, Status
from delivery.models import FulfilmentGroup

AWAITING_PAYMENT = "awaiting_payment"
PLACED = "placed"
COMPLETED_ORDER = "completed"
CANCELLED = "cancelled"


def order_status(group_statuses: Iterable[str]) -> str:
    """The order's status for its groups' statuses."""
    statuses = set(group_statuses)
    if statuses <= RETURNS_STOCK:
        return CANCELLED
    if Status.AWAITING_PAYMENT in statuses:
        return AWAITING_PAYMENT
    if statuses <= TERMINAL:
        return COMPLETED_ORDER if statuses & COMPLETED else CANCELLED
    return PLACED


def sync_order_status(*, order_id: int) -> str:
    """Write the order's derived status (a statement only when it changes); answer it."""
    statuses = FulfilmentGroup.objects.filter(order_id=order_id).values_list("status", flat=True)
    status = order_status(statuses)
    Order.objects.filter(pk=order_id).exclude(status=status).update(status=status)
    return status
