"""Bookable delivery and service slots, and the weekly templates that keep them written."""


from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import OpeningPeriod


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
