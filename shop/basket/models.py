"""Basket: Oscar's basket, one line per listing (stock record), grouped by merchant on display.

A line's quantity is in the listing's sale unit: pieces, packs of `pack_size_g` for goods
sold by weight, or bookings for a home service (which then names its slot).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket.abstract_models import AbstractBasket, AbstractLine


class Basket(AbstractBasket):
    """Oscar's basket with at most one open basket per resident: two first adds at once used to
    create two, and every basket call after that failed (MultipleObjectsReturned). With the
    constraint the second insert fails and get_or_create reads the first."""

    class Meta(AbstractBasket.Meta):
        constraints = [
            models.UniqueConstraint(fields=["owner"], condition=models.Q(status="Open"), name="one_open_basket_per_owner"),
        ]


class Line(AbstractLine):
    slot = models.ForeignKey(
        "delivery.Slot", on_delete=models.SET_NULL, null=True, blank=True, related_name="basket_lines",
        verbose_name=_("预约时段"), help_text=_("上门服务预约的时段"),
    )


from oscar.apps.basket.models import *  # noqa: E402,F403  (Oscar's remaining basket models)
