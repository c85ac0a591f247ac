"""Stock at fulfilment points: a front warehouse or pickup station fulfils a group only with the
goods on its shelves; routing takes them, a group that ends before they left gives them back.

The last test races real PostgreSQL connections: routing never takes more than a point holds.
"""

import pytest

from communities.tests.factories import BASE_LNG, StandardAddressFactory
from delivery import dispatch, positions
from delivery.models import DispatchDecision, FulfilmentGroup, FulfilmentLine, FulfilmentPoint, PointStock
from delivery.services import BadTransition, release_point_stock
from delivery.tests.factories import (
    CourierFactory,
    FulfilmentPointFactory,
    PointStockFactory,
    dispatchable_order,
    north,
    order_with_groups,
    store_point,
)
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.checkout.services import cancel_order, release_group
from tests.concurrency import no_search_sync, run_concurrently  # noqa: F401  (fixture)

S = FulfilmentGroup.Status
WAREHOUSE = FulfilmentPoint.Kind.FRONT_WAREHOUSE

pytestmark = pytest.mark.usefixtures("fresh_positions")


def chain_with_warehouse(*, warehouse_m: float = 700, resident_m: float = 900, **warehouse):
    """A merchant with its store at 0 m, a front warehouse `warehouse_m` north, a resident
    `resident_m` north and one listing (the warehouse holds none of it yet)."""
    merchant = MerchantFactory(lat=north(0), lng=BASE_LNG)
    store = store_point(merchant)
    point = FulfilmentPointFactory(kind=WAREHOUSE, merchant=merchant, lat=north(warehouse_m), lng=BASE_LNG,
                                   opens="00:00", closes="00:00", **warehouse)
    resident = StandardAddressFactory(lat=north(resident_m), lng=BASE_LNG)
    return merchant, store, point, resident, ListingFactory(partner=merchant)


def reasons(group) -> dict[int, str]:
    decision = DispatchDecision.objects.filter(group=group).latest("decided_at", "pk")
    return {c["point_id"]: c["reason"] for c in decision.candidates}


def units(stock: PointStock) -> int:
    return PointStock.objects.get(pk=stock.pk).num_in_stock


def routed(group) -> FulfilmentGroup:
    dispatch.assign_point(group_id=group.pk)
    group.refresh_from_db()
    return group


@pytest.mark.django_db
def test_a_nearer_warehouse_with_the_stock_wins_over_the_store_and_its_stock_goes_down():
    # given a warehouse 200 m from the resident holding 5 units, the store 900 m away
    merchant, store, warehouse, resident, listing = chain_with_warehouse()
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=5)
    group = dispatchable_order(merchant=merchant, dropoff=resident, listing=listing, quantity=2)

    # when the group is routed
    group = routed(group)

    # then the warehouse fulfils it, 2 of its 5 units are taken and the line says where from
    assert group.status == S.POINT_ASSIGNED and group.point == warehouse
    assert units(stock) == 3
    assert list(group.lines.values_list("point_stock", flat=True)) == [stock.pk]
    why = reasons(group)
    assert why[warehouse.pk] == "" and why[store.pk].startswith("较远")


@pytest.mark.django_db
def test_a_nearer_warehouse_short_of_stock_loses_with_the_reason_and_the_store_wins():
    # given a warehouse nearer the resident that holds 1 of the 2 units wanted of one listing
    # and none of a second listing in the same order
    merchant, store, warehouse, resident, listing = chain_with_warehouse()
    other = ListingFactory(partner=merchant)
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=1)
    group = order_with_groups(lines=[(listing, 2), (other, 1)]).fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(dropoff=resident)

    # when the group is routed
    group = routed(group)

    # then the store fulfils it, the warehouse lost naming each short line, and nothing was taken
    assert group.point == store
    assert reasons(group)[warehouse.pk] == (
        f"缺货: {listing.product.get_title()} 需要 2, 仅有 1; 缺货: {other.product.get_title()} 需要 1, 仅有 0"
    )
    assert units(stock) == 1
    assert not FulfilmentLine.objects.filter(group=group, point_stock__isnull=False).exists()


@pytest.mark.django_db
def test_a_community_pickup_station_holding_the_merchants_stock_is_a_candidate():
    # given a community pickup station (no merchant) 50 m from the resident holding the
    # merchant's listing, and another station next to it holding only someone else's goods
    merchant, store, warehouse, resident, listing = chain_with_warehouse(is_active=False)
    station = FulfilmentPointFactory(lat=north(850), lng=BASE_LNG, opens="00:00", closes="00:00")
    stock = PointStockFactory(point=station, listing=listing, num_in_stock=4)
    elsewhere = FulfilmentPointFactory(lat=north(880), lng=BASE_LNG, opens="00:00", closes="00:00")
    PointStockFactory(point=elsewhere, listing=ListingFactory(), num_in_stock=9)
    group = dispatchable_order(merchant=merchant, dropoff=resident, listing=listing, quantity=1)

    # when the group is routed
    group = routed(group)

    # then the station fulfils it from its own shelves; the other station was never a candidate
    assert station.merchant is None
    assert group.point == station and units(stock) == 3
    assert set(reasons(group)) == {store.pk, station.pk}


@pytest.mark.django_db
def test_store_pickup_never_takes_warehouse_stock():
    # given a resident who collects at the shop, and a stocked warehouse
    merchant, store, warehouse, resident, listing = chain_with_warehouse()
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=5)
    group = dispatchable_order(merchant=merchant, listing=listing, method="pickup")

    # when routed, then the store has it and the warehouse kept its units
    assert routed(group).point == store
    assert reasons(group)[warehouse.pk] == "到店自提只在门店"
    assert units(stock) == 5


@pytest.mark.django_db
def test_cancelling_after_routing_gives_the_point_stock_back_once():
    # given a group routed to the warehouse, which took 2 of its 5 units
    merchant, store, warehouse, resident, listing = chain_with_warehouse()
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=5)
    group = routed(dispatchable_order(merchant=merchant, dropoff=resident, listing=listing, quantity=2))
    assert group.point == warehouse and units(stock) == 3

    # when the resident cancels the order
    cancel_order(order_number=group.order.number, user=group.order.user)

    # then the units are back on the warehouse's shelf
    group.refresh_from_db()
    assert group.status == S.CANCELLED and units(stock) == 5

    # and releasing again changes nothing: directly, or by trying to end the group once more
    release_point_stock(group=group)
    with pytest.raises(BadTransition):
        release_group(group_id=group.pk, to=S.REJECTED, actor="merchant:1")
    assert units(stock) == 5


@pytest.mark.django_db
def test_a_rejected_group_gives_its_point_stock_back():
    merchant, store, warehouse, resident, listing = chain_with_warehouse()
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=5)
    group = routed(dispatchable_order(merchant=merchant, dropoff=resident, listing=listing, quantity=3))
    assert units(stock) == 2

    release_group(group_id=group.pk, to=S.REJECTED, actor="merchant:1", note="缺货")

    assert units(stock) == 5


@pytest.mark.django_db
def test_a_delivery_failing_before_pickup_gives_the_stock_back_but_not_after_the_goods_left():
    # given two groups routed to the warehouse, each taking 1 unit, and a courier at the warehouse
    merchant, store, warehouse, resident, listing = chain_with_warehouse()
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=5)
    courier = CourierFactory(capacity=5)
    positions.update_position(courier=courier, lat=north(700), lng=BASE_LNG)
    first, second = (dispatchable_order(merchant=merchant, dropoff=resident, listing=listing) for _ in range(2))
    for group in (first, second):
        dispatch.route_and_offer(group_id=group.pk)
        dispatch.courier_accept(courier=courier, group_id=group.pk)
    assert units(stock) == 3

    # when the courier fails the first before picking it up, and the second after picking it up
    dispatch.courier_fail(courier=courier, group_id=first.pk, reason="车坏了")
    dispatch.courier_pickup(courier=courier, group_id=second.pk)
    dispatch.courier_fail(courier=courier, group_id=second.pk, reason="联系不上收件人")

    # then only the first group's unit is back: the second one's left the warehouse
    assert units(stock) == 4
    assert FulfilmentLine.objects.filter(group=second, point_stock=stock).exists()


# --- PostgreSQL: many groups routed at once --------------------------------------------------

GROUPS = 12
UNITS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("attempt", range(2))
def test_groups_routed_at_once_never_take_more_than_the_warehouse_holds(no_search_sync, attempt):  # noqa: F811
    # given a warehouse nearer the residents than the store, holding fewer units than there are groups
    merchant, store, warehouse, resident, listing = chain_with_warehouse(capacity_per_hour=100)
    stock = PointStockFactory(point=warehouse, listing=listing, num_in_stock=UNITS)
    groups = [dispatchable_order(merchant=merchant, dropoff=resident, listing=listing) for _ in range(GROUPS)]

    # when all of them are routed at the same instant, each on its own connection
    outcomes = run_concurrently(GROUPS, lambda i: dispatch.assign_point(group_id=groups[i].pk).point_id)

    # then every routing succeeded; the warehouse gave exactly what it held, never below zero
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert outcomes.count(warehouse.pk) == UNITS and outcomes.count(store.pk) == GROUPS - UNITS
    assert units(stock) == 0
    taken = FulfilmentLine.objects.filter(group__in=groups, point_stock=stock)
    assert taken.count() == UNITS
    assert set(FulfilmentGroup.objects.filter(point=warehouse).values_list("pk", flat=True)) == set(
        taken.values_list("group_id", flat=True))
    # the rest went to the store, each decision saying the warehouse was out of stock
    for group in FulfilmentGroup.objects.filter(pk__in=[g.pk for g in groups], point=store):
        assert reasons(group)[warehouse.pk].startswith("缺货:")
