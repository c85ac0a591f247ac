"""The stock ledger: every change of a listing's counters is a movement, the shop's own
movements never overwrite what concurrent checkouts write, and stock_audit finds drift."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import SearchOutbox
from catalog.tests.factories import ProductFactory, ServiceProductClassFactory
from merchants import selectors
from merchants.models import StockMovement, StockRecord
from merchants.services import (
    allocate_stock,
    consume_allocation,
    count_stock,
    receive_stock,
    release_allocation,
)
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.core.errors import DomainError
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401  (fixture)

R = StockMovement.Reason


def counters(listing) -> tuple[int, int]:
    record = StockRecord.objects.get(pk=listing.pk)
    return record.num_in_stock or 0, record.num_allocated or 0


def reasons(listing) -> list[tuple[str, int, int]]:
    return list(
        StockMovement.objects.filter(listing=listing).order_by("pk").values_list("reason", "delta", "allocated_delta")
    )


@pytest.mark.django_db
def test_every_change_of_a_listing_is_a_movement_and_the_ledger_adds_up():
    # given a listing created with 10 units (its opening balance)
    eggs = ListingFactory(num_in_stock=10)
    # when the shop receives 20, a checkout allocates 4, one unit is released, three are sold, and the shelf is counted
    receive_stock(listing_id=eggs.pk, quantity=20)
    allocate_stock(quantities={eggs.pk: 4}, group_id=77)
    release_allocation(quantities={eggs.pk: 1}, group_id=77)
    consume_allocation(quantities={eggs.pk: 3}, group_id=77)
    count_stock(listing_id=eggs.pk, counted=25)
    # then the counters are what the shelf holds and every step is in the ledger
    assert counters(eggs) == (25, 0)
    assert reasons(eggs) == [
        (R.OPENING, 10, 0), (R.RECEIVED, 20, 0), (R.ALLOCATED, 0, 4), (R.RELEASED, 0, -1), (R.SOLD, -3, -3),
        (R.COUNTED, -2, 0),
    ]
    assert StockMovement.objects.filter(listing=eggs, group_id=77).count() == 3
    assert list(selectors.stock_drift()) == []


@pytest.mark.django_db
def test_a_count_equal_to_the_counter_writes_nothing_and_releasing_nothing_allocated_writes_nothing():
    milk = ListingFactory(num_in_stock=8)
    assert count_stock(listing_id=milk.pk, counted=8) is None
    release_allocation(quantities={milk.pk: 3})
    consume_allocation(quantities={milk.pk: 3})
    assert reasons(milk) == [(R.OPENING, 8, 0)] and counters(milk) == (8, 0)


@pytest.mark.django_db
def test_received_and_counted_mark_the_listing_for_search():
    tofu = ListingFactory(num_in_stock=0)
    SearchOutbox.objects.all().delete()
    receive_stock(listing_id=tofu.pk, quantity=5)
    assert SearchOutbox.objects.filter(kind=SearchOutbox.Kind.LISTING, object_id=tofu.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("call", [
    lambda pk: receive_stock(listing_id=pk, quantity=0),
    lambda pk: receive_stock(listing_id=pk, quantity=-3),
    lambda pk: receive_stock(listing_id=pk, quantity="20"),
    lambda pk: receive_stock(listing_id=pk, quantity=True),
    lambda pk: receive_stock(listing_id=pk, quantity=10**7),
    lambda pk: count_stock(listing_id=pk, counted=-1),
    lambda pk: count_stock(listing_id=pk, counted=2.5),
    lambda pk: receive_stock(listing_id=pk + 10_000, quantity=1),
])
def test_bad_movements_are_refused_and_write_nothing(call):
    eggs = ListingFactory(num_in_stock=10)
    with pytest.raises(DomainError):
        call(eggs.pk)
    assert counters(eggs) == (10, 0) and reasons(eggs) == [(R.OPENING, 10, 0)]


@pytest.mark.django_db
def test_a_shop_cannot_move_another_shops_stock():
    mine, theirs = MerchantFactory(), ListingFactory(num_in_stock=10)
    with pytest.raises(DomainError):
        receive_stock(listing_id=theirs.pk, quantity=5, partner_id=mine.pk)
    with pytest.raises(DomainError):
        count_stock(listing_id=theirs.pk, counted=0, partner_id=mine.pk)
    assert counters(theirs) == (10, 0)


@pytest.mark.django_db
def test_services_have_no_stock_to_move():
    cleaning = ListingFactory(product=ProductFactory(product_class=ServiceProductClassFactory()), num_in_stock=0)
    with pytest.raises(DomainError):
        receive_stock(listing_id=cleaning.pk, quantity=5)


@pytest.mark.django_db
def test_stock_audit_lists_a_counter_overwritten_behind_the_ledgers_back():
    # given two listings, one of whose counter is overwritten without a movement (the old stock form)
    good, bad = ListingFactory(num_in_stock=10), ListingFactory(num_in_stock=10)
    allocate_stock(quantities={good.pk: 2, bad.pk: 2})
    StockRecord.objects.filter(pk=bad.pk).update(num_in_stock=50, num_allocated=0)
    # when the audit runs
    out = StringIO()
    with pytest.raises(CommandError, match="1 listings drift"):
        call_command("stock_audit", stdout=out)
    # then it names the drifting listing, its counters and what the ledger says
    assert f"listing {bad.pk}: in stock 50 (ledger 10), allocated 0 (ledger 2)" in out.getvalue()
    assert f"listing {good.pk}:" not in out.getvalue()


@pytest.mark.django_db
def test_stock_audit_opens_listings_loaded_without_a_ledger():
    loaded = ListingFactory(num_in_stock=0)
    StockRecord.objects.filter(pk=loaded.pk).update(num_in_stock=30)  # a bulk load skips the signal
    out = StringIO()
    call_command("stock_audit", "--open-missing", stdout=out)
    assert "drifting: 0" in out.getvalue()
    assert reasons(loaded) == [(R.OPENING, 30, 0)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_counting_the_shelf_never_overwrites_concurrent_checkouts(no_search_sync):
    # given 100 units on the shelf
    listing = ListingFactory(num_in_stock=100)

    # when 20 checkouts allocate one unit each while the shop counts 100 and receives 10, at once
    def work(index):
        if index == 0:
            return count_stock(listing_id=listing.pk, counted=100)
        if index == 1:
            return receive_stock(listing_id=listing.pk, quantity=10)
        return allocate_stock(quantities={listing.pk: 1})

    outcomes = run_concurrently(22, work)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    # then every allocation stands, the received units are counted (before or after the count)
    in_stock, allocated = counters(listing)
    assert allocated == 20
    assert in_stock in {100, 110}
    assert list(selectors.stock_drift(listing_ids=[listing.pk])) == []


@pytest.mark.django_db
def test_the_daily_low_stock_summary_goes_to_owners_who_asked(mailoutbox):
    from merchants.models import Partner
    from merchants.tasks import low_stock_summary
    from merchants.tests.portal_helpers import shop_with_staff

    shop, owner, clerk = shop_with_staff()
    owner.email, clerk.email = "owner@shop.example.cn", "clerk@shop.example.cn"
    owner.save(), clerk.save()
    ListingFactory(partner=shop, product__title="低库存牛奶", num_in_stock=2, low_stock_threshold=5)
    quiet, _o, _c = shop_with_staff()
    ListingFactory(partner=quiet, num_in_stock=1, low_stock_threshold=5)
    Partner.objects.filter(pk=shop.pk).update(low_stock_summary=True)
    assert low_stock_summary() == 1
    assert [m.to for m in mailoutbox] == [["owner@shop.example.cn"]]
    assert "低库存牛奶" in mailoutbox[0].body
