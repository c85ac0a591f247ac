"""One set of hours for a fulfilment point (routing skips a closed point)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ..models import (
    FulfilmentGroup,
    FulfilmentPoint,
)

S = FulfilmentGroup.Status


def point_closed_reason(point: FulfilmentPoint) -> str:
    """Why routing skipped a closed point, with the hours when they are the point's own."""
    own = not (point.kind == FulfilmentPoint.Kind.STORE and point.merchant_id
               and point.merchant.opening_periods.exists()) and not point.hours.exists()
    return f"未营业 ({point.opens:%H:%M}-{point.closes:%H:%M})" if own else "未营业"


def point_is_open(point: FulfilmentPoint, at: datetime) -> bool:
    """One set of hours (merchants.selectors.open_in): a store follows its merchant's opening
    periods and exceptions; a warehouse or station its weekly PointHours; a point with neither
    (a store whose merchant recorded no hours) its own opens/closes."""
    from merchants.selectors import is_open_at, open_in

    if point.kind == FulfilmentPoint.Kind.STORE and point.merchant_id:
        merchant = point.merchant
        if merchant.opening_periods.exists() or merchant.opening_exceptions.exists():
            return is_open_at(merchant, at)
    else:
        hours = list(point.hours.all())
        if hours:
            return open_in(hours, [], at)
    t = timezone.localtime(at).time()
    if point.opens < point.closes:
        return point.opens <= t < point.closes
    return t >= point.opens or t < point.closes  # runs past midnight
