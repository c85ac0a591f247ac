"""Stock allocation never oversells: all or nothing, shortages named, safe under concurrency."""

import random
from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory, ServiceProductClassFactory
from merchants.models import StockRecord
from merchants.services import InsufficientStock, allocate_stock, release_stock
from merchants.tests.factories import ListingFactory
from shop.core.errors import DomainError
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401  (fixture)


def allocated(listing) -> int:
    return StockRecord.objects.get(pk=listing.pk).num_allocated or 0


@pytest.mark.django_db
def test_allocation_takes_units_and_a_shortage_takes_nothing():
    eggs, milk = ListingFactory(num_in_stock=5), ListingFactory(num_in_stock=2)
    allocate_stock(quantities={eggs.pk: 3, milk.pk: 1})
    assert (allocated(eggs), allocated(milk)) == (3, 1)
    # eggs have 2 left, milk 1: asking 3 and 2 names both lines and allocates neither
    with pytest.raises(InsufficientStock) as short:
        allocate_stock(quantities={eggs.pk: 3, milk.pk: 2})
    assert short.value.extra["lines"] == [
        {"listing_id": eggs.pk, "requested": 3, "available": 2},
        {"listing_id": milk.pk, "requested": 2, "available": 1},
    ]
    assert short.value.status_code == 409 and short.value.code == "insufficient_stock"
    assert (allocated(eggs), allocated(milk)) == (3, 1)


@pytest.mark.django_db
def test_services_are_not_counted_as_stock():
    cleaning = ListingFactory(product=ProductFactory(product_class=ServiceProductClassFactory()), num_in_stock=0)
    allocate_stock(quantities={cleaning.pk: 4})
    assert allocated(cleaning) == 0


@pytest.mark.django_db
def test_release_gives_units_back_but_never_below_zero():
    eggs = ListingFactory(num_in_stock=5)
    allocate_stock(quantities={eggs.pk: 2})
    release_stock(quantities={eggs.pk: 5})
    assert allocated(eggs) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("quantities", [{}, {"listing": 0}, {"listing": -1}, {"listing": 1.5}, {999_999: 1}])
def test_bad_requests_are_refused_without_changing_anything(quantities):
    eggs = ListingFactory(num_in_stock=5)
    quantities = {eggs.pk if key == "listing" else key: value for key, value in quantities.items()}
    with pytest.raises(DomainError):
        allocate_stock(quantities=quantities)
    assert allocated(eggs) == 0




@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_buyers_of_ten_units_get_exactly_ten(no_search_sync):
    for attempt in range(3):
        listing = ListingFactory(num_in_stock=10, price=Decimal("9.90"))
        outcomes = run_concurrently(50, lambda _i: allocate_stock(quantities={listing.pk: 1}))  # noqa: B023  run inside the loop
        succeeded = [o for o in outcomes if o is None]
        refused = [o for o in outcomes if isinstance(o, InsufficientStock)]
        assert len(succeeded) == 10, (attempt, outcomes)
        assert len(refused) == 40, [o for o in outcomes if o is not None and not isinstance(o, InsufficientStock)]
        record = StockRecord.objects.get(pk=listing.pk)
        assert record.num_allocated == 10 and record.num_in_stock - record.num_allocated == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_baskets_of_several_listings_in_any_order_never_deadlock(no_search_sync):
    listings = [ListingFactory(num_in_stock=40) for _ in range(4)]  # enough for every buyer
    rng = random.Random(5)
    orders = [rng.sample(listings, k=3) for _ in range(40)]  # each buyer lists them in its own order

    def buy(index):
        allocate_stock(quantities={listing.pk: 1 for listing in orders[index]})

    outcomes = run_concurrently(40, buy)
    assert all(outcome is None for outcome in outcomes), outcomes  # a deadlock would surface as an error
    total = sum(StockRecord.objects.get(pk=listing.pk).num_allocated for listing in listings)
    assert total == 40 * 3
