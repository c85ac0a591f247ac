"""Shapes the delivery API modules share: places, drop-offs, recipients, a group's new status,
the 6-digit code a handover takes, their OpenAPI examples, and the view every step of a job
(courier) or a booking (provider) is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery import dispatch, selectors
from delivery.models import FulfilmentGroup
from delivery.services import BadTransition


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


class RecipientSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="masked: 138****0001")


class RunSerializer(serializers.Serializer):
    """A job ridden with others from the same point (delivery.runs): accepting or declining one
    answers for the run; deliver them in `stop` order."""

    id = serializers.IntegerField(help_text="the run: jobs with the same id are ridden together")
    stop = serializers.IntegerField(help_text="this job's drop-off in riding order, from 1")
    stops = serializers.IntegerField(help_text="drop-offs in the run")
    saving_min = serializers.FloatField(help_text="minutes saved against riding each job on its own")


def run_body(run: selectors.RunStop | None) -> dict | None:
    if run is None:
        return None
    return {"id": run.id, "stop": run.stop, "stops": run.stops, "saving_min": run.saving_min}


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


POINT_EXAMPLE = {"id": 4, "kind": "store", "name": "苏果便利(山西路店)", "lat": 32.070442, "lng": 118.77588}
DROPOFF_EXAMPLE = {"lat": 32.069661, "lng": 118.77674, "label": "云南北路小区14栋1单元1802室"}


class EmptySerializer(serializers.Serializer):
    pass


class CodeSerializer(serializers.Serializer):
    pickup_code = serializers.RegexField(r"^\d{6}$", error_messages={"invalid": _("取货码是 6 位数字。")})


class HandoverResultSerializer(JobResultSerializer):
    pass


def group_result(group_id: int) -> dict:
    group = FulfilmentGroup.objects.select_related("order").get(pk=group_id)
    return {"id": group.pk, "order_number": group.order.number, "status": group.status,
            "status_label": group.get_status_display()}


HANDOVER_ERRORS = {
    404: OpenApiResponse(description="not a group you may hand over"),
    409: OpenApiResponse(description="not ready to collect (e.g. collected already)"),
    422: OpenApiResponse(description="wrong code (attempts_left says how many tries remain)"),
    429: OpenApiResponse(description="too many wrong codes: locked for retry_after seconds"),
}
CODE_EXAMPLE = OpenApiExample("the resident's code", value={"pickup_code": "482915"}, request_only=True)
COLLECTED_EXAMPLE = OpenApiExample("handed over", response_only=True, value={
    "id": 5, "order_number": "100005", "status": "collected", "status_label": "已取货"})


class GroupStepView(APIView):
    """One step on one fulfilment group offered to or held by the caller.

    A group the caller may not see is 404 (``not_found``); one that was theirs but whose status
    does not allow this step is 409 (the dispatch core's JobNotFound, told apart from a
    stranger's job); bad input is 400 before anything is written. Subclasses say who may see
    the group and what the step does; the answer is the group's new status."""

    serializer_class = EmptySerializer
    not_found = ""

    def may_see(self, group_id: int) -> bool:  # pragma: no cover - each kind of caller overrides
        raise NotImplementedError

    def act(self, group_id: int, data: dict) -> None:  # pragma: no cover - each step overrides
        raise NotImplementedError

    def post(self, request, group_id: int):
        if not self.may_see(group_id):
            raise NotFound(self.not_found)
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            self.act(group_id, data.validated_data)
        except dispatch.JobNotFound as exc:
            group = FulfilmentGroup.objects.get(pk=group_id)
            raise BadTransition(str(exc.detail), status=group.status) from exc
        return Response(group_result(group_id))
