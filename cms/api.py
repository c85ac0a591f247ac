"""/api/v1/events/…: residents sign up for community events (the mini-program's calls, too).

    POST   /api/v1/events/<event_id>/signup/   sign up: 201 {"status": "confirmed"|"waiting"}
    DELETE /api/v1/events/<event_id>/signup/   cancel: 200 {"status": "cancelled", "promoted": bool}
    GET    /api/v1/events/<event_id>/signups/  the organiser's list (editors of the community only)

Errors: 401 signed out, 404 unknown event, 409 already_signed_up / event_full, 422 event_started.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cms import selectors, services
from shop.core.errors import NotFoundError

_status = inline_serializer("EventSignupStatus", {"event": serializers.IntegerField(),
                                                   "status": serializers.CharField(),
                                                   "promoted": serializers.BooleanField(required=False)})


class EventSignupView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: _status}, summary="Sign up for a community event")
    def post(self, request, event_id: int):
        signup = services.sign_up(event_id=event_id, user=request.user, now=timezone.now())
        return Response({"event": event_id, "status": signup.status}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: _status}, summary="Cancel one's sign-up")
    def delete(self, request, event_id: int):
        promoted = services.cancel_sign_up(event_id=event_id, user=request.user, now=timezone.now())
        return Response({"event": event_id, "status": "cancelled", "promoted": promoted is not None})


class EventSignupListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: inline_serializer("EventSignupRow", {
        "name": serializers.CharField(), "mobile": serializers.CharField(), "status": serializers.CharField(),
        "created_at": serializers.DateTimeField()}, many=True)}, summary="The organiser's sign-up list")
    def get(self, request, event_id: int):
        event = selectors.event_by_id(event_id=event_id)
        # not the community's editor: the same answer as an unknown event
        if event is None or not event.permissions_for_user(request.user).can_edit():
            raise NotFoundError(_("没有这个活动"), code="unknown_event")
        return Response([
            {"name": f"{row.user.last_name}{row.user.first_name}", "mobile": row.user.mobile, "status": row.status,
             "created_at": row.created_at}
            for row in selectors.event_signups(event=event)
        ])
