"""The bureau's pages (/bureau/), for analysts only (bureau.access): the district overview, a
community, the demonstration communities, the printable report and the exports. Every figure
comes from bureau.selectors; the pages work without JavaScript (charts are drawn from the
tables by static/js/bureau.js when it runs)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from communities.selectors import community_directory
from shop.core.errors import DomainError

from . import cells, district_map, exports, selectors
from . import period as periods
from .access import AnalystRequiredMixin

TREND_BY = cells.TREND_STEPS


class BureauView(AnalystRequiredMixin, View):
    template_name = ""

    def today(self):
        return selectors.today()

    def period(self, request):
        return periods.parse_period(start=request.GET.get("start"), end=request.GET.get("end"),
                                      compare=request.GET.get("compare"), today=self.today())

    def get(self, request, *args, **kwargs):
        try:
            return self.answer(request, **kwargs)
        except DomainError as error:
            return render(request, "bureau/error.html", {"error": error}, status=error.status_code)

    def page(self, request, context: dict):
        period = context.get("period_obj")
        context.setdefault("query", request.GET.urlencode())
        if period is not None:
            context.update(start=period.start.isoformat(), end=period.end.isoformat())
        context["compare_value"] = request.GET.get("compare", "none")
        return render(request, self.template_name, context)


class OverviewView(BureauView):
    template_name = "bureau/overview.html"

    def answer(self, request):
        period, compare = self.period(request)
        overview = selectors.district_overview(period=period, today=self.today(), compare=compare)
        svg = district_map.build(communities=community_directory(), ranking=overview["ranking"])
        return self.page(request, {"overview": overview, "map": svg, "period_obj": period})


class CommunityView(BureauView):
    template_name = "bureau/community.html"

    def answer(self, request, slug):
        community = selectors.get_community(slug=slug)
        period, compare = self.period(request)
        by = request.GET.get("by", "day")
        if by not in TREND_BY:
            raise periods.BadRequest(_("趋势粒度应为 day、week 或 month"), fields={"by": [_("未知的粒度")]})
        report = selectors.community_report(community=community, period=period, today=self.today(), compare=compare,
                                            by=by)
        return self.page(request, {"report": report, "period_obj": period, "by": by})


class ReportView(CommunityView):
    """The one-page printable report of a community (the kind a bureau files)."""

    template_name = "bureau/report.html"


class DemonstrationView(BureauView):
    template_name = "bureau/demonstration.html"

    def answer(self, request):
        period, _compare = self.period(request)
        return self.page(request, {"rows": selectors.demonstration_status(period=period, today=self.today()),
                                   "period_obj": period})


def _file(body: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _check_format(fmt: str):
    if fmt not in exports.FORMATS:
        raise periods.BadRequest(_("导出格式应为 csv 或 xlsx"), fields={"format": [_("未知的导出格式")]})


class DistrictExportView(BureauView):
    """The overview's and the demonstration page's tables (exports.DISTRICT_TABLES)."""

    def answer(self, request, table, fmt):
        _check_format(fmt)
        if table not in exports.DISTRICT_TABLES:
            raise periods.BadRequest(_("没有这张表"), fields={"table": [", ".join(exports.DISTRICT_TABLES)]})
        period, _compare = self.period(request)
        build, source = exports.DISTRICT_TABLES[table]
        if source == "demonstration":
            data = selectors.demonstration_status(period=period, today=self.today())
        else:
            data = selectors.district_overview(period=period, today=self.today())
        header, rows = build(data)
        return _file(exports.render(header=header, rows=rows, fmt=fmt), fmt, f"{table}_{period.start}_{period.end}")


class CommunityExportView(BureauView):
    def answer(self, request, slug, table, fmt):
        _check_format(fmt)
        if table not in exports.COMMUNITY_TABLES:
            raise periods.BadRequest(_("没有这张表"), fields={"table": [", ".join(exports.COMMUNITY_TABLES)]})
        community = selectors.get_community(slug=slug)
        period, compare = self.period(request)
        report = selectors.community_report(community=community, period=period, today=self.today(), compare=compare,
                                            by=request.GET.get("by", "day") if request.GET.get("by") in TREND_BY else "day")
        header, rows = exports.COMMUNITY_TABLES[table](report)
        return _file(exports.render(header=header, rows=rows, fmt=fmt), fmt,
                     f"{community.slug}_{table}_{period.start}_{period.end}")
