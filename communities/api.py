"""GET /api/v1/circle/: the merchants within a resident's service circle."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from communities import circle as circles
from communities import selectors
from communities.models import Community, ResidentAddress


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
    @extend_schema(parameters=[CircleParamsSerializer], responses={200: dict})
    def get(self, request):
        circle, _params = circle_from_request(request)
        return Response(circle_body(catalog_selectors.service_circle(circle=circle)))
