"""The links of a listing page's facets, filters, sorts and scope (as Oscar's
``search/facets.py``): every link is the current query string with one change. Pure
request → URL and label work; the data comes from the view's search result."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.search.backends.base import PRICE_RANGES, SORT_DISTANCE, SORT_RELEVANCE
from catalog.search.forms import PRICE_FIELDS, PRODUCT_CLASS_CHOICES, SCOPE_ALL, SCOPE_CIRCLE
from catalog.selectors import format_labels_of

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


def money(amount) -> str:
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
        return _("¥%(high)s 以下") % {"high": money(high)}
    if high is None:
        return _("¥%(low)s 以上") % {"low": money(low)}
    return _("¥%(low)s–%(high)s") % {"low": money(low), "high": money(high)}


class FacetLinks:
    """Mixed into the listing views: needs ``request``, ``form``, ``location`` and ``page_kwarg``."""

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
            min_price=[money(low)] if low is not None else [], max_price=[money(high)] if high is not None else []
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
            format_labels.update(format_labels_of(codes=missing))
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
