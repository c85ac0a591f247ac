"""The circle in a resident's words: minutes, distances, the walking or riding mode, and a
sentence that explains how far the circle reaches (one set of phrases for every page)."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from communities import circle as circles

MINUTE_CHOICES = (5, 10, 15, 20, 30)
DEFAULT_MINUTES = 15


def mode_labels() -> dict[str, str]:
    return {circles.WALK: _("步行"), circles.ELDERLY: _("老人步行"), circles.DELIVERY: _("配送")}


def whole_minutes(minutes: float) -> int:
    """Minutes as a resident reads them: rounded up, at least 1."""
    return max(1, math.ceil(minutes - 1e-9))


def distance_label(distance_m: float) -> str:
    if distance_m >= 1000:
        return _("%(km).1f 公里") % {"km": distance_m / 1000}
    return _("%(m)d 米") % {"m": max(10, int(round(distance_m, -1)))}


def radius_label(radius_m: float) -> str:
    return _("%(m)d米") % {"m": round(radius_m)}


def parameters_in_words(circle: circles.Circle) -> tuple[str, str]:
    """("步行15分钟约864米", "按每分钟走72米计算, ...") for the circle's mode and minutes."""
    mode_label = mode_labels().get(circle.mode, circle.mode)
    headline = _("%(mode)s%(minutes)s分钟约%(radius)s") % {
        "mode": mode_label, "minutes": _minutes_text(circle.minutes), "radius": radius_label(circle.radius_m),
    }
    detour_percent = round((circle.detour_factor - 1) * 100)
    if circle.mode == circles.DELIVERY:
        explanation = _(
            "按骑手每分钟约%(speed)s米计算, 路线比直线远约%(percent)s%%(绕行系数 %(detour)s)。"
            "只列出送货范围包括您这里的商户。"
        )
    else:
        explanation = _(
            "按每分钟步行%(speed)s米计算, 实际要走的路比直线远约%(percent)s%%(绕行系数 %(detour)s), "
            "所以直线距离在%(radius)s以内的商户都算在内。"
        )
    explanation = explanation % {
        "speed": _number_text(circle.speed_m_per_min), "percent": detour_percent,
        "detour": _number_text(circle.detour_factor), "radius": radius_label(circle.radius_m),
    }
    return headline, explanation


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _minutes_text(minutes: float) -> str:
    return _number_text(minutes)
