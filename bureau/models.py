"""Daily snapshots of each community's figures (issue 13).

A snapshot holds *counts*, never shares, so any period and any grouping (street, district,
the demonstration communities) is a sum of snapshots: households covered per format, orders,
sales, on-time and late deliveries, minutes as a histogram, ratings and survey answers by
score. The figures themselves are worked out in bureau.metrics; see its docstring for the
definitions.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricSnapshot(models.Model):
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="metric_snapshots",
                                  verbose_name=_("社区"))
    date = models.DateField(_("日期"))
    data = models.JSONField(_("数据"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["community", "date"]
        verbose_name = _("社区指标快照")
        verbose_name_plural = _("社区指标快照")
        constraints = [models.UniqueConstraint(fields=["community", "date"], name="metricsnapshot_one_per_day")]
        indexes = [models.Index(fields=["date"], name="metricsnapshot_date_idx")]
        # the one permission the bureau's analysts hold (group 商务局分析员): the /bureau/ pages and API
        permissions = [("view_bureau", _("查看商务局统计"))]
