"""The merchant portal's files and figures: listing import (dry run, apply, progress) and export,
the figures page and the settlement statement."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from shop.core.errors import DomainError

from . import selectors
from .portal_base import PortalAction, PortalPage, error_text
from .shop_access import ShopViewMixin

# --- import and export -----------------------------------------------------------------------------------


class ImportView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/import.html"

    def get_context_data(self, **kwargs):
        from catalog.listing_io import COLUMNS

        return super().get_context_data(columns=COLUMNS, imports=selectors.shop_imports(shop_id=self.ctx.shop.pk)[:10],
                                        **kwargs)

    def post(self, request):
        from catalog import services as catalog_services

        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的文件"))
            return self.render_to_response(self.get_context_data())
        try:
            job = catalog_services.start_listing_import(shop_id=self.ctx.shop.pk, user=request.user, upload=upload,
                                                        mode=request.POST.get("mode", "dry_run"))
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data())
        return HttpResponseRedirect(reverse("merchant-portal:import-detail", kwargs={"pk": job.pk}))


class ImportDetailView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/import_detail.html"

    def get_context_data(self, **kwargs):
        job = selectors.shop_import(shop_id=self.ctx.shop.pk, pk=self.kwargs["pk"])
        if job is None:
            raise Http404(_("没有这次导入"))
        return super().get_context_data(job=job, **kwargs)


class ImportStatusView(ShopViewMixin, View):
    """JSON for the progress bar."""

    owner_only = True

    def get(self, request, pk):
        from django.http import JsonResponse

        job = selectors.shop_import(shop_id=self.ctx.shop.pk, pk=pk)
        if job is None:
            raise Http404(_("没有这次导入"))
        return JsonResponse({"state": job.state, "processed": job.processed, "total": job.total,
                             "counts": job.report.get("counts", {})})


class ImportApplyView(PortalAction):
    owner_only = True

    def act(self, request, pk):
        from catalog import services as catalog_services

        self.job = catalog_services.rerun_listing_import(
            shop_id=self.ctx.shop.pk, import_id=pk, user=request.user,
            mode="apply_valid" if request.POST.get("mode") == "apply_valid" else "apply")
        return ""

    def default_url(self, **kwargs):
        job = getattr(self, "job", None)
        return reverse("merchant-portal:import-detail", kwargs={"pk": job.pk if job else kwargs["pk"]})


class ExportView(ShopViewMixin, View):
    owner_only = True

    def get(self, request):
        from django.http import HttpResponse

        from catalog import listing_io

        if request.GET.get("format") == "xlsx":
            content = listing_io.export_xlsx(shop_id=self.ctx.shop.pk)
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = 'attachment; filename="listings.xlsx"'
        else:
            response = HttpResponse(listing_io.export_csv(shop_id=self.ctx.shop.pk), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="listings.csv"'
        return response


# --- figures and settlement ------------------------------------------------------------------------------


class FiguresView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/figures.html"
    PERIODS = {"today": gettext_lazy("今天"), "week": gettext_lazy("本周"), "month": gettext_lazy("本月")}

    def get_context_data(self, **kwargs):
        period = self.request.GET.get("period")
        period = period if period in self.PERIODS else "week"
        start, end = selectors.period_bounds(period=period, now=timezone.now())
        figures = selectors.shop_figures(shop_id=self.ctx.shop.pk, start=start, end=end)
        chart = {
            "days": [row["day"] for row in figures["daily"]], "sales": [row["amount"] for row in figures["daily"]],
            "top": [row["title"] for row in figures["top"]], "top_amounts": [str(row["amount"]) for row in figures["top"]],
        }
        return super().get_context_data(period=period, periods=self.PERIODS, figures=figures,
                                        chart=chart, **kwargs)


class SettlementView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/settlement.html"

    def statement(self):
        month = self.request.GET.get("month", "")
        start, end = selectors.month_bounds(month=month, now=timezone.now())
        return start, selectors.settlement(shop_id=self.ctx.shop.pk, start=start, end=end)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        start, statement = self.statement()
        return super().get_context_data(month=start.strftime("%Y-%m"), statement=statement, **kwargs)

    def csv(self):
        import csv

        from django.http import HttpResponse

        from catalog.listing_io import neutralise

        start, statement = self.statement()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="settlement-{start:%Y-%m}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["order", "completed_at", "goods", "delivery_fee", "refund", "adjustment", "net"])
        for row in statement["rows"]:
            writer.writerow([neutralise(str(row["order"])), timezone.localtime(row["completed_at"]).isoformat(),
                             row["goods"], row["delivery_fee"], row["refund"], row["adjustment"], row["net"]])
        totals = statement["totals"]
        writer.writerow(["total", "", totals["goods"], totals["delivery_fees"], totals["refunds"],
                         totals["adjustments"], totals["net"]])
        return response
