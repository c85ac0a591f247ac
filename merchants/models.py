"""Merchants: Oscar's Partner grown into a neighbourhood shop profile.

A listing is a merchant's offer of a product: Oscar's StockRecord, with a positive price and
no write-back of `num_allocated` (see StockRecord below).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.partner.abstract_models import AbstractPartner, AbstractStockRecord

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
    # the bureau's outlet figures (issue 13): shops opening and closing (floor area: below)
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

    paused_until = models.DateTimeField(
        _("暂停营业至"), null=True, blank=True, help_text=_("在此之前暂停接单 (临时有事、盘点等)")
    )
    pause_reason = models.CharField(_("暂停原因"), max_length=100, blank=True)
    communities_served = models.ManyToManyField(
        "communities.Community", blank=True, related_name="served_by", verbose_name=_("服务社区"),
        help_text=_("按社区选择服务范围时, 服务区域为这些社区边界的合并"),
    )
    licence_number = models.CharField(_("营业执照号"), max_length=32, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("营业面积 (平方米)"), null=True, blank=True)  # also the bureau's m² per 100 households
    low_stock_summary = models.BooleanField(_("每日低库存提醒"), default=False,
                                            help_text=_("每天早上给店主发一封低库存商品汇总邮件"))

    class Meta(AbstractPartner.Meta):
        verbose_name = _("商户")
        verbose_name_plural = _("商户")
        indexes = [models.Index(fields=["lat", "lng"], name="partner_location_idx")]

    @property
    def delivers(self) -> bool:
        return self.delivery_capability != self.Delivery.NONE

    def is_paused(self, moment) -> bool:
        return self.paused_until is not None and moment < self.paused_until


class StaffRole(models.Model):
    """A staff member's role in one shop. Members of `Partner.users` without a row are owners
    (the shops created before roles existed)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("店主")
        CLERK = "clerk", _("店员")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="staff_roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_roles")
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.CLERK)

    class Meta:
        verbose_name = _("店铺员工")
        verbose_name_plural = _("店铺员工")
        constraints = [models.UniqueConstraint(fields=["partner", "user"], name="staffrole_one_per_shop")]


def licence_path(instance, filename: str) -> str:
    """An unguessable name: licence photos are shown only to the applicant and operators."""
    import os
    import uuid

    return f"licences/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()[:5]}"


class MerchantApplication(models.Model):
    """A shop's application to open on the platform; an operator approves (the shop is created
    and the applicant becomes its owner) or refuses it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REFUSED = "refused", _("未通过")

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_applications")
    name = models.CharField(_("店名"), max_length=128)
    format = models.ForeignKey(BusinessFormat, on_delete=models.PROTECT, related_name="+", verbose_name=_("业态"))
    address = models.ForeignKey("communities.StandardAddress", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("标准地址"))
    phone = models.CharField(_("电话"), max_length=20)
    licence_number = models.CharField(_("营业执照号"), max_length=32)
    licence_photo = models.ImageField(_("营业执照照片"), upload_to=licence_path)
    is_chain = models.BooleanField(_("连锁门店"), default=False)
    floor_area_m2 = models.PositiveIntegerField(_("营业面积 (平方米)"), validators=[MinValueValidator(1)])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    partner = models.OneToOneField(Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="application")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("开店申请")
        verbose_name_plural = _("开店申请")

    def __str__(self):
        return self.name


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


class StockRecord(AbstractStockRecord):
    """A listing: one shop's offer of a (possibly shared) product, Oscar's StockRecord with
    whether the shop shows it and two guards.

    - `is_published`: unpublishing hides one shop's offer without touching the shared product
      that other shops sell. `low_stock_threshold` (Oscar's) flags low stock.
    - Its price is > 0 (validator for every form and import, constraint for everything else):
      a -50 item in a mixed order would pay for another shop's goods.
    - Saving an existing listing never writes `num_allocated` back unless asked by name
      (`update_fields`): only the allocation services change it, with F() updates, and a form
      that read the row before a concurrent checkout allocated from it would undo that
      allocation (Oscar's dashboard stock-record form, the admin).
    """

    is_published = models.BooleanField(_("上架"), default=True)
    price = models.DecimalField(
        _("价格"), decimal_places=2, max_digits=12, blank=True, null=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta(AbstractStockRecord.Meta):
        constraints = [
            models.CheckConstraint(condition=models.Q(price__isnull=True) | models.Q(price__gt=0),
                                   name="stockrecord_price_positive"),
        ]
        # the portal's listings table: a shop's listings, newest change first (a page is an index walk)
        indexes = [models.Index("partner", models.F("date_updated").desc(), models.F("id").desc(),
                                name="stockrecord_shop_recent_idx")]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if not f.primary_key and f.attname != "num_allocated"
            ]
        super().save(*args, **kwargs)


class StockMovement(models.Model):
    """One change of a listing's stock: the ledger the counters are recomputed from.

    A listing's `num_in_stock` is the sum of `delta` over its rows with no point, its
    `num_allocated` the sum of `allocated_delta` (`stock_audit` checks both). A row with a
    `point_id` moves units held at a fulfilment point (delivery.PointStock) instead of the
    shop's own counter. `point_id` and `group_id` name delivery's rows by id, without a foreign
    key: merchants sits below delivery and never imports it (docs/architecture.md, Stock ledger).
    """

    class Reason(models.TextChoices):
        OPENING = "opening", _("期初库存")
        RECEIVED = "received", _("入库")
        COUNTED = "counted", _("盘点")
        ALLOCATED = "allocated", _("下单占用")
        SOLD = "sold", _("售出")
        RELEASED = "released", _("释放占用")
        RETURNED = "returned", _("退货入库")
        TRANSFERRED = "transferred", _("调拨")

    listing = models.ForeignKey(
        "partner.StockRecord", on_delete=models.CASCADE, related_name="movements", verbose_name=_("商户商品")
    )
    point_id = models.PositiveBigIntegerField(
        _("履约点"), null=True, blank=True, help_text=_("空表示商户门店自己的库存; 否则为该履约点的库存")
    )
    reason = models.CharField(_("原因"), max_length=16, choices=Reason.choices)
    delta = models.IntegerField(_("库存变化"), default=0)
    allocated_delta = models.IntegerField(_("占用变化"), default=0)
    group_id = models.PositiveBigIntegerField(_("履约单"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        indexes = [
            models.Index(fields=["listing", "-at"], name="stockmovement_listing_at_idx"),
            # closing a group's stock looks its rows up once (consumed or released exactly once)
            models.Index(fields=["group_id"], name="stockmovement_group_idx", condition=models.Q(group_id__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} {self.delta:+d}"


def import_path(instance, filename: str) -> str:
    import os
    import uuid

    return f"imports/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()[:5]}"


class ListingImport(models.Model):
    """A CSV/XLSX file of a shop's listings: checked (dry run), then applied; a large file runs
    as a Celery task and reports its progress here. The report lists every row with a problem."""

    class Mode(models.TextChoices):
        DRY_RUN = "dry_run", _("试运行")
        APPLY = "apply", _("导入 (有错则全部不导入)")
        APPLY_VALID = "apply_valid", _("只导入无误的行")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("完成")
        FAILED = "failed", _("失败")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="listing_imports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to=import_path)
    filename = models.CharField(max_length=200)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.DRY_RUN)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("商品导入")
        verbose_name_plural = _("商品导入")


from oscar.apps.partner.models import *  # noqa: E402,F403  (Oscar's remaining partner models)
