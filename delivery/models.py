"""Fulfilment points (stores, front warehouses 前置仓, pickup stations, lockers) and couriers.

Dispatch (choosing a point and a courier for an order) comes with the dispatch issue.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.models import latitude_validators, longitude_validators


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
    last_lat = models.FloatField(_("最近纬度"), validators=latitude_validators, null=True, blank=True)
    last_lng = models.FloatField(_("最近经度"), validators=longitude_validators, null=True, blank=True)
    last_seen = models.DateTimeField(_("最近上报"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("骑手")
        verbose_name_plural = _("骑手")

    def __str__(self):
        return self.name
