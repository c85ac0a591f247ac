"""Checkout never oversells on PostgreSQL: 50 residents race for 10 units, or for 3 places in a slot.

Each resident has their own basket; all check out at the same instant (a barrier), each on its
own connection. Sandbox payment keeps the orders awaiting payment, so no dispatch task leaves
the test. Repeated in a loop: a race that is lost only sometimes must still never oversell.
"""


import pytest
from oscar.apps.order.models import Order

from communities.tests.factories import ResidentAddressFactory
from delivery.models import Slot
from delivery.services import SlotFull
from merchants.models import StockRecord
from merchants.services import InsufficientStock
from shop.basket.selectors import open_basket
from shop.basket.services import add_line
from shop.checkout.services import GroupChoice, place_order
from shop.checkout.tests.scene import make_scene
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
RESIDENTS = 50


def residents_with_baskets(scene, listing, *, slot=None):
    """50 residents in the scene's community, each with one unit (or one booking) in the basket."""
    people = []
    for _ in range(RESIDENTS):
        address = ResidentAddressFactory(standard_address__community=scene.address.standard_address.community)
        basket = open_basket(user=address.user)
        add_line(basket=basket, listing_id=listing.pk, quantity=1, slot_id=slot.pk if slot else None)
        people.append((address, basket))
    return people


def race(people, merchant_id, method):
    def checkout(index):
        address, basket = people[index]
        place_order(user=address.user, basket=basket, address_id=address.pk,
                    groups=[GroupChoice(merchant_id=merchant_id, method=method)], payment="sandbox")
        return None  # success

    return run_concurrently(RESIDENTS, checkout)


@pytest.mark.parametrize("attempt", range(3))
def test_fifty_checkouts_of_ten_units_make_exactly_ten_orders(no_search_sync, attempt):  # noqa: F811
    scene = make_scene(medicine_stock=10)
    people = residents_with_baskets(scene, scene.medicine)
    outcomes = race(people, scene.medicine.partner_id, "pickup")
    refused = [o for o in outcomes if isinstance(o, InsufficientStock)]
    unexpected = [o for o in outcomes if o is not None and not isinstance(o, InsufficientStock)]
    assert not unexpected, unexpected  # a deadlock or any other error would show here
    assert len(refused) == RESIDENTS - 10
    assert Order.objects.filter(lines__stockrecord=scene.medicine).distinct().count() == 10
    record = StockRecord.objects.get(pk=scene.medicine.pk)
    assert record.num_allocated == 10 and record.num_in_stock - record.num_allocated == 0
    # every refusal named the line and what was left
    assert all(o.extra["lines"][0]["listing_id"] == scene.medicine.pk for o in refused)


@pytest.mark.parametrize("attempt", range(3))
def test_fifty_bookings_of_a_slot_for_three_make_exactly_three_orders(no_search_sync, attempt):  # noqa: F811
    scene = make_scene(slot_capacity=3)
    people = residents_with_baskets(scene, scene.cleaning, slot=scene.slot)
    outcomes = race(people, scene.cleaning.partner_id, "delivery")
    unexpected = [o for o in outcomes if o is not None and not isinstance(o, SlotFull)]
    assert not unexpected, unexpected
    assert sum(o is None for o in outcomes) == 3
    assert Slot.objects.get(pk=scene.slot.pk).booked == 3
    assert Order.objects.filter(lines__stockrecord=scene.cleaning).distinct().count() == 3
