"""Views of the catalogue fork. Oscar loads them with ``get_class("catalogue.views", ...)``;
the browse and category views come from the ``search`` fork (catalog/search/views/).

``ProductDetailView`` is Oscar's, loading in a few queries what the product page reads:
the product with its class, its images, every merchant's offer and the category breadcrumb.
Oscar's view leaves these to the template, which queried them lazily, several twice.

All three pages are cached whole, per what they depend on (catalog/page_cache.py).
"""

from oscar.apps.catalogue.views import ProductDetailView as OscarProductDetailView

from catalog import selectors
from catalog.models import Product
from catalog.page_cache import CachedPageMixin
from catalog.search.views import CatalogueView as ListingCatalogueView
from catalog.search.views import ProductCategoryView as ListingCategoryView


class CatalogueView(CachedPageMixin, ListingCatalogueView):
    page_kind = "list"


class ProductCategoryView(CachedPageMixin, ListingCategoryView):
    page_kind = "category"


class ProductDetailView(CachedPageMixin, OscarProductDetailView):
    page_kind = "detail"
    # prices, stock, offers and a service's next slots: no opening hours. Slot writes bump the
    # generation and a page is kept only until the first slot it lists starts (page_cache.valid_until)
    depends_on_clock = False

    def get_queryset(self):
        return Product.objects.select_related("product_class", "parent__product_class").prefetch_related(
            "images",
            "parent__images",  # a variant without its own images shows its parent's (no query without a parent)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        context["offers"] = selectors.product_offers(product=product)
        context["category_trail"] = selectors.category_trail(product=product)
        return context
