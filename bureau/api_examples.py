"""Examples of the /api/v1/bureau/ answers for the OpenAPI schema, built from one set of figures.

Trimmed (two rows per list; the real answers list every format, gap, pair, street, community
and day): the shapes are those of bureau.selectors, the figures those of 甲社区 in November.
The district example reuses the same figures block, so each shape is written once."""

PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


def _format(code: str, name: str, pair: str, share: float, present: bool, shops) -> dict:
    return {"code": code, "name": name, "tier": "basic", "priority_pair": pair, "share": share, "present": present,
            "shops": shops}


def _gap(code: str, name: str, pair: str) -> dict:
    return {"code": code, "name": name, "tier": "basic", "priority_pair": pair, "state": "missing", "uncovered": 1260,
            "share": 0.0}


def _pair_member(code: str, name: str, share: float) -> dict:
    return {"code": code, "name": name, "share": share, "present": share >= 0.5}


def _satisfaction(share, count: int, interval) -> dict:
    return {"share": share, "count": count, "interval": interval, "hidden": share is None}


SURVEY = _satisfaction(0.875, 32, [0.7193, 0.9503])
GAPS = [_gap("breakfast", "早餐店", "一店一早"), _gap("fresh_grocery", "生鲜超市(菜店)", "一菜一修")]
FIGURES = {
    "coverage": {
        "households": 1260,
        "formats": [_format("convenience_store", "便利店", "一店一早", 0.6667, True, 6),
                    _format("supermarket", "综合超市", "", 0.0, False, "<5")],
        "gaps": GAPS,
        "basic_present": 1, "basic_total": 14, "quality_present": 0, "quality_total": 12,
        "pairs": [
            {"name": "一店一早", "met": False, "formats": [_pair_member("convenience_store", "便利店", 0.6667),
                                                          _pair_member("breakfast", "早餐店", 0.0)]},
            {"name": "一菜一修", "met": False, "formats": [_pair_member("wet_market", "菜市场", 0.0),
                                                          _pair_member("fresh_grocery", "生鲜超市(菜店)", 0.0)]},
        ],
        "tier": None, "tier_label": "未达标", "next_tier": {"tier": "basic", "basic_needed": 9, "quality_needed": 0},
        "mean_basic_share": 0.0476,
    },
    "outlets": {"shops": 18, "chain_share": 0.3333, "licensed_share": 0.9444, "floor_m2_per_100_households": 41.5,
                "trading_share": 0.8889},
    "trade": {
        "orders": 412, "sales": 12876.5, "average": 31.25, "goods_sales": 12626.5, "service_sales": 250.0,
        "ordering_households_share": 0.2175,
        "by_format": [{"code": "convenience_store", "name": "便利店", "orders": 268, "sales": 7102.0},
                      {"code": "breakfast", "name": "早餐店", "orders": "<5", "sales": "<5"}],
    },
    "delivery": {"placed": 431, "on_time_share": 0.9126, "p50_minutes": 28, "p90_minutes": 52, "failed_share": 0.0139,
                 "cancelled_share": 0.0302, "pickup_share": 0.1845},
    "satisfaction": {
        "survey": SURVEY,
        "aspects": {"convenience": SURVEY, "price": SURVEY, "quality": _satisfaction(1.0, 32, [0.8928, 1.0]),
                    "service": SURVEY},
        "ratings": _satisfaction(None, 10, None),
    },
}
TREND = [{"period": "2026-11-01", "orders": 14, "sales": 436.5, "on_time_share": 0.9286},
         {"period": "2026-11-02", "orders": "<5", "sales": "<5", "on_time_share": "<5"}]
COVERAGE_TREND = [
    {"period": "2026-11-14", "households": 1260, "basic_present": 1, "quality_present": 0, "mean_basic_share": 0.0476},
    {"period": "2026-11-15", "households": 1260, "basic_present": 2, "quality_present": 0, "mean_basic_share": 0.0952},
]
COMMUNITY = {"slug": "jia", "name": "甲社区", "street": "湖南路街道", "district": "鼓楼区", "demonstration": "national",
             "demonstration_label": "国家级示范", "pilot_year": 2024, "population": 9000}
RANK = {"slug": "jia", "name": "甲社区", "street": "湖南路街道", "demonstration": "national",
        "demonstration_label": "国家级示范", "households": 1260, "basic_present": 1, "quality_present": 0,
        "mean_basic_share": 0.0476, "tier": None, "tier_label": "未达标", "gaps": 26, "orders": 412, "sales": 12876.5,
        "on_time_share": 0.9126, "satisfaction": 0.875, "satisfaction_count": 32, "chain_share": 0.3333, "rank": 1}
STREET_KEYS = ("households", "basic_present", "quality_present", "mean_basic_share", "orders", "sales", "on_time_share",
               "satisfaction", "satisfaction_count")

OVERVIEW_EXAMPLE = {
    "period": PERIOD,
    "district": {"name": "鼓楼区", **FIGURES, "communities": 2},
    "streets": [{"street": RANK["street"], "communities": 1, **{k: RANK[k] for k in STREET_KEYS}}],
    "ranking": [RANK, RANK | {"slug": "yi", "name": "乙社区", "street": "宁海路街道", "demonstration": "none",
                              "demonstration_label": "非示范社区", "orders": "<5", "sales": "<5", "on_time_share": "<5",
                              "satisfaction": None, "satisfaction_count": 3, "rank": 2}],
    "trend": TREND,
    "coverage_trend": COVERAGE_TREND,
}
COMMUNITY_EXAMPLE = {
    "community": COMMUNITY,
    "period": PERIOD,
    **FIGURES,
    "trend": TREND,
    "coverage_trend": COVERAGE_TREND,
    "national": {
        "residents_per_circle": 9000, "outlets_per_circle": 18, "national_residents_per_circle": 20659,
        "national_outlets_per_circle": 240.3, "national_as_of": "2025-12",
        "targets": {"satisfaction": 0.9, "chain_share": 0.3, "floor_m2_per_100_households": 30, "coverage": 0.85},
    },
}
DEMONSTRATION_EXAMPLE = {"communities": [{
    **{k: COMMUNITY[k] for k in ("slug", "name", "street", "demonstration", "demonstration_label", "pilot_year")},
    "tier": None, "tier_label": "未达标", "next_tier": FIGURES["coverage"]["next_tier"],
    "criteria": [
        {"name": "全部基本保障类业态", "value": "1/14", "met": False, "display": "1/14"},
        {"name": "重点业态 (一店一早、一菜一修、一老一小)", "value": "0/3", "met": False, "display": "0/3"},
        {"name": "居民满意度 ≥ 90%", "value": 0.875, "count": 32, "met": False, "display": "87.5%"},
        {"name": "连锁化率 ≥ 30%", "value": 0.3333, "met": True, "display": "33.3%"},
        {"name": "每百户商业面积 ≥ 30 平方米", "value": 41.5, "met": True, "display": "41.5"},
    ],
    "gaps": GAPS,
}]}
