"""Handover at the counter and at the community pickup station (issue 11).

    POST /api/v1/merchant/groups/<id>/handover/      {"pickup_code"}  merchant staff, a pickup at the shop
    GET  /api/v1/station/parcels/                    the operator's parcels waiting
    POST /api/v1/station/parcels/<id>/handover/      {"pickup_code"}

A group that is not the caller's is 404; a wrong code 422 (attempts_left), too many 429, a
second handover 409; nothing is written then.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import handover, selectors
from delivery.api.shapes import (
    CODE_EXAMPLE,
    COLLECTED_EXAMPLE,
    HANDOVER_ERRORS,
    CodeSerializer,
    JobResultSerializer,
    group_result,
)
from delivery.models import FulfilmentGroup


class MerchantHandoverView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CodeSerializer, responses={200: JobResultSerializer, **HANDOVER_ERRORS},
                   summary="Merchant staff hand a pickup at their shop over with the resident's code",
                   examples=[CODE_EXAMPLE, COLLECTED_EXAMPLE])
    def post(self, request, group_id: int):
        if not FulfilmentGroup.objects.filter(pk=group_id, merchant__users=request.user).exists():
            raise NotFound(_("没有这个履约单"))
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover.counter_handover(user=request.user, group_id=group_id, pickup_code=data.validated_data["pickup_code"])
        return Response(group_result(group_id))


class ParcelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField()
    merchant = serializers.CharField()
    station = serializers.CharField()
    recipient = serializers.CharField()
    arrived_at = serializers.DateTimeField()


class ParcelListSerializer(serializers.Serializer):
    parcels = ParcelSerializer(many=True)


class IsStationOperator(permissions.BasePermission):
    message = _("只有自提点管理员可以使用这个接口。")

    def has_permission(self, request, view):
        view.points = handover.operator_points(request.user)
        return bool(view.points)


class StationParcelsView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStationOperator]

    @extend_schema(responses={200: ParcelListSerializer}, summary="Parcels waiting at the operator's stations",
                   examples=[OpenApiExample("a parcel waiting", response_only=True, value={"parcels": [{
                       "id": 6, "order_number": "100006", "merchant": "苏果便利(山西路店)", "station": "青岛路自提点",
                       "recipient": "王秀英", "arrived_at": "2026-11-27T22:10:42Z"}]})])
    def get(self, request):
        parcels = selectors.waiting_pickups(point_ids=self.points)
        return Response({"parcels": [
            {"id": g.pk, "order_number": g.order.number, "merchant": g.merchant.name,
             "station": g.pickup_point.name if g.pickup_point else "",
             "recipient": selectors.recipient_name(g.order.shipping_address), "arrived_at": g.updated_at}
            for g in parcels
        ]})


class StationHandoverView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStationOperator]

    @extend_schema(request=CodeSerializer, responses={200: JobResultSerializer, **HANDOVER_ERRORS},
                   summary="A station operator hands a parcel over with the resident's code",
                   examples=[CODE_EXAMPLE, OpenApiExample("handed over", response_only=True, value={
                       "id": 6, "order_number": "100006", "status": "collected", "status_label": "已取货"})])
    def post(self, request, group_id: int):
        if not selectors.operator_may_see(user=request.user, group_id=group_id):
            raise NotFound(_("没有这个包裹。"))
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover.station_handover(user=request.user, group_id=group_id, pickup_code=data.validated_data["pickup_code"])
        return Response(group_result(group_id))

