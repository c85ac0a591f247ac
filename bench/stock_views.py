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
