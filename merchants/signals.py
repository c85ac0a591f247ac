"""Signals merchants sends to higher layers (merchants never imports them).

`listings_changed(listing_ids=[...])`: these listings changed without a save() (bulk writes), e.g. counters moved (allocation, release,
sale, a received or counted movement). Sent inside the writing transaction, once per call
with every listing it touched, so a receiver can batch (the search outbox writes its rows in
the same transaction).
"""

from django.dispatch import Signal

listings_changed = Signal()


def open_ledger(sender, instance, created, raw=False, **kwargs):
    """A listing created with units gets its opening movement (connected in apps.ready)."""
    if created and not raw and (instance.num_in_stock or instance.num_allocated):
        from .services import record_opening

        record_opening(records=[instance])
