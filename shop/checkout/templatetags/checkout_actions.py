"""The order page's actions (templates/checkout/partials/order_actions.html)."""

from django import template

from shop.checkout import selectors

register = template.Library()


@register.simple_tag
def order_actions(order):
    """Whether the resident may still pay for or cancel this order (see selectors.order_actions)."""
    return selectors.order_actions(order)
