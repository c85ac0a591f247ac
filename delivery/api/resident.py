"""The resident's side: where an order is (tracking) and rating a completed order.

    GET  /api/v1/orders/<number>/tracking/   the order's groups as the caller may see them
    GET  /api/v1/orders/<number>/rating/     the shops that can be rated and the ratings given
    POST /api/v1/orders/<number>/rating/     rate them once each
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import selectors
from delivery.api.shapes import (
    DROPOFF_EXAMPLE,
    POINT_EXAMPLE,
    DropoffSerializer,
    PlaceSerializer,
    dropoff_body,
    place_body,
)
from delivery.models import FulfilmentGroup


class CourierOnMapSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lat = serializers.FloatField(allow_null=True, help_text="null unless the courier is on the way")
    lng = serializers.FloatField(allow_null=True)


class EventSerializer(serializers.Serializer):
    status = serializers.CharField()
    at = serializers.DateTimeField()


class MerchantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GroupTrackingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=FulfilmentGroup.Status.choices)
    status_label = serializers.CharField()
    method = serializers.ChoiceField(choices=FulfilmentGroup.Method.choices)
    merchant = MerchantRefSerializer()
    point = PlaceSerializer(allow_null=True, help_text="null until dispatch assigns a fulfilment point")
    pickup_point = PlaceSerializer(allow_null=True, help_text="the pickup station chosen at checkout, if any")
    dropoff = DropoffSerializer(allow_null=True, help_text="the resident's and the carrying courier's only")
    courier = CourierOnMapSerializer(allow_null=True)
    eta = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True, help_text="why a group was rejected, failed or cancelled")
    pickup_code = serializers.CharField(allow_null=True, help_text="the resident's only")
    events = EventSerializer(many=True)


class TrackingSerializer(serializers.Serializer):
    number = serializers.CharField()
    groups = GroupTrackingSerializer(many=True)



def tracking_body(tracking: selectors.OrderTracking) -> dict:
    return {
        "number": tracking.number,
        "groups": [
            {
                "id": group.id,
                "status": group.status,
                "status_label": group.status_label,
                "method": group.method,
                "merchant": {"id": group.merchant_id, "name": group.merchant_name},
                "point": place_body(group.point),
                "pickup_point": place_body(group.pickup_point),
                "dropoff": dropoff_body(group.dropoff),
                "courier": (
                    {"id": group.courier.id, "name": group.courier.name, "lat": group.courier.lat, "lng": group.courier.lng}
                    if group.courier is not None else None
                ),
                "eta": group.eta,
                "reason": group.reason,
                "pickup_code": group.pickup_code,
                "events": [{"status": event.status, "at": event.at} for event in group.events],
            }
            for group in tracking.groups
        ],
    }



class TrackingView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: TrackingSerializer, 404: OpenApiResponse(description="no such order, or none of it is yours")},
        summary="Where an order is: each group's status, point, courier, ETA and events",
        examples=[OpenApiExample("on the way", response_only=True, value={"number": "100002", "groups": [{
            "id": 2, "status": "picked_up", "status_label": "配送中", "method": "delivery",
            "merchant": {"id": 7, "name": "苏果便利(山西路店)"}, "point": POINT_EXAMPLE, "pickup_point": None,
            "dropoff": DROPOFF_EXAMPLE, "courier": {"id": 12, "name": "曹婷婷", "lat": 32.07006, "lng": 118.7763},
            "eta": "2026-11-27T21:45:09Z", "reason": "", "pickup_code": None,
            "events": [{"status": "created", "at": "2026-11-27T21:40:31Z"},
                       {"status": "picked_up", "at": "2026-11-27T21:41:49Z"}]}]})],
    )
    def get(self, request, number: str):
        tracking = selectors.order_tracking(number=number, user=request.user)
        if tracking is None:
            raise NotFound(_("没有找到这个订单。"))
        return Response(tracking_body(tracking))


# --- rating a completed order (issue 13; the mini-program of issue 17 uses it too) -------------


class RatingItemSerializer(serializers.Serializer):
    merchant_id = serializers.IntegerField()
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RateOrderSerializer(serializers.Serializer):
    ratings = RatingItemSerializer(many=True, allow_empty=False)


class RatingSerializer(serializers.Serializer):
    merchant_id = serializers.IntegerField()
    score = serializers.IntegerField()
    comment = serializers.CharField()
    rated_at = serializers.DateTimeField()


class OrderRatingView(APIView):
    """GET: the shops of the resident's order that can be rated and any rating given.
    POST: rate them (1–5, optional comment) once each; only completed (delivered/collected) shops."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(tags=["orders"], responses={200: RatingSerializer(many=True), 404: OpenApiResponse(description="not your order")},
                   examples=[OpenApiExample("one shop rated, one not yet", response_only=True, value=[
                       {"merchant_id": 7, "merchant": "苏果便利(山西路店)", "score": 5, "comment": "送得很快, 菜很新鲜",
                        "rated_at": "2026-11-27T23:05:12Z"},
                       {"merchant_id": 9, "merchant": "好帮手家政", "score": None, "comment": "", "rated_at": None}])])
    def get(self, request, number):
        from delivery import ratings

        groups = ratings.rateable_groups(order_number=number, user=request.user)
        return Response([{"merchant_id": g.merchant_id, "merchant": g.merchant.name,
                          "score": g.existing.score if g.existing else None,
                          "comment": g.existing.comment if g.existing else "",
                          "rated_at": g.existing.rated_at if g.existing else None} for g in groups])

    @extend_schema(tags=["orders"], request=RateOrderSerializer,
                   responses={201: RatingSerializer(many=True), 404: OpenApiResponse(description="not your order"),
                              409: OpenApiResponse(description="already rated"),
                              422: OpenApiResponse(description="not completed, or a shop not in the order")},
                   examples=[OpenApiExample("rate a shop", request_only=True, value={
                                 "ratings": [{"merchant_id": 9, "score": 4, "comment": "阿姨很细心, 就是晚到了十分钟"}]}),
                             OpenApiExample("the ratings given", response_only=True, value=[
                                 {"merchant_id": 9, "score": 4, "comment": "阿姨很细心, 就是晚到了十分钟",
                                  "rated_at": "2026-11-28T03:20:45Z"}])])
    def post(self, request, number):
        from django.utils import timezone

        from delivery import ratings

        data = RateOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = ratings.rate_order(
            order_number=number, user=request.user, now=timezone.now(),
            ratings=[ratings.RatingInput(**item) for item in data.validated_data["ratings"]],
        )
        return Response(RatingSerializer(
            [{"merchant_id": r.merchant_id, "score": r.score, "comment": r.comment, "rated_at": r.rated_at} for r in created],
            many=True).data, status=201)
