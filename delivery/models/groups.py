"""The fulfilment group (the part of an order one merchant fulfils), its lines, events and rating."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..lifecycle import Status
from .agents import Courier
from .points import FulfilmentPoint, PointStock
from .slots import Slot


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class FulfilmentGroup(models.Model):
    """One merchant's part of an order: the unit that merchants accept and dispatch routes."""

    class Method(models.TextChoices):
        DELIVERY = "delivery", _("配送上门")
        PICKUP = "pickup", _("到店/站点自提")

    Status = Status  # the statuses and their moves: delivery.lifecycle

    # no index of their own: fulfilmentgroup_one_per_merchant leads with order, group_merchant_status_idx
    # with merchant (every checkout inserts a group per shop and wrote both twice over)
    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="fulfilment_groups", db_index=False)
    merchant = models.ForeignKey("partner.Partner", on_delete=models.PROTECT, related_name="fulfilment_groups",
                                 verbose_name=_("商户"), db_index=False)
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)  # indexed in Meta (no LIKE twin)
    window = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="delivery_groups",
        verbose_name=_("配送时段"), help_text=_("空表示尽快送达"),
    )
    dropoff = models.ForeignKey(
        "communities.StandardAddress", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("送达地址"), help_text=_("下单时选择的标准地址: 配送和上门服务的终点"),
    )
    dropoff_community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("送达社区"), help_text=_("注销账号抹去送达地址后保留的社区, 商务局的统计仍计入"),
    )
    pickup_point = models.ForeignKey(
        FulfilmentPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="pickup_groups",
        verbose_name=_("自提点"), help_text=_("空表示到商户门店自提"),
    )
    point = models.ForeignKey(
        FulfilmentPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="fulfilment_groups",
        verbose_name=_("履约点"), help_text=_("由调度任务选定的备货地点"),
    )
    courier = models.ForeignKey(
        Courier, on_delete=models.SET_NULL, null=True, blank=True, related_name="groups", verbose_name=_("骑手")
    )
    pickup_code = models.CharField(_("取货码"), max_length=6, blank=True)
    goods_total = models.DecimalField(_("商品金额 (预估)"), max_digits=10, decimal_places=2)
    delivery_fee = models.DecimalField(_("配送费"), max_digits=8, decimal_places=2, default=Decimal("0.00"))
    weight_adjustment = models.DecimalField(
        _("称重差价"), max_digits=10, decimal_places=2, default=Decimal("0.00"),
        help_text=_("负数为退款, 正数为补收"),
    )
    accepted_at = models.DateTimeField(_("商户接单时间"), null=True, blank=True)
    promised_at = models.DateTimeField(_("承诺送达/可取时间"), null=True, blank=True)
    ready_at = models.DateTimeField(_("备货完成时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("实际送达/取货时间"), null=True, blank=True)
    status_reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("履约单")
        verbose_name_plural = _("履约单")
        constraints = [
            models.UniqueConstraint(fields=["order", "merchant"], name="fulfilmentgroup_one_per_merchant"),
            models.CheckConstraint(
                condition=~models.Q(method="pickup") | ~models.Q(pickup_code=""), name="fulfilmentgroup_pickup_has_code"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status"], name="group_merchant_status_idx"),
            models.Index(fields=["status"], name="group_status_idx"),  # db_index=True also built a LIKE index nobody used
            # the jobs a courier holds (dispatch counts them per courier on every offer and accept);
            # a courier's delivered history and the city's other active groups stay out of it
            models.Index(fields=["courier"], condition=models.Q(status__in=["courier_assigned", "picked_up"]),
                         name="group_held_by_courier_idx"),
        ]

    def __str__(self):
        return f"{self.order.number}-{self.pk} {self.merchant}"

    @property
    def total(self) -> Decimal:
        return self.goods_total + self.delivery_fee + self.weight_adjustment

    @property
    def weight_refund(self) -> Decimal:
        """What goes back to the resident because weighed goods came out lighter (0 if none)."""
        return max(-self.weight_adjustment, Decimal("0.00"))

    @property
    def weight_extra(self) -> Decimal:
        """What the resident pays on top because weighed goods came out heavier (capped)."""
        return max(self.weight_adjustment, Decimal("0.00"))


class FulfilmentLine(models.Model):
    """An order line in its group, with the booked slot or the weighed-goods settlement."""

    group = models.ForeignKey(FulfilmentGroup, on_delete=models.CASCADE, related_name="lines")
    order_line = models.OneToOneField("order.Line", on_delete=models.CASCADE, related_name="fulfilment")
    listing = models.ForeignKey(
        "partner.StockRecord", on_delete=models.SET_NULL, null=True, related_name="fulfilment_lines"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    point_stock = models.ForeignKey(
        PointStock, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("占用履约点库存"), help_text=_("调度从该履约点库存取出本行数量时记下, 退回后清空"),
    )
    quantity = models.PositiveIntegerField(_("数量"))
    unit_price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    estimated_amount = models.DecimalField(_("预估金额"), max_digits=10, decimal_places=2)
    estimated_weight_g = models.PositiveIntegerField(_("预估重量 (克)"), null=True, blank=True)
    actual_weight_g = models.PositiveIntegerField(_("实际重量 (克)"), null=True, blank=True)
    final_amount = models.DecimalField(_("结算金额"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["group", "pk"]
        verbose_name = _("履约明细")
        verbose_name_plural = _("履约明细")

    @property
    def is_weighed(self) -> bool:
        return self.estimated_weight_g is not None


class FulfilmentEvent(models.Model):
    """A timestamped status change of a group, with who or what made it and why."""

    group = models.ForeignKey(FulfilmentGroup, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("状态"), max_length=20)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.CharField(_("操作方"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("履约事件")
        verbose_name_plural = _("履约事件")


class GroupRating(models.Model):
    """A resident's rating (1–5, optional comment) of one shop's part of a completed order.

    One per fulfilment group; the shop's `Partner.rating` is the mean of its ratings
    (delivery.ratings.rate_order keeps it in step)."""

    group = models.OneToOneField(FulfilmentGroup, on_delete=models.CASCADE, related_name="rating")
    merchant = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="ratings",
                                 verbose_name=_("商户"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_ratings")
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1)])
    comment = models.CharField(_("评价"), max_length=300, blank=True)
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["-rated_at", "pk"]
        verbose_name = _("订单评价")
        verbose_name_plural = _("订单评价")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="grouprating_score_1_to_5"),
        ]
        indexes = [models.Index(fields=["merchant", "rated_at"], name="grouprating_merchant_time_idx")]
