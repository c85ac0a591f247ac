"""Browse and search views of the `search` fork, without Haystack.

Oscar loads these through ``get_class("search.views", ...)``: the catalogue app mounts
``CatalogueView`` at /catalogue/ and ``ProductCategoryView`` at /catalogue/category/...,
the search app mounts ``FacetedSearchView`` at /search/. All three list *listings* (a
merchant's offer of a product) from ``catalog.selectors.search_listings``.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from oscar.core.loading import get_class, get_model

from catalog.search.backends.base import FACET_CATEGORY, FACET_FORMAT, SORT_CHOICES, SORT_DISTANCE, SORT_RELEVANCE
from catalog.search.forms import SCOPE_ALL, SCOPE_CIRCLE
from catalog.selectors import search_listings
from communities import location as locations

BrowseCategoryForm = get_class("search.forms", "BrowseCategoryForm")
CategoryForm = get_class("search.forms", "CategoryForm")
SearchForm = get_class("search.forms", "SearchForm")
user_search = get_class("search.signals", "user_search")
Category = get_model("catalogue", "Category")

INVALID_PAGE_MESSAGE = _("页码无效, 已为您显示第一页。")


class _ResultWindow:
    """Lets Django's Paginator page a search result: its length is the total count and the
    current page's slice is the result's items (the backend already cut the page)."""

    def __init__(self, result):
        self.result = result

    def __len__(self):
        return self.result.count

    def __getitem__(self, _slice):
        return self.result.items


class ListingSearchView(TemplateView):
    """Lists one page of listings with facets, sort links and pagination."""

    form_class = BrowseCategoryForm
    template_name = "oscar/catalogue/browse.html"
    context_object_name = "listings"
    page_kwarg = "page"
    summary = _("全部商品")

    def get(self, request, *args, **kwargs):
        self.form = self.get_form()
        self.location = locations.get_location(request)
        self.circle = self.get_circle()
        if self.form.requires_query and not self.form.query:
            return HttpResponseRedirect(self._url(reverse("catalogue:index"), self._params(drop=("q", "page"))))
        page = self.get_page_number()
        try:
            if page is None:
                raise InvalidPage(request.GET.get(self.page_kwarg))
            self.result = search_listings(
                **self.form.search_params(), circle=self.circle, page=page, page_size=self.get_page_size()
            )
        except InvalidPage:
            messages.error(request, INVALID_PAGE_MESSAGE)
            return HttpResponseRedirect(self._url(request.path, self._params(drop=(self.page_kwarg,))))
        return super().get(request, *args, **kwargs)

    # --- inputs -------------------------------------------------------------------------------

    def get_form_kwargs(self) -> dict:
        return {"data": self.request.GET}

    def get_form(self):
        return self.form_class(**self.get_form_kwargs())

    def get_page_number(self) -> int | None:
        raw = self.request.GET.get(self.page_kwarg) or "1"
        try:
            return int(raw)
        except ValueError:
            return None

    def get_page_size(self) -> int:
        return settings.OSCAR_PRODUCTS_PER_PAGE

    def get_circle(self):
        """The resident's 15-minute walk from their chosen location, unless they asked for every shop."""
        if self.location is None or self.form.listing_scope == SCOPE_ALL:
            return None
        return self.location.circle()

    # --- URLs ---------------------------------------------------------------------------------

    def _params(self, drop=(), **changes):
        """The current query string as a QueryDict without the page, with changes applied."""
        params = self.request.GET.copy()
        for name in (self.page_kwarg, *drop):
            params.pop(name, None)
        for name, values in changes.items():
            params.setlist(name, [value for value in values if value not in (None, "")])
        return params

    @staticmethod
    def _url(path, params) -> str:
        query_string = params.urlencode()
        return f"{path}?{query_string}" if query_string else path

    def format_facet_url(self, key: str, selected: bool) -> str:
        formats = [code for code in self.request.GET.getlist("format") if code != key]
        if not selected:
            formats.append(key)
        return self._url(self.request.path, self._params(format=formats))

    def category_facet_links(self, values) -> list[dict]:
        return [
            {"value": value, "url": self._url(self.request.path, self._params(category=[] if value.selected else [value.key]))}
            for value in values
        ]

    def sort_url(self, value: str) -> str:
        return self._url(self.request.path, self._params(sort_by=[] if value == SORT_RELEVANCE else [value]))

    def clear_filters_url(self) -> str:
        return self._url(self.request.path, self._params(drop=("format", "category")))

    def scope_url(self, value: str) -> str:
        # leaving the circle drops the distance sort, which needs it
        drop = ("sort_by",) if value == SCOPE_ALL and self.form.sort == SORT_DISTANCE else ()
        return self._url(self.request.path, self._params(drop=drop, scope=[] if value == SCOPE_CIRCLE else [value]))

    # --- context ------------------------------------------------------------------------------

    def get_summary(self):
        return self.summary

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.result
        paginator = Paginator(_ResultWindow(result), result.page_size)
        page_obj = paginator.page(result.page)
        format_facet = [
            {"value": value, "url": self.format_facet_url(value.key, value.selected)}
            for value in result.facets.get(FACET_FORMAT, [])
        ]
        category_facet = self.category_facet_links(result.facets.get(FACET_CATEGORY, []))
        current_sort = self.form.sort
        if current_sort == SORT_DISTANCE and self.circle is None:
            current_sort = SORT_RELEVANCE  # the backend sorted by relevance
        context.update(
            {
                self.context_object_name: result.items,
                "result": result,
                "form": self.form,
                "query": self.form.query,
                "summary": self.get_summary(),
                "paginator": paginator,
                "page_obj": page_obj,
                "is_paginated": paginator.num_pages > 1,
                "format_facet": format_facet,
                "category_facet": category_facet,
                "has_facets": bool(format_facet or category_facet),
                "has_filters": bool(self.form.selected_formats or self.request.GET.get("category")),
                "clear_filters_url": self.clear_filters_url(),
                "sort_options": [
                    {"value": value, "label": label, "url": self.sort_url(value), "selected": value == current_sort}
                    for value, label in SORT_CHOICES
                    if value != SORT_DISTANCE or self.circle is not None  # nearest first needs a location
                ],
                "circle_location": self.location,
                "circle": self.circle,
                "scope_options": [
                    {"value": value, "url": self.scope_url(value), "selected": (self.circle is not None) == (value == SCOPE_CIRCLE)}
                    for value in (SCOPE_CIRCLE, SCOPE_ALL)
                ] if self.location is not None else [],
            }
        )
        return context


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
        categories = Category.objects.in_bulk([int(value.key) for value in values])
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
        context["has_filters"] = bool(self.form.selected_formats)
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
