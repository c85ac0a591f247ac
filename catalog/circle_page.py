"""What the circle page (我的15分钟生活圈) shows, built from a CircleResult.

It sits in the catalog layer because it joins the circle search's result with the merchants'
business formats; the phrases it uses come from ``communities.circle_words``.

The merchants come from ``catalog.selectors.service_circle`` only; this module adds the
business formats' names and tiers, groups the merchants by format (in the guide's order,
basic formats first), splits the missing formats by tier, phrases the circle's parameters in
plain words and draws the map (``communities.circle_map``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from catalog.search.backends.circles import CircleMerchant, CircleResult
from communities.circle_map import CircleMap, build_map
from communities.circle_words import distance_label, mode_labels, parameters_in_words, whole_minutes
from merchants.models import BusinessFormat


def business_formats() -> dict[str, BusinessFormat]:
    """The 26 reference formats by code, in the guide's order."""
    return {f.code: f for f in BusinessFormat.objects.order_by("sort_order", "code")}


def format_name(business_format: BusinessFormat | None) -> str:
    from catalog.selectors import format_label

    return format_label(business_format) if business_format else _("其他")


@dataclass(frozen=True)
class MerchantRow:
    id: int
    name: str
    format_code: str
    tier: str
    minutes: int
    distance: str
    distance_m: float


@dataclass(frozen=True)
class FormatGroup:
    code: str
    name: str
    tier: str
    merchants: list[MerchantRow]


@dataclass(frozen=True)
class MissingFormat:
    code: str
    name: str
    tier: str


@dataclass(frozen=True)
class CirclePage:
    result: CircleResult
    mode_label: str
    headline: str  # "步行15分钟约864米"
    explanation: str  # the speed and detour behind it
    groups: list[FormatGroup]
    missing_basic: list[MissingFormat]
    missing_quality: list[MissingFormat]
    covered_count: int
    reference_count: int
    map: CircleMap

    @property
    def merchant_count(self) -> int:
        return self.result.total

    @property
    def shown_count(self) -> int:
        return len(self.result.merchants)


def _row(merchant: CircleMerchant, formats: dict[str, BusinessFormat]) -> MerchantRow:
    business_format = formats.get(merchant.format or "")
    return MerchantRow(
        id=merchant.id, name=merchant.name, format_code=merchant.format or "",
        tier=business_format.tier if business_format else "", minutes=whole_minutes(merchant.minutes),
        distance=distance_label(merchant.distance_m), distance_m=merchant.distance_m,
    )


def build_page(*, result: CircleResult, communities, home_community_id: int | None = None) -> CirclePage:
    circle = result.circle
    formats = business_formats()
    order = {code: index for index, code in enumerate(formats)}
    groups = []
    for code in sorted(result.by_format, key=lambda c: (order.get(c, len(order)), c)):
        business_format = formats.get(code)
        groups.append(
            FormatGroup(
                code=code, name=format_name(business_format), tier=business_format.tier if business_format else "",
                merchants=[_row(m, formats) for m in result.by_format[code]],
            )
        )
    missing = [
        MissingFormat(code=code, name=format_name(formats[code]), tier=formats[code].tier)
        for code in result.formats_missing
        if code in formats
    ]
    headline, explanation = parameters_in_words(circle)
    dots = []
    for merchant in result.merchants:
        row = _row(merchant, formats)
        title = _("%(name)s · %(format)s · 约 %(minutes)s 分钟 · %(distance)s") % {
            "name": merchant.name, "format": format_name(formats.get(row.format_code)),
            "minutes": row.minutes, "distance": row.distance,
        }
        dots.append((merchant.id, merchant.name, title, row.tier, merchant.lat, merchant.lng))
    circle_map = build_map(lat=circle.lat, lng=circle.lng, radius_m=circle.radius_m, communities=communities,
                           dots=dots, home_community_id=home_community_id)
    return CirclePage(
        result=result,
        mode_label=mode_labels().get(circle.mode, circle.mode),
        headline=headline,
        explanation=explanation,
        groups=groups,
        missing_basic=[m for m in missing if m.tier == BusinessFormat.Tier.BASIC],
        missing_quality=[m for m in missing if m.tier != BusinessFormat.Tier.BASIC],
        covered_count=len(result.formats_covered),
        reference_count=len(result.formats_covered) + len(result.formats_missing),
        map=circle_map,
    )
