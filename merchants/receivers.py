"""Receivers merchants connects in apps.ready (kept out of signals.py, which services imports)."""

from .services import record_opening


def open_ledger(sender, instance, created, raw=False, **kwargs):
    """A listing created with units gets its opening movement in the stock ledger."""
    if created and not raw and (instance.num_in_stock or instance.num_allocated):
        record_opening(records=[instance])
