"""Saved addresses and account deletion under races, on PostgreSQL (each thread its own connection).

- a resident's phone and browser saving addresses at the same instant: all saved, one default;
- a checkout racing the deletion of the account, or of the address it goes to: either the order
  is placed and the deletion refused (409), or the deletion wins and the checkout is refused;
  never an order kept with the resident's name after the account is gone.
"""

import pytest
from oscar.apps.order.models import Order

from communities.models import ResidentAddress
from communities.services import add_resident_address, delete_resident_address
from communities.tests.factories import StandardAddressFactory
from shop.accounts.services import erase_account
from shop.checkout.services import GroupChoice, place_order
from shop.checkout.tests.scene import make_scene
from shop.core.errors import DomainError
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("attempt", range(3))
def test_addresses_saved_at_once_are_all_kept_with_one_default(no_search_sync, attempt):  # noqa: F811
    scene = make_scene()
    resident = scene.resident
    ResidentAddress.objects.filter(user=resident).delete()
    rooms = [StandardAddressFactory(community=scene.address.standard_address.community) for _ in range(8)]

    outcomes = run_concurrently(len(rooms), lambda i: add_resident_address(
        user=resident, standard_address_id=rooms[i].pk, recipient="王秀英", phone="13800001111",
        make_default=i % 2 == 0))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert ResidentAddress.objects.filter(user=resident).count() == 8
    assert ResidentAddress.objects.filter(user=resident, is_default=True).count() == 1


def checkout(scene):
    scene.fill(greens_g=0, cleaning=0)
    return lambda: place_order(user=scene.resident, basket=scene.basket(), address_id=scene.address.pk,
                               groups=[GroupChoice(merchant_id=scene.medicine.partner_id, method="pickup")],
                               payment="sandbox")


@pytest.mark.parametrize("attempt", range(4))
def test_a_checkout_racing_the_account_deletion_never_leaves_a_named_order(no_search_sync, attempt):  # noqa: F811
    scene = make_scene()
    place = checkout(scene)
    work = [place, lambda: erase_account(user=scene.resident, password="demo-pass-123")]

    outcomes = run_concurrently(2, lambda i: work[i]())

    placed, erased = outcomes
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)]
    assert not unexpected, unexpected
    scene.resident.refresh_from_db()
    orders = Order.objects.filter(user=scene.resident)
    if isinstance(erased, DomainError):  # the order came first: the deletion was refused
        assert erased.code == "open_orders" and scene.resident.is_active and orders.count() == 1
    else:  # the deletion came first: the checkout found no basket to check out
        assert isinstance(placed, DomainError) and not scene.resident.is_active
        assert not orders.exists()


@pytest.mark.parametrize("attempt", range(4))
def test_a_checkout_racing_the_deletion_of_its_address(no_search_sync, attempt):  # noqa: F811
    scene = make_scene()
    place = checkout(scene)
    work = [place, lambda: delete_resident_address(user=scene.resident, address_id=scene.address.pk)]

    placed, deleted = run_concurrently(2, lambda i: work[i]())

    unexpected = [o for o in (placed, deleted) if isinstance(o, Exception) and not isinstance(o, DomainError)]
    assert not unexpected, unexpected
    kept = ResidentAddress.objects.filter(pk=scene.address.pk).exists()
    if isinstance(deleted, DomainError):  # the order came first: the address stays
        assert deleted.code == "address_in_use" and kept and Order.objects.filter(user=scene.resident).count() == 1
    else:  # the deletion came first: no order to a deleted address
        assert isinstance(placed, DomainError) and not kept
        assert not Order.objects.filter(user=scene.resident).exists()
