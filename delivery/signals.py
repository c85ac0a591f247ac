"""What delivery tells the layers above it, without importing them (they connect receivers).

    groups_created(group_ids=[...])   the order layer made these groups "created" (cash on
                                      delivery at checkout, or paid), inside its transaction:
                                      merchants.tasks queues the new-order emails after commit
    group_ended(group=)               ``services.transition`` moved a group to a terminal status,
                                      inside the caller's transaction: the order layer derives
                                      the order's status again (shop.checkout.receivers)
    dispatch_requested(group_ids=[...]) after the commit that wrote the groups' outbox rows:
                                      delivery.tasks wakes the drain (delivery.outbox)
"""

from django.dispatch import Signal

groups_created = Signal()
group_ended = Signal()
dispatch_requested = Signal()
