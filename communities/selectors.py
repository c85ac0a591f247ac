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


def find_standard_addresses(*, community_id: int, compound: str = "", building: str = "", room: str = "",
                            limit: int = 20) -> list:
    """Rooms of the standard address register in one community matching what the resident typed
    (part of the compound's name; the building and room with or without 栋/号楼/室)."""
    from .models import StandardAddress

    found = StandardAddress.objects.filter(community_id=community_id).select_related("community")
    compound = compound.strip()
    building = building.strip().removesuffix("号楼").removesuffix("栋").removesuffix("幢")
    room = room.strip().removesuffix("室").removesuffix("号")
    if compound:
        found = found.filter(compound__icontains=compound)
    if building:
        found = found.filter(building=building)
    if room:
        found = found.filter(room=room)
    return list(found.order_by("compound", "building", "unit", "room", "pk")[:limit])


# --- for the commerce bureau's figures (bureau.metrics) --------------------------------------


def household_points(*, community_ids=None) -> list[tuple[int, int, float, float]]:
    """Households as (standard address id, community id, lat, lng): a room of the register is a household."""
    from .models import StandardAddress

    rows = StandardAddress.objects.all()
    if community_ids is not None:
        rows = rows.filter(community_id__in=community_ids)
    return list(rows.order_by("pk").values_list("pk", "community_id", "lat", "lng"))


def survey_answers(*, start, end) -> list[dict]:
    """Survey answers given in [start, end): community and the four scores (no one's identity)."""
    from .models import SurveyResponse

    return list(SurveyResponse.objects.filter(answered_at__gte=start, answered_at__lt=end)
                .values("community_id", "answered_at", *SurveyResponse.ASPECTS).order_by("pk"))
