"""{% order_groups order as groups %}: an order's merchant parts as its resident sees them
(delivery.selectors.resident_groups), for the account's order page."""

from django import template

from delivery import selectors

register = template.Library()


@register.simple_tag
def order_groups(order):
    return selectors.resident_groups(order=order)
