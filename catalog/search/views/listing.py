"""The listing page: one page of listings with facets, sort links and pagination."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from oscar.core.loading import get_class

from catalog.search.backends.base import (
    FACET_CATEGORY,
    FACET_FORMAT,
    FACET_PRICE,
    SORT_CHOICES,
    SORT_DISTANCE,
    SORT_RELEVANCE,
)
from catalog.search.facets import FacetLinks
from catalog.search.forms import SCOPE_ALL, SCOPE_CIRCLE
from catalog.selectors import search_listings
from communities import circle as circles
from communities import location as locations

BrowseCategoryForm = get_class("search.forms", "BrowseCategoryForm")

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


class ListingSearchView(FacetLinks, TemplateView):
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
            self.result = self.search(page)
        except InvalidPage:
            messages.error(request, INVALID_PAGE_MESSAGE)
            return HttpResponseRedirect(self._url(request.path, self._params(drop=(self.page_kwarg,))))
        return super().get(request, *args, **kwargs)

    def search(self, page: int):
        params = self.form.search_params()
        search_circle = self.circle
        delivers_to_me = self.delivers_to_me
        if delivers_to_me and search_circle is None:
            # every shop that delivers here: as far as a courier rides in the longest circle
            search_circle = self.location.circle(mode=circles.DELIVERY, minutes=circles.MAX_MINUTES)
            if params["sort"] == SORT_DISTANCE:
                params["sort"] = SORT_RELEVANCE  # "nearest" belongs to the walking circle
        result = search_listings(**params, circle=search_circle, delivers_to_me=delivers_to_me, page=page,
                                 page_size=self.get_page_size())
        if search_circle is not self.circle:
            for listing in result.items:  # the cards show walking minutes, not a courier's
                listing.distance_m = listing.minutes = None
        return result

    @property
    def delivers_to_me(self) -> bool:
        """Only with a chosen location: the merchant's service area must hold it."""
        return self.location is not None and self.form.wants_delivery

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
        filter_chips = self.filter_chips(format_facet, category_facet)
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
                "has_facets": True,
                "price_facet": self.price_facet(result.facets.get(FACET_PRICE, [])),
                "price_form_hidden": self.price_form_hidden(),
                "price_errors": self.form.price_errors,
                "min_price": self.form.lowest_price,
                "max_price": self.form.highest_price,
                "toggle_options": self.toggle_options(),
                "product_class_options": self.product_class_options(),
                "filter_chips": filter_chips,
                "has_filters": bool(filter_chips),
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
