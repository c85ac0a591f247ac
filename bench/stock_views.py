"""The baseline pages of bench/pages_bench.py (mounted by bench/urls_pages.py, never by the site).

Product detail: Oscar's own ``ProductDetailView`` with Oscar's stock templates needs nothing
from here (the project's catalogue fork keeps Oscar's view class; only the templates differ).

Product list: Oscar's stock list view cannot list anything in this project, so it is not an
honest baseline as it stands:

- ``oscar.apps.search.views.catalogue.CatalogueView`` asks Haystack. Haystack's only engine
  here is ``SimpleEngine`` (Haystack cannot talk to Elasticsearch 8 and there is no Solr), and
  it has no index for products: Oscar's ``ProductIndex`` lives in ``oscar.apps.search``, which
  the project's ``catalog.search`` fork replaces in INSTALLED_APPS, so Haystack never
  discovers it. The page renders "0 results".
- Even with Oscar's ``ProductIndex`` registered, ``SimpleEngine`` turns Oscar's base query
  (``is_public=true``, ``structure in [standalone, parent]``) into the substring search
  ``true ['standalone', 'parent']`` over the products' text columns, which matches nothing.

``StockCatalogueView`` is therefore the closest honest baseline: Oscar's stock
``oscar/catalogue/browse.html`` (with its category tree, stock product cards and
``render_product`` / ``purchase_info`` tags) fed the context Oscar's ``CatalogueView`` gives
it, one page of ``OSCAR_PRODUCTS_PER_PAGE`` products loaded the way Haystack hydrates search
hits (``Product.objects.browsable().base_queryset()``, Oscar's ``read_queryset``), newest
first (the order of Oscar's index). What it leaves out is the search engine's round trip and
the facet list a real engine would add, both of which would make the stock page slower.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from oscar.apps.search.forms import BrowseCategoryForm as StockBrowseCategoryForm
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Product


class _Hit:
    """What Oscar's browse.html reads of a Haystack SearchResult: ``.object``."""

    __slots__ = ("object",)

    def __init__(self, product):
        self.object = product


class StockCatalogueView(TemplateView):
    template_name = "oscar/catalogue/browse.html"
    template_engine = "oscar_stock"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        products = Product.objects.browsable().base_queryset().order_by("-date_updated", "-pk")
        paginator = Paginator(products, settings.OSCAR_PRODUCTS_PER_PAGE)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404 from error
        hits = [_Hit(product) for product in page.object_list]
        context.update(
            {
                "form": StockBrowseCategoryForm(self.request.GET),
                "products": hits,
                "paginator": paginator,
                "page_obj": page,
                "page": page,
                "is_paginated": paginator.num_pages > 1,
                "summary": _("All products"),
                "has_facets": False,
                "facet_data": {},
                "selected_facets": [],
                "query": "",
            }
        )
        return context


def floor(request):
    """The floor: the project's full middleware stack and an empty view, no template."""
    return HttpResponse(b"ok", content_type="text/plain")


class StockCheckoutView(APIView):
    """Oscar's stock order placement on the caller's basket: the baseline of bench/checkout_bench.py.

    It is what Oscar's PaymentDetailsView.submit / handle_order_placement do once the steps
    are filled in: the basket under Oscar's default strategy, a free shipping method, Oscar's
    OrderTotalCalculator, OrderNumberGenerator and OrderCreator.place_order (which calls
    StockRecord.allocate without a lock or a re-check: it can oversell, which is why the
    project does not use it), then basket.submit(). The HTML steps before it are left out,
    as our checkout's page is.
    """

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        from oscar.apps.checkout.calculators import OrderTotalCalculator
        from oscar.apps.order.models import ShippingAddress
        from oscar.apps.order.utils import OrderCreator, OrderNumberGenerator
        from oscar.apps.partner.strategy import Selector
        from oscar.apps.shipping.methods import Free

        from shop.basket.models import Basket  # the project forks basket (same model as Oscar's)
        from shop.checkout.services import china_country

        basket = Basket.open.get(owner=request.user)
        basket.strategy = Selector().strategy(request=request, user=request.user)
        method = Free()
        charge = method.calculate(basket)
        total = OrderTotalCalculator().calculate(basket, charge)
        address = request.user.resident_addresses.select_related("standard_address__community").first()
        home = address.standard_address
        shipping_address = ShippingAddress.objects.create(
            last_name=address.recipient, line1=home.label, line4=home.community.city,
            country=china_country(), phone_number=address.phone,
        )
        order = OrderCreator().place_order(
            basket=basket, total=total, shipping_method=method, shipping_charge=charge, user=request.user,
            shipping_address=shipping_address, order_number=OrderNumberGenerator().order_number(basket),
            status="placed",
        )
        basket.submit()
        return Response({"number": order.number, "total": str(order.total_incl_tax)}, status=201)
