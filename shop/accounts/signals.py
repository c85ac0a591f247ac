"""The account erasure contract: every app that keeps a resident's personal data takes part.

`account_erasing` is sent by shop.accounts.services.erase_account inside its transaction, with
`user`, after the user's row is locked and before the row itself is anonymised. Each receiver
erases or masks what its own app holds about that user (saved addresses, shipping addresses of
past orders, sign-ups...). A receiver that must refuse (an order still on its way, a courier or
shop account) raises a DomainError; the whole erasure then rolls back and nothing is changed.
Receivers connect in their app's AppConfig.ready(), so a lower layer never imports a higher one.
"""

from django.dispatch import Signal

account_erasing = Signal()
