"""Oscar's offers and vouchers: installed, not applied, so not shown.

Our order layer (placing.py) prices every line at its listing's price and applies no Oscar
offer or voucher. Their apps stay installed because Oscar's own models and migrations point at
them (Basket.vouchers, the order's discount rows, the dashboard's app lookups), but nothing a
person can reach offers them: these configs keep Oscar's names and labels (only the class is
swapped in INSTALLED_APPS) and mount no URLs, and settings drop the dashboard's "Offers" menu.
The basket fork already leaves out Oscar's voucher forms. Applying offers would mean pricing
them per merchant group in placing.py and settling them in releasing.py: a feature of its own.
"""

from oscar.apps.dashboard.offers.apps import OffersDashboardConfig as OscarOffersDashboardConfig
from oscar.apps.dashboard.ranges.apps import RangesDashboardConfig as OscarRangesDashboardConfig
from oscar.apps.dashboard.vouchers.apps import VouchersDashboardConfig as OscarVouchersDashboardConfig
from oscar.apps.offer.apps import OfferConfig as OscarOfferConfig


class _NoPages:
    def get_urls(self):
        return self.post_process_urls([])


class OfferConfig(_NoPages, OscarOfferConfig):
    """/offers/ (Oscar's list of running offers) is not mounted."""


class OffersDashboardConfig(_NoPages, OscarOffersDashboardConfig):
    """/dashboard/offers/ is not mounted."""


class VouchersDashboardConfig(_NoPages, OscarVouchersDashboardConfig):
    """/dashboard/vouchers/ (vouchers and voucher sets) is not mounted."""


class RangesDashboardConfig(_NoPages, OscarRangesDashboardConfig):
    """/dashboard/ranges/ (product ranges exist only for offers) is not mounted."""
