"""Reads about communities."""

import math
import re
from dataclasses import dataclass

from django.db.models import Count, ExpressionWrapper, F, FloatField, Q, QuerySet

from shop.core.geo import EARTH_RADIUS_M, bounding_box

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
def last_survey_answer(*, user):
    """The resident's own latest survey answer (any quarter), or None."""
    from .models import SurveyResponse

    return SurveyResponse.objects.filter(user=user).select_related("community").order_by("-answered_at", "-pk").first()


# --- the standard address register, searched by a resident adding an address -----------------

REGISTER_NEAR_DEFAULT_M = 300
REGISTER_NEAR_MAX_M = 2000
_MARKED = re.compile(r"([0-9]+)\s*(号楼|栋|幢|单元|室|号)")
_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class AddressQuery:
    """What a resident typed, split: the compound's (or community's) name and the numbers."""

    text: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""


def parse_address_text(text: str) -> AddressQuery:
    """Split "青岛路小区3栋1单元402室" (or "青岛路小区 3-1-402", "青岛路 3栋 402") into the name and
    the building, unit and room. Numbers marked 栋/号楼/幢, 单元, 室/号 go where they say; unmarked
    ones fill building, unit, room in order (two numbers: building and room; one: the room)."""
    text = (text or "").strip()
    first_digit = _NUMBER.search(text)
    name = (text[: first_digit.start()] if first_digit else text).strip(" -,，")
    rest = text[first_digit.start():] if first_digit else ""
    parts = {"building": "", "unit": "", "room": ""}
    for number, mark in _MARKED.findall(rest):
        key = {"号楼": "building", "栋": "building", "幢": "building", "单元": "unit"}.get(mark, "room")
        parts[key] = parts[key] or number
    loose = _NUMBER.findall(_MARKED.sub(" ", rest))
    missing = [key for key in ("building", "unit", "room") if not parts[key]]
    if len(loose) < len(missing):  # fewer numbers than places: the room first, then the building
        wanted = {key for key in ("room", "building", "unit") if key in missing}
        wanted = set(sorted(wanted, key=("room", "building", "unit").index)[: len(loose)])
        missing = [key for key in missing if key in wanted]
    for key, number in zip(missing, loose, strict=False):  # numbers beyond the places are ignored
        parts[key] = number
    return AddressQuery(text=name, **parts)


def search_standard_addresses(*, text: str = "", community_id: int | None = None, lat: float | None = None,
                              lng: float | None = None, radius_m: float = REGISTER_NEAR_DEFAULT_M) -> QuerySet:
    """Rooms of the standard address register matching what a resident typed and/or near a point.

    `text` as parse_address_text reads it: the name part matches the compound or the
    community by a run of characters, the numbers match exactly. With a point, only rooms
    within `radius_m` (a bounding box, then nearest first by an equirectangular distance);
    without one, in register order. The caller pages the answer.
    """
    from .models import StandardAddress

    query = parse_address_text(text)
    found = StandardAddress.objects.select_related("community")
    if community_id is not None:
        found = found.filter(community_id=community_id)
    if query.text:
        found = found.filter(Q(compound__icontains=query.text) | Q(community__name__icontains=query.text))
    for field in ("building", "unit", "room"):
        if getattr(query, field):
            found = found.filter(**{field: getattr(query, field)})
    if lat is None or lng is None:
        return found.order_by("community__name", "compound", "building", "unit", "room", "pk")
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_m)
    scale = math.cos(math.radians(lat))
    # squared degrees of latitude: exact enough to order rooms a few hundred metres apart
    nearness = (F("lat") - lat) * (F("lat") - lat) + (F("lng") - lng) * (F("lng") - lng) * (scale * scale)
    limit = (radius_m / (math.pi * EARTH_RADIUS_M / 180)) ** 2
    return (found.filter(lat__range=(min_lat, max_lat), lng__range=(min_lng, max_lng))
            .alias(nearness=ExpressionWrapper(nearness, output_field=FloatField()))
            .filter(nearness__lte=limit).order_by("nearness", "pk"))
