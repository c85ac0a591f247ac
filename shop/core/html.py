"""User-written HTML: one allow-list, applied on save and again when rendered.

Shops write product descriptions in Oscar's dashboard (a rich-text editor), staff write category
and offer descriptions, editors write Wagtail rich text. All of it reaches public pages, and an
administrator opening a page with a shop's `<img onerror=...>` would run the shop's script with
the administrator's session. So:

- every model field listed in `HTML_FIELDS` is cleaned by `clean_html` on every save (a
  `pre_save` receiver connected in `shop.core.apps`, whatever wrote the row: dashboard, admin,
  import, API, shell);
- templates render such fields with `|clean_html` (shop/core/templatetags/html_tags.py), never
  `|safe`, so rows written before the receiver existed are cleaned too.

The allow-list keeps what the editors produce (paragraphs, emphasis, lists, headings, links,
tables) and Wagtail's own internal references (`<a linktype="page" id="3">`, `<embed
embedtype="image" .../>`), and drops every script, style, event handler and `javascript:` URL.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "p", "br", "hr", "b", "i", "strong", "em", "u", "s", "sub", "sup", "small", "span", "div",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "caption", "embed",
}
ATTRIBUTES = {
    "a": {"href", "title", "linktype", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# "app_label.model_name" -> the fields holding HTML. Plain-text fields are escaped by the
# templates and must not be listed (cleaning would turn "a < b" into "a &lt; b").
HTML_FIELDS: dict[str, tuple[str, ...]] = {
    "catalogue.product": ("description",),
    "catalogue.category": ("description",),
    "offer.conditionaloffer": ("description",),
    "offer.range": ("description",),
    "flatpages.flatpage": ("content",),
    "cms.communityindexpage": ("intro",),
}


def clean_html(value: str | None) -> str:
    """The HTML with only allow-listed tags, attributes and URL schemes left."""
    if not value:
        return value or ""
    return nh3.clean(
        str(value),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def safe_html(value: str | None) -> SafeString:
    """`clean_html`, marked safe for a template (the one place user HTML becomes markup)."""
    return mark_safe(clean_html(value))  # noqa: S308 (cleaned by the allow-list just above)


def clean_html_fields(sender, instance, **kwargs) -> None:
    """`pre_save` receiver: clean the listed HTML fields of any model saved, however it is saved."""
    fields = HTML_FIELDS.get(sender._meta.label_lower)
    if not fields:
        return
    for name in fields:
        value = getattr(instance, name, None)
        if value:
            setattr(instance, name, clean_html(value))
