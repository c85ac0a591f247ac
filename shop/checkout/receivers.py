"""The order layer listening to delivery (connected in CheckoutConfig.ready)."""

from django.dispatch import receiver

from delivery.signals import group_ended

from .order_status import sync_order_status


@receiver(group_ended, dispatch_uid="checkout.order_status")
def derive_order_status(sender, *, group, **kwargs) -> None:
    """A group ended (delivered, collected, rejected, failed, cancelled): the order's status follows."""
    sync_order_status(order_id=group.order_id)
