"""The order layer's writes: the one place orders are placed, cancelled, rejected, released
and settled. Views, the API, the merchant portal and tasks call these names.

    place_order      placing.py: check → allocate → write, one transaction
    groups_placed    placing.py: dispatch requested (outbox row), merchants told (signal)
    cancel_order     releasing.py: the resident stops a whole order before anything left
    reject_group     releasing.py: the merchant refuses its part
    release_group    releasing.py: one group cancelled or rejected, its holdings back
    settle_order     releasing.py: the payment refunded or cancelled, the order's status derived
    order_status     order_status.py: the order's status from its groups, in one function

Delivery never imports this layer: a group that ends tells it through
``delivery.signals.group_ended`` (shop/checkout/receivers.py).
"""

from .order_status import order_status, sync_order_status
from .placing import GroupChoice, LineUnavailable, china_country, groups_placed, place_order
from .releasing import cancel_order, reject_group, release_group, release_holdings, settle_order

__all__ = [
    "GroupChoice", "LineUnavailable", "cancel_order", "china_country", "groups_placed", "order_status",
    "place_order", "reject_group", "release_group", "release_holdings", "settle_order", "sync_order_status",
]
