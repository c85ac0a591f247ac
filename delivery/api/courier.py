"""The courier API: position, offered and held jobs, and each step of a job.

    POST /api/v1/courier/location/                {"lat", "lng"}
    GET  /api/v1/courier/jobs/                    offered and held jobs
    POST /api/v1/courier/jobs/<id>/accept/        (and decline, pickup, deliver, fail)

Every action calls the dispatch core (delivery.dispatch, delivery.positions), which moves the group
through delivery.services.transition and answers 409 for a move its current status does not allow.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import dispatch, positions, selectors
from delivery.api.shapes import (
    DROPOFF_EXAMPLE,
    POINT_EXAMPLE,
    DropoffSerializer,
    EmptySerializer,
    GroupStepView,
    JobResultSerializer,
    PlaceSerializer,
    RecipientSerializer,
    RunSerializer,
    dropoff_body,
    place_body,
    run_body,
)
from delivery.models import FulfilmentGroup
from shop.checkout.selectors import cash_to_collect
from shop.core.geo import GEO_MAX_LAT

JOB_RESULT_EXAMPLES = [OpenApiExample("the job's new status", response_only=True, value={
    "id": 3, "order_number": "100003", "status": "courier_assigned", "status_label": "骑手已接单"})]


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the fulfilment group's id")
    state = serializers.ChoiceField(choices=[("offered", "offered"), ("held", "held")])
    order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=FulfilmentGroup.Status.choices)
    status_label = serializers.CharField()
    method = serializers.CharField()
    merchant = serializers.CharField()
    point = PlaceSerializer(allow_null=True)
    dropoff = DropoffSerializer(allow_null=True, help_text="where to leave the goods: the door or the pickup station")
    to_station = serializers.BooleanField(help_text="the job ends at a community pickup station")
    recipient = RecipientSerializer()
    eta = serializers.DateTimeField(allow_null=True)
    offer_expires_at = serializers.DateTimeField(allow_null=True, help_text="offered jobs only")
    collect_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True,
        help_text="cash on delivery: the cash to collect at the door (the weighed price and fee); null when paid")
    run = RunSerializer(allow_null=True, help_text="one of several jobs ridden together (the list keeps their order)")


class JobListSerializer(serializers.Serializer):
    jobs = JobSerializer(many=True)



def job_body(job: selectors.Job, cash: dict | None = None) -> dict:
    return {
        "collect_amount": (cash or {}).get(job.id),
        "id": job.id,
        "state": job.state,
        "order_number": job.order_number,
        "status": job.status,
        "status_label": job.status_label,
        "method": job.method,
        "merchant": job.merchant_name,
        "point": place_body(job.point),
        "dropoff": dropoff_body(job.dropoff),
        "to_station": job.to_station,
        "recipient": {"name": job.recipient_name, "phone": job.recipient_phone},
        "eta": job.eta,
        "offer_expires_at": job.offer_expires_at,
        "run": run_body(job.run),
    }


class IsCourier(permissions.BasePermission):
    message = _("只有骑手可以使用这个接口。")

    def has_permission(self, request, view):
        view.courier = selectors.courier_of(request.user)
        return view.courier is not None


class CourierView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsCourier]
    courier = None


class FiniteFloatField(serializers.FloatField):
    """A float that is a number: no NaN or infinity (as strings), no booleans."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class LocationSerializer(serializers.Serializer):
    lat = FiniteFloatField(min_value=-GEO_MAX_LAT, max_value=GEO_MAX_LAT)  # what Redis GEO can store
    lng = FiniteFloatField(min_value=-180, max_value=180)


class LocationResultSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class CourierLocationView(CourierView):
    @extend_schema(request=LocationSerializer, responses={200: LocationResultSerializer},
                   summary="Report the courier's position (every few seconds while on a job)",
                   examples=[OpenApiExample("a position", value={"lat": 32.07006, "lng": 118.7763})])
    def post(self, request):
        data = LocationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        positions.update_position(courier=self.courier, lat=data.validated_data["lat"], lng=data.validated_data["lng"])
        return Response({"lat": data.validated_data["lat"], "lng": data.validated_data["lng"]})


class CourierJobsView(CourierView):
    @extend_schema(responses={200: JobListSerializer}, summary="The courier's offered and held jobs",
                   examples=[OpenApiExample("an offer", response_only=True, value={"jobs": [{
                       "id": 3, "state": "offered", "order_number": "100003", "status": "point_assigned",
                       "status_label": "已分配履约点", "method": "delivery", "merchant": "苏果便利(山西路店)",
                       "point": POINT_EXAMPLE, "dropoff": DROPOFF_EXAMPLE, "to_station": False,
                       "recipient": {"name": "王秀英", "phone": "138****0001"}, "eta": "2026-11-27T22:25:00Z",
                       "offer_expires_at": "2026-11-27T21:46:40Z",
                       "run": {"id": 7, "stop": 1, "stops": 2, "saving_min": 3.4}}]})])
    def get(self, request):
        jobs = selectors.courier_jobs(courier=self.courier)
        cash = cash_to_collect(group_ids=[job.id for job in jobs])  # the order layer's money ledger
        return Response({"jobs": [job_body(job, cash) for job in jobs]})


class DeliverSerializer(serializers.Serializer):
    pickup_code = serializers.RegexField(r"^[0-9]{6}\Z", required=False, allow_blank=True,
                                         error_messages={"invalid": _("取货码是 6 位数字。")})


class FailSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, trim_whitespace=True)


class CourierJobActionView(GroupStepView, CourierView):
    """One action on one job: the job must be offered to or held by the caller (else 404)."""

    not_found = _("没有找到这个配送任务。")

    def may_see(self, group_id: int) -> bool:
        return selectors.courier_may_see(courier=self.courier, group_id=group_id)


def _action_schema(summary: str, request=EmptySerializer, responses: dict | None = None, examples=()):
    return extend_schema(
        examples=[*examples, *JOB_RESULT_EXAMPLES],
        request=request,
        responses={
            200: JobResultSerializer,
            404: OpenApiResponse(description="not a job offered to or held by you"),
            409: OpenApiResponse(description="the job's current status does not allow this"),
            **(responses or {}),
        },
        summary=summary,
    )


class AcceptJobView(CourierJobActionView):
    @_action_schema("Accept an offered job")
    def post(self, request, group_id: int):
        return super().post(request, group_id)

    def act(self, group_id, data):
        dispatch.courier_accept(courier=self.courier, group_id=group_id)


class DeclineJobView(CourierJobActionView):
    @_action_schema("Decline an offered job (it is offered to another courier)")
    def post(self, request, group_id: int):
        return super().post(request, group_id)

    def act(self, group_id, data):
        dispatch.courier_decline(courier=self.courier, group_id=group_id)


class PickupJobView(CourierJobActionView):
    @_action_schema("Picked up the goods at the point")
    def post(self, request, group_id: int):
        return super().post(request, group_id)

    def act(self, group_id, data):
        dispatch.courier_pickup(courier=self.courier, group_id=group_id)


class DeliverJobView(CourierJobActionView):
    serializer_class = DeliverSerializer

    @_action_schema(
        "Delivered to the resident (pickup_code when the job asks for it)", DeliverSerializer,
        examples=[OpenApiExample("at a station, with the resident's code", value={"pickup_code": "482915"},
                                 request_only=True)],
        responses={
            422: OpenApiResponse(description="wrong pickup code (attempts_left says how many tries remain)"),
            429: OpenApiResponse(description="too many wrong pickup codes: locked for retry_after seconds "
                                             "(also the Retry-After header)"),
        },
    )
    def post(self, request, group_id: int):
        return super().post(request, group_id)

    def act(self, group_id, data):
        dispatch.courier_deliver(courier=self.courier, group_id=group_id, pickup_code=data.get("pickup_code") or None)


class FailJobView(CourierJobActionView):
    serializer_class = FailSerializer

    @_action_schema("The delivery failed, with the reason the resident will read", FailSerializer,
                    examples=[OpenApiExample("a reason", value={"reason": "联系不上顾客"}, request_only=True)])
    def post(self, request, group_id: int):
        return super().post(request, group_id)

    def act(self, group_id, data):
        dispatch.courier_fail(courier=self.courier, group_id=group_id, reason=data["reason"])

