"""A merchant's actions on its part of an order: accept, weigh, mark ready, reject.

Only staff of the group's merchant may act (everyone else gets "not found"); goods sold by
weight are settled at the real weight, a refund when lighter and a capped extra when heavier.
"""

from decimal import Decimal

import pytest

from catalog.tests.factories import FreshProductClassFactory, ProductFactory
from communities.tests.factories import UserFactory
from delivery.models import FulfilmentEvent, FulfilmentGroup
from delivery.services import (
    GroupNotFound,
    accept_group,
    mark_ready,
    record_weights,
)
from delivery.tests.factories import CourierFactory, FulfilmentPointFactory, order_with_groups
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.checkout.services import reject_group
from shop.core.errors import ConflictError, DomainError

S = FulfilmentGroup.Status


def weighed_listing(merchant, price="12.00", pack_size_g=500):
    """A fresh product sold in packs of `pack_size_g` grams at `price` a pack."""
    product = ProductFactory(product_class=FreshProductClassFactory(), sale_unit="weight", pack_size_g=pack_size_g)
    return ListingFactory(partner=merchant, product=product, price=Decimal(price))


def staff_of(merchant):
    user = UserFactory()
    merchant.users.add(user)
    return user


@pytest.fixture
def shop():
    """A fresh-goods stall with one staff member, selling pork (2 × 500 g packs at ¥12) and eggs."""
    merchant = MerchantFactory(weight_overage_cap_percent=10)
    pork = weighed_listing(merchant)
    eggs = ListingFactory(partner=merchant, price=Decimal("8.00"))
    order = order_with_groups(lines=[(pork, 2), (eggs, 1)])
    group = order.fulfilment_groups.get()
    return {
        "merchant": merchant,
        "staff": staff_of(merchant),
        "group": group,
        "pork": group.lines.get(listing=pork),
        "eggs": group.lines.get(listing=eggs),
    }


def refreshed(group):
    return FulfilmentGroup.objects.get(pk=group.pk)


def set_status(group, status, **fields):
    FulfilmentGroup.objects.filter(pk=group.pk).update(status=status, **fields)


# --- weighing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lighter_goods_are_refunded_the_difference(shop):
    # given 2 packs of 500 g pork at ¥12 each: estimated 1000 g for ¥24.00
    assert (shop["pork"].estimated_weight_g, shop["pork"].estimated_amount) == (1000, Decimal("24.00"))
    # when the merchant weighs 900 g
    record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 900})
    # then the line costs ¥21.60 and the resident gets ¥2.40 back
    shop["pork"].refresh_from_db()
    assert (shop["pork"].actual_weight_g, shop["pork"].final_amount) == (900, Decimal("21.60"))
    group = refreshed(shop["group"])
    assert group.weight_adjustment == Decimal("-2.40")
    assert group.total == group.goods_total - Decimal("2.40")


@pytest.mark.django_db
def test_heavier_goods_cost_more_but_at_most_the_cap(shop):
    # given a cap of 10% of the line's ¥24.00 estimate (¥2.40)
    # when the merchant weighs 1050 g (¥25.20): the whole difference is charged
    record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 1050})
    assert refreshed(shop["group"]).weight_adjustment == Decimal("1.20")
    # when it weighs 1200 g (¥28.80): only the capped ¥2.40 is charged
    record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 1200})
    shop["pork"].refresh_from_db()
    assert (shop["pork"].actual_weight_g, shop["pork"].final_amount) == (1200, Decimal("26.40"))
    assert refreshed(shop["group"]).weight_adjustment == Decimal("2.40")


@pytest.mark.django_db
def test_the_cap_is_the_merchants_own_percentage():
    # given a merchant whose cap is 5%, and one 250 g pack of beef at ¥30
    merchant = MerchantFactory(weight_overage_cap_percent=5)
    beef = weighed_listing(merchant, price="30.00", pack_size_g=250)
    group = order_with_groups(lines=[(beef, 1)]).fulfilment_groups.get()
    # when it weighs 400 g (¥48.00 at the pack price)
    record_weights(group_id=group.pk, user=staff_of(merchant), weights={group.lines.get().pk: 400})
    # then the extra is 5% of ¥30.00
    assert refreshed(group).weight_adjustment == Decimal("1.50")


@pytest.mark.django_db
def test_recording_again_replaces_the_weight_and_the_adjustment(shop):
    record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 900})
    # when the merchant corrects the weight to exactly the estimate
    record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 1000})
    # then nothing is owed either way, and each recording left an event
    shop["pork"].refresh_from_db()
    assert (shop["pork"].actual_weight_g, shop["pork"].final_amount) == (1000, Decimal("24.00"))
    assert refreshed(shop["group"]).weight_adjustment == Decimal("0.00")
    assert FulfilmentEvent.objects.filter(group=shop["group"], status="weighed").count() == 2


@pytest.mark.django_db
def test_the_adjustment_sums_every_weighed_line():
    merchant = MerchantFactory()
    pork, fish = weighed_listing(merchant), weighed_listing(merchant, price="20.00")
    group = order_with_groups(lines=[(pork, 1), (fish, 1)]).fulfilment_groups.get()
    staff = staff_of(merchant)
    pork_line, fish_line = group.lines.get(listing=pork), group.lines.get(listing=fish)
    # when pork is weighed light (-¥1.20) and, later, fish heavy (+¥2.00, cap ¥2.00)
    record_weights(group_id=group.pk, user=staff, weights={pork_line.pk: 450})
    assert refreshed(group).weight_adjustment == Decimal("-1.20")
    record_weights(group_id=group.pk, user=staff, weights={str(fish_line.pk): 600})
    # then the group's adjustment is the sum
    assert refreshed(group).weight_adjustment == Decimal("0.80")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "weights, field",
    [
        ({"eggs": 500}, "eggs"),  # sold by the piece
        ({"pork": 0}, "pork"),
        ({"pork": -5}, "pork"),
        ({"pork": 2.5}, "pork"),
        ({"pork": "900"}, "pork"),
        ({"pork": 10**9}, "pork"),
        ({"other": 500}, "other"),  # another merchant's line
        ({}, "weights"),
    ],
)
def test_bad_weights_are_refused_and_change_nothing(shop, weights, field):
    # given the pork weighed once, and a line of another merchant's group
    record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 900})
    other_line = order_with_groups(lines=[(weighed_listing(MerchantFactory()), 1)]).fulfilment_groups.get().lines.get()
    ids = {"pork": shop["pork"].pk, "eggs": shop["eggs"].pk, "other": other_line.pk}
    # when the merchant sends a bad weight
    with pytest.raises(DomainError) as refused:
        record_weights(
            group_id=shop["group"].pk, user=shop["staff"], weights={ids[key]: grams for key, grams in weights.items()}
        )
    # then it is a 422 naming the line, and the earlier weighing stands
    assert refused.value.status_code == 422
    assert list(refused.value.fields) == [str(ids.get(field, field))]
    shop["pork"].refresh_from_db()
    assert shop["pork"].actual_weight_g == 900
    assert refreshed(shop["group"]).weight_adjustment == Decimal("-2.40")
    assert other_line.__class__.objects.get(pk=other_line.pk).actual_weight_g is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.PICKED_UP, S.DELIVERED, S.COLLECTED, S.CANCELLED, S.REJECTED, S.FAILED])
def test_no_weighing_once_the_goods_left_the_shop(shop, status):
    set_status(shop["group"], status)
    with pytest.raises(ConflictError) as refused:
        record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 900})
    assert refused.value.status_code == 409
    shop["pork"].refresh_from_db()
    assert shop["pork"].actual_weight_g is None


@pytest.mark.django_db
def test_a_pickup_waiting_at_a_station_has_left_the_shop(shop):
    set_status(shop["group"], S.READY_FOR_PICKUP, pickup_point=FulfilmentPointFactory())
    with pytest.raises(ConflictError):
        record_weights(group_id=shop["group"].pk, user=shop["staff"], weights={shop["pork"].pk: 900})


# --- who may act -------------------------------------------------------------------------------


def outsiders(shop):
    """Everyone who is not staff of the shop: another merchant's staff, the customer, a courier,
    the platform's own staff, an anonymous visitor."""
    from django.contrib.auth.models import AnonymousUser

    platform_staff = UserFactory(is_staff=True)
    return {
        "other merchant": staff_of(MerchantFactory()),
        "customer": shop["group"].order.user,
        "courier": CourierFactory().user,
        "platform staff": platform_staff,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.django_db
def test_only_the_merchants_staff_may_act_and_others_learn_nothing(shop):
    group = shop["group"]
    for who, user in outsiders(shop).items():
        actions = [
            lambda: accept_group(group_id=group.pk, user=user),  # noqa: B023  called inside the loop
            lambda: record_weights(group_id=group.pk, user=user, weights={shop["pork"].pk: 900}),  # noqa: B023  called inside the loop
            lambda: mark_ready(group_id=group.pk, user=user),  # noqa: B023  called inside the loop
            lambda: reject_group(group_id=group.pk, user=user, reason="缺货"),  # noqa: B023  called inside the loop
        ]
        for action in actions:
            with pytest.raises(GroupNotFound) as refused:
                action()
            # the same answer as for a group that does not exist
            assert refused.value.status_code == 404, who
    with pytest.raises(GroupNotFound):
        accept_group(group_id=10**9, user=shop["staff"])
    group = refreshed(group)
    assert (group.status, group.accepted_at, group.weight_adjustment) == (S.CREATED, None, Decimal("0.00"))
    assert not FulfilmentEvent.objects.filter(group=group).exists()


# --- accept and ready ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_records_when_and_who_once(shop):
    accept_group(group_id=shop["group"].pk, user=shop["staff"])
    accepted_at = refreshed(shop["group"]).accepted_at
    assert accepted_at is not None
    # accepting again (a double tap) changes nothing
    accept_group(group_id=shop["group"].pk, user=shop["staff"])
    assert refreshed(shop["group"]).accepted_at == accepted_at
    events = FulfilmentEvent.objects.filter(group=shop["group"], status="accepted")
    assert [e.actor for e in events] == [f"merchant:{shop['staff'].pk}"]
    assert refreshed(shop["group"]).status == S.CREATED  # acceptance is not a status


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.AWAITING_PAYMENT, S.CANCELLED, S.DELIVERED])
def test_unpaid_or_finished_groups_cannot_be_accepted(shop, status):
    set_status(shop["group"], status)
    with pytest.raises(ConflictError):
        accept_group(group_id=shop["group"].pk, user=shop["staff"])
    assert refreshed(shop["group"]).accepted_at is None


@pytest.mark.django_db
def test_ready_needs_acceptance_and_every_weighed_line_weighed(shop):
    group_id, staff = shop["group"].pk, shop["staff"]
    with pytest.raises(ConflictError):
        mark_ready(group_id=group_id, user=staff)  # not accepted yet
    accept_group(group_id=group_id, user=staff)
    with pytest.raises(ConflictError) as refused:
        mark_ready(group_id=group_id, user=staff)  # the pork is not weighed
    assert refused.value.extra["lines"] == [shop["pork"].pk]
    assert refreshed(shop["group"]).ready_at is None
    record_weights(group_id=group_id, user=staff, weights={shop["pork"].pk: 980})
    mark_ready(group_id=group_id, user=staff)
    group = refreshed(shop["group"])
    # a delivery group stays where dispatch has it; readiness is a time and an event
    assert group.ready_at is not None and group.status == S.CREATED
    assert FulfilmentEvent.objects.filter(group=group, status="ready").count() == 1
    # marking ready again changes nothing
    mark_ready(group_id=group_id, user=staff)
    assert refreshed(group).ready_at == group.ready_at
    assert FulfilmentEvent.objects.filter(group=group, status="ready").count() == 1


@pytest.mark.django_db
def test_a_pickup_at_the_shop_becomes_ready_for_pickup():
    merchant = MerchantFactory()
    staff = staff_of(merchant)
    group = order_with_groups(lines=[(ListingFactory(partner=merchant), 1)], method="pickup").fulfilment_groups.get()
    accept_group(group_id=group.pk, user=staff)
    mark_ready(group_id=group.pk, user=staff)
    group = refreshed(group)
    assert group.status == S.READY_FOR_PICKUP and group.ready_at is not None
    assert list(group.events.values_list("status", flat=True)) == ["accepted", "ready_for_pickup", "ready"]


@pytest.mark.django_db
def test_a_pickup_at_a_station_waits_for_the_courier():
    merchant = MerchantFactory()
    staff = staff_of(merchant)
    order = order_with_groups(lines=[(ListingFactory(partner=merchant), 1)], method="pickup")
    group = order.fulfilment_groups.get()
    set_status(group, S.CREATED, pickup_point=FulfilmentPointFactory())
    accept_group(group_id=group.pk, user=staff)
    mark_ready(group_id=group.pk, user=staff)
    group = refreshed(group)
    assert group.status == S.CREATED and group.ready_at is not None


# --- reject ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rejecting_needs_a_reason(shop):
    with pytest.raises(DomainError) as refused:
        reject_group(group_id=shop["group"].pk, user=shop["staff"], reason="   ")
    assert refused.value.status_code == 422 and "reason" in refused.value.fields
    assert refreshed(shop["group"]).status == S.CREATED


@pytest.mark.django_db
def test_rejecting_releases_the_group_with_the_reason(shop):
    # given 2 packs of pork allocated to the order
    reject_group(group_id=shop["group"].pk, user=shop["staff"], reason="猪肉今天缺货")
    group = refreshed(shop["group"])
    assert (group.status, group.status_reason) == (S.REJECTED, "猪肉今天缺货")
    event = group.events.get(status=S.REJECTED)
    assert (event.actor, event.note) == (f"merchant:{shop['staff'].pk}", "猪肉今天缺货")
    # a rejected group cannot be rejected or accepted again
    with pytest.raises(ConflictError):
        reject_group(group_id=group.pk, user=shop["staff"], reason="再拒一次")
    with pytest.raises(ConflictError):
        accept_group(group_id=group.pk, user=shop["staff"])
