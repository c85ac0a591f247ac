"""Fulfilment: points (stores, front warehouses 前置仓, pickup stations, lockers), couriers,
bookable slots, and the fulfilment group, the part of an order that one merchant fulfils.

An Oscar order has one FulfilmentGroup per merchant. The group carries its own status and
event history, the delivery method, the pickup code, the promise and actual times; its
FulfilmentLines point at the Oscar order lines it covers, with the weighed-goods settlement.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import latitude_validators, longitude_validators
from merchants.models import OpeningPeriod

from .lifecycle import Status


class FulfilmentPoint(models.Model):
    class Kind(models.TextChoices):
        STORE = "store", _("商户门店")
        FRONT_WAREHOUSE = "front_warehouse", _("前置仓")
        PICKUP_STATION = "pickup_station", _("社区自提点")
        LOCKER = "locker", _("智能取件柜")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    merchant = models.ForeignKey(
        "partner.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="fulfilment_points",
        verbose_name=_("所属商户"), help_text=_("门店类必填; 前置仓可属于某连锁商户"),
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="fulfilment_points", verbose_name=_("社区")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), validators=latitude_validators)
    lng = models.FloatField(_("经度"), validators=longitude_validators)
    capacity_per_hour = models.PositiveIntegerField(
        _("每小时处理单量"), default=30, validators=[MinValueValidator(1)]
    )
    # kept for a point without weekly hours (PointHours) and a store whose merchant has none;
    # otherwise a store follows its merchant's hours, other points their PointHours (delivery.selectors.point_is_open)
    opens = models.TimeField(_("开门"))
    closes = models.TimeField(_("关门"), help_text=_("不晚于开门时间表示营业至次日"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["community", "kind", "name"]
        verbose_name = _("履约点")
        verbose_name_plural = _("履约点")
        indexes = [models.Index(fields=["lat", "lng"], name="fulfilmentpoint_location_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="store") | models.Q(merchant__isnull=False),
                name="fulfilmentpoint_store_has_merchant",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"


class PointStock(models.Model):
    """Units of a merchant's listing held at a point other than its store (a front warehouse, a
    community pickup station, a locker). A store needs no rows: it holds the merchant's own
    stock (the StockRecord, allocated at checkout). Dispatch takes units when it routes a group
    here and gives them back when the group ends before the goods left (delivery.services)."""

    point = models.ForeignKey(FulfilmentPoint, on_delete=models.CASCADE, related_name="stock",
                              verbose_name=_("履约点"))
    listing = models.ForeignKey("partner.StockRecord", on_delete=models.CASCADE, related_name="point_stock",
                                verbose_name=_("商户商品"))
    num_in_stock = models.PositiveIntegerField(_("库存数量"), default=0)

    class Meta:
        ordering = ["point", "listing"]
        verbose_name = _("履约点库存")
        verbose_name_plural = _("履约点库存")
        constraints = [models.UniqueConstraint(fields=["point", "listing"], name="pointstock_one_per_listing")]

    def __str__(self):
        return f"{self.point.name} · {self.listing.partner_sku}: {self.num_in_stock}"


class Courier(models.Model):
    class Vehicle(models.TextChoices):
        EBIKE = "ebike", _("电动车")
        BICYCLE = "bicycle", _("自行车")
        FOOT = "foot", _("步行")
        TRICYCLE = "tricycle", _("三轮车")

    class Status(models.TextChoices):
        OFFLINE = "offline", _("离线")
        AVAILABLE = "available", _("空闲")
        BUSY = "busy", _("配送中")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courier")
    name = models.CharField(_("姓名"), max_length=32)
    vehicle = models.CharField(_("交通工具"), max_length=16, choices=Vehicle.choices, default=Vehicle.EBIKE)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OFFLINE)
    capacity = models.PositiveSmallIntegerField(
        _("同时配送单数上限"), default=3, validators=[MinValueValidator(1)]
    )
    home_point = models.ForeignKey(
        FulfilmentPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="couriers",
        verbose_name=_("常驻站点"),
    )
    merchant = models.ForeignKey(
        "partner.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="own_couriers",
        verbose_name=_("所属商户"), help_text=_("商户自配送的骑手: 只接这家商户的订单。留空为平台骑手"),
    )
    last_lat = models.FloatField(_("最近纬度"), validators=latitude_validators, null=True, blank=True)
    last_lng = models.FloatField(_("最近经度"), validators=longitude_validators, null=True, blank=True)
    last_seen = models.DateTimeField(_("最近上报"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("骑手")
        verbose_name_plural = _("骑手")

    def __str__(self):
        return self.name


class Slot(models.Model):
    """A bookable time with a capacity: a home-service appointment or a 30-minute delivery window."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("上门服务时段")
        DELIVERY = "delivery", _("配送时段")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    merchant = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="slots", verbose_name=_("商户"))
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="slots",
        verbose_name=_("服务项目"), help_text=_("留空表示该商户所有服务项目通用"),
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    duration_min = models.PositiveSmallIntegerField(_("时长 (分钟)"), default=30, validators=[MinValueValidator(1)])
    capacity = models.PositiveSmallIntegerField(_("容量"), default=1, validators=[MinValueValidator(1)])
    booked = models.PositiveSmallIntegerField(_("已预约"), default=0)
    template = models.ForeignKey(
        "SlotTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="slots",
        verbose_name=_("来自模板"),
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        indexes = [models.Index(fields=["merchant", "kind", "starts_at"], name="slot_merchant_kind_start_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.starts_at):%m-%d %H:%M} ({self.booked}/{self.capacity})"

    @property
    def ends_at(self):
        return self.starts_at + timezone.timedelta(minutes=self.duration_min)

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


class SlotTemplate(models.Model):
    """A merchant's weekly pattern of bookable slots: on `weekday`, from `starts` to `ends`,
    one slot every `slot_minutes` with `capacity` places. delivery.slot_templates writes the
    coming days' slots from it (a beat job keeps SLOT_DAYS_AHEAD days written)."""

    merchant = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="slot_templates",
                                 verbose_name=_("商户"))
    kind = models.CharField(_("类型"), max_length=10, choices=Slot.Kind.choices)
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="slot_templates",
        verbose_name=_("服务项目"), help_text=_("留空表示该商户所有服务项目通用"),
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=OpeningPeriod.Weekday.choices)
    starts = models.TimeField(_("开始"))
    ends = models.TimeField(_("结束"))
    slot_minutes = models.PositiveSmallIntegerField(_("每段分钟数"), default=30, validators=[MinValueValidator(10)])
    capacity = models.PositiveSmallIntegerField(_("每段容量"), default=1, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["merchant", "weekday", "starts", "pk"]
        verbose_name = _("时段模板")
        verbose_name_plural = _("时段模板")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends__gt=models.F("starts")), name="slottemplate_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M} ×{self.capacity}"


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class FulfilmentGroup(models.Model):
    """One merchant's part of an order: the unit that merchants accept and dispatch routes."""

    class Method(models.TextChoices):
        DELIVERY = "delivery", _("配送上门")
        PICKUP = "pickup", _("到店/站点自提")

    Status = Status  # the statuses and their moves: delivery.lifecycle

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="fulfilment_groups")
    merchant = models.ForeignKey("partner.Partner", on_delete=models.PROTECT, related_name="fulfilment_groups", verbose_name=_("商户"))
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, db_index=True)
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


# --- dispatch (issue 5): the job, the routing decision, offers to couriers and providers ------


class ServiceProvider(models.Model):
    """A merchant's staff member who does home-service jobs (cleaning, repairs, care visits)."""

    class Status(models.TextChoices):
        OFFLINE = "offline", _("休息")
        AVAILABLE = "available", _("可接单")

    merchant = models.ForeignKey("partner.Partner", on_delete=models.CASCADE, related_name="service_providers",
                                 verbose_name=_("商户"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_providers")
    name = models.CharField(_("姓名"), max_length=32)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    last_lat = models.FloatField(_("最近纬度"), validators=latitude_validators, null=True, blank=True)
    last_lng = models.FloatField(_("最近经度"), validators=longitude_validators, null=True, blank=True)

    class Meta:
        ordering = ["merchant", "name"]
        verbose_name = _("上门服务人员")
        verbose_name_plural = _("上门服务人员")
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="serviceprovider_one_per_merchant")]

    def __str__(self):
        return self.name


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
    decided_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("调度决策")
        verbose_name_plural = _("调度决策")
        indexes = [models.Index(fields=["point", "decided_at"], name="decision_point_time_idx")]


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
            models.Index(fields=["courier", "state"], name="joboffer_courier_state_idx"),
        ]


# --- handover at a community station (issue 11) -----------------------------------------------


class StationOperator(models.Model):
    """A person who runs a community pickup station (or locker) and hands parcels over there with
    the resident's code. Scoped to their points: they see and act on nothing else."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="station_roles")
    point = models.ForeignKey(FulfilmentPoint, on_delete=models.CASCADE, related_name="operators",
                              verbose_name=_("自提点"),
                              limit_choices_to={"kind__in": ["pickup_station", "locker"]})
    name = models.CharField(_("姓名"), max_length=32)

    class Meta:
        ordering = ["point", "name"]
        verbose_name = _("自提点管理员")
        verbose_name_plural = _("自提点管理员")
        constraints = [models.UniqueConstraint(fields=["user", "point"], name="stationoperator_one_per_point")]

    def __str__(self):
        return f"{self.name} · {self.point.name}"


class PointHours(models.Model):
    """A front warehouse's or a community station's weekly hours, in the form of a merchant's
    OpeningPeriod (a close not after the open runs past midnight). A store has none: it keeps
    its merchant's hours and exceptions."""

    point = models.ForeignKey(FulfilmentPoint, on_delete=models.CASCADE, related_name="hours", verbose_name=_("履约点"))
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=[(d, _(n)) for d, n in enumerate(
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"])])
    opens = models.TimeField(_("开门"))
    closes = models.TimeField(_("关门"))

    class Meta:
        ordering = ["point", "weekday", "opens"]
        verbose_name = _("履约点营业时间")
        verbose_name_plural = _("履约点营业时间")
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
