"""Issue 15, lost update: the point stock admin page wrote its whole row back, so units taken or
received at the point while the page was open were lost. Saving now applies the change from the
units the page showed (F() under the row lock, a `counted` ledger movement)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from communities.tests.factories import UserFactory
from delivery import point_stock
from delivery.models import FulfilmentPoint, PointStock
from delivery.tests.factories import FulfilmentPointFactory
from merchants.models import StockMovement
from merchants.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def stocked():
    """A front warehouse that received 10 units of a listing (ledger and counter agree)."""
    listing = ListingFactory(num_in_stock=100)
    point = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, merchant=listing.partner)
    return point_stock.receive_at_point(point_id=point.pk, listing_id=listing.pk, quantity=10,
                                        partner_id=listing.partner_id)


def shown_units(page: bytes) -> int:
    return int(re.search(rb'name="shown_in_stock" value="(\d+)"', page).group(1))


def test_a_change_made_while_the_admin_page_was_open_survives(operator, stocked):
    # given the operator opens the point's stock page: 10 units
    url = reverse("admin:delivery_pointstock_change", args=[stocked.pk])
    page = operator.get(url)
    assert page.status_code == 200
    assert shown_units(page.content) == 10
    # when 3 more units arrive at the point meanwhile, and the operator saves 15 (counted +5)
    point_stock.receive_at_point(point_id=stocked.point_id, listing_id=stocked.listing_id, quantity=3,
                                 partner_id=stocked.listing.partner_id)
    response = operator.post(url, {"num_in_stock": 15, "shown_in_stock": 10})
    assert response.status_code == 302, response.content
    # then the point holds 10 + 3 + 5: the arrival is kept, and the ledger adds up to the counter
    assert PointStock.objects.get(pk=stocked.pk).num_in_stock == 18
    movement = StockMovement.objects.filter(point_id=stocked.point_id).latest("pk")
    assert (movement.reason, movement.delta) == (StockMovement.Reason.COUNTED, 5)
    assert point_stock.point_stock_drift() == []


def test_a_decrease_below_what_is_left_is_refused_not_negative(operator, stocked):
    # given the page showed 10 and dispatch took 8 meanwhile (2 left)
    url = reverse("admin:delivery_pointstock_change", args=[stocked.pk])
    PointStock.objects.filter(pk=stocked.pk).update(num_in_stock=2)
    StockMovement.objects.create(listing_id=stocked.listing_id, point_id=stocked.point_id,
                                 reason=StockMovement.Reason.ALLOCATED, delta=-8)
    # when the operator saves 1 (−9)
    response = operator.post(url, {"num_in_stock": 1, "shown_in_stock": 10}, follow=True)
    # then nothing is written and the page says why
    assert PointStock.objects.get(pk=stocked.pk).num_in_stock == 2
    assert "不能减少 9 件" in response.content.decode()
    assert point_stock.point_stock_drift() == []


def test_the_point_page_shows_its_stock_without_writing_it(operator, stocked):
    page = operator.get(reverse("admin:delivery_fulfilmentpoint_change", args=[stocked.point_id]))
    assert page.status_code == 200
    assert b'name="stock-0-num_in_stock"' not in page.content  # read only: no field to post back


def test_a_point_stock_row_cannot_be_deleted_in_the_admin(operator, stocked):
    # given a row whose units the ledger accounts for
    url = reverse("admin:delivery_pointstock_delete", args=[stocked.pk])
    # when the operator asks to delete it, or posts the confirmation
    page, post = operator.get(url), operator.post(url, {"post": "yes"})
    # then both are refused and the ledger and the counter still agree
    assert page.status_code == 403 and post.status_code == 403
    assert PointStock.objects.filter(pk=stocked.pk, num_in_stock=10).exists()
    assert point_stock.point_stock_drift() == []
