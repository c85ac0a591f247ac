"""Browse and search views of the `search` fork, without Haystack.

Oscar loads these through ``get_class("search.views", ...)``: the catalogue app mounts
``CatalogueView`` at /catalogue/ and ``ProductCategoryView`` at /catalogue/category/...,
the search app mounts ``FacetedSearchView`` at /search/. All three list *listings* (a
merchant's offer of a product) from ``catalog.selectors.search_listings``.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

from catalog.selectors import categories_by_id

from .listing import BrowseCategoryForm, ListingSearchView

CategoryForm = get_class("search.forms", "CategoryForm")
SearchForm = get_class("search.forms", "SearchForm")
user_search = get_class("search.signals", "user_search")
Category = get_model("catalogue", "Category")

__all__ = ["CatalogueView", "FacetedSearchView", "ListingSearchView", "ProductCategoryView"]


class CatalogueView(ListingSearchView):
    """/catalogue/: every listing."""

    form_class = BrowseCategoryForm
    template_name = "oscar/catalogue/browse.html"


class ProductCategoryView(ListingSearchView):
    """/catalogue/category/<slugs>_<pk>/: the listings of a category and its descendants."""

    form_class = CategoryForm
    template_name = "oscar/catalogue/category.html"
    enforce_paths = True

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):  # staff may preview
            raise Http404
        if self.enforce_paths:
            expected_path = self.category.get_absolute_url()
            if unquote(expected_path) != unquote(request.path):
                return HttpResponsePermanentRedirect(self._url(expected_path, self._params()))
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "categories": [self.category]}

    def category_facet_links(self, values) -> list[dict]:
        # a facet value is a sub-category (or a sibling): link to its own page, keeping the filters
        categories = categories_by_id(ids=[int(value.key) for value in values])
        params = self._params(drop=("category",))
        return [
            {"value": value, "url": self._url(categories[int(value.key)].get_absolute_url(), params)}
            for value in values
            if int(value.key) in categories
        ]

    def get_summary(self):
        return self.category.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["category"] = self.category
        return context


class FacetedSearchView(ListingSearchView):
    """/search/?q=...: listings matching a text query."""

    form_class = SearchForm
    template_name = "oscar/search/results.html"

    def dispatch(self, request, *args, **kwargs):
        # Oscar's analytics listens to this signal
        user_search.send(
            sender=self, session=request.session, user=request.user, query=request.GET.get("q", "")
        )
        return super().dispatch(request, *args, **kwargs)

    def get_summary(self):
        return _("搜索“%(query)s”") % {"query": self.form.query}
