"""Template helpers of the add-to-basket form on the product page (basket/partials/add_listing_form.html)."""

from django import template

from shop.basket import selectors

register = template.Library()


@register.simple_tag
def service_slots(listing):
    """The merchant's next bookable slots for a home-service listing."""
    return selectors.service_slots(listing)


@register.simple_tag
def pack_choices(listing):
    """1, 2, 3… packs of a weighed listing with their estimated weight and price."""
    return selectors.pack_choices(listing)
