"""Signals merchants sends to higher layers (merchants never imports them).

`listings_changed(listing_ids=[...])`: these listings changed without a save() (bulk writes), e.g. counters moved (allocation, release,
sale, a received or counted movement). Sent inside the writing transaction, once per call
with every listing it touched, so a receiver can batch (the search outbox writes its rows in
the same transaction).
"""

from django.dispatch import Signal

listings_changed = Signal()

