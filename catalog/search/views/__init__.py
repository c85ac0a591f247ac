"""Browse and search views of the `search` fork, without Haystack.

Oscar loads these through ``get_class("search.views", ...)``: the catalogue app mounts
``CatalogueView`` at /catalogue/ and ``ProductCategoryView`` at /catalogue/category/...,
the search app mounts ``FacetedSearchView`` at /search/. All three list *listings* (a
merchant's offer of a product) from ``catalog.selectors.search_listings``.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import TemplateView
from oscar.core.loading import get_class, get_model

from catalog.search.backends.base import (
    FACET_CATEGORY,
    FACET_FORMAT,
    FACET_PRICE,
    PRICE_RANGES,
    SORT_CHOICES,
    SORT_DISTANCE,
    SORT_RELEVANCE,
)
from catalog.search.forms import PRICE_FIELDS, PRODUCT_CLASS_CHOICES, SCOPE_ALL, SCOPE_CIRCLE
from catalog.selectors import format_label, search_listings
from communities import circle as circles
from communities import location as locations
from merchants.models import BusinessFormat

BrowseCategoryForm = get_class("search.forms", "BrowseCategoryForm")
CategoryForm = get_class("search.forms", "CategoryForm")
SearchForm = get_class("search.forms", "SearchForm")
user_search = get_class("search.signals", "user_search")
Category = get_model("catalogue", "Category")

INVALID_PAGE_MESSAGE = _("页码无效, 已为您显示第一页。")

# Every filter parameter of a listing page ("清除全部" drops them; q, sort_by and scope stay).
FILTER_PARAMS = ("format", "category", "product_class", "min_price", "max_price", "open_now", "in_stock",
                 "delivers_to_me")
# The yes/no filters: parameter -> (sidebar label, chip label).
TOGGLES = (
    ("open_now", _("只看营业中"), pgettext_lazy("filter chip", "营业中")),
    ("in_stock", _("只看有货"), _("有货")),
    ("delivers_to_me", _("送货上门"), _("送货上门")),
)
CENT = Decimal("0.01")


def _money(amount) -> str:
    """A price bound as a resident writes it: 10, 25.5 (no trailing zeros)."""
    amount = Decimal(amount)
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def price_range_bounds(low, high) -> tuple[Decimal | None, Decimal | None]:
    """A facet bucket [low, high) as the inclusive bounds the backends take (prices are in cents)."""
    return (Decimal(str(low)) if low is not None else None,
            Decimal(str(high)) - CENT if high is not None else None)


def price_label(low, high) -> str:
    """The storefront's words for a price range given as the facet's [low, high) or as bounds."""
    if low is None:
        return _("¥%(high)s 以下") % {"high": _money(high)}
    if high is None:
        return _("¥%(low)s 以上") % {"low": _money(low)}
    return _("¥%(low)s–%(high)s") % {"low": _money(low), "high": _money(high)}


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

    # --- URLs ---------------------------------------------------------------------------------

    def _params(self, drop=(), **changes):
        """The current query string as a QueryDict without the page (and without prices that
        were ignored as invalid), with changes applied."""
        params = self.request.GET.copy()
        for name in (self.page_kwarg, *self._ignored_params(), *drop):
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

    def _ignored_params(self) -> list[str]:
        form = getattr(self, "form", None)
        if form is None:
            return []
        ignored = [name for name in PRICE_FIELDS if self.request.GET.get(name) and form.price(name) is None]
        if self.location is None:
            ignored.append("delivers_to_me")
        return ignored

    def clear_filters_url(self) -> str:
        return self._url(self.request.path, self._params(drop=FILTER_PARAMS))

    def toggle_url(self, name: str, selected: bool) -> str:
        return self._url(self.request.path, self._params(**{name: [] if selected else ["1"]}))

    def product_class_url(self, kind: str, selected: bool) -> str:
        kinds = [value for value in self.form.selected_product_classes if value != kind]
        if not selected:
            kinds.append(kind)
        return self._url(self.request.path, self._params(product_class=kinds))

    def price_url(self, low, high) -> str:
        return self._url(self.request.path, self._params(
            min_price=[_money(low)] if low is not None else [], max_price=[_money(high)] if high is not None else []
        ))

    def price_facet(self, values) -> list[dict]:
        """The price buckets with counts: a link sets (or, when chosen, clears) both bounds."""
        counts = {value.key: value.count for value in values}
        chosen = (self.form.lowest_price, self.form.highest_price)
        links = []
        for key, low, high in PRICE_RANGES:
            bounds = price_range_bounds(low, high)
            selected = chosen == bounds
            if key not in counts or not (counts[key] or selected):
                continue
            links.append({
                "key": key,
                "label": price_label(low, high),
                "count": counts[key],
                "selected": selected,
                "url": self.price_url(None, None) if selected else self.price_url(*bounds),
            })
        return links

    @staticmethod
    def chosen_price_label(low, high) -> str:
        """A bucket's own words when the bounds are one of the price links, else the bounds."""
        for _key, bucket_low, bucket_high in PRICE_RANGES:
            if price_range_bounds(bucket_low, bucket_high) == (low, high):
                return price_label(bucket_low, bucket_high)
        return price_label(low, high)

    def price_form_hidden(self) -> list[tuple[str, str]]:
        """The other parameters, carried by the 自定义价格 form as hidden fields."""
        params = self._params(drop=PRICE_FIELDS)
        return [(name, value) for name in params for value in params.getlist(name)]

    def filter_chips(self, format_facet, category_facet) -> list[dict]:
        """One removable chip per applied filter; removing it drops only that filter."""
        form, chips = self.form, []
        format_labels = {item["value"].key: item["value"].label for item in format_facet}
        missing = [code for code in form.selected_formats if code not in format_labels]
        if missing:  # a chosen format with nothing left to count is not in its facet
            format_labels.update(
                (business_format.code, format_label(business_format))
                for business_format in BusinessFormat.objects.filter(code__in=missing)
            )
        for code in form.selected_formats:
            formats = [value for value in form.selected_formats if value != code]
            chips.append({"label": format_labels.get(code, code),
                          "url": self._url(self.request.path, self._params(format=formats))})
        if self.request.GET.get("category") and not getattr(self, "category", None):
            category_labels = {str(item["value"].key): item["value"].label for item in category_facet}
            for pk in form.selected_category_ids:
                chips.append({"label": category_labels.get(str(pk), _("分类")),
                              "url": self._url(self.request.path, self._params(drop=("category",)))})
        labels = dict(PRODUCT_CLASS_CHOICES)
        for kind in form.selected_product_classes:
            chips.append({"label": labels[kind], "url": self.product_class_url(kind, selected=True)})
        if form.lowest_price is not None or form.highest_price is not None:
            chips.append({"label": self.chosen_price_label(form.lowest_price, form.highest_price),
                          "url": self._url(self.request.path, self._params(drop=PRICE_FIELDS))})
        for name, _label, chip_label in TOGGLES:
            if self.toggle_selected(name):
                chips.append({"label": chip_label, "url": self.toggle_url(name, selected=True)})
        return chips

    def toggle_selected(self, name: str) -> bool:
        return {"open_now": self.form.only_open_now, "in_stock": self.form.only_in_stock,
                "delivers_to_me": self.delivers_to_me}[name]

    def toggle_options(self) -> list[dict]:
        return [
            {"name": name, "label": label, "selected": self.toggle_selected(name),
             "url": self.toggle_url(name, self.toggle_selected(name))}
            for name, label, _chip in TOGGLES
            if name != "delivers_to_me" or self.location is not None  # "to me" needs a location
        ]

    def product_class_options(self) -> list[dict]:
        selected = set(self.form.selected_product_classes)
        return [
            {"value": kind, "label": label, "selected": kind in selected,
             "url": self.product_class_url(kind, kind in selected)}
            for kind, label in PRODUCT_CLASS_CHOICES
        ]

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
