"""The resident's chosen location in templates (the header's location chip)."""

from django import template

from communities import location as locations

register = template.Library()


@register.simple_tag(takes_context=True)
def chosen_location(context):
    """The location chosen in this session, or None."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return None
    return locations.get_location(request)
