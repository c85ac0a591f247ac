"""GET /api/v1/search/ (listing search) and GET /api/v1/search/suggest/ (the search box)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.search.backends.base import PRODUCT_CLASSES, SORTS, PageOutOfRange
from communities.api import CircleParamsSerializer, circle_from_request
from shop.core.apiviews import OutsideRequestTransaction
from shop.core.params import SharedFieldsMixin
from shop.core.renderers import OrjsonRenderer

MAX_PAGE_SIZE = 100


class CommaList(serializers.CharField):
    """`a,b` or a repeated parameter, as a list of stripped, non-empty values."""

    def to_internal_value(self, data):
        return [part.strip() for part in str(data).split(",") if part.strip()]


class SearchParamsSerializer(SharedFieldsMixin, CircleParamsSerializer):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
    format = CommaList(required=False, default=list)
    category = CommaList(required=False, default=list)
    product_class = CommaList(required=False, default=list)
    min_price = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=Decimal("0"))
    max_price = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=Decimal("0"))
    open_now = serializers.BooleanField(required=False, default=False)
    in_stock = serializers.BooleanField(required=False, default=False)
    delivers_to_me = serializers.BooleanField(required=False, default=False)
    sort = serializers.CharField(required=False, default="relevance")
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    page_size = serializers.IntegerField(required=False, default=20, min_value=1, max_value=MAX_PAGE_SIZE)

    def validate(self, data):
        # The origin is optional here: without one there is no circle.
        if any(name in data for name in ("lat", "lng", "address_id", "community_id")):
            data = super().validate(data)
        errors = {}
        if data.get("sort") == "distance" and not self.has_origin(data):
            errors["sort"] = [_("sorting by distance needs an origin (lat and lng, address_id or community_id)")]
        if data.get("delivers_to_me") and not self.has_origin(data):
            errors["delivers_to_me"] = [_("needs an origin (lat and lng, address_id or community_id)")]
        if data.get("min_price") is not None and data.get("max_price") is not None and data["min_price"] > data["max_price"]:
            errors["min_price"] = [_("must not be above max_price")]
        if errors:
            raise serializers.ValidationError(errors)
        return data

    @staticmethod
    def has_origin(data) -> bool:
        return any(name in data for name in ("lat", "address_id", "community_id"))

    def validate_sort(self, value):
        if value not in SORTS:
            raise serializers.ValidationError(_("unknown sort; expected one of %(sorts)s") % {"sorts": ", ".join(sorted(SORTS))})
        return value

    def validate_format(self, codes):
        unknown = sorted(set(codes) - set(selectors.format_labels_of(codes=codes))) if codes else []
        if unknown:
            raise serializers.ValidationError(_("unknown format: %(codes)s") % {"codes": ", ".join(unknown)})
        return codes

    def validate_category(self, values):
        try:
            ids = [int(value) for value in values]
        except ValueError:
            raise serializers.ValidationError(_("category ids are integers")) from None
        if any(not 1 <= value < 2**63 for value in ids):  # a bigint key; past it the database errs
            raise serializers.ValidationError(_("category ids are integers")) from None
        return ids

    def validate_product_class(self, values):
        unknown = sorted(set(values) - set(PRODUCT_CLASSES))
        if unknown:
            raise serializers.ValidationError(
                _("unknown product class: %(values)s; expected %(known)s") % {"values": ", ".join(unknown), "known": ", ".join(PRODUCT_CLASSES)}
            )
        return values


SEARCH_EXAMPLE = {
    "count": 57, "page": 1, "page_size": 20, "backend": "elasticsearch",
    "results": [{"id": 2301, "product_id": 118, "title": "有机青菜", "price": "3.50", "currency": "CNY",
                 "merchant": {"id": 9, "name": "青岛路菜场", "format": "wet_market"},
                 "distance_m": 333.6, "minutes": 5.8, "in_stock": True}],
    "facets": {"format": [{"key": "wet_market", "label": "菜市场", "count": 12}],
               "category": [{"key": "3", "label": "生鲜", "count": 40}],
               "price": [{"key": "0-10", "label": "¥10 以下", "count": 30}]},
    "circle": {"origin": {"lat": 32.0668, "lng": 118.7784}, "mode": "walk", "minutes": 15,
               "speed_m_per_min": 72.0, "detour_factor": 1.25, "radius_m": 864.0},
}


class SearchView(OutsideRequestTransaction, APIView):
    renderer_classes = [OrjsonRenderer, BrowsableAPIRenderer]

    @extend_schema(parameters=[SearchParamsSerializer], responses={200: dict}, examples=[
        OpenApiExample("listings within a 15-minute walk", value=SEARCH_EXAMPLE, response_only=True)])
    def get(self, request):
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        circle = circle_from_request(request, data=data)[0] if params.has_origin(data) else None
        try:
            result = selectors.search_listings(
                query=data["q"], formats=data["format"], category_ids=data["category"],
                product_classes=data["product_class"], min_price=data.get("min_price"),
                max_price=data.get("max_price"), open_now=data["open_now"], in_stock=data["in_stock"],
                delivers_to_me=data["delivers_to_me"], circle=circle, sort=data["sort"],
                page=data["page"], page_size=data["page_size"],
            )
        except PageOutOfRange:
            raise NotFound(_("No such page.")) from None
        body = {
            "count": result.count,
            "page": result.page,
            "page_size": result.page_size,
            "backend": result.backend,
            "results": result.rows,
            "facets": {
                name: [{"key": value.key, "label": str(value.label), "count": value.count} for value in values]
                for name, values in result.facets.items()
            },
        }
        if circle is not None:
            body["circle"] = circle.parameters()
        return Response(body)


class SuggestView(OutsideRequestTransaction, APIView):
    renderer_classes = [OrjsonRenderer, BrowsableAPIRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="what the resident has typed so far (≤ 50 characters)")],
        responses={200: dict}, examples=[OpenApiExample("titles for the search box", response_only=True, value={
            "q": "青", "backend": "elasticsearch", "suggestions": ["有机青菜", "青椒"]})])
    def get(self, request):
        q = (request.query_params.get("q") or "").replace("\x00", "").strip()  # PostgreSQL text takes no NUL
        if len(q) > 50:
            raise serializers.ValidationError({"q": [_("at most 50 characters")]})
        suggestions, backend = selectors.suggest(prefix=q) if q else ([], "none")
        return Response({"q": q, "backend": backend, "suggestions": suggestions})
