"""Search and browse forms of the `search` fork: plain Django forms, no Haystack.

The context processor ``oscar.apps.search.context_processors.search_form`` builds a
``SearchForm(request.GET)`` on every page, so building one must not touch the database
(the format choices are only read when the form is validated).
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.search.backends.base import PRODUCT_CLASSES, SORT_CHOICES, SORT_RELEVANCE
from merchants.models import BusinessFormat

SCOPE_CIRCLE, SCOPE_ALL = "circle", "all"

# ProductClass.kind values (catalog.search.backends.base.PRODUCT_CLASSES) as the storefront names them.
PRODUCT_CLASS_LABELS = {"fresh": _("生鲜"), "packaged": _("包装商品"), "service": _("上门服务")}
PRODUCT_CLASS_CHOICES = [(kind, PRODUCT_CLASS_LABELS.get(kind, kind)) for kind in PRODUCT_CLASSES]

PRICE_FIELDS = ("min_price", "max_price")
BAD_PRICE_MESSAGE = _("价格请填写 0 或以上的数字, 例如 10 或 25.5。这个价格已忽略。")
PRICE_ORDER_MESSAGE = _("最低价不能高于最高价, 价格筛选已忽略。")
MAX_PRICE_DIGITS = 10  # up to ¥99,999,999.99


def _format_choices():
    return [(code, code) for code in BusinessFormat.objects.order_by("sort_order").values_list("code", flat=True)]


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchForm(forms.Form):
    """A text query, business-format and category filters and a sort order.

    Invalid values (an unknown format, a bad sort) are dropped rather than failing the
    page: a resident following an old link still sees listings.
    """

    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("搜索"),
        widget=SearchInput(
            attrs={"placeholder": _("搜索商品或店铺, 如 鸡蛋、理发"), "class": "form-control form-control-lg",
                   "autocomplete": "off"}
        ),
    )
    format = forms.MultipleChoiceField(required=False, choices=_format_choices, label=_("业态"))
    category = forms.IntegerField(required=False, min_value=1, label=_("分类"))
    sort_by = forms.ChoiceField(required=False, choices=SORT_CHOICES, label=_("排序"))
    # With a chosen location (communities.location), listings are limited to the resident's
    # 15-minute walk unless they ask for every shop.
    scope = forms.ChoiceField(required=False, choices=[(SCOPE_CIRCLE, _("只看生活圈内")), (SCOPE_ALL, _("全部店铺"))],
                              label=_("范围"))

    # Filters the search backends understand (catalog.search.backends.base.ListingQuery).
    product_class = forms.MultipleChoiceField(required=False, choices=PRODUCT_CLASS_CHOICES, label=_("商品类型"))
    min_price = forms.DecimalField(required=False, min_value=0, max_digits=MAX_PRICE_DIGITS, decimal_places=2,
                                   label=_("最低价"), error_messages={"invalid": BAD_PRICE_MESSAGE})
    max_price = forms.DecimalField(required=False, min_value=0, max_digits=MAX_PRICE_DIGITS, decimal_places=2,
                                   label=_("最高价"), error_messages={"invalid": BAD_PRICE_MESSAGE})
    open_now = forms.BooleanField(required=False, label=_("只看营业中"))
    in_stock = forms.BooleanField(required=False, label=_("只看有货"))
    # only offered (and only honoured by the view) when the resident chose a location
    delivers_to_me = forms.BooleanField(required=False, label=_("送货上门"))

    # With an empty query the search page sends the resident to the full catalogue.
    requires_query = True

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories

    def add_error(self, field, error):
        # any problem with a price (not a number, negative, too many digits) reads the same
        if field in PRICE_FIELDS:
            error = forms.ValidationError(BAD_PRICE_MESSAGE, code="invalid")
        super().add_error(field, error)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            # ignore both rather than guess which one the resident meant
            cleaned.pop("min_price"), cleaned.pop("max_price")
            self.add_error(None, forms.ValidationError(PRICE_ORDER_MESSAGE, code="price_order"))
        return cleaned

    @property
    def price_errors(self) -> list[str]:
        """What went wrong with the prices, once each (the invalid values are ignored)."""
        if not self.is_bound or self.is_valid():
            return []
        found = [str(error) for name in (*PRICE_FIELDS, "__all__") for error in self.errors.get(name, [])]
        return list(dict.fromkeys(found))

    def _value(self, name, default):
        if not self.is_bound:
            return default
        self.is_valid()  # cleans once; invalid fields are left out of cleaned_data
        return self.cleaned_data.get(name) or default

    @property
    def query(self) -> str:
        return " ".join(self._value("q", "").split())

    @property
    def selected_formats(self) -> list[str]:
        return list(self._value("format", []))

    @property
    def selected_category_ids(self) -> list[int]:
        if self.categories is not None:
            return [category.pk for category in self.categories]
        category = self._value("category", None)
        return [category] if category else []

    @property
    def sort(self) -> str:
        return self._value("sort_by", SORT_RELEVANCE)

    @property
    def listing_scope(self) -> str:
        """"circle" (the resident's 15-minute walk, when they chose a location) or "all"."""
        return self._value("scope", SCOPE_CIRCLE)

    @property
    def selected_product_classes(self) -> list[str]:
        return list(self._value("product_class", []))

    # (the properties are not named like their fields: a class attribute would replace the field)

    def price(self, name) -> Decimal | None:
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)  # 0 is a price, not "no price"

    @property
    def lowest_price(self) -> Decimal | None:
        return self.price("min_price")

    @property
    def highest_price(self) -> Decimal | None:
        return self.price("max_price")

    @property
    def only_open_now(self) -> bool:
        return bool(self._value("open_now", False))

    @property
    def only_in_stock(self) -> bool:
        return bool(self._value("in_stock", False))

    @property
    def wants_delivery(self) -> bool:
        return bool(self._value("delivers_to_me", False))

    def search_params(self) -> dict:
        """Keyword arguments for ``catalog.selectors.search_listings`` (the view adds the circle
        and decides whether "delivers to me" applies: it needs a chosen location)."""
        return {
            "query": self.query,
            "category_ids": self.selected_category_ids,
            "formats": self.selected_formats,
            "sort": self.sort,
            "product_classes": self.selected_product_classes,
            "min_price": self.lowest_price,
            "max_price": self.highest_price,
            "open_now": self.only_open_now,
            "in_stock": self.only_in_stock,
        }


class BrowseCategoryForm(SearchForm):
    """Browsing: every listing when there is no query."""

    requires_query = False


class CategoryForm(BrowseCategoryForm):
    """Browsing one category (with its descendants): the category comes from the URL."""

    def __init__(self, categories=None, *args, **kwargs):
        super().__init__(*args, categories=categories, **kwargs)
