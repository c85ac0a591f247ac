"""Dispatch: one job per group (the outbox of routing requests), the decisions routing took, and
the offers made to couriers and providers."""


from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .agents import Courier, ServiceProvider
from .groups import FulfilmentGroup
from .points import FulfilmentPoint


class DispatchJob(models.Model):
    """The dispatch of one group. Written in the order's transaction, so it is also the outbox
    row: `routed_at` stays empty until the routing task has run, and beat re-sends such rows."""

    group = models.OneToOneField(FulfilmentGroup, on_delete=models.CASCADE, related_name="dispatch")
    requested_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("最近发送"), null=True, blank=True, help_text=_("最近一次发出调度任务的时间"))
    routed_at = models.DateTimeField(_("完成分配履约点"), null=True, blank=True)
    provider = models.ForeignKey(ServiceProvider, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="jobs", verbose_name=_("上门服务人员"))
    eta_at = models.DateTimeField(_("预计送达"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("调度任务")
        verbose_name_plural = _("调度任务")
        indexes = [models.Index(fields=["requested_at"], condition=models.Q(routed_at__isnull=True),
                                name="dispatchjob_pending_idx")]


class DispatchDecision(models.Model):
    """Which point fulfils a group and why: every candidate with its travel time and, for the
    ones that lost, the reason."""

    group = models.ForeignKey(FulfilmentGroup, on_delete=models.CASCADE, related_name="dispatch_decisions")
    point = models.ForeignKey(FulfilmentPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # [{"point_id", "name", "kind", "travel_min", "chosen": bool, "reason": str}]
    candidates = models.JSONField(default=list)
    reason = models.CharField(_("结论"), max_length=200)
    # whether the job rides with others leaving the same point (delivery.runs), and why or why
    # not: {"chained", "with": [group ids], "separate_min", "together_min", "saving_min",
    # "reason", "run"}; empty when no other job of its batch left that point
    chain = models.JSONField(_("合并配送"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("调度决策")
        verbose_name_plural = _("调度决策")
        indexes = [models.Index(fields=["point", "decided_at"], name="decision_point_time_idx")]


class DeliveryRun(models.Model):
    """Jobs leaving one point together for nearby drop-offs, offered to one courier as one run
    (delivery.runs decides it): the drop-offs in the order the courier rides them, and the
    minutes that decided it (the travel model's ride from the point, delivery.travel)."""

    point = models.ForeignKey(FulfilmentPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # [{"group": id, "minutes": ride from the point to this drop-off}], in riding order
    stops = models.JSONField(default=list)
    separate_min = models.FloatField(_("分开送用时 (分钟)"))
    together_min = models.FloatField(_("一趟送用时 (分钟)"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("合并配送")
        verbose_name_plural = _("合并配送")

    def __str__(self):
        return f"#{self.pk} " + " → ".join(f"#{stop['group']}" for stop in self.stops)

    @property
    def saving_min(self) -> float:
        return round(self.separate_min - self.together_min, 1)


class JobOffer(models.Model):
    """A job offered to one courier (or, for home services, one provider) until `expires_at`."""

    class State(models.TextChoices):
        PENDING = "pending", _("待接单")
        ACCEPTED = "accepted", _("已接单")
        DECLINED = "declined", _("已拒绝")
        EXPIRED = "expired", _("超时未接")
        WITHDRAWN = "withdrawn", _("已撤回")

    group = models.ForeignKey(FulfilmentGroup, on_delete=models.CASCADE, related_name="offers")
    courier = models.ForeignKey(Courier, on_delete=models.CASCADE, null=True, blank=True, related_name="offers")
    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE, null=True, blank=True, related_name="offers")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    offered_at = models.DateTimeField(_("派单时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    run = models.ForeignKey(DeliveryRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers",
                            verbose_name=_("合并配送"), help_text=_("与同一趟的其他订单一起派给这位骑手"))

    class Meta:
        ordering = ["offered_at", "pk"]
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        constraints = [
            # one open offer per job at a time: a task that runs twice cannot offer it twice
            models.UniqueConstraint(fields=["group"], condition=models.Q(state="pending"), name="joboffer_one_pending"),
            models.CheckConstraint(
                condition=models.Q(courier__isnull=False, provider__isnull=True)
                | models.Q(courier__isnull=True, provider__isnull=False),
                name="joboffer_courier_or_provider",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=models.Q(state="pending"), name="joboffer_pending_idx"),
            # a courier's open offers (its load, jobs.couriers_with_load: counted for every courier near a
            # batch's points); without it PostgreSQL scanned every pending offer once per courier
            models.Index(fields=["courier"], condition=models.Q(state="pending"), name="joboffer_pending_courier_idx"),
            models.Index(fields=["courier", "state"], name="joboffer_courier_state_idx"),
        ]
