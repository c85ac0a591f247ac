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

PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="first day (default: 29 days before the end)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="last day, inclusive (default: today)"),
    OpenApiParameter("compare", str, enum=list(periods.COMPARISONS), description="also the previous period or the same period a year before"),
]
ERRORS = {400: OpenApiResponse(description="bad period, comparison or trend step"),
          403: OpenApiResponse(description="not a bureau analyst")}
FIGURES = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="coverage (formats, gaps, tier), outlets, trade, delivery, satisfaction; any figure built from "
                "fewer than 5 households, shops or orders is the string \"<5\"; satisfaction is null below 30 answers",
)

# Trimmed examples (two rows per list; the real answers list every format, gap, pair, street, community and
# day): the shapes are those of bureau.selectors, the figures those of a district of two communities.
OVERVIEW_EXAMPLE = {
    "period": {"start": "2026-11-01", "end": "2026-11-30"},
    "district": {
        "name": "鼓楼区",
        "coverage": {
            "households": 2240,
            "formats": [
                {
                    "code": "convenience_store", "name": "便利店", "tier": "basic", "priority_pair": "一店一早",
                    "share": 0.4211, "present": False, "shops": 9,
                },
                {
                    "code": "supermarket", "name": "综合超市", "tier": "basic", "priority_pair": "", "share": 0.0,
                    "present": False, "shops": "<5",
                },
            ],
            "gaps": [
                {
                    "code": "fresh_grocery", "name": "生鲜超市(菜店)", "tier": "basic", "priority_pair": "一菜一修",
                    "state": "missing", "uncovered": 2240, "share": 0.0,
                },
                {
                    "code": "front_warehouse", "name": "前置仓", "tier": "basic", "priority_pair": "",
                    "state": "missing", "uncovered": 2240, "share": 0.0,
                },
            ],
            "basic_present": 0, "basic_total": 14, "quality_present": 0, "quality_total": 12,
            "pairs": [
                {
                    "name": "一店一早",
                    "formats": [
                        {"code": "convenience_store", "name": "便利店", "share": 0.4211, "present": False},
                        {"code": "breakfast", "name": "早餐店", "share": 0.3684, "present": False},
                    ],
                    "met": False,
                },
                {
                    "name": "一菜一修",
                    "formats": [
                        {"code": "wet_market", "name": "菜市场", "share": 0.0, "present": False},
                        {"code": "fresh_grocery", "name": "生鲜超市(菜店)", "share": 0.0, "present": False},
                    ],
                    "met": False,
                },
            ],
            "tier": None, "tier_label": "未达标",
            "next_tier": {"tier": "basic", "basic_needed": 10, "quality_needed": 0}, "mean_basic_share": 0.0564,
        },
        "outlets": {
            "shops": 31, "chain_share": 0.2903, "licensed_share": 0.9355, "floor_m2_per_100_households": 36.2,
            "trading_share": 0.8387,
        },
        "trade": {
            "orders": 655, "sales": 19873.4, "average": 30.34, "goods_sales": 19543.4, "service_sales": 330.0,
            "ordering_households_share": 0.1964,
            "by_format": [
                {"code": "convenience_store", "name": "便利店", "orders": 391, "sales": 10422.6},
                {"code": "breakfast", "name": "早餐店", "orders": 118, "sales": 1534.0},
            ],
        },
        "delivery": {
            "placed": 688, "on_time_share": 0.9017, "p50_minutes": 29, "p90_minutes": 55, "failed_share": 0.016,
            "cancelled_share": 0.0334, "pickup_share": 0.1695,
        },
        "satisfaction": {
            "survey": {"share": 0.8857, "count": 35, "interval": [0.7405, 0.9546], "hidden": False},
            "aspects": {
                "convenience": {"share": 0.8857, "count": 35, "interval": [0.7405, 0.9546], "hidden": False},
                "price": {"share": 0.8857, "count": 35, "interval": [0.7405, 0.9546], "hidden": False},
                "quality": {"share": 1.0, "count": 35, "interval": [0.9011, 1.0], "hidden": False},
                "service": {"share": 0.8857, "count": 35, "interval": [0.7405, 0.9546], "hidden": False},
            },
            "ratings": {"share": None, "count": 10, "interval": None, "hidden": True},
        },
        "communities": 2,
    },
    "streets": [
        {
            "street": "宁海路街道", "communities": 1, "households": 980, "basic_present": 1, "quality_present": 0,
            "mean_basic_share": 0.0714, "orders": 243, "sales": 6996.9, "on_time_share": 0.8848,
            "satisfaction": None, "satisfaction_count": 3,
        },
        {
            "street": "湖南路街道", "communities": 1, "households": 1260, "basic_present": 1, "quality_present": 0,
            "mean_basic_share": 0.0476, "orders": 412, "sales": 12876.5, "on_time_share": 0.9126,
            "satisfaction": 0.875, "satisfaction_count": 32,
        },
    ],
    "ranking": [
        {
            "slug": "yi", "name": "乙社区", "street": "宁海路街道", "demonstration": "none", "demonstration_label": "非示范社区",
            "households": 980, "basic_present": 1, "quality_present": 0, "mean_basic_share": 0.0714, "tier": None,
            "tier_label": "未达标", "gaps": 25, "orders": 243, "sales": 6996.9, "on_time_share": 0.8848,
            "satisfaction": None, "satisfaction_count": 3, "chain_share": 0.2308, "rank": 1,
        },
        {
            "slug": "jia", "name": "甲社区", "street": "湖南路街道", "demonstration": "national",
            "demonstration_label": "国家级示范", "households": 1260, "basic_present": 1, "quality_present": 0,
            "mean_basic_share": 0.0476, "tier": None, "tier_label": "未达标", "gaps": 26, "orders": 412,
            "sales": 12876.5, "on_time_share": 0.9126, "satisfaction": 0.875, "satisfaction_count": 32,
            "chain_share": 0.3333, "rank": 2,
        },
    ],
    "trend": [
        {"period": "2026-11-01", "orders": 21, "sales": 640.2, "on_time_share": 0.9048},
        {"period": "2026-11-02", "orders": 19, "sales": 571.8, "on_time_share": 0.8947},
    ],
}
COMMUNITY_EXAMPLE = {
    "community": {
        "slug": "jia", "name": "甲社区", "street": "湖南路街道", "district": "鼓楼区", "demonstration": "national",
        "demonstration_label": "国家级示范", "pilot_year": 2024, "population": 9000,
    },
    "period": {"start": "2026-11-01", "end": "2026-11-30"},
    "coverage": {
        "households": 1260,
        "formats": [
            {
                "code": "convenience_store", "name": "便利店", "tier": "basic", "priority_pair": "一店一早",
                "share": 0.6667, "present": True, "shops": 6,
            },
            {
                "code": "supermarket", "name": "综合超市", "tier": "basic", "priority_pair": "", "share": 0.0,
                "present": False, "shops": "<5",
            },
        ],
        "gaps": [
            {
                "code": "breakfast", "name": "早餐店", "tier": "basic", "priority_pair": "一店一早", "state": "missing",
                "uncovered": 1260, "share": 0.0,
            },
            {
                "code": "fresh_grocery", "name": "生鲜超市(菜店)", "tier": "basic", "priority_pair": "一菜一修",
                "state": "missing", "uncovered": 1260, "share": 0.0,
            },
        ],
        "basic_present": 1, "basic_total": 14, "quality_present": 0, "quality_total": 12,
        "pairs": [
            {
                "name": "一店一早",
                "formats": [
                    {"code": "convenience_store", "name": "便利店", "share": 0.6667, "present": True},
                    {"code": "breakfast", "name": "早餐店", "share": 0.0, "present": False},
                ],
                "met": False,
            },
            {
                "name": "一菜一修",
                "formats": [
                    {"code": "wet_market", "name": "菜市场", "share": 0.0, "present": False},
                    {"code": "fresh_grocery", "name": "生鲜超市(菜店)", "share": 0.0, "present": False},
                ],
                "met": False,
            },
        ],
        "tier": None, "tier_label": "未达标", "next_tier": {"tier": "basic", "basic_needed": 9, "quality_needed": 0},
        "mean_basic_share": 0.0476,
    },
    "outlets": {
        "shops": 18, "chain_share": 0.3333, "licensed_share": 0.9444, "floor_m2_per_100_households": 41.5,
        "trading_share": 0.8889,
    },
    "trade": {
        "orders": 412, "sales": 12876.5, "average": 31.25, "goods_sales": 12626.5, "service_sales": 250.0,
        "ordering_households_share": 0.2175,
        "by_format": [
            {"code": "convenience_store", "name": "便利店", "orders": 268, "sales": 7102.0},
            {"code": "breakfast", "name": "早餐店", "orders": "<5", "sales": "<5"},
        ],
    },
    "delivery": {
        "placed": 431, "on_time_share": 0.9126, "p50_minutes": 28, "p90_minutes": 52, "failed_share": 0.0139,
        "cancelled_share": 0.0302, "pickup_share": 0.1845,
    },
    "satisfaction": {
        "survey": {"share": 0.875, "count": 32, "interval": [0.7193, 0.9503], "hidden": False},
        "aspects": {
            "convenience": {"share": 0.875, "count": 32, "interval": [0.7193, 0.9503], "hidden": False},
            "price": {"share": 0.875, "count": 32, "interval": [0.7193, 0.9503], "hidden": False},
            "quality": {"share": 1.0, "count": 32, "interval": [0.8928, 1.0], "hidden": False},
            "service": {"share": 0.875, "count": 32, "interval": [0.7193, 0.9503], "hidden": False},
        },
        "ratings": {"share": None, "count": 10, "interval": None, "hidden": True},
    },
    "trend": [
        {"period": "2026-11-01", "orders": 14, "sales": 436.5, "on_time_share": 0.9286},
        {"period": "2026-11-02", "orders": "<5", "sales": "<5", "on_time_share": "<5"},
    ],
    "national": {
        "residents_per_circle": 9000, "outlets_per_circle": 18, "national_residents_per_circle": 20659,
        "national_outlets_per_circle": 240.3, "national_as_of": "2025-12",
        "targets": {"satisfaction": 0.9, "chain_share": 0.3, "floor_m2_per_100_households": 30, "coverage": 0.85},
    },
}
DEMONSTRATION_EXAMPLE = {
    "communities": [
        {
            "slug": "jia", "name": "甲社区", "street": "湖南路街道", "demonstration": "national",
            "demonstration_label": "国家级示范", "pilot_year": 2024, "tier": None, "tier_label": "未达标",
            "next_tier": {"tier": "basic", "basic_needed": 9, "quality_needed": 0},
            "criteria": [
                {"name": "全部基本保障类业态", "value": "1/14", "met": False, "display": "1/14"},
                {"name": "重点业态 (一店一早、一菜一修、一老一小)", "value": "0/3", "met": False, "display": "0/3"},
                {"name": "居民满意度 ≥ 90%", "value": 0.875, "count": 32, "met": False, "display": "87.5%"},
                {"name": "连锁化率 ≥ 30%", "value": 0.3333, "met": True, "display": "33.3%"},
                {"name": "每百户商业面积 ≥ 30 平方米", "value": 41.5, "met": True, "display": "41.5"},
            ],
            "gaps": [
                {
                    "code": "breakfast", "name": "早餐店", "tier": "basic", "priority_pair": "一店一早",
                    "state": "missing", "uncovered": 1260, "share": 0.0,
                },
                {
                    "code": "fresh_grocery", "name": "生鲜超市(菜店)", "tier": "basic", "priority_pair": "一菜一修",
                    "state": "missing", "uncovered": 1260, "share": 0.0,
                },
            ],
        },
    ],
}


class BureauAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAnalyst]

    def period(self, request):
        return periods.parse_period(start=request.query_params.get("start"), end=request.query_params.get("end"),
                                      compare=request.query_params.get("compare"), today=selectors.today())


class OverviewAPI(BureauAPIView):
    @extend_schema(tags=["bureau"], parameters=PERIOD_PARAMETERS, responses={200: FIGURES, **ERRORS},
                   examples=[OpenApiExample("November in the district", value=OVERVIEW_EXAMPLE, response_only=True)],
                   summary="The district: totals, streets, the ranking of communities, trend")
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
