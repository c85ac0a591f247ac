"""Reads about communities."""

from django.db.models import Count, QuerySet

from .models import Community


def community_directory() -> QuerySet[Community]:
    """Every community with its merchant count, ordered for a directory page."""
    return Community.objects.annotate(merchant_count=Count("merchants")).order_by("district", "street", "name")


def resolve_origin(*, user=None, lat: float | None = None, lng: float | None = None,
                   address_id: int | None = None, community_id: int | None = None) -> tuple[float, float]:
    """An origin from a point, a resident's own saved address, or a community's centroid.

    Raises ResidentAddress.DoesNotExist / Community.DoesNotExist when the address is not the
    user's or the community does not exist.
    """
    from .models import ResidentAddress

    if address_id is not None:
        if user is None or not user.is_authenticated:
            raise ResidentAddress.DoesNotExist("sign in to use a saved address")
        address = ResidentAddress.objects.select_related("standard_address").get(pk=address_id, user=user)
        return address.standard_address.lat, address.standard_address.lng
    if community_id is not None:
        community = Community.objects.get(pk=community_id)
        return community.centroid_lat, community.centroid_lng
    return lat, lng


def service_circle(*, circle):
    """Merchants within the circle, from the configured search backend (database fallback)."""
    from catalog.search.backends.base import SearchBackendUnavailable
    from catalog.search.backends.circles import circle_backends

    *preferred, fallback = circle_backends()
    for backend in preferred:
        try:
            return backend.merchants_in_circle(circle)
        except SearchBackendUnavailable:
            continue
    return fallback.merchants_in_circle(circle)
