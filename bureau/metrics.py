"""The commerce bureau's figures, as counts per community and day (stored in MetricSnapshot).

Definitions (docs/architecture.md, "Commerce bureau", says the same):

- **Household**: a room of the standard address register (communities.StandardAddress).
- **Coverage** of a format: the households whose standard address lies within the 15-minute
  circle (communities.circle, walking mode; the older residents' mode for
  settings.BUREAU["elderly_formats"]) of at least one shop of that format trading that day
  (merchants.selectors.shops_on), anywhere in the city. Straight-line distance in a local
  metric projection, against the circle's radius (minutes × speed ÷ detour); the nearest
  shop of each format is found with a k-d tree (scipy.spatial.cKDTree).
- **Order**: one shop's part of an order (a fulfilment group), counted on the day it was placed,
  in the community of the household it goes to (its drop-off). Awaiting-payment groups are not
  orders yet. **Completed**: delivered or collected (delivery.lifecycle.COMPLETED).
- **Sales**: the completed orders' totals (goods + delivery fee + weighing adjustment), in fen;
  **services** the part from home-service lines, **goods** the rest.
- **On time**: completed at or before the promised time (orders with a promise only).
  **Minutes**: from placing to completion, kept as a histogram of whole minutes.
- **Failed / cancelled**: orders that ended failed / cancelled or rejected.
- **Satisfaction**: survey answers whose four scores average 4 or more; per aspect, scores of
  4 or 5; order ratings of 4 or 5.

Counts add up over days and communities, so every period, street, district or set of
demonstration communities is a sum (bureau.selectors). Sets that do not add up (the shops
that traded, the households that ordered) are kept as id lists and united.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from communities import circle as circles
from communities import selectors as community_selectors
from delivery import selectors as delivery_selectors
from delivery.lifecycle import COMPLETED
from merchants import selectors as merchant_selectors

EARTH_M_PER_DEG = math.pi * 6371008.8 / 180
CANCELLED = {"cancelled", "rejected"}
FAILED = {"failed"}


def config() -> dict:
    return settings.BUREAU


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as [start, end) aware datetimes."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def radius_m(format_code: str) -> float:
    mode = circles.ELDERLY if format_code in config()["elderly_formats"] else circles.WALK
    ref = circles.make_circle(lat=0.0, lng=0.0, minutes=config()["walk_minutes"], mode=mode)
    return ref.radius_m


def project(lat: np.ndarray, lng: np.ndarray, lat0: float) -> np.ndarray:
    """Local equirectangular metres (exact enough at a city's scale)."""
    return np.column_stack([lng * math.cos(math.radians(lat0)) * EARTH_M_PER_DEG, lat * EARTH_M_PER_DEG])


def covered_mask(*, household_xy: np.ndarray, shop_xy: np.ndarray, radius: float) -> np.ndarray:
    """For each household, whether any shop lies within `radius` metres (k-d tree, nearest one)."""
    from scipy.spatial import cKDTree

    if len(shop_xy) == 0 or len(household_xy) == 0:
        return np.zeros(len(household_xy), dtype=bool)
    distance, _ = cKDTree(shop_xy).query(household_xy, k=1, distance_upper_bound=radius * (1 + 1e-9), workers=-1)
    return np.isfinite(distance)


def coverage_counts(*, households: list[tuple], shops: list[dict], format_codes: list[str]) -> dict[int, dict[str, int]]:
    """Community id → format code → households covered."""
    result: dict[int, dict[str, int]] = defaultdict(dict)
    if not households:
        return result
    ids = np.array([h[1] for h in households])
    lat = np.array([h[2] for h in households], dtype=float)
    lng = np.array([h[3] for h in households], dtype=float)
    lat0 = float(lat.mean())
    household_xy = project(lat, lng, lat0)
    communities = np.unique(ids)
    by_format: dict[str, list[dict]] = defaultdict(list)
    for shop in shops:
        by_format[shop["format_id"]].append(shop)
    for code in format_codes:
        rows = by_format.get(code, [])
        shop_xy = project(np.array([s["lat"] for s in rows], dtype=float), np.array([s["lng"] for s in rows], dtype=float),
                          lat0) if rows else np.zeros((0, 2))
        mask = covered_mask(household_xy=household_xy, shop_xy=shop_xy, radius=radius_m(code))
        counts = np.bincount(np.searchsorted(communities, ids[mask]), minlength=len(communities))
        for community_id, count in zip(communities.tolist(), counts.tolist(), strict=True):
            result[community_id][code] = int(count)
    return result


def coverage_key(*, shops: list[dict], format_codes: list[str], households: list[tuple]) -> str:
    """What coverage depends on, as a digest: the trading shops (and where they are), the formats
    and the households. Two days with the same key have the same coverage."""
    import hashlib

    digest = hashlib.sha1()
    digest.update(repr([(s["id"], s["format_id"], s["lat"], s["lng"]) for s in shops]).encode())
    digest.update(repr(format_codes).encode())
    digest.update(repr((len(households), households[-1] if households else None)).encode())
    return digest.hexdigest()


def empty_day() -> dict:
    return {
        "households": 0, "coverage": {}, "shops": {}, "shops_total": 0, "chain": 0, "licensed": 0,
        "floor_area_m2": 0, "floor_known": 0, "trading_shops": [], "placed": 0, "orders": 0, "sales_fen": 0,
        "service_fen": 0, "by_format": {}, "ordering_households": [], "cancelled": 0, "failed": 0, "promised": 0,
        "on_time": 0, "pickup": 0, "minutes": {}, "ratings": {}, "survey": {}, "survey_answers": 0,
        "survey_satisfied": 0,
    }


def fen(amount) -> int:
    return int(round(float(amount or 0) * 100))


def day_counts(*, day: date, community_ids: list[int] | None = None, households: list[tuple] | None = None,
               coverage_cache: dict | None = None) -> dict[int, dict]:
    """Every community's counts for one day (coverage as at the end of it)."""
    return range_counts(first=day, last=day, community_ids=community_ids, households=households,
                        coverage_cache=coverage_cache)[day]


def range_counts(*, first: date, last: date, community_ids: list[int] | None = None,
                 households: list[tuple] | None = None, coverage_cache: dict | None = None) -> dict[date, dict[int, dict]]:
    """Every community's counts for each day from `first` to `last`: one query per kind of row
    for the whole range, then sorted into local days. Coverage is worked out once per distinct
    set of trading shops (it changes only when one opens or closes); pass a `coverage_cache`
    dict to keep it across calls."""
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    if households is None:
        households = community_selectors.household_points(community_ids=None)
    coverage_cache = {} if coverage_cache is None else coverage_cache
    format_codes = [f.code for f in merchant_selectors.formats()]
    by_day: dict[date, dict[str, list]] = defaultdict(lambda: {"groups": [], "ratings": [], "answers": []})
    for group in delivery_selectors.groups_for_figures(start=start, end=end):
        by_day[timezone.localdate(group["created_at"])]["groups"].append(group)
    for rating in delivery_selectors.ratings_for_figures(start=start, end=end):
        by_day[timezone.localdate(rating["rated_at"])]["ratings"].append(rating)
    for answer in community_selectors.survey_answers(start=start, end=end):
        by_day[timezone.localdate(answer["answered_at"])]["answers"].append(answer)
    household_counts = Counter(h[1] for h in households)
    out = {}
    day = first
    while day <= last:
        rows = by_day.get(day) or {"groups": [], "ratings": [], "answers": []}
        out[day] = _one_day(day=day, community_ids=community_ids, households=households, format_codes=format_codes,
                            coverage_cache=coverage_cache, household_counts=household_counts, **rows)
        day += timedelta(days=1)
    return out


def _one_day(*, day: date, community_ids, households, format_codes, coverage_cache: dict, household_counts: Counter,
             groups, ratings, answers) -> dict[int, dict]:
    shops = merchant_selectors.shops_on(day=day)
    wanted = set(community_ids) if community_ids is not None else None
    days: dict[int, dict] = defaultdict(empty_day)

    key = coverage_key(shops=shops, format_codes=format_codes, households=households)
    coverage = coverage_cache.get(key)
    if coverage is None:
        coverage = coverage_counts(households=households, shops=shops, format_codes=format_codes)
        coverage_cache.clear()
        coverage_cache[key] = coverage
    for community_id, count in household_counts.items():
        days[community_id]["coverage_key"] = key
        days[community_id]["households"] = count
        days[community_id]["coverage"] = coverage.get(community_id, {})

    for shop in shops:
        d = days[shop["community_id"]]
        d["shops"][shop["format_id"]] = d["shops"].get(shop["format_id"], 0) + 1
        d["shops_total"] += 1
        d["chain"] += bool(shop["is_chain"])
        d["licensed"] += bool(shop["licence_verified"])
        if shop["floor_area_m2"]:
            d["floor_area_m2"] += shop["floor_area_m2"]
            d["floor_known"] += 1

    shop_community = {s["id"]: s["community_id"] for s in shops}
    trading: dict[int, set] = defaultdict(set)
    ordering: dict[int, set] = defaultdict(set)
    for group in groups:
        d = days[group["community_id"]]
        d["placed"] += 1
        status = group["status"]
        if status in CANCELLED:
            d["cancelled"] += 1
        elif status in FAILED:
            d["failed"] += 1
        if status not in COMPLETED:
            continue
        total, service = fen(group["total"]), fen(group["service_amount"])
        d["orders"] += 1
        d["sales_fen"] += total
        d["service_fen"] += service
        per_format = d["by_format"].setdefault(group["format_id"] or "", [0, 0])
        per_format[0] += 1
        per_format[1] += total
        ordering[group["community_id"]].add(group["dropoff_id"])
        trading[shop_community.get(group["merchant_id"], None)].add(group["merchant_id"])
        if group["method"] == "pickup":
            d["pickup"] += 1
        if group["completed_at"] is not None:
            minutes = str(max(int((group["completed_at"] - group["created_at"]).total_seconds() // 60), 0))
            d["minutes"][minutes] = d["minutes"].get(minutes, 0) + 1
            if group["promised_at"] is not None:
                d["promised"] += 1
                d["on_time"] += group["completed_at"] <= group["promised_at"]
    for community_id, ids in trading.items():
        if community_id is not None:
            days[community_id]["trading_shops"] = sorted(ids)
    for community_id, ids in ordering.items():
        days[community_id]["ordering_households"] = sorted(i for i in ids if i is not None)

    for rating in ratings:
        d = days[rating["community_id"]]
        key = str(rating["score"])
        d["ratings"][key] = d["ratings"].get(key, 0) + 1

    for answer in answers:
        d = days[answer["community_id"]]
        scores = [answer[a] for a in ("convenience", "price", "quality", "service")]
        d["survey_answers"] += 1
        d["survey_satisfied"] += sum(scores) >= 16  # a mean of 4 or more
        for aspect, score in zip(("convenience", "price", "quality", "service"), scores, strict=True):
            per = d["survey"].setdefault(aspect, {})
            per[str(score)] = per.get(str(score), 0) + 1

    days.pop(None, None)
    if wanted is not None:
        return {cid: days[cid] for cid in wanted}
    return dict(days)
