"""Tracking and the courier API, under /api/v1/ (routes in shop/api_urls.py).

    GET  /api/v1/orders/<number>/tracking/        the order's groups as the caller may see them
    POST /api/v1/courier/location/                {"lat", "lng"}
    GET  /api/v1/courier/jobs/                    offered and held jobs
    POST /api/v1/courier/jobs/<id>/accept/        (and decline, pickup, deliver, fail)

Reads go through delivery.selectors; every courier action calls the dispatch core
(delivery.dispatch, delivery.positions), which moves the group through delivery.services.transition
and answers 409 for a move the group's current status does not allow.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import dispatch, handover, positions, selectors
from delivery.models import FulfilmentGroup
from delivery.services import BadTransition
from shop.checkout.selectors import cash_to_collect
from shop.core.geo import GEO_MAX_LAT

# --- shapes (used to build the bodies and to document them in the OpenAPI schema) -------------


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="store / front_warehouse / pickup_station / locker")
    name = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()


class DropoffSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    label = serializers.CharField(help_text="the standard address: compound, building, unit, room")


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


class RecipientSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="masked: 138****0001")


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


class JobListSerializer(serializers.Serializer):
    jobs = JobSerializer(many=True)


class JobResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=FulfilmentGroup.Status.choices)
    status_label = serializers.CharField()


def place_body(place: selectors.Place | None) -> dict | None:
    if place is None:
        return None
    return {"id": place.id, "kind": place.kind, "name": place.name, "lat": place.lat, "lng": place.lng}


def dropoff_body(dropoff: selectors.Dropoff | None) -> dict | None:
    if dropoff is None:
        return None
    return {"lat": dropoff.lat, "lng": dropoff.lng, "label": dropoff.label}


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
    }


# --- tracking ---------------------------------------------------------------------------------


POINT_EXAMPLE = {"id": 4, "kind": "store", "name": "苏果便利(山西路店)", "lat": 32.070442, "lng": 118.77588}
DROPOFF_EXAMPLE = {"lat": 32.069661, "lng": 118.77674, "label": "云南北路小区14栋1单元1802室"}
JOB_RESULT_EXAMPLES = [OpenApiExample("the job's new status", response_only=True, value={
    "id": 3, "order_number": "100003", "status": "courier_assigned", "status_label": "骑手已接单"})]


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


# --- couriers ---------------------------------------------------------------------------------


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
                       "offer_expires_at": "2026-11-27T21:46:40Z"}]})])
    def get(self, request):
        jobs = selectors.courier_jobs(courier=self.courier)
        cash = cash_to_collect(group_ids=[job.id for job in jobs])  # the order layer's money ledger
        return Response({"jobs": [job_body(job, cash) for job in jobs]})


class EmptySerializer(serializers.Serializer):
    pass


class DeliverSerializer(serializers.Serializer):
    pickup_code = serializers.RegexField(r"^[0-9]{6}\Z", required=False, allow_blank=True,
                                         error_messages={"invalid": _("取货码是 6 位数字。")})


class FailSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, trim_whitespace=True)


class CourierJobActionView(CourierView):
    """One action on one job: the job must be offered to or held by the caller (else 404)."""

    serializer_class = EmptySerializer

    def act(self, group_id: int, data: dict) -> None:  # pragma: no cover - each action overrides
        raise NotImplementedError

    def post(self, request, group_id: int):
        if not selectors.courier_may_see(courier=self.courier, group_id=group_id):
            raise NotFound(_("没有找到这个配送任务。"))
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            self.act(group_id, data.validated_data)
        except dispatch.JobNotFound as exc:
            # the job was theirs (offered or held) but is not in a state for this step any more:
            # a bad transition, not a stranger's job
            group = FulfilmentGroup.objects.get(pk=group_id)
            raise BadTransition(str(exc.detail), status=group.status) from exc
        group = FulfilmentGroup.objects.select_related("order").get(pk=group_id)
        return Response({"id": group.pk, "order_number": group.order.number, "status": group.status,
                         "status_label": group.get_status_display()})


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


# --- handover at the counter and the station, home-service providers (issue 11) ---------------
#
#   POST /api/v1/merchant/groups/<id>/handover/      {"pickup_code"}  merchant staff, a pickup at the shop
#   GET  /api/v1/station/parcels/                    the operator's parcels waiting
#   POST /api/v1/station/parcels/<id>/handover/      {"pickup_code"}
#   GET  /api/v1/provider/bookings/                  offered, held and today's done bookings
#   POST /api/v1/provider/bookings/<id>/<accept|decline|start|arrive|complete>/   complete: {"pickup_code"}
#
# A group that is not the caller's is 404; a wrong code 422 (attempts_left), too many 429, a
# second handover or a step the status does not allow 409; nothing is written then.


class CodeSerializer(serializers.Serializer):
    pickup_code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": _("取货码是 6 位数字。")})


class HandoverResultSerializer(JobResultSerializer):
    pass


def _group_result(group_id: int) -> dict:
    group = FulfilmentGroup.objects.select_related("order").get(pk=group_id)
    return {"id": group.pk, "order_number": group.order.number, "status": group.status,
            "status_label": group.get_status_display()}


_HANDOVER_ERRORS = {
    404: OpenApiResponse(description="not a group you may hand over"),
    409: OpenApiResponse(description="not ready to collect (e.g. collected already)"),
    422: OpenApiResponse(description="wrong code (attempts_left says how many tries remain)"),
    429: OpenApiResponse(description="too many wrong codes: locked for retry_after seconds"),
}
CODE_EXAMPLE = OpenApiExample("the resident's code", value={"pickup_code": "482915"}, request_only=True)
COLLECTED_EXAMPLE = OpenApiExample("handed over", response_only=True, value={
    "id": 5, "order_number": "100005", "status": "collected", "status_label": "已取货"})


class MerchantHandoverView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CodeSerializer, responses={200: JobResultSerializer, **_HANDOVER_ERRORS},
                   summary="Merchant staff hand a pickup at their shop over with the resident's code",
                   examples=[CODE_EXAMPLE, COLLECTED_EXAMPLE])
    def post(self, request, group_id: int):
        if not FulfilmentGroup.objects.filter(pk=group_id, merchant__users=request.user).exists():
            raise NotFound(_("没有这个履约单"))
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover.counter_handover(user=request.user, group_id=group_id, pickup_code=data.validated_data["pickup_code"])
        return Response(_group_result(group_id))


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

    @extend_schema(request=CodeSerializer, responses={200: JobResultSerializer, **_HANDOVER_ERRORS},
                   summary="A station operator hands a parcel over with the resident's code",
                   examples=[CODE_EXAMPLE, OpenApiExample("handed over", response_only=True, value={
                       "id": 6, "order_number": "100006", "status": "collected", "status_label": "已取货"})])
    def post(self, request, group_id: int):
        if not selectors.operator_may_see(user=request.user, group_id=group_id):
            raise NotFound(_("没有这个包裹。"))
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover.station_handover(user=request.user, group_id=group_id, pickup_code=data.validated_data["pickup_code"])
        return Response(_group_result(group_id))


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


class ProviderBookingActionView(APIView):
    """One step of a booking offered to or held by the caller (else 404)."""

    permission_classes = [permissions.IsAuthenticated, IsProvider]
    provider = None
    serializer_class = EmptySerializer
    step = ""

    def post(self, request, group_id: int):
        if not selectors.provider_may_see(provider=self.provider, group_id=group_id):
            raise NotFound(_("没有这个预约。"))
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            if self.step == "complete":
                dispatch.provider_complete(provider=self.provider, group_id=group_id,
                                           pickup_code=data.validated_data["pickup_code"])
            else:
                {"accept": dispatch.provider_accept, "decline": dispatch.provider_decline,
                 "start": dispatch.provider_start, "arrive": handover.provider_arrive}[self.step](
                    provider=self.provider, group_id=group_id)
        except dispatch.JobNotFound as exc:
            # offered to them once, but not theirs to move now: a bad transition, not a stranger's job
            group = FulfilmentGroup.objects.get(pk=group_id)
            raise BadTransition(str(exc.detail), status=group.status) from exc
        return Response(_group_result(group_id))


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
        **({422: _HANDOVER_ERRORS[422], 429: _HANDOVER_ERRORS[429]} if step == "complete" else {}),
    }, summary=summary)(post)
    return view


ProviderAcceptView = _booking_view("accept", "Accept an offered booking")
ProviderDeclineView = _booking_view("decline", "Decline an offered booking, or give a held one back")
ProviderStartView = _booking_view("start", "On the way to the resident")
ProviderArriveView = _booking_view("arrive", "Arrived at the resident's door")
ProviderCompleteView = _booking_view("complete", "Done: the resident's 6-digit code", CodeSerializer)
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
