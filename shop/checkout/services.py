"""The order layer's writes: the one place orders are placed, cancelled, rejected, released
and settled. Views, the API, the merchant portal and tasks call these names.

    place_order      placing.py: check → allocate → write, one transaction
    groups_placed    placing.py: dispatch requested (outbox row), merchants told (signal)
    as_written       placing.py: the order just placed with what was written (the answer reads nothing back)
    cancel_order     releasing.py: the resident stops a whole order before anything left
    cancel_group     releasing.py: the resident stops one merchant's part (totals follow)
    close_stock      releasing.py: a group's allocation consumed or released, exactly once
    staff_cancel_order releasing.py: platform staff do the same from Oscar's order dashboard
    reject_group     releasing.py: the merchant refuses its part
    release_group    releasing.py: one group cancelled or rejected, its holdings back
    settle_order     releasing.py: the payment refunded or cancelled, the order's status derived
    order_status     order_status.py: the order's status from its groups, in one function
    expire_uncollected releasing.py: pickups not collected in time are cancelled and given back
    buy_again        reordering.py: 再来一单, the same listings from the same shops in the basket

Delivery never imports this layer: a group that ends tells it through
``delivery.signals.group_ended`` (shop/checkout/receivers.py).
"""

from .order_status import order_status, sync_order_status
from .placing import GroupChoice, LineUnavailable, as_written, china_country, groups_placed, place_order
from .releasing import (
    cancel_group,
    cancel_order,
    close_stock,
    expire_uncollected,
    reject_group,
    release_group,
    release_holdings,
    settle_order,
    staff_cancel_order,
)
from .reordering import BuyAgain, buy_again

__all__ = [
    "BuyAgain", "buy_again", "expire_uncollected", "staff_cancel_order",
    "GroupChoice", "LineUnavailable", "cancel_group", "cancel_order", "close_stock", "china_country", "groups_placed", "order_status",
    "as_written", "place_order", "reject_group", "release_group", "release_holdings", "settle_order", "sync_order_status",
]
