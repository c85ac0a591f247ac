"""Communities (社区), their standard addresses (标准地址) and residents' saved addresses."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.core.geo import validate_polygon_geojson

latitude_validators = [MinValueValidator(-90), MaxValueValidator(90)]
longitude_validators = [MinValueValidator(-180), MaxValueValidator(180)]


class Community(models.Model):
    class Demonstration(models.TextChoices):
        NONE = "none", _("非示范社区")
        PROVINCIAL = "provincial", _("省级示范")
        NATIONAL = "national", _("国家级示范")

    name = models.CharField(_("名称"), max_length=64)
    slug = models.SlugField(_("slug"), max_length=64, unique=True, allow_unicode=True)
    street = models.CharField(_("街道"), max_length=64)
    district = models.CharField(_("区"), max_length=64)
    city = models.CharField(_("市"), max_length=64, default="南京市")
    boundary = models.JSONField(
        _("边界 (GeoJSON Polygon)"), validators=[validate_polygon_geojson], null=True, blank=True
    )
    centroid_lat = models.FloatField(_("中心纬度"), validators=latitude_validators)
    centroid_lng = models.FloatField(_("中心经度"), validators=longitude_validators)
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    demonstration_status = models.CharField(
        _("示范状态"), max_length=16, choices=Demonstration.choices, default=Demonstration.NONE
    )
    pilot_year = models.PositiveSmallIntegerField(_("试点年份"), null=True, blank=True)

    class Meta:
        ordering = ["district", "street", "name"]
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(demonstration_status="none") | models.Q(pilot_year__isnull=False),
                name="community_demonstration_has_pilot_year",
            )
        ]

    def __str__(self):
        return f"{self.street}{self.name}"


class StandardAddress(models.Model):
    """An address from the city's standard address register, down to the room."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="addresses")
    code = models.CharField(_("标准地址编码"), max_length=32, unique=True)
    compound = models.CharField(_("小区"), max_length=64)
    building = models.CharField(_("楼栋"), max_length=16)
    unit = models.CharField(_("单元"), max_length=16, blank=True)
    room = models.CharField(_("室"), max_length=16)
    lat = models.FloatField(_("纬度"), validators=latitude_validators)
    lng = models.FloatField(_("经度"), validators=longitude_validators)

    class Meta:
        ordering = ["community", "compound", "building", "unit", "room"]
        verbose_name = _("标准地址")
        verbose_name_plural = _("标准地址")
        indexes = [models.Index(fields=["lat", "lng"])]

    @property
    def label(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.compound}{self.building}栋{unit}{self.room}室"

    def __str__(self):
        return f"{self.community.name} {self.label}"


class ResidentAddress(models.Model):
    """A resident's saved delivery address: always one of the standard addresses."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_addresses")
    standard_address = models.ForeignKey(StandardAddress, on_delete=models.PROTECT, related_name="residents")
    recipient = models.CharField(_("收件人"), max_length=32)
    phone = models.CharField(_("电话"), max_length=20)
    is_default = models.BooleanField(_("默认地址"), default=False)

    class Meta:
        ordering = ["-is_default", "pk"]
        verbose_name = _("居民地址")
        verbose_name_plural = _("居民地址")
        constraints = [
            models.UniqueConstraint(fields=["user", "standard_address"], name="resident_address_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="resident_one_default_address"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.standard_address}"


score_validators = [MinValueValidator(1), MaxValueValidator(5)]


class SurveyResponse(models.Model):
    """A resident's answer to the quarterly community survey (社区满意度测评): four scores 1–5.

    At most one per resident, community and quarter (a database constraint); the bureau counts
    a score of 4 or 5 as satisfied."""

    ASPECTS = ("convenience", "price", "quality", "service")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="survey_responses")
    quarter = models.CharField(_("季度"), max_length=6, help_text=_("如 2026Q4"))
    convenience = models.PositiveSmallIntegerField(_("便利"), validators=score_validators)
    price = models.PositiveSmallIntegerField(_("价格"), validators=score_validators)
    quality = models.PositiveSmallIntegerField(_("质量"), validators=score_validators)
    service = models.PositiveSmallIntegerField(_("服务"), validators=score_validators)
    comment = models.CharField(_("意见建议"), max_length=300, blank=True)
    answered_at = models.DateTimeField(_("填写时间"))

    class Meta:
        ordering = ["-answered_at", "pk"]
        verbose_name = _("社区满意度问卷")
        verbose_name_plural = _("社区满意度问卷")
        constraints = [
            models.UniqueConstraint(fields=["user", "community", "quarter"], name="survey_once_per_quarter"),
            *[models.CheckConstraint(condition=models.Q(**{f"{a}__gte": 1, f"{a}__lte": 5}), name=f"survey_{a}_1_to_5")
              for a in ("convenience", "price", "quality", "service")],
        ]
        indexes = [models.Index(fields=["community", "answered_at"], name="survey_community_time_idx")]
