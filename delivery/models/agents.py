"""Who carries a job: couriers and home-service providers."""


from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from communities.models import latitude_validators, longitude_validators

from .points import FulfilmentPoint


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
