"""User-written HTML, cleaned with Wagtail's rich-text allow-list before it is stored.

The Wagtail editor already converts what an editor types through this allow-list; pages
written any other way (the demo, a sync, a future API) pass through `clean_html` on save, so
no page stores a script, an event handler or a `javascript:` link.
"""

from __future__ import annotations

from functools import cache

from wagtail.rich_text import RichText

from cms.blocks import RICH_TEXT_FEATURES


@cache
def _whitelister():
    from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter  # needs the app registry

    return EditorHTMLConverter(features=RICH_TEXT_FEATURES).whitelister


def clean_html(html: str) -> str:
    """The HTML with only the allowed elements and attributes (the editor's features)."""
    if not html:
        return html
    return _whitelister().clean(html)


def clean_stream(stream) -> None:
    """Clean every rich-text block of a StreamField value in place."""
    if stream is None:
        return
    for child in stream:
        value = child.value
        if isinstance(value, RichText):
            value.source = clean_html(value.source)
