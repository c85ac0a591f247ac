"""User-written HTML, sanitised on save with an allow-list (nh3): no script, style, event
attributes or javascript: links survive. The one helper for every rich-text field."""

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str | None) -> str:
    """Keep the allow-listed tags and attributes; drop everything else (contents of script and
    style included). Links get rel="noopener noreferrer nofollow"."""
    if not html:
        return ""
    return nh3.clean(
        str(html), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow", clean_content_tags={"script", "style"},
    )
