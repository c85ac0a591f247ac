"""The cells of the bureau's tables: shares, intervals, percentiles and the privacy guard.

A figure built from fewer than settings.BUREAU["min_cell"] (5) households, shops or orders is
replaced by SMALL ("<5")."""

from __future__ import annotations

import math
from datetime import date

from . import metrics

SMALL = "<5"


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


def display(value, *, percent: bool = True) -> str:
    """A figure as text: "<5", "—" for none, 0.9123 → "91.2%" (percent) or the value."""
    if value is None:
        return "—"
    if isinstance(value, float) and percent:
        return f"{value * 100:.1f}%"
    return str(value)


TREND_STEPS = ("day", "week", "month")


def bucket(day: date, by: str) -> str:
    """The trend step a day falls in: "2026-11-03", ISO week "2026-W45" or month "2026-11"."""
    return {"day": day.isoformat, "week": lambda: "%d-W%02d" % day.isocalendar()[:2],
            "month": lambda: day.strftime("%Y-%m")}[by]()
