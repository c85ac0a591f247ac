"""Oscar dashboard apps with partner access closed where it reaches other shops' data.

These configs keep Oscar's app names and labels (only the class is swapped in INSTALLED_APPS),
so Oscar's views, templates and URL names stay as they are.
"""

from functools import wraps

from django.db.models import Q
from django.http import Http404
from oscar.apps.dashboard.catalogue.apps import CatalogueDashboardConfig as OscarCatalogueDashboardConfig
from oscar.apps.dashboard.orders.apps import OrdersDashboardConfig as OscarOrdersDashboardConfig


class OrdersDashboardConfig(OscarOrdersDashboardConfig):
    """Oscar's order list and detail for staff only (`default_permissions` is is_staff).

    Oscar lets a partner user open any order holding one of its lines and shows it every line,
    the customer's address and the order's actions: in a multi-merchant order that is other
    shops' data. Merchants use their own pages instead (merchants/dashboard/).
    """

    def configure_permissions(self):
        self.permissions_map = {}

    def get_url_decorator(self, pattern):
        """Staff's order actions go through the order layer (merchants.dashboard.staff_orders)."""
        from .staff_orders import guard_order_detail, guard_order_list

        decorator = super().get_url_decorator(pattern)
        guard = {"order-detail": guard_order_detail, "order-list": guard_order_list}.get(pattern.name)
        if guard is None:
            return decorator
        return lambda view: decorator(guard(view)) if decorator else guard(view)


def sold_by_other_shops(user, product_pk) -> bool:
    """Whether another shop (one `user` is not staff of) lists the product or one of its variants."""
    from merchants.models import StockRecord

    return (
        StockRecord.objects.filter(Q(product_id=product_pk) | Q(product__parent_id=product_pk))
        .exclude(partner__users=user)
        .exists()
    )


def _only_own_products(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        pk = kwargs.get("pk")
        if pk is not None and not request.user.is_staff and sold_by_other_shops(request.user, pk):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


class CatalogueDashboardConfig(OscarCatalogueDashboardConfig):
    """Oscar's product pages, but a merchant may edit or delete only products no other shop sells.

    The catalogue is shared (one product per UPC, listed by many shops): Oscar lets any shop
    that lists a product edit its title and images for everyone, or delete it together with
    every other shop's listing. Bulk actions (make public/hidden for everyone) are staff only.
    A shop's price and stock are set in the portal: the product form has no stock-record formset
    for a shop's staff (merchants.dashboard.product_form).
    """

    GUARDED = {"catalogue-product", "catalogue-product-delete"}

    def ready(self):
        super().ready()
        from .product_form import ProductCreateUpdateView

        self.product_createupdate_view = ProductCreateUpdateView

    def configure_permissions(self):
        super().configure_permissions()
        self.permissions_map["catalogue-product-bulk-action"] = ["is_staff"]

    def get_url_decorator(self, pattern):
        decorator = super().get_url_decorator(pattern)
        guards = []  # innermost first
        if pattern.name in self.GUARDED:
            guards.append(_only_own_products)
        if not guards:
            return decorator

        def decorate(view):
            for guard in guards:
                view = guard(view)
            # the permission check first (a visitor goes to the login page), then the guards
            return decorator(view) if decorator else view

        return decorate
