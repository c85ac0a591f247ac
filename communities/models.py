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
