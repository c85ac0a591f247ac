"""Recompute every listing's stock counters from the stock ledger and list each drift.

    python manage.py stock_audit              # prints drifts, exit status 1 when there is any
                                              # (listings, and the stock held at points)
    python manage.py stock_audit --open-missing   # first writes opening balances for listings
                                                  # that have counters but no ledger row yet
"""

from django.core.management.base import BaseCommand, CommandError

from delivery import point_stock
from merchants import selectors, services
from merchants.models import StockMovement, StockRecord


class Command(BaseCommand):
    help = "Recompute stock counters from the stock ledger and list each drift."

    def add_arguments(self, parser):
        parser.add_argument("--open-missing", action="store_true",
                            help="write an opening movement for listings with counters and no ledger row")
        parser.add_argument("--show", type=int, default=50, help="how many drifts to print (default 50)")

    def handle(self, *args, open_missing=False, show=50, **options):
        if open_missing:
            without = StockRecord.objects.exclude(pk__in=StockMovement.objects.values("listing_id")).only(
                "pk", "num_in_stock", "num_allocated")
            written = services.record_opening(records=without.iterator(chunk_size=2000))
            self.stdout.write(f"opening balances written: {written}")
        count = 0
        for drift in selectors.stock_drift():
            count += 1
            if count <= show:
                self.stdout.write(
                    f"listing {drift.listing_id}: in stock {drift.num_in_stock} (ledger {drift.ledger_in_stock}), "
                    f"allocated {drift.num_allocated} (ledger {drift.ledger_allocated})"
                )
        if open_missing:
            self.stdout.write(f"point opening balances written: {point_stock.open_point_ledgers()}")
        self.stdout.write(f"listings checked: {StockRecord.objects.count()}, drifting: {count}")
        points = point_stock.point_stock_drift()
        for point_id, listing_id, units, ledger in points[:show]:
            self.stdout.write(f"point {point_id} listing {listing_id}: in stock {units} (ledger {ledger})")
        self.stdout.write(f"point stock drifting: {len(points)}")
        if count or points:
            raise CommandError(f"{count} listings drift from the stock ledger, and {len(points)} point stock rows")
