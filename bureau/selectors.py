"""Reads of the bureau: the figures of a community, a street, the district or the
demonstration communities over a period, from the daily snapshots plus today (bureau.metrics).

Privacy: only aggregates leave this module. A figure built from fewer than
settings.BUREAU["min_cell"] (5) households, shops or orders is replaced by SMALL ("<5");
satisfaction is hidden (None, with its count) below BUREAU["min_satisfaction_answers"] (30).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from communities.models import Community
from communities.selectors import community_directory
from merchants import selectors as merchant_selectors
from shop.core.errors import NotFoundError

from . import metrics
from .cells import SMALL, display, guard
from .coverage import coverage_figures, coverage_trend
from .days import days_of, merge, total
from .period import Period
from .satisfaction import satisfaction_figures
from .trade import delivery_figures, outlet_figures, trade_figures, trend

# national progress (../shared/reference/README.md): residents and outlets per circle
NATIONAL = [
    {"as_of": "2024-06", "circles": 3946, "outlets": 888_200, "residents": 76_760_000},
    {"as_of": "2025-12", "circles": 8132, "outlets": 1_954_000, "residents": 168_000_000},
]


def today() -> date:
    """The local date the live pages end at (tests replace it, as they never read the clock)."""
    from django.utils import timezone

    return timezone.localdate()



def get_community(*, slug: str) -> Community:
    try:
        return Community.objects.get(slug=slug)
    except Community.DoesNotExist:
        raise NotFoundError(_("没有这个社区")) from None



def figures(agg: dict, formats: list) -> dict:
    return {
        "coverage": coverage_figures(agg, formats),
        "outlets": outlet_figures(agg),
        "trade": trade_figures(agg, formats),
        "delivery": delivery_figures(agg),
        "satisfaction": satisfaction_figures(agg),
    }


def national_comparison(agg: dict, population: int, circles: int = 1) -> dict:
    latest = NATIONAL[-1]
    targets = metrics.config()["targets"]
    return {
        "residents_per_circle": guard(population, round(population / circles)),
        "outlets_per_circle": guard(agg["shops_total"], round(agg["shops_total"] / circles, 1)),
        "national_residents_per_circle": round(latest["residents"] / latest["circles"]),
        "national_outlets_per_circle": round(latest["outlets"] / latest["circles"], 1),
        "national_as_of": latest["as_of"],
        "targets": targets,
    }


# --- what the pages and the API ask ---------------------------------------------------------------


def _formats():
    return merchant_selectors.formats()


def community_report(*, community: Community, period: Period, today: date, compare: Period | None = None,
                     by: str = "day") -> dict:
    formats = _formats()
    rows = days_of(period=period, today=today, community_ids=[community.pk])
    agg = total(rows)
    report = {
        "community": {"slug": community.slug, "name": community.name, "street": community.street,
                      "district": community.district, "demonstration": community.demonstration_status,
                      "demonstration_label": str(community.get_demonstration_status_display()),
                      "pilot_year": community.pilot_year, "population": community.population},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        **figures(agg, formats),
        "trend": trend(rows, by=by),
        "coverage_trend": coverage_trend(rows, formats, by=by),
        "national": national_comparison(agg, community.population),
    }
    if compare is not None:
        other = total(days_of(period=compare, today=today, community_ids=[community.pk]))
        report["compare"] = {"period": {"start": compare.start.isoformat(), "end": compare.end.isoformat()},
                             **figures(other, formats)}
    return report


def ranking_row(community: Community, agg: dict, formats: list) -> dict:
    f = figures(agg, formats)
    return {
        "slug": community.slug, "name": community.name, "street": community.street,
        "demonstration": community.demonstration_status,
        "demonstration_label": str(community.get_demonstration_status_display()),
        "households": f["coverage"]["households"],
        "basic_present": f["coverage"]["basic_present"], "quality_present": f["coverage"]["quality_present"],
        "mean_basic_share": f["coverage"]["mean_basic_share"],
        "tier": f["coverage"]["tier"], "tier_label": f["coverage"]["tier_label"],
        "gaps": len(f["coverage"]["gaps"]),
        "orders": f["trade"]["orders"], "sales": f["trade"]["sales"],
        "on_time_share": f["delivery"]["on_time_share"],
        "satisfaction": f["satisfaction"]["survey"]["share"], "satisfaction_count": f["satisfaction"]["survey"]["count"],
        "chain_share": f["outlets"]["chain_share"],
    }


def district_overview(*, period: Period, today: date, compare: Period | None = None) -> dict:
    formats = _formats()
    communities = list(community_directory())
    rows = days_of(period=period, today=today, community_ids=[c.pk for c in communities])
    each = {c.pk: total({c.pk: rows[c.pk]}) for c in communities}
    ranking = [ranking_row(c, each[c.pk], formats) for c in communities]
    ranking.sort(key=lambda r: (-r["basic_present"], -r["quality_present"],
                                -(r["mean_basic_share"] if isinstance(r["mean_basic_share"], float) else -1), r["slug"]))
    for position, row in enumerate(ranking, 1):
        row["rank"] = position
    agg = merge(list(each.values()))
    step = "week" if period.days > 62 else "day"
    streets: dict[str, list] = {}
    for c in communities:
        streets.setdefault(c.street, []).append(each[c.pk])
    overview = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "district": {"name": communities[0].district if communities else "", **figures(agg, formats),
                     "communities": len(communities)},
        "streets": [{"street": street, "communities": len(members), **{
            k: v for k, v in ranking_row(Community(name=street, street=street), merge(members), formats).items()
            if k in ("households", "basic_present", "quality_present", "mean_basic_share", "orders", "sales",
                     "on_time_share", "satisfaction", "satisfaction_count")}} for street, members in sorted(streets.items())],
        "ranking": ranking,
        "trend": trend(rows, by=step),
        "coverage_trend": coverage_trend(rows, formats, by=step),
    }
    if compare is not None:
        other = total(days_of(period=compare, today=today, community_ids=[c.pk for c in communities]))
        overview["compare"] = {"period": {"start": compare.start.isoformat(), "end": compare.end.isoformat()},
                               **figures(other, formats)}
    return overview


def demonstration_status(*, period: Period, today: date) -> list[dict]:
    """Each demonstration community against its criteria: tier, basic formats, priority pairs,
    satisfaction ≥ 90 %, chain share ≥ 30 %, floor area ≥ 30 m² per 100 households."""
    formats = _formats()
    targets = metrics.config()["targets"]
    demos = [c for c in community_directory() if c.demonstration_status != Community.Demonstration.NONE]
    rows = days_of(period=period, today=today, community_ids=[c.pk for c in demos])
    out = []
    for c in demos:
        f = figures(total({c.pk: rows[c.pk]}), formats)
        sat, chain = f["satisfaction"]["survey"], f["outlets"]["chain_share"]
        floor = f["outlets"]["floor_m2_per_100_households"]
        criteria = [
            {"name": _("全部基本保障类业态"), "value": f"{f['coverage']['basic_present']}/{f['coverage']['basic_total']}",
             "met": f["coverage"]["basic_present"] >= f["coverage"]["basic_total"]},
            {"name": _("重点业态 (一店一早、一菜一修、一老一小)"),
             "value": f"{sum(p['met'] for p in f['coverage']['pairs'])}/{len(f['coverage']['pairs'])}",
             "met": all(p["met"] for p in f["coverage"]["pairs"])},
            {"name": _("居民满意度 ≥ 90%"), "value": sat["share"], "count": sat["count"],
             "met": None if sat["hidden"] else sat["share"] >= targets["satisfaction"]},
            {"name": _("连锁化率 ≥ 30%"), "value": chain,
             "met": None if chain == SMALL or chain is None else chain >= targets["chain_share"]},
            {"name": _("每百户商业面积 ≥ 30 平方米"), "value": floor,
             "met": None if floor in (SMALL, None) else floor >= targets["floor_m2_per_100_households"]},
        ]
        out.append({"slug": c.slug, "name": c.name, "street": c.street, "demonstration": c.demonstration_status,
                    "demonstration_label": str(c.get_demonstration_status_display()), "pilot_year": c.pilot_year,
                    "tier": f["coverage"]["tier"], "tier_label": f["coverage"]["tier_label"],
                    "next_tier": f["coverage"]["next_tier"], "criteria": criteria,
                    "gaps": f["coverage"]["gaps"][:5]})
        for criterion in criteria:
            criterion["display"] = display(criterion["value"], percent=criterion["name"] != criteria[4]["name"])
    return out
