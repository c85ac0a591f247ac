"""The circle (GET /api/v1/circle/), the resident's saved addresses (/api/v1/addresses/) and the
standard address register they are chosen from (/api/v1/addresses/register/)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from communities import circle as circles
from communities import location as locations
from communities import selectors, services
from communities.models import Community, ResidentAddress
from shop.core.errors import NotFoundError
from shop.core.geo import haversine_m
from shop.core.pagination import PageNumberPagination


class OriginSerializer(serializers.Serializer):
    """An origin: lat+lng, or address_id (your saved address), or community_id (its centroid)."""

    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    address_id = serializers.IntegerField(required=False, min_value=1)
    community_id = serializers.IntegerField(required=False, min_value=1)

    def validate(self, data):
        has_point = "lat" in data or "lng" in data
        if not (has_point or "address_id" in data or "community_id" in data):
            raise serializers.ValidationError({"lat": [_("lat and lng are required (or address_id / community_id)")]})
        if has_point:
            for name in ("lat", "lng"):
                if name not in data:
                    raise serializers.ValidationError({name: [_("This field is required.")]})
        return data


class CircleParamsSerializer(OriginSerializer):
    minutes = serializers.FloatField(required=False, default=15)
    mode = serializers.CharField(required=False, default=circles.WALK)

    def validate_minutes(self, value):
        if not 0 < value <= circles.MAX_MINUTES:
            raise serializers.ValidationError(_("must be above 0 and at most %(max)s") % {"max": circles.MAX_MINUTES})
        return value

    def validate_mode(self, value):
        if value not in circles.modes():
            raise serializers.ValidationError(_("unknown mode; expected one of %(modes)s") % {"modes": ", ".join(circles.modes())})
        return value


def circle_from_request(request, serializer_class=CircleParamsSerializer, data: dict | None = None):
    """Validate query parameters (unless given validated `data`) and resolve the origin;
    400 names the field, 404 a foreign address."""
    if data is None:
        params = serializer_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
    try:
        lat, lng = selectors.resolve_origin(
            user=request.user, lat=data.get("lat"), lng=data.get("lng"),
            address_id=data.get("address_id"), community_id=data.get("community_id"),
        )
    except ResidentAddress.DoesNotExist:
        raise NotFound(_("No such saved address of yours.")) from None
    except Community.DoesNotExist:
        raise NotFound(_("No such community.")) from None
    return circles.make_circle(lat=lat, lng=lng, minutes=data["minutes"], mode=data["mode"]), data


def circle_body(result) -> dict:
    return {
        **result.circle.parameters(),
        "backend": result.backend,
        "merchants": [
            {"id": m.id, "name": m.name, "format": m.format, "lat": m.lat, "lng": m.lng,
             "distance_m": round(m.distance_m, 1), "minutes": round(m.minutes, 1)}
            for m in result.merchants
        ],
        "truncated": result.truncated,
        "total": result.total,
        "formats_covered": result.formats_covered,
        "formats_missing": result.formats_missing,
    }


class CircleView(APIView):
    @extend_schema(parameters=[CircleParamsSerializer], responses={200: dict}, examples=[
        OpenApiExample("a 15-minute walk", response_only=True, value={
            "origin": {"lat": 32.0668, "lng": 118.7784}, "mode": "walk", "minutes": 15, "speed_m_per_min": 72.0,
            "detour_factor": 1.25, "radius_m": 864.0, "backend": "elasticsearch",
            "merchants": [{"id": 17, "name": "张记早点", "format": "breakfast", "lat": 32.0671, "lng": 118.7790,
                           "distance_m": 66.4, "minutes": 1.2}],
            "truncated": False, "total": 41, "formats_covered": ["convenience_store", "breakfast"],
            "formats_missing": ["wet_market"]})])
    def get(self, request):
        circle, _params = circle_from_request(request)
        return Response(circle_body(catalog_selectors.service_circle(circle=circle)))


# --- the resident's saved addresses and the standard address register ------------------------

class CommunityBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    street = serializers.CharField()
    district = serializers.CharField()


class StandardAddressSerializer(serializers.Serializer):
    """A room of the city's standard address register (标准地址)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    community = CommunityBriefSerializer()
    compound = serializers.CharField()
    building = serializers.CharField()
    unit = serializers.CharField()
    room = serializers.CharField()
    label = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class RegisterEntrySerializer(StandardAddressSerializer):
    distance_m = serializers.FloatField(allow_null=True, help_text="from lat/lng when given, else null")


class ResidentAddressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recipient = serializers.CharField()
    phone = serializers.CharField()
    is_default = serializers.BooleanField()
    standard_address = StandardAddressSerializer()


STANDARD_EXAMPLE = {
    "id": 118, "code": "3201060010000118",
    "community": {"id": 3, "name": "青岛路社区", "street": "湖南路街道", "district": "鼓楼区"},
    "compound": "青岛路小区", "building": "3", "unit": "1", "room": "402", "label": "青岛路小区3栋1单元402室",
    "lat": 32.0668, "lng": 118.7784,
}
ADDRESS_EXAMPLE = {"id": 7, "recipient": "王秀英", "phone": "13800000001", "is_default": True,
                   "standard_address": STANDARD_EXAMPLE}
ADDRESS_RESPONSES = [OpenApiExample("a saved address", value=ADDRESS_EXAMPLE, response_only=True)]


class RegisterQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=64,
                              help_text="compound or community name, then building, unit, room: 青岛路小区3栋1单元402室")
    community_id = serializers.IntegerField(required=False, min_value=1)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_m = serializers.FloatField(required=False, min_value=1, max_value=selectors.REGISTER_NEAR_MAX_M,
                                      default=selectors.REGISTER_NEAR_DEFAULT_M,
                                      help_text="with lat/lng: only rooms this near (default 300, at most 2000)")

    def validate(self, data):
        if ("lat" in data) != ("lng" in data):
            name = "lng" if "lat" in data else "lat"
            raise serializers.ValidationError({name: [_("纬度和经度要一起填写")]})
        if not (data.get("q", "").strip() or "lat" in data or "community_id" in data):
            raise serializers.ValidationError({"q": [_("请输入地址的一部分, 或填写纬度和经度")]})
        return data


class AddAddressSerializer(serializers.Serializer):
    standard_address_id = serializers.IntegerField(min_value=1, help_text="a room found by /addresses/register/")
    recipient = serializers.CharField(max_length=64, allow_blank=True)
    phone = serializers.CharField(max_length=32, allow_blank=True)
    is_default = serializers.BooleanField(required=False, default=False)


class EditAddressSerializer(serializers.Serializer):
    recipient = serializers.CharField(max_length=64, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError({"recipient": [_("请填写要修改的收件人或电话")]})
        return data


def standard_address_data(standard, *, distance_m: float | None = None, with_distance: bool = False) -> dict:
    community = standard.community
    data = {
        "id": standard.pk, "code": standard.code,
        "community": {"id": community.pk, "name": community.name, "street": community.street,
                      "district": community.district},
        "compound": standard.compound, "building": standard.building, "unit": standard.unit, "room": standard.room,
        "label": standard.label, "lat": standard.lat, "lng": standard.lng,
    }
    if with_distance:
        data["distance_m"] = None if distance_m is None else round(distance_m, 1)
    return data


def address_data(address) -> dict:
    return {"id": address.pk, "recipient": address.recipient, "phone": address.phone,
            "is_default": address.is_default, "standard_address": standard_address_data(address.standard_address)}


def _saved(request, address_id: int):
    address = locations.saved_addresses(user=request.user).filter(pk=address_id).first()
    if address is None:
        raise NotFoundError(_("没有这个地址"))
    return address


class AddressListView(generics.GenericAPIView):
    """The signed-in resident's saved addresses (default first); POST saves one more."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = ResidentAddressSerializer

    @extend_schema(responses={200: ResidentAddressSerializer(many=True)}, examples=[
        OpenApiExample("saved addresses", value=ADDRESS_EXAMPLE, response_only=True)])
    def get(self, request):
        page = self.paginate_queryset(locations.saved_addresses(user=request.user).order_by("-is_default", "pk"))
        return self.get_paginated_response([address_data(address) for address in page])

    @extend_schema(
        request=AddAddressSerializer,
        responses={201: ResidentAddressSerializer, 200: ResidentAddressSerializer},
        examples=[OpenApiExample("a room from the register", request_only=True, value={
            "standard_address_id": 118, "recipient": "王秀英", "phone": "13800000001", "is_default": True}),
            *ADDRESS_RESPONSES],
        description="201 with the new address; 200 when the room was already saved (its recipient and phone "
                    "are updated). The first address saved becomes the default.",
    )
    def post(self, request):
        data = AddAddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.add_resident_address(
            user=request.user, standard_address_id=data.validated_data["standard_address_id"],
            recipient=data.validated_data["recipient"], phone=data.validated_data["phone"],
            make_default=data.validated_data["is_default"])
        return Response(address_data(_saved(request, saved.address.pk)),
                        status=status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK)


class AddressDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ResidentAddressSerializer}, examples=ADDRESS_RESPONSES)
    def get(self, request, address_id: int):
        return Response(address_data(_saved(request, address_id)))

    @extend_schema(request=EditAddressSerializer, responses={200: ResidentAddressSerializer}, examples=[
        OpenApiExample("a new phone", request_only=True, value={"phone": "025-83301234"}), *ADDRESS_RESPONSES])
    def patch(self, request, address_id: int):
        data = EditAddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.edit_resident_address(user=request.user, address_id=address_id, **data.validated_data)
        return Response(address_data(_saved(request, address_id)))

    @extend_schema(responses={204: None}, description="409 `address_in_use` (naming the orders) while an open "
                                                      "order goes to this address.")
    def delete(self, request, address_id: int):
        services.delete_resident_address(user=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AddressDefaultView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: ResidentAddressSerializer}, examples=ADDRESS_RESPONSES)
    def post(self, request, address_id: int):
        services.set_default_address(user=request.user, address_id=address_id)
        return Response(address_data(_saved(request, address_id)))


class AddressRegisterView(generics.GenericAPIView):
    """Search the standard address register for one's room: by text, near a point, or both."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = RegisterEntrySerializer

    @extend_schema(parameters=[RegisterQuerySerializer], responses={200: RegisterEntrySerializer(many=True)},
                   examples=[OpenApiExample("rooms found", response_only=True,
                                             value={**STANDARD_EXAMPLE, "distance_m": 42.5})])
    def get(self, request):
        query = RegisterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        lat, lng = params.get("lat"), params.get("lng")
        page = self.paginate_queryset(selectors.search_standard_addresses(
            text=params.get("q", ""), community_id=params.get("community_id"), lat=lat, lng=lng,
            radius_m=params["radius_m"]))
        return self.get_paginated_response([
            standard_address_data(standard, with_distance=True,
                                  distance_m=haversine_m(lat, lng, standard.lat, standard.lng) if lat is not None else None)
            for standard in page])
