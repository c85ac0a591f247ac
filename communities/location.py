"""The resident's chosen location (我的位置): where their service circle is drawn from.

A location is one of three kinds, chosen on the location page and kept in the session:

- ``address``: one of the signed-in resident's saved addresses (its standard address's point);
- ``community``: a community, standing at its centroid;
- ``point``: a latitude and longitude (typed, or from the browser's geolocation).

The session holds a small JSON-serialisable dict with the point and a label, so the header
can show the location on every page without a query. A saved address is tied to the user who
chose it: after signing out (or as someone else) it no longer counts.

The reads below are the location page's selectors: views and forms call them, never the ORM.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from communities import circle as circles
from communities import selectors
from communities.models import Community, ResidentAddress

SESSION_KEY = "chosen_location"

ADDRESS, COMMUNITY, POINT = "address", "community", "point"
KINDS = (ADDRESS, COMMUNITY, POINT)


@dataclass(frozen=True)
class ChosenLocation:
    kind: str
    lat: float
    lng: float
    name: str = ""  # the address or community, as the resident knows it; empty for a point
    address_id: int | None = None
    community_id: int | None = None
    user_id: int | None = None  # whose saved address this is

    @property
    def label(self) -> str:
        """What the header shows: the address or community, or the coordinates of a point."""
        if self.kind == POINT or not self.name:
            return _("坐标 %(lat).5f, %(lng).5f") % {"lat": self.lat, "lng": self.lng}
        return self.name

    @property
    def kind_label(self) -> str:
        return {ADDRESS: _("我的地址"), COMMUNITY: _("社区中心"), POINT: _("地图上的点")}[self.kind]

    def circle(self, *, minutes: float = 15, mode: str = circles.WALK) -> circles.Circle:
        return circles.make_circle(lat=self.lat, lng=self.lng, minutes=minutes, mode=mode)

    def as_session(self) -> dict:
        return asdict(self)


# --- reading and writing the session ----------------------------------------------------------


def get_location(request) -> ChosenLocation | None:
    """The location stored in this session, or None (nothing chosen, or not valid any more)."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        location = ChosenLocation(**data)
    except TypeError:
        return None
    if location.kind not in KINDS or not _valid_point(location.lat, location.lng):
        return None
    if location.kind == ADDRESS:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.pk != location.user_id:
            return None
    return location


def set_location(request, location: ChosenLocation) -> None:
    request.session[SESSION_KEY] = location.as_session()


def clear_location(request) -> None:
    request.session.pop(SESSION_KEY, None)


# --- the three kinds ------------------------------------------------------------------------------


def saved_addresses(*, user) -> QuerySet[ResidentAddress]:
    """The resident's own saved addresses, default first (none for an anonymous visitor)."""
    if user is None or not user.is_authenticated:
        return ResidentAddress.objects.none()
    return ResidentAddress.objects.filter(user=user).select_related("standard_address__community")


def address_name(address: ResidentAddress) -> str:
    standard = address.standard_address
    return f"{standard.community.name} {standard.label}"


def communities_by_street() -> list[tuple[str, list[Community]]]:
    """Every community, grouped by street office (街道) in directory order."""
    groups: dict[str, list[Community]] = {}
    for community in selectors.community_directory():
        groups.setdefault(community.street, []).append(community)
    return list(groups.items())


def location_from_address(*, user, address_id: int) -> ChosenLocation:
    """The resident's own saved address. Raises ResidentAddress.DoesNotExist for anyone else's."""
    lat, lng = selectors.resolve_origin(user=user, address_id=address_id)
    address = saved_addresses(user=user).get(pk=address_id)
    return ChosenLocation(kind=ADDRESS, lat=lat, lng=lng, name=address_name(address), address_id=address.pk,
                          community_id=address.standard_address.community_id, user_id=user.pk)


def location_from_community(*, community_id: int) -> ChosenLocation:
    """A community's centroid. Raises Community.DoesNotExist."""
    lat, lng = selectors.resolve_origin(community_id=community_id)
    community = Community.objects.get(pk=community_id)
    return ChosenLocation(kind=COMMUNITY, lat=lat, lng=lng, name=community.name, community_id=community.pk)


def location_from_point(*, lat: float, lng: float) -> ChosenLocation:
    if not _valid_point(lat, lng):
        raise ValueError("latitude or longitude out of range")
    return ChosenLocation(kind=POINT, lat=float(lat), lng=float(lng))


def nearest_community(*, lat: float, lng: float) -> Community | None:
    """The community whose centroid is nearest to a point (for a point's district)."""
    from shop.core.geo import haversine_m

    candidates = list(Community.objects.only("id", "district", "centroid_lat", "centroid_lng", "name", "street"))
    if not candidates:
        return None
    return min(candidates, key=lambda c: haversine_m(lat, lng, c.centroid_lat, c.centroid_lng))


def district_communities(*, lat: float, lng: float, community_id: int | None = None) -> list[Community]:
    """The communities of the district around a location (its own community's, else the nearest's),
    with their boundaries, for the circle map."""
    community = Community.objects.filter(pk=community_id).first() if community_id else None
    community = community or nearest_community(lat=lat, lng=lng)
    if community is None:
        return []
    return list(Community.objects.filter(district=community.district, city=community.city).order_by("pk"))


def _valid_point(lat, lng) -> bool:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
