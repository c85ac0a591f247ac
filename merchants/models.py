"""Merchants: Oscar's Partner grown into a neighbourhood shop profile.

A listing is a merchant's offer of a product: Oscar's StockRecord, unchanged.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.partner.abstract_models import AbstractPartner

from communities.models import latitude_validators, longitude_validators
from shop.core.geo import validate_polygon_geojson


class BusinessFormat(models.Model):
    """A business format of the 15-minute living circle (loaded from merchants/data/formats.csv)."""

    class Tier(models.TextChoices):
        BASIC = "basic", _("基本保障类")
        QUALITY = "quality", _("品质提升类")

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    tier = models.CharField(_("类别"), max_length=16, choices=Tier.choices)
    name_zh = models.CharField(_("中文名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128)
    priority_pair = models.CharField(_("重点业态"), max_length=16, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("业态")
        verbose_name_plural = _("业态")

    def __str__(self):
        return self.name_zh


class Partner(AbstractPartner):
    class Delivery(models.TextChoices):
        NONE = "none", _("不配送 (到店)")
        OWN = "own", _("商户自配送")
        PLATFORM = "platform", _("平台骑手配送")

    format = models.ForeignKey(
        BusinessFormat, on_delete=models.PROTECT, related_name="merchants", null=True, verbose_name=_("业态")
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="merchants", null=True, blank=True,
        verbose_name=_("所属社区"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), validators=latitude_validators, null=True)
    lng = models.FloatField(_("经度"), validators=longitude_validators, null=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    description = models.TextField(_("简介"), blank=True)
    delivery_capability = models.CharField(
        _("配送能力"), max_length=16, choices=Delivery.choices, default=Delivery.NONE
    )
    service_radius_m = models.PositiveIntegerField(
        _("服务半径 (米)"), null=True, blank=True, help_text=_("配送或上门服务的范围; 与服务区域多边形二选一或同时设置")
    )
    service_area = models.JSONField(
        _("服务区域 (GeoJSON)"), null=True, blank=True, validators=[validate_polygon_geojson]
    )
    is_chain = models.BooleanField(_("连锁门店"), default=False)
    licence_verified = models.BooleanField(_("营业执照已核验"), default=False)
    rating = models.DecimalField(
        _("评分"), max_digits=2, decimal_places=1, default=Decimal("0.0"),
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    is_active = models.BooleanField(_("营业中"), default=True)
    # the bureau's outlet figures (issue 13): floor area per 100 households, shops opening and closing
    floor_area_m2 = models.PositiveIntegerField(_("营业面积 (平方米)"), null=True, blank=True)
    opened_on = models.DateField(_("开业日期"), null=True, blank=True, help_text=_("留空表示早于平台记录"))
    closed_on = models.DateField(_("停业日期"), null=True, blank=True, help_text=_("停业后同时取消“营业中”"))
    min_order = models.DecimalField(
        _("起送金额"), max_digits=8, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)],
        help_text=_("配送订单的最低商品金额; 到店自提不受限制"),
    )
    delivery_fee = models.DecimalField(
        _("配送费"), max_digits=6, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    weight_overage_cap_percent = models.PositiveSmallIntegerField(
        _("称重补差上限 (%)"), default=10, validators=[MaxValueValidator(50)],
        help_text=_("称重商品实际重量超出时, 最多按预估金额的这一比例补收差价"),
    )

    class Meta(AbstractPartner.Meta):
        verbose_name = _("商户")
        verbose_name_plural = _("商户")
        indexes = [models.Index(fields=["lat", "lng"], name="partner_location_idx")]

    @property
    def delivers(self) -> bool:
        return self.delivery_capability != self.Delivery.NONE


class OpeningPeriod(models.Model):
    """A weekly opening period; a period whose close is not after its open runs past midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("周一")
        TUESDAY = 1, _("周二")
        WEDNESDAY = 2, _("周三")
        THURSDAY = 3, _("周四")
        FRIDAY = 4, _("周五")
        SATURDAY = 5, _("周六")
        SUNDAY = 6, _("周日")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    opens = models.TimeField(_("开门"))
    closes = models.TimeField(_("关门"))

    class Meta:
        ordering = ["partner", "weekday", "opens"]
        verbose_name = _("营业时间")
        verbose_name_plural = _("营业时间")

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class OpeningException(models.Model):
    """A date that differs from the weekly hours: closed (holiday) or special hours."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="opening_exceptions")
    date = models.DateField(_("日期"))
    is_closed = models.BooleanField(_("全天休息"), default=True)
    opens = models.TimeField(_("开门"), null=True, blank=True)
    closes = models.TimeField(_("关门"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["partner", "date"]
        verbose_name = _("特殊营业日")
        verbose_name_plural = _("特殊营业日")
        constraints = [
            models.UniqueConstraint(fields=["partner", "date"], name="opening_exception_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(is_closed=True) | models.Q(opens__isnull=False, closes__isnull=False),
                name="opening_exception_hours_when_open",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.note or ''}".strip()


from oscar.apps.partner.models import *  # noqa: E402,F403  (Oscar's remaining partner models)
