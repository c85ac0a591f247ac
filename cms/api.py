"""/api/v1/home/ and /api/v1/events/…: a community's home feed, and residents signing up for its
events (the mini-program's calls, too).

    GET    /api/v1/home/?community_id=|lat=&lng=   the home feed (what `/` shows), ETag + 304

    POST   /api/v1/events/<event_id>/signup/   sign up: 201 {"status": "confirmed"|"waiting"}
    DELETE /api/v1/events/<event_id>/signup/   cancel: 200 {"status": "cancelled", "promoted": bool}
    GET    /api/v1/events/<event_id>/signups/  the organiser's list (editors of the community only)

Errors: 401 signed out, 404 unknown event, 409 already_signed_up / event_full, 422 event_started.
"""

import hashlib
import math

from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cms import selectors, services
from shop.core.errors import DomainError, NotFoundError

_status = inline_serializer("EventSignupStatus", {"event": serializers.IntegerField(),
                                                   "status": serializers.CharField(),
                                                   "promoted": serializers.BooleanField(required=False)})


class EventSignupView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: _status}, summary="Sign up for a community event", examples=[
        OpenApiExample("signed up", value={"event": 12, "status": "confirmed"}, response_only=True)])
    def post(self, request, event_id: int):
        signup = services.sign_up(event_id=event_id, user=request.user, now=timezone.now())
        return Response({"event": event_id, "status": signup.status}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: _status}, summary="Cancel one's sign-up", examples=[
        OpenApiExample("cancelled", value={"event": 12, "status": "cancelled", "promoted": True}, response_only=True)])
    def delete(self, request, event_id: int):
        promoted = services.cancel_sign_up(event_id=event_id, user=request.user, now=timezone.now())
        return Response({"event": event_id, "status": "cancelled", "promoted": promoted is not None})


class EventSignupListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: inline_serializer("EventSignupRow", {
        "name": serializers.CharField(), "mobile": serializers.CharField(), "status": serializers.CharField(),
        "created_at": serializers.DateTimeField()}, many=True)}, summary="The organiser's sign-up list", examples=[
        OpenApiExample("one sign-up", response_only=True, value=[
            {"name": "王秀英", "mobile": "13800000001", "status": "confirmed", "created_at": "2026-11-27T09:30:00+08:00"}])])
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


# --- the home feed (the mini-program's first screen) -------------------------------------------


class HomeParamsSerializer(serializers.Serializer):
    """Which community: community_id, else (signed in) the default saved address's, else lat+lng."""

    community_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)

    def validate(self, data):
        for name in ("lat", "lng"):
            if name in data and not math.isfinite(data[name]):
                raise serializers.ValidationError({name: [_("请输入有效的数字")]})
        if ("lat" in data) != ("lng" in data):
            missing = "lng" if "lat" in data else "lat"
            raise serializers.ValidationError({missing: [_("经纬度要同时提供")]})
        return data


_format = {"code": serializers.CharField(), "name": serializers.CharField(), "tier": serializers.CharField()}
HomeFeedSerializer = inline_serializer("HomeFeed", {
    "community": inline_serializer("HomeCommunity", {
        "id": serializers.IntegerField(), "name": serializers.CharField(), "slug": serializers.CharField(),
        "street": serializers.CharField(), "district": serializers.CharField(),
        "url": serializers.CharField(allow_null=True, help_text="the community's page; null while it has none")}),
    "notices": inline_serializer("HomeNotice", {
        "id": serializers.IntegerField(), "title": serializers.CharField(), "category": serializers.CharField(),
        "category_label": serializers.CharField(), "pinned": serializers.BooleanField(),
        "published_at": serializers.DateTimeField(allow_null=True), "expires_on": serializers.DateField(allow_null=True),
        "url": serializers.CharField()}, many=True),
    "events": inline_serializer("HomeEvent", {
        "id": serializers.IntegerField(), "title": serializers.CharField(), "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(), "place_name": serializers.CharField(),
        "capacity": serializers.IntegerField(), "seats_left": serializers.IntegerField(),
        "waiting": serializers.IntegerField(), "nearly_full": serializers.BooleanField(),
        "my_status": serializers.CharField(allow_null=True, help_text="confirmed / waiting; null when not signed up"),
        "url": serializers.CharField()}, many=True),
    "promotions": inline_serializer("HomePromotion", {
        "id": serializers.IntegerField(), "title": serializers.CharField(), "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(), "url": serializers.CharField()}, many=True),
    "circle": inline_serializer("HomeCircle", {
        "headline": serializers.CharField(), "merchant_count": serializers.IntegerField(),
        "present": inline_serializer("HomeFormat", _format, many=True),
        "missing_basic": inline_serializer("HomeFormatMissingBasic", _format, many=True),
        "missing_other": inline_serializer("HomeFormatMissingOther", _format, many=True)}, allow_null=True),
})

HOME_EXAMPLE = {
    "community": {"id": 3, "name": "云南北路社区", "slug": "云南北路社区", "street": "湖南路街道", "district": "鼓楼区",
                  "url": "/community/云南北路社区/"},
    "notices": [{"id": 41, "title": "本周六上午停水通知", "category": "property", "category_label": "物业", "pinned": True,
                 "published_at": "2026-12-05T09:00:00+08:00", "expires_on": "2026-12-12",
                 "url": "/community/云南北路社区/本周六上午停水通知/"}],
    "events": [{"id": 52, "title": "老年人智能手机课堂", "starts_at": "2026-12-10T14:00:00+08:00",
                "ends_at": "2026-12-10T16:00:00+08:00", "place_name": "社区服务中心二楼活动室", "capacity": 20,
                "seats_left": 6, "waiting": 0, "nearly_full": False, "my_status": "confirmed",
                "url": "/community/云南北路社区/老年人智能手机课堂/"}],
    "promotions": [{"id": 63, "title": "冬季蔬菜邻里价", "starts_at": "2026-12-01T00:00:00+08:00",
                    "ends_at": "2026-12-15T00:00:00+08:00", "url": "/community/云南北路社区/冬季蔬菜邻里价/"}],
    "circle": {"headline": "步行15分钟, 约1.1公里", "merchant_count": 18,
               "present": [{"code": "grocery", "name": "便利店", "tier": "basic"},
                           {"code": "pharmacy", "name": "药店", "tier": "basic"}],
               "missing_basic": [{"code": "breakfast", "name": "早餐店", "tier": "basic"}],
               "missing_other": [{"code": "bookstore", "name": "书店", "tier": "quality"}]},
}
HOME_MAX_AGE = 60  # notices and seats change by the minute at most; a client re-asks with If-None-Match


def _coverage(formats) -> list[dict]:
    return [{"code": f.code, "name": f.name, "tier": f.tier} for f in formats]


def home_body(feed: selectors.HomeFeed) -> dict:
    sections = feed.sections
    mine = {row.event_id: row.status for row in feed.my_signups}
    community = feed.community
    body = {"community": {"id": community.pk, "name": community.name, "slug": community.slug,
                          "street": community.street, "district": community.district,
                          "url": sections.page.url if sections else None},
            "notices": [], "events": [], "promotions": [], "circle": None}
    if sections is None:
        return body
    body["notices"] = [{"id": n.pk, "title": n.title, "category": n.category, "category_label": n.get_category_display(),
                        "pinned": n.pinned, "published_at": n.first_published_at, "expires_on": n.expires_on,
                        "url": n.url} for n in sections.notices]
    body["events"] = [{"id": row.page.pk, "title": row.page.title, "starts_at": row.page.starts_at,
                       "ends_at": row.page.ends_at, "place_name": row.page.place_name, "capacity": row.page.capacity,
                       "seats_left": row.seats_left, "waiting": row.waiting, "nearly_full": row.nearly_full,
                       "my_status": mine.get(row.page.pk), "url": row.page.url} for row in sections.events]
    body["promotions"] = [{"id": p.pk, "title": p.title, "starts_at": p.starts_at, "ends_at": p.ends_at,
                           "url": p.url} for p in sections.promotions]
    circle = sections.circle
    if circle is not None:
        body["circle"] = {"headline": circle.headline, "merchant_count": circle.merchant_count,
                          "present": _coverage(circle.present), "missing_basic": _coverage(circle.missing_basic),
                          "missing_other": _coverage(circle.missing_other)}
    return body


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


class HomeFeedView(APIView):
    """Anonymous callers choose the community (community_id, or lat+lng for the nearest); a signed-in
    resident without parameters gets the default saved address's community and their sign-ups."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[HomeParamsSerializer], responses={
            200: HomeFeedSerializer, 304: OpenApiResponse(description="unchanged since the ETag sent in If-None-Match"),
            404: OpenApiResponse(description="no such community (`community_id`)"),
            422: OpenApiResponse(description="no community known: give community_id or lat+lng (`community_id`)")},
        summary="The community home feed: notices, coming events, promotions, the circle's formats",
        description="One call for the first screen. Cacheable: `ETag` and `Cache-Control: max-age=60` "
                    "(private, varying on the caller); send the ETag back in `If-None-Match` for a bodiless 304.",
        examples=[OpenApiExample("a resident's community", value=HOME_EXAMPLE, response_only=True)])
    def get(self, request):
        params = HomeParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if "community_id" in data and not selectors.community_exists(community_id=data["community_id"]):
            raise NotFoundError(_("没有这个社区"), fields={"community_id": [_("没有这个社区")]}, code="unknown_community")
        feed = selectors.home_feed(user=request.user, now=timezone.now(), community_id=data.get("community_id"),
                                   lat=data.get("lat"), lng=data.get("lng"))
        if feed is None:
            raise DomainError(_("请选择社区或位置"), fields={"community_id": [_("请提供社区或经纬度")]},
                              code="community_required")
        body = home_body(feed)
        etag = '"%s"' % hashlib.sha256(JSONRenderer().render(body)).hexdigest()[:32]
        if _matches(request.headers.get("If-None-Match", ""), etag):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(body)
        response["ETag"] = etag
        response["Cache-Control"] = f"private, max-age={HOME_MAX_AGE}"
        patch_vary_headers(response, ["Authorization", "Cookie", "Accept-Language"])
        return response
