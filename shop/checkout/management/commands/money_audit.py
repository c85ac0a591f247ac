"""Check the money ledger, per order: received − refunded = owed for what was delivered.

    python manage.py money_audit            # prints each drift; exit status 1 when there is any

Received: the gateway's charge (also a late or second one), the cash collected at handovers,
supplementary charges paid. Refunded: refunds the gateway confirmed. Owed: each ended group's
settlement (its weighed price and fee when it reached the resident, else nothing). An ended
order with a refund in flight, a charge unpaid or a group unsettled is listed too; orders still
on their way are skipped.
"""

from django.core.management.base import BaseCommand, CommandError
from oscar.apps.order.models import Order

from shop.checkout.selectors import money_drift


class Command(BaseCommand):
    help = "Check per order: paid − refunded = what the resident owes for what was delivered."

    def add_arguments(self, parser):
        parser.add_argument("--show", type=int, default=50, help="how many drifts to print (default 50)")

    def handle(self, *args, show=50, **options):
        drifts = money_drift()
        for drift in drifts[:show]:
            self.stdout.write(
                f"order {drift.number}: received {drift.received} − refunded {drift.refunded} ≠ owed {drift.owed}"
                f" (drift {drift.drift}){'; ' + drift.pending if drift.pending else ''}"
            )
        self.stdout.write(f"orders checked: {Order.objects.count()}, drifting: {len(drifts)}")
        if drifts:
            raise CommandError(f"{len(drifts)} orders drift from the money ledger")
