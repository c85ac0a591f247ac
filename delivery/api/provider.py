"""Home-service providers' bookings (issue 11).

    GET  /api/v1/provider/bookings/                  offered, held and today's done bookings
    POST /api/v1/provider/bookings/<id>/<accept|decline|start|arrive|complete>/   complete: {"pickup_code"}

A booking that is not the caller's is 404; a step its status does not allow 409; the completing
code as at a handover (422 wrong, 429 too many); nothing is written then.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import dispatch, handover, selectors
from delivery.api.shapes import (
    CODE_EXAMPLE,
    HANDOVER_ERRORS,
    CodeSerializer,
    EmptySerializer,
    GroupStepView,
    JobResultSerializer,
    RecipientSerializer,
)
from delivery.models import FulfilmentGroup


class BookingSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the fulfilment group's id")
    state = serializers.ChoiceField(choices=[("offered", "offered"), ("held", "held"), ("done", "done")])
    order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=FulfilmentGroup.Status.choices)
    status_label = serializers.CharField()
    services = serializers.ListField(child=serializers.CharField())
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    recipient = RecipientSerializer()
    arrived = serializers.BooleanField()
    offer_expires_at = serializers.DateTimeField(allow_null=True)


class BookingListSerializer(serializers.Serializer):
    bookings = BookingSerializer(many=True)


class IsProvider(permissions.BasePermission):
    message = _("只有上门服务人员可以使用这个接口。")

    def has_permission(self, request, view):
        view.provider = selectors.provider_of(request.user)
        return view.provider is not None


class ProviderBookingsView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsProvider]
    provider = None

    @extend_schema(responses={200: BookingListSerializer}, summary="The provider's offered, held and done bookings",
                   examples=[OpenApiExample("an offer and a booking held", response_only=True, value={"bookings": [
                       {"id": 9, "state": "offered", "order_number": "100009", "status": "point_assigned",
                        "status_label": "已分配履约点", "services": ["日常保洁 2小时"],
                        "starts_at": "2026-11-28T01:00:00Z", "ends_at": "2026-11-28T03:00:00Z",
                        "address": "云南北路小区14栋1单元1802室", "recipient": {"name": "王秀英", "phone": "138****0001"},
                        "arrived": False, "offer_expires_at": "2026-11-27T21:46:40Z"},
                       {"id": 8, "state": "held", "order_number": "100008", "status": "picked_up",
                        "status_label": "配送中", "services": ["家电维修"],
                        "starts_at": "2026-11-27T22:00:00Z", "ends_at": "2026-11-27T23:00:00Z",
                        "address": "青岛路小区3栋2单元502室", "recipient": {"name": "李建国", "phone": "139****0002"},
                        "arrived": True, "offer_expires_at": None}]})])
    def get(self, request):
        return Response({"bookings": [
            {"id": b.id, "state": b.state, "order_number": b.order_number, "status": b.status,
             "status_label": b.status_label, "services": b.services, "starts_at": b.starts_at, "ends_at": b.ends_at,
             "address": b.address, "recipient": {"name": b.recipient_name, "phone": b.recipient_phone},
             "arrived": b.arrived, "offer_expires_at": b.offer_expires_at}
            for b in selectors.provider_bookings(provider=self.provider)
        ]})


class ProviderBookingActionView(GroupStepView):
    """One step of a booking offered to or held by the caller (else 404)."""

    permission_classes = [permissions.IsAuthenticated, IsProvider]
    provider = None
    not_found = _("没有这个预约。")
    step = ""

    def may_see(self, group_id: int) -> bool:
        return selectors.provider_may_see(provider=self.provider, group_id=group_id)

    def act(self, group_id: int, data: dict) -> None:
        if self.step == "complete":
            dispatch.provider_complete(provider=self.provider, group_id=group_id, pickup_code=data["pickup_code"])
            return
        {"accept": dispatch.provider_accept, "decline": dispatch.provider_decline,
         "start": dispatch.provider_start, "arrive": handover.provider_arrive}[self.step](
            provider=self.provider, group_id=group_id)


BOOKING_RESULTS = {  # the booking's status after each step
    "accept": ("courier_assigned", "骑手已接单"), "decline": ("point_assigned", "已分配履约点"),
    "start": ("picked_up", "配送中"), "arrive": ("picked_up", "配送中"), "complete": ("delivered", "已送达"),
}


def _booking_view(step: str, summary: str, serializer=EmptySerializer):
    view = type(f"Provider{step.title()}View", (ProviderBookingActionView,), {"step": step, "serializer_class": serializer})

    def post(self, request, group_id: int):  # a function of its own: extend_schema marks the function it decorates
        return ProviderBookingActionView.post(self, request, group_id)

    status, label = BOOKING_RESULTS[step]
    examples = [OpenApiExample("the booking's new status", response_only=True, value={
        "id": 8, "order_number": "100008", "status": status, "status_label": label})]
    if serializer is CodeSerializer:
        examples.insert(0, CODE_EXAMPLE)
    view.post = extend_schema(request=serializer, examples=examples, responses={
        200: JobResultSerializer, 404: OpenApiResponse(description="not a booking offered to or held by you"),
        409: OpenApiResponse(description="the booking's status does not allow this"),
        **({422: HANDOVER_ERRORS[422], 429: HANDOVER_ERRORS[429]} if step == "complete" else {}),
    }, summary=summary)(post)
    return view


ProviderAcceptView = _booking_view("accept", "Accept an offered booking")
ProviderDeclineView = _booking_view("decline", "Decline an offered booking, or give a held one back")
ProviderStartView = _booking_view("start", "On the way to the resident")
ProviderArriveView = _booking_view("arrive", "Arrived at the resident's door")
ProviderCompleteView = _booking_view("complete", "Done: the resident's 6-digit code", CodeSerializer)
