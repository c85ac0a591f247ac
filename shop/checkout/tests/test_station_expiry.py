"""An expired station pickup: the goods sitting at the station stay there as the station's stock
(a `returned` movement of the station, exactly once); the listing's allocation is released once;
the ledger adds up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import PointStock
from delivery.services import transition
from merchants.models import StockMovement
from merchants.selectors import stock_drift
from shop.checkout.releasing import expire_uncollected
from shop.checkout.services import cancel_order, place_order

from .scene import make_scene
from .test_order_loop import S, counters

pytestmark = pytest.mark.django_db


def station_order(scene, boxes=2):
    choices = [c for c in scene.choices(medicine="pickup", station=True) if c.merchant_id == scene.medicine.partner_id]
    return place_order(user=scene.resident, basket=scene.fill(greens_g=0, medicine=boxes, cleaning=0),
                       address_id=scene.address.pk, groups=choices, payment="cod")


def test_an_expired_station_pickup_leaves_its_units_at_the_station_once():
    # given 2 boxes of medicine carried to the station and waiting there (20 on the pharmacy's books)
    scene = make_scene()
    order = station_order(scene)
    group = order.fulfilment_groups.get()
    for status in (S.POINT_ASSIGNED, S.COURIER_ASSIGNED, S.PICKED_UP, S.READY_FOR_PICKUP):
        group = transition(group_id=group.pk, to=status, actor="test")
    assert group.pickup_point_id == scene.station.pk
    assert counters(scene.medicine) == (20, 2)
    # when nobody collects it within the expiry time
    later = timezone.now() + timedelta(hours=49)
    assert expire_uncollected(now=later, hours=48) == [group.pk]
    # then the group is cancelled, the listing's allocation released once
    group.refresh_from_db()
    assert group.status == S.CANCELLED
    assert counters(scene.medicine) == (20, 0)
    assert StockMovement.objects.filter(group_id=group.pk, reason="released", point_id__isnull=True).count() == 1
    # and the 2 boxes are the station's stock: one "returned" movement of the station
    at_station = PointStock.objects.get(point=scene.station, listing=scene.medicine)
    assert at_station.num_in_stock == 2
    returned = StockMovement.objects.filter(group_id=group.pk, point_id=scene.station.pk)
    assert [(m.reason, m.delta) for m in returned] == [("returned", 2)]
    assert list(stock_drift()) == []
    # and a second expiry run changes nothing
    assert expire_uncollected(now=later + timedelta(hours=1), hours=48) == []
    assert PointStock.objects.get(pk=at_station.pk).num_in_stock == 2
    assert StockMovement.objects.filter(group_id=group.pk).count() == 2  # released, returned


def test_a_station_pickup_cancelled_before_it_reached_the_station_leaves_nothing_there():
    # given a station pickup still at the shop
    scene = make_scene()
    order = station_order(scene)
    group = order.fulfilment_groups.get()
    # when the resident cancels it
    cancel_order(order_number=order.number, user=scene.resident, reason="不要了")
    # then the allocation goes back and the station holds nothing
    assert counters(scene.medicine) == (20, 0)
    assert not PointStock.objects.filter(point=scene.station).exists()
    assert not StockMovement.objects.filter(group_id=group.pk, point_id=scene.station.pk).exists()
