"""`{{ value|clean_html }}`: user-written HTML through the allow-list (shop/core/html.py), never `|safe`."""

from django import template

from shop.core.html import safe_html

register = template.Library()


@register.filter(name="clean_html")
def clean_html_filter(value):
    return safe_html(value)
