import oscar.apps.basket.apps as apps
from django.urls import path
from oscar.core.loading import get_class


class BasketConfig(apps.BasketConfig):
    """Fork: a basket line may hold a booked service slot; lines from many merchants.

    URLs: our summary grouped by merchant, adding a merchant's listing, changing and removing a
    line; Oscar's add view stays for its product-page form. Oscar's vouchers and saved-for-later
    pages are not offered (the basket page shows neither).
    """

    name = "shop.basket"

    def ready(self):
        super().ready()
        self.add_listing_view = get_class("basket.views", "AddListingView")
        self.line_quantity_view = get_class("basket.views", "LineQuantityView")
        self.line_remove_view = get_class("basket.views", "LineRemoveView")

    def get_urls(self):
        urls = [
            path("", self.summary_view.as_view(), name="summary"),
            path("add/<int:pk>/", self.add_view.as_view(), name="add"),
            path("listings/add/", self.add_listing_view.as_view(), name="add-listing"),
            path("lines/<int:line_id>/quantity/", self.line_quantity_view.as_view(), name="line-quantity"),
            path("lines/<int:line_id>/remove/", self.line_remove_view.as_view(), name="line-remove"),
        ]
        return self.post_process_urls(urls)
