"""URL map of bench/pages_bench.py: the project's own, plus Oscar's stock pages under /stock/.

- ``/stock/catalogue/<slug>_<pk>/``: Oscar's ProductDetailView (the very class the project's
  /catalogue/<slug>_<pk>/ uses: the catalogue fork keeps Oscar's view) rendered with Oscar's
  stock templates (template engine ``oscar_stock``, bench/settings_pages.py). Path
  enforcement is off because the product's own URL is the project's page.
- ``/stock/catalogue/``: ``bench.stock_views.StockCatalogueView`` (why not Oscar's own list
  view: that module's docstring).
- ``/stock/checkout/``: Oscar's stock order placement (OrderCreator) on the caller's basket,
  the baseline of bench/checkout_bench.py (``bench.stock_views.StockCheckoutView``).
- ``/stock/floor/``: an empty view behind the project's middleware, the floor of the machine.
- ``/stock/offers/`` (name ``offer:list``): Oscar's stock navigation links to the offers page,
  which the project does not mount; without a name to reverse, every stock page answered 500.
"""

from django.urls import include, path, re_path
from oscar.apps.catalogue.views import ProductDetailView

from bench.stock_views import StockCatalogueView, StockCheckoutView, floor
from shop.urls import handler404, handler500  # noqa: F401
from shop.urls import urlpatterns as shop_urlpatterns

urlpatterns = [
    re_path(
        r"^stock/catalogue/(?P<product_slug>[\w-]*)_(?P<pk>\d+)/$",
        ProductDetailView.as_view(template_engine="oscar_stock", enforce_paths=False),
        name="stock-detail",
    ),
    path("stock/catalogue/", StockCatalogueView.as_view(), name="stock-index"),
    path("stock/floor/", floor, name="stock-floor"),
    path("stock/checkout/", StockCheckoutView.as_view(), name="stock-checkout"),
    path("stock/offers/", include(([path("", floor, name="list")], "offer"))),
    *shop_urlpatterns,
]
