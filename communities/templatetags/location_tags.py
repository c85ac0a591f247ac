"""The resident's chosen location in templates (the header's location chip, listing cards)."""

import math

from django import template

from communities import location as locations
from communities.circle_words import distance_label, whole_minutes
from shop.core.geo import haversine_m

register = template.Library()


@register.simple_tag(takes_context=True)
def chosen_location(context):
    """The location chosen in this session, or None."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return None
    return locations.get_location(request)


@register.simple_tag(takes_context=True)
def listing_reach(context, listing):
    """How far a listing's merchant is from the chosen location: {"minutes", "distance", "within"}.

    A search with a circle already put ``distance_m`` and ``minutes`` on the listing; otherwise
    (the resident asked for every shop) they are worked out here from the merchant's loaded
    position and the default 15-minute walk. None without a location or a merchant position.
    """
    cache = context.render_context.setdefault("listing_reach_location", {})
    if "location" not in cache:
        request = context.get("request")
        cache["location"] = locations.get_location(request) if request is not None and hasattr(request, "session") else None
        cache["circle"] = cache["location"].circle() if cache["location"] else None
    circle = cache["circle"]
    distance, minutes = getattr(listing, "distance_m", None), getattr(listing, "minutes", None)
    if distance is None or minutes is None:
        merchant = listing.partner
        if circle is None or merchant.lat is None or merchant.lng is None:
            return None
        distance = haversine_m(circle.lat, circle.lng, merchant.lat, merchant.lng)
        minutes = circle.minutes_for(distance)
    if not math.isfinite(distance):
        return None
    within = circle is None or distance <= circle.radius_m + 1e-6
    return {"minutes": whole_minutes(minutes), "distance": distance_label(distance), "within": within}


@register.filter
def radius_m(circle) -> int:
    """A circle's radius in whole metres (864 for a 15-minute walk)."""
    return round(circle.radius_m) if circle is not None else 0


@register.filter
def whole(number) -> int:
    """A number of minutes as a whole number (15.0 -> 15)."""
    return round(float(number))
