"""The days of a period for some communities: the stored snapshots (bureau.models) plus live
counts for today and any day the nightly job has not stored yet, and their sums."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.cache import cache

from . import metrics
from .models import MetricSnapshot
from .period import Period

LIVE_CACHE_SECONDS = 300


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
