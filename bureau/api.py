"""/api/v1/bureau/…: the same figures as the pages, for analysts only (token or session).
Errors: 400 for a bad period or comparison, 404 for an unknown community, 403 for anyone else."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import period as periods
from . import selectors
from .access import IsAnalyst
from .api_examples import COMMUNITY_EXAMPLE, DEMONSTRATION_EXAMPLE, OVERVIEW_EXAMPLE

PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="first day (default: 29 days before the end)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="last day, inclusive (default: today)"),
    OpenApiParameter("compare", str, enum=list(periods.COMPARISONS), description="also the previous period or the same period a year before"),
]
ERRORS = {400: OpenApiResponse(description="bad period, comparison or trend step"),
          403: OpenApiResponse(description="not a bureau analyst")}
FIGURES = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="coverage (formats, gaps, tier), outlets, trade, delivery, satisfaction, the orders trend and the "
                "coverage trend (formats present and mean basic coverage per step); any figure built from "
                "fewer than 5 households, shops or orders is the string \"<5\"; satisfaction is null below 30 answers",
)


class BureauAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAnalyst]

    def period(self, request):
        return periods.parse_period(start=request.query_params.get("start"), end=request.query_params.get("end"),
                                      compare=request.query_params.get("compare"), today=selectors.today())


class OverviewAPI(BureauAPIView):
    @extend_schema(tags=["bureau"], parameters=PERIOD_PARAMETERS, responses={200: FIGURES, **ERRORS},
                   examples=[OpenApiExample("November in the district", value=OVERVIEW_EXAMPLE, response_only=True)],
                   summary="The district: totals, streets, the ranking of communities, trends (orders, coverage)")
    def get(self, request):
        period, compare = self.period(request)
        return Response(selectors.district_overview(period=period, today=selectors.today(), compare=compare))


class CommunityAPI(BureauAPIView):
    @extend_schema(tags=["bureau"], parameters=[*PERIOD_PARAMETERS, OpenApiParameter("by", str, enum=["day", "week", "month"])],
                   responses={200: FIGURES, 404: OpenApiResponse(description="no such community"), **ERRORS},
                   examples=[OpenApiExample("甲社区 in November", value=COMMUNITY_EXAMPLE, response_only=True)],
                   summary="One community's figures over a period")
    def get(self, request, slug):
        community = selectors.get_community(slug=slug)
        period, compare = self.period(request)
        by = request.query_params.get("by", "day")
        if by not in ("day", "week", "month"):
            raise periods.BadRequest("by: day, week or month", fields={"by": ["day, week or month"]})
        return Response(selectors.community_report(community=community, period=period, today=selectors.today(),
                                                   compare=compare, by=by))


class DemonstrationAPI(BureauAPIView):
    @extend_schema(tags=["bureau"], parameters=PERIOD_PARAMETERS, responses={200: FIGURES, **ERRORS},
                   examples=[OpenApiExample("one demonstration community", value=DEMONSTRATION_EXAMPLE,
                                            response_only=True)],
                   summary="Each demonstration community against its criteria")
    def get(self, request):
        period, _compare = self.period(request)
        return Response({"communities": selectors.demonstration_status(period=period, today=selectors.today())})
