"""/api/v1/survey/: the quarterly community survey (社区满意度测评) for a mini-program.

GET tells whether the resident's survey is due this quarter and shows their last answer; POST
answers it (four scores 1–5 and an optional comment) through communities.services.answer_survey.
Errors: 400 naming the field for a missing or out-of-range score, 422 `no_address` for a resident
without a saved address (no community to answer for), 409 `already_answered` this quarter."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services


class SurveyAnswerSerializer(serializers.Serializer):
    convenience = serializers.IntegerField(min_value=1, max_value=5, help_text="买东西、办事方便吗? 1–5")
    price = serializers.IntegerField(min_value=1, max_value=5, help_text="价格合理吗? 1–5")
    quality = serializers.IntegerField(min_value=1, max_value=5, help_text="商品和服务质量好吗? 1–5")
    service = serializers.IntegerField(min_value=1, max_value=5, help_text="店员和配送服务态度好吗? 1–5")
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AnswerSerializer(SurveyAnswerSerializer):
    quarter = serializers.CharField()
    community = serializers.CharField(source="community.name")
    answered_at = serializers.DateTimeField()


class CommunityRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class SurveyStateSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="this quarter, e.g. 2026Q4")
    community = CommunityRefSerializer(allow_null=True, help_text="the community answered for (null: no address yet)")
    due = serializers.BooleanField(help_text="true when the resident may answer this quarter")
    last_answer = AnswerSerializer(allow_null=True)


ANSWER_EXAMPLE = {"convenience": 5, "price": 4, "quality": 4, "service": 5, "comment": "希望增加一家修鞋铺"}
ANSWERED = {**ANSWER_EXAMPLE, "quarter": "2026Q4", "community": "湖南路社区", "answered_at": "2026-11-28T11:20:05Z"}


class SurveyView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(tags=["survey"], summary="Is my quarterly community survey due? My last answer", responses={
        200: SurveyStateSerializer,
    }, examples=[
        OpenApiExample("due this quarter", response_only=True, value={
            "quarter": "2026Q4", "community": {"slug": "hunanlu", "name": "湖南路社区"}, "due": True,
            "last_answer": {**ANSWERED, "quarter": "2026Q3", "answered_at": "2026-08-14T02:10:00Z"}}),
        OpenApiExample("already answered", response_only=True, value={
            "quarter": "2026Q4", "community": {"slug": "hunanlu", "name": "湖南路社区"}, "due": False,
            "last_answer": ANSWERED}),
    ])
    def get(self, request):
        now = timezone.now()
        community = services.survey_community(user=request.user)
        last = selectors.last_survey_answer(user=request.user)
        return Response(SurveyStateSerializer({
            "quarter": services.quarter_of(now),
            "community": community,
            "due": community is not None and not services.survey_answered(user=request.user, now=now),
            "last_answer": last,
        }).data)

    @extend_schema(tags=["survey"], summary="Answer this quarter's community survey", request=SurveyAnswerSerializer,
                   responses={
                       201: AnswerSerializer,
                       400: OpenApiResponse(description="a score missing or outside 1–5, or a comment over 300 "
                                                        "characters: `fields` names it"),
                       409: OpenApiResponse(description="`already_answered`: once per quarter"),
                       422: OpenApiResponse(description="`no_address`: add a home address first"),
                   }, examples=[
                       OpenApiExample("four scores and a wish", request_only=True, value=ANSWER_EXAMPLE),
                       OpenApiExample("the answer recorded", response_only=True, status_codes=["201"], value=ANSWERED),
                   ])
    def post(self, request):
        data = SurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scores = {aspect: data.validated_data[aspect] for aspect in ("convenience", "price", "quality", "service")}
        answer = services.answer_survey(user=request.user, scores=scores, comment=data.validated_data["comment"],
                                        now=timezone.now())
        return Response(AnswerSerializer(answer).data, status=201)
