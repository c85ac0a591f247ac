"""Basket: Oscar's basket, one line per listing (stock record), grouped by merchant on display.

A line's quantity is in the listing's sale unit: pieces, packs of `pack_size_g` for goods
sold by weight, or bookings for a home service (which then names its slot).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket.abstract_models import AbstractLine


class Line(AbstractLine):
    slot = models.ForeignKey(
        "delivery.Slot", on_delete=models.SET_NULL, null=True, blank=True, related_name="basket_lines",
        verbose_name=_("预约时段"), help_text=_("上门服务预约的时段"),
    )


from oscar.apps.basket.models import *  # noqa: E402,F403  (Oscar's remaining basket models)
