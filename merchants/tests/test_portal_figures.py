"""Figures and the settlement statement: the shop's own groups only, with weight settlements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from delivery.models import FulfilmentGroup
from delivery.tests.factories import order_with_groups
from merchants.dashboard import selectors
from merchants.tests.factories import ListingFactory
from merchants.tests.portal_helpers import shop_with_staff

NOW = timezone.make_aware(dt.datetime(2030, 5, 15, 18, 0))  # a Wednesday


def sale(listing, quantity, *, at, status="delivered", adjustment="0.00", promised=None, completed=None):
    order = order_with_groups(lines=[(listing, quantity)], status=status)
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(
        created_at=at, weight_adjustment=Decimal(adjustment), promised_at=promised or at + dt.timedelta(minutes=45),
        completed_at=completed or (at + dt.timedelta(minutes=30) if status == "delivered" else None),
    )
    return group


@pytest.mark.django_db
def test_figures_count_the_shops_own_sales_of_the_period():
    shop, _owner, _clerk = shop_with_staff()
    eggs = ListingFactory(partner=shop, product__title="土鸡蛋", price=Decimal("10.00"))
    monday = NOW - dt.timedelta(days=2)
    sale(eggs, 2, at=monday)  # 20.00, on time
    sale(eggs, 1, at=NOW - dt.timedelta(hours=2), adjustment="-1.50",
         completed=NOW - dt.timedelta(minutes=10), promised=NOW - dt.timedelta(hours=1))  # late, lighter
    sale(eggs, 5, at=NOW - dt.timedelta(hours=1), status="cancelled")
    sale(eggs, 3, at=NOW - dt.timedelta(days=20))  # last month
    sale(ListingFactory(price=Decimal("99.00")), 1, at=NOW)  # another shop
    start, end = selectors.period_bounds(period="week", now=NOW)
    figures = selectors.shop_figures(shop_id=shop.pk, start=start, end=end)
    assert figures["orders"] == 2 and figures["sales"] == Decimal("28.50") and figures["average"] == Decimal("14.25")
    assert figures["cancelled"] == 1 and figures["weight_refunds"] == Decimal("1.50")
    assert figures["on_time_share"] == 50
    assert figures["top"][0]["title"] == "土鸡蛋" and figures["top"][0]["quantity"] == 3
    start, end = selectors.period_bounds(period="today", now=NOW)
    today = selectors.shop_figures(shop_id=shop.pk, start=start, end=end)
    assert today["orders"] == 1


@pytest.mark.django_db
def test_the_settlement_statement_and_its_csv(client):
    shop, owner, clerk = shop_with_staff()
    eggs = ListingFactory(partner=shop, price=Decimal("10.00"))
    group = sale(eggs, 2, at=NOW - dt.timedelta(hours=3), adjustment="-2.00")
    month = timezone.localtime(FulfilmentGroup.objects.get(pk=group.pk).completed_at).strftime("%Y-%m")
    client.force_login(owner)
    page = client.get(reverse("merchant-portal:settlement"), {"month": month}).content.decode()
    assert "¥18.00" in page
    assert "¥18.00" not in client.get(reverse("merchant-portal:settlement"), {"month": "2030-04"}).content.decode()
    export = client.get(reverse("merchant-portal:settlement"), {"month": month, "format": "csv"})
    assert export.status_code == 200 and "18.00" in export.content.decode("utf-8-sig")
    assert client.get(reverse("merchant-portal:figures"), {"period": "month"}).status_code == 200
    client.force_login(clerk)
    assert client.get(reverse("merchant-portal:figures")).status_code == 403
    assert client.get(reverse("merchant-portal:settlement")).status_code == 403


def test_the_home_pages_seven_days_reach_back_a_week_even_on_a_monday():
    # given Monday 07:00 in Beijing (the calendar week has barely begun)
    monday = timezone.make_aware(dt.datetime(2026, 12, 7, 7, 0), timezone.get_current_timezone())
    # when the home page asks for its figures' period
    start, end = selectors.period_bounds(period="7days", now=monday)
    week_start, _ = selectors.period_bounds(period="week", now=monday)
    # then it starts six days before today's midnight (last Tuesday), not at this Monday's midnight
    assert timezone.localtime(start) == timezone.make_aware(dt.datetime(2026, 12, 1), timezone.get_current_timezone())
    assert end == monday and week_start > start
