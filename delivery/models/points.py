"""Fulfilment points (stores, front warehouses 前置仓, pickup stations, lockers), their stock,
weekly hours and station operators."""


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
