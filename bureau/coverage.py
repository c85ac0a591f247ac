"""Coverage figures: formats present (of 14 basic and 12 quality), the share of households
each format reaches, the gap list, the priority pairs, the tier and what the next one needs."""

from __future__ import annotations

from datetime import date

from . import metrics
from .cells import bucket, guard


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


def coverage_trend(rows_by_community: dict[int, list[tuple[date, dict]]], formats: list, *, by: str) -> list[dict]:
    """How coverage moved: per day, ISO week or month, the basic formats present (of 14), the
    quality formats present (of 12) and the mean share of households each basic format reaches,
    as they stood on the step's last day (coverage is a state: the sum of the communities'
    covered households on that day, as in coverage_figures)."""
    last: dict[str, dict[int, dict]] = {}
    for community_id, rows in rows_by_community.items():
        for day, data in rows:  # in date order: the step's last day wins
            last.setdefault(bucket(day, by), {})[community_id] = data
    out = []
    for key in sorted(last):
        households, covered = 0, {}
        for data in last[key].values():
            households += data.get("households", 0)
            for code, n in data.get("coverage", {}).items():
                covered[code] = covered.get(code, 0) + n
        c = coverage_figures({"households": households, "coverage": covered, "shops": {}}, formats)
        out.append({"period": key, "households": c["households"], "basic_present": c["basic_present"],
                    "quality_present": c["quality_present"], "mean_basic_share": c["mean_basic_share"]})
    return out
