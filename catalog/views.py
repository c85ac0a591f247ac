"""Views of the catalogue fork. Oscar loads them with ``get_class("catalogue.views", ...)``;
the browse and category views come from the ``search`` fork (catalog/search/views/).

``ProductDetailView`` is Oscar's, loading in a few queries what the product page reads:
the product with its class and Oscar's option flags, its images, the stock records Oscar's
strategy picks from (with their merchants), the category breadcrumb and every merchant's
offer. Oscar's view would query each of these lazily from the template, several twice.
"""

from django.db.models import Exists, OuterRef, Prefetch
from oscar.apps.catalogue.views import ProductDetailView as OscarProductDetailView

from catalog import selectors
from catalog.models import Option, Product
from merchants.models import StockRecord


class ProductDetailView(OscarProductDetailView):
    def get_queryset(self):
        return (
            Product.objects.select_related("product_class", "parent__product_class")
            .annotate(  # what Product.has_options reads (Oscar's base_queryset annotates the same)
                has_product_class_options=Exists(Option.objects.filter(productclass=OuterRef("product_class"))),
                has_product_options=Exists(Option.objects.filter(product=OuterRef("pk"))),
            )
            .prefetch_related(
                "images",
                "parent__images",  # a variant without its own images shows its parent's (no query without a parent)
                # Oscar's strategy takes product.stockrecords.all()[0] (twice: the buy box and
                # the add-to-basket form) and the page names its merchant
                Prefetch("stockrecords", queryset=StockRecord.objects.select_related("partner")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        context["offers"] = selectors.product_offers(product=product)
        context["category_trail"] = selectors.category_trail(product=product)
        return context
