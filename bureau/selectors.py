"""Reads of the bureau: the figures of a community, a street, the district or the
demonstration communities over a period, from the daily snapshots plus today (bureau.metrics).

Privacy: only aggregates leave this module. A figure built from fewer than
settings.BUREAU["min_cell"] (5) households, shops or orders is replaced by SMALL ("<5");
satisfaction is hidden (None, with its count) below BUREAU["min_satisfaction_answers"] (30).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.utils.translation import gettext as _

from communities.models import Community
from communities.selectors import community_directory
from merchants import selectors as merchant_selectors
from shop.core.errors import DomainError, NotFoundError

from . import metrics
from .models import MetricSnapshot

SMALL = "<5"
LIVE_CACHE_SECONDS = 300
ASPECTS = ("convenience", "price", "quality", "service")
# national progress (../shared/reference/README.md): residents and outlets per circle
NATIONAL = [
    {"as_of": "2024-06", "circles": 3946, "outlets": 888_200, "residents": 76_760_000},
    {"as_of": "2025-12", "circles": 8132, "outlets": 1_954_000, "residents": 168_000_000},
]


def today() -> date:
    """The local date the live pages end at (tests replace it, as they never read the clock)."""
    from django.utils import timezone

    return timezone.localdate()


class BadRequest(DomainError):
    status_code = 400
    code = "bad_request"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> Period:
        return Period(_minus_year(self.start), _minus_year(self.end))


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


COMPARISONS = ("none", "previous", "year")


def parse_period(*, start: str | None, end: str | None, today: date, compare: str | None = None) -> tuple[Period, Period | None]:
    """The period asked for (default: the 30 days up to today) and the one to compare with.
    Raises BadRequest (400) for a malformed date, an end before the start, a period longer
    than three years, an end after today, or an unknown comparison."""
    fields = {}
    parsed = {}
    for name, text, default in (("end", end, today), ("start", start, None)):
        if not text:
            parsed[name] = default
            continue
        try:
            parsed[name] = date.fromisoformat(text)
        except ValueError:
            fields[name] = [_("日期格式应为 YYYY-MM-DD")]
    if fields:
        raise BadRequest(_("日期格式有误"), fields=fields)
    period_end = parsed["end"]
    period_start = parsed["start"] or period_end - timedelta(days=29)
    if period_end < period_start:
        raise BadRequest(_("结束日期早于开始日期"), fields={"end": [_("结束日期早于开始日期")]})
    if (period_end - period_start).days + 1 > metrics.config()["max_period_days"]:
        raise BadRequest(_("统计期不能超过3年"), fields={"start": [_("统计期不能超过3年")]})
    if period_end > today:
        raise BadRequest(_("结束日期不能晚于今天"), fields={"end": [_("结束日期不能晚于今天")]})
    compare = compare or "none"
    if compare not in COMPARISONS:
        raise BadRequest(_("对比方式应为 none、previous 或 year"), fields={"compare": [_("未知的对比方式")]})
    period = Period(period_start, period_end)
    other = {"none": None, "previous": period.previous(), "year": period.year_before()}[compare]
    return period, other


def get_community(*, slug: str) -> Community:
    try:
        return Community.objects.get(slug=slug)
    except Community.DoesNotExist:
        raise NotFoundError(_("没有这个社区")) from None


# --- days: snapshots plus today ------------------------------------------------------------------


def live_days(*, days: list[date]) -> dict[date, dict[int, dict]]:
    """Counts of days without a snapshot (today, or past days the nightly job has not stored),
    computed now in one round of queries and cached for a few minutes."""
    out, missing = {}, []
    for day in days:
        found = cache.get(f"bureau:live:{day.isoformat()}")
        if found is None:
            missing.append(day)
        else:
            out[day] = {int(k): v for k, v in found.items()}
    if missing:
        computed = metrics.range_counts(first=min(missing), last=max(missing), coverage_cache=_stored_coverage(max(missing)))
        for day in missing:
            out[day] = computed[day]
            cache.set(f"bureau:live:{day.isoformat()}", {str(k): v for k, v in computed[day].items()}, LIVE_CACHE_SECONDS)
    return out


def _stored_coverage(day: date) -> dict:
    """The coverage of the latest stored day up to `day`, by its key: a live day whose shops and
    households have not changed since reuses it instead of walking every household again."""
    latest = MetricSnapshot.objects.filter(date__lte=day).order_by("-date").values_list("date", flat=True).first()
    if latest is None:
        return {}
    by_key: dict[str, dict] = {}
    for cid, data in MetricSnapshot.objects.filter(date=latest).values_list("community_id", "data"):
        if data.get("coverage_key"):
            by_key.setdefault(data["coverage_key"], {})[cid] = data["coverage"]
    return by_key


def days_of(*, period: Period, today: date, community_ids: list[int]) -> dict[int, list[tuple[date, dict]]]:
    """Community id → [(day, counts)] for every day of the period: stored snapshots, and live
    counts for today and any day not stored yet."""
    out: dict[int, list] = {cid: [] for cid in community_ids}
    stored = MetricSnapshot.objects.filter(community_id__in=community_ids, date__gte=period.start,
                                           date__lte=min(period.end, today - timedelta(days=1)))
    have: dict[date, set] = {}
    for snap in stored.values("community_id", "date", "data").order_by("date", "community_id"):
        out[snap["community_id"]].append((snap["date"], snap["data"]))
        have.setdefault(snap["date"], set()).add(snap["community_id"])
    wanted = set(community_ids)
    all_days = [period.start + timedelta(days=n) for n in range(period.days)]
    live = live_days(days=[day for day in all_days if not wanted <= have.get(day, set())])
    for day, counts in live.items():
        for cid in community_ids:
            if cid not in have.get(day, ()):
                out[cid].append((day, counts.get(cid) or metrics.empty_day()))
    for rows in out.values():
        rows.sort(key=lambda row: row[0])
    return out


# --- sums ---------------------------------------------------------------------------------------

ADDITIVE = ("placed", "orders", "sales_fen", "service_fen", "cancelled", "failed", "promised", "on_time", "pickup",
            "survey_answers", "survey_satisfied")


def total(rows_by_community: dict[int, list[tuple[date, dict]]]) -> dict:
    """The sum of many communities over many days. Coverage, households and shops are those of
    the period's last day (a state, not a flow)."""
    agg = metrics.empty_day()
    trading, ordering = set(), set()
    for rows in rows_by_community.values():
        for _day, d in rows:
            for key in ADDITIVE:
                agg[key] += d.get(key, 0)
            for code, (n, sales) in d.get("by_format", {}).items():
                per = agg["by_format"].setdefault(code, [0, 0])
                per[0] += n
                per[1] += sales
            for bucket in ("minutes", "ratings"):
                for key, n in d.get(bucket, {}).items():
                    agg[bucket][key] = agg[bucket].get(key, 0) + n
            for aspect, scores in d.get("survey", {}).items():
                per = agg["survey"].setdefault(aspect, {})
                for key, n in scores.items():
                    per[key] = per.get(key, 0) + n
            trading.update(d.get("trading_shops", []))
            ordering.update(d.get("ordering_households", []))
        if rows:
            last = rows[-1][1]
            agg["households"] += last["households"]
            for key in ("shops_total", "chain", "licensed", "floor_area_m2", "floor_known"):
                agg[key] += last[key]
            for code, n in last["coverage"].items():
                agg["coverage"][code] = agg["coverage"].get(code, 0) + n
            for code, n in last["shops"].items():
                agg["shops"][code] = agg["shops"].get(code, 0) + n
    agg["trading_shops"] = sorted(trading)
    agg["ordering_households"] = sorted(ordering)
    return agg


def merge(aggregates: list[dict]) -> dict:
    """The sum of several communities' totals (each from `total`)."""
    agg = metrics.empty_day()
    trading, ordering = set(), set()
    for one in aggregates:
        for key in (*ADDITIVE, "households", "shops_total", "chain", "licensed", "floor_area_m2", "floor_known"):
            agg[key] += one[key]
        for code, (n, sales) in one["by_format"].items():
            per = agg["by_format"].setdefault(code, [0, 0])
            per[0] += n
            per[1] += sales
        for bucket in ("minutes", "ratings", "coverage", "shops"):
            for key, n in one[bucket].items():
                agg[bucket][key] = agg[bucket].get(key, 0) + n
        for aspect, scores in one["survey"].items():
            per = agg["survey"].setdefault(aspect, {})
            for key, n in scores.items():
                per[key] = per.get(key, 0) + n
        trading.update(one["trading_shops"])
        ordering.update(one["ordering_households"])
    agg["trading_shops"] = sorted(trading)
    agg["ordering_households"] = sorted(ordering)
    return agg


# --- figures ------------------------------------------------------------------------------------


def guard(base: int, value):
    """The value, or SMALL when it is built from fewer than min_cell units."""
    return SMALL if base < metrics.config()["min_cell"] else value


def share(part: int, whole: int):
    return round(part / whole, 4) if whole else None


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    if not n:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(centre - half, 0), 4), round(min(centre + half, 1), 4)


def percentile(histogram: dict[str, int], q: float):
    """The q-quantile (nearest rank) of a minutes histogram."""
    n = sum(histogram.values())
    if not n:
        return None
    rank = max(math.ceil(q * n), 1)
    seen = 0
    for minutes in sorted(histogram, key=int):
        seen += histogram[minutes]
        if seen >= rank:
            return int(minutes)
    return None


def satisfaction(satisfied: int, answers: int) -> dict:
    shown = answers >= metrics.config()["min_satisfaction_answers"]
    return {"share": share(satisfied, answers) if shown else None, "count": answers,
            "interval": wilson(satisfied, answers) if shown else None, "hidden": not shown}


def display(value, *, percent: bool = True) -> str:
    """A figure as text: "<5", "—" for none, 0.9123 → "91.2%" (percent) or the value."""
    if value is None:
        return "—"
    if isinstance(value, float) and percent:
        return f"{value * 100:.1f}%"
    return str(value)


def tier_of(basic: int, quality: int) -> tuple[str | None, dict | None]:
    """The highest tier reached, and what the next one needs (None at the top)."""
    reached, following = None, None
    for code, need_basic, need_quality in metrics.config()["tiers"]:
        if basic >= need_basic and quality >= need_quality:
            reached = code
        elif following is None:
            following = {"tier": code, "basic_needed": max(need_basic - basic, 0),
                         "quality_needed": max(need_quality - quality, 0)}
    return reached, following


TIER_LABELS = {None: "未达标", "basic": "基础型", "improved": "提升型", "quality": "品质型"}


def coverage_figures(agg: dict, formats: list) -> dict:
    households = agg["households"]
    cfg = metrics.config()
    rows, gaps = [], []
    present = {"basic": 0, "quality": 0}
    for f in formats:
        covered = agg["coverage"].get(f.code, 0)
        ratio = covered / households if households else 0.0
        is_present = households > 0 and ratio >= cfg["present_share"]
        present[f.tier] += is_present
        uncovered = households - covered
        row = {"code": f.code, "name": f.name_zh, "tier": f.tier, "priority_pair": f.priority_pair,
               "share": guard(households, round(ratio, 4)), "present": is_present,
               "shops": guard(agg["shops"].get(f.code, 0), agg["shops"].get(f.code, 0))}
        rows.append(row)
        if households and ratio < cfg["thin_share"]:
            gaps.append({"code": f.code, "name": f.name_zh, "tier": f.tier, "priority_pair": f.priority_pair,
                         "state": "thin" if is_present else "missing", "uncovered": guard(uncovered, uncovered),
                         "_sort": uncovered, "share": guard(households, round(ratio, 4))})
    gaps.sort(key=lambda g: (-g["_sort"], g["tier"] != "basic", g["code"]))
    for gap in gaps:
        del gap["_sort"]
    pairs: dict[str, list] = {}
    for row in rows:
        if row["priority_pair"]:
            pairs.setdefault(row["priority_pair"], []).append(row)
    tier, following = tier_of(present["basic"], present["quality"])
    return {
        "households": guard(households, households),
        "formats": rows, "gaps": gaps,
        "basic_present": present["basic"], "basic_total": sum(f.tier == "basic" for f in formats),
        "quality_present": present["quality"], "quality_total": sum(f.tier == "quality" for f in formats),
        "pairs": [{"name": name, "formats": [{"code": r["code"], "name": r["name"], "share": r["share"],
                                                "present": r["present"]} for r in members],
                   "met": all(r["present"] for r in members)} for name, members in pairs.items()],
        "tier": tier, "tier_label": TIER_LABELS[tier], "next_tier": following,
        "mean_basic_share": guard(households, round(
            sum(agg["coverage"].get(f.code, 0) for f in formats if f.tier == "basic")
            / (households * max(sum(f.tier == "basic" for f in formats), 1)), 4) if households else None),
    }


def outlet_figures(agg: dict) -> dict:
    shops, households = agg["shops_total"], agg["households"]
    trading = len(agg["trading_shops"])
    return {
        "shops": guard(shops, shops),
        "chain_share": guard(shops, share(agg["chain"], shops)),
        "licensed_share": guard(shops, share(agg["licensed"], shops)),
        "floor_m2_per_100_households": guard(min(households, agg["floor_known"] or 0),
                                             round(agg["floor_area_m2"] * 100 / households, 1) if households else None),
        "trading_share": guard(shops, share(min(trading, shops), shops)),
    }


def trade_figures(agg: dict, formats: list) -> dict:
    orders, households = agg["orders"], agg["households"]
    sales = agg["sales_fen"] / 100
    names = {f.code: f.name_zh for f in formats}
    by_format = [
        {"code": code, "name": names.get(code, code), "orders": guard(n, n), "sales": guard(n, round(fen / 100, 2))}
        for code, (n, fen) in sorted(agg["by_format"].items(), key=lambda item: -item[1][1])
    ]
    ordering = len(agg["ordering_households"])
    return {
        "orders": guard(orders, orders),
        "sales": guard(orders, round(sales, 2)),
        "average": guard(orders, round(sales / orders, 2) if orders else None),
        "goods_sales": guard(orders, round((agg["sales_fen"] - agg["service_fen"]) / 100, 2)),
        "service_sales": guard(orders, round(agg["service_fen"] / 100, 2)),
        "ordering_households_share": guard(ordering, share(ordering, households)),
        "by_format": by_format,
    }


def delivery_figures(agg: dict) -> dict:
    placed, done, promised = agg["placed"], agg["orders"], agg["promised"]
    return {
        "placed": guard(placed, placed),
        "on_time_share": guard(promised, share(agg["on_time"], promised)),
        "p50_minutes": guard(done, percentile(agg["minutes"], 0.5)),
        "p90_minutes": guard(done, percentile(agg["minutes"], 0.9)),
        "failed_share": guard(placed, share(agg["failed"], placed)),
        "cancelled_share": guard(placed, share(agg["cancelled"], placed)),
        "pickup_share": guard(done, share(agg["pickup"], done)),
    }


def satisfaction_figures(agg: dict) -> dict:
    ratings = agg["ratings"]
    n_ratings = sum(ratings.values())
    good = ratings.get("4", 0) + ratings.get("5", 0)
    aspects = {}
    for aspect in ASPECTS:
        scores = agg["survey"].get(aspect, {})
        n = sum(scores.values())
        aspects[aspect] = satisfaction(scores.get("4", 0) + scores.get("5", 0), n)
    return {
        "survey": satisfaction(agg["survey_satisfied"], agg["survey_answers"]),
        "aspects": aspects,
        "ratings": satisfaction(good, n_ratings),
    }


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


def trend(rows_by_community: dict[int, list[tuple[date, dict]]], *, by: str) -> list[dict]:
    """Orders, sales and on-time share per day, ISO week or month (sums over the communities)."""
    buckets: dict[str, dict] = {}
    for rows in rows_by_community.values():
        for day, d in rows:
            key = {"day": day.isoformat(), "week": "%d-W%02d" % day.isocalendar()[:2], "month": day.strftime("%Y-%m")}[by]
            b = buckets.setdefault(key, {"orders": 0, "sales_fen": 0, "promised": 0, "on_time": 0})
            for name in b:
                b[name] += d.get(name, 0)
    return [
        {"period": key, "orders": guard(b["orders"], b["orders"]), "sales": guard(b["orders"], round(b["sales_fen"] / 100, 2)),
         "on_time_share": guard(b["promised"], share(b["on_time"], b["promised"]))}
        for key, b in sorted(buckets.items())
    ]


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
        "trend": trend(rows, by="week" if period.days > 62 else "day"),
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
