"""Signals communities sends, for higher layers to answer without communities importing them."""

from django.dispatch import Signal

# Sent inside the transaction of delete_resident_address, after the rows are locked and before
# the address is deleted, with `user` and `address` (a ResidentAddress). A receiver that must
# keep the address (an open order goes there) refuses by raising a DomainError (ConflictError):
# the transaction rolls back and nothing is deleted.
resident_address_deleting = Signal()
