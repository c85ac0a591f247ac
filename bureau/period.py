"""The period the bureau's pages and API are asked for (?start=&end=&compare=), checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from shop.core.errors import DomainError

from . import metrics


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

