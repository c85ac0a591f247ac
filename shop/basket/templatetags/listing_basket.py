"""Template helpers of the add-to-basket form on the product page (basket/partials/add_listing_form.html)."""

from django import template

from catalog import page_cache
from shop.basket import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def service_slots(context, listing):
    """The merchant's next bookable slots for a home-service listing. A cached page listing them
    is kept no longer than until the first one starts (it would offer a slot gone by)."""
    slots = selectors.service_slots(listing)
    request = context.get("request")
    if slots and request is not None:
        page_cache.valid_until(request, slots[0].starts_at)
    return slots


@register.simple_tag
def pack_choices(listing):
    """1, 2, 3… packs of a weighed listing with their estimated weight and price."""
    return selectors.pack_choices(listing)
