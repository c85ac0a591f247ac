"""Search and browse forms of the `search` fork: plain Django forms, no Haystack.

The context processor ``oscar.apps.search.context_processors.search_form`` builds a
``SearchForm(request.GET)`` on every page, so building one must not touch the database
(the format choices are only read when the form is validated).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.search.backends.base import SORT_CHOICES, SORT_RELEVANCE
from merchants.models import BusinessFormat


SCOPE_CIRCLE, SCOPE_ALL = "circle", "all"


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

    # With an empty query the search page sends the resident to the full catalogue.
    requires_query = True

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories

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

    def search_params(self) -> dict:
        """Keyword arguments for ``catalog.selectors.search_listings``."""
        return {
            "query": self.query,
            "category_ids": self.selected_category_ids,
            "formats": self.selected_formats,
            "sort": self.sort,
        }


class BrowseCategoryForm(SearchForm):
    """Browsing: every listing when there is no query."""

    requires_query = False


class CategoryForm(BrowseCategoryForm):
    """Browsing one category (with its descendants): the category comes from the URL."""

    def __init__(self, categories=None, *args, **kwargs):
        super().__init__(*args, categories=categories, **kwargs)
