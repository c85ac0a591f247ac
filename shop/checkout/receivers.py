"""The order layer listening to delivery (connected in CheckoutConfig.ready)."""

from django.dispatch import receiver

from delivery.signals import group_ended

from .money import close_group_money
from .order_status import sync_order_status
from .releasing import close_stock, sync_order_totals


@receiver(group_ended, dispatch_uid="checkout.order_status")
def derive_order_status(sender, *, group, **kwargs) -> None:
    """A group ended (delivered, collected, rejected, failed, cancelled, expired), inside the
    transition's transaction: its stock is consumed or released once, its money settled once
    (refund due, supplementary charge, cash collected), and the order's status and totals follow."""
    close_stock(group)
    close_group_money(group)
    sync_order_status(order_id=group.order_id)
    sync_order_totals(order_id=group.order_id)
