"""A merchant that delivers with its own couriers (Partner.Delivery.OWN) gets only them, and
platform orders never go to another merchant's couriers."""

import pytest

from delivery import dispatch
from delivery.models import JobOffer
from delivery.tests.factories import courier_at, dispatchable_order
from merchants.models import Partner
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.usefixtures("fresh_positions")


def offered_to(group):
    return JobOffer.objects.get(group=group, state=JobOffer.State.PENDING).courier


@pytest.mark.django_db
def test_own_delivery_merchant_offers_its_own_courier_even_when_a_platform_courier_is_nearer():
    # given a merchant delivering itself, its courier 8 km away (beyond the platform search
    # radius) and a platform courier at the door
    shop = MerchantFactory(delivery_capability=Partner.Delivery.OWN)
    own = courier_at(8_000, merchant=shop)
    courier_at(50)
    group = dispatchable_order(merchant=shop)

    # when the group is routed
    dispatch.route_and_offer(group_id=group.pk)

    # then the job is offered to the merchant's own courier
    assert offered_to(group) == own


@pytest.mark.django_db
def test_platform_orders_never_go_to_another_merchants_courier():
    # given another shop's own courier next door and a platform courier farther off
    other_shop = MerchantFactory(delivery_capability=Partner.Delivery.OWN)
    courier_at(20, merchant=other_shop)
    platform = courier_at(900)
    group = dispatchable_order(merchant=MerchantFactory(delivery_capability=Partner.Delivery.PLATFORM))

    # when the group is routed, then the platform courier gets it
    dispatch.route_and_offer(group_id=group.pk)
    assert offered_to(group) == platform


@pytest.mark.django_db
def test_own_delivery_merchant_without_registered_couriers_falls_back_to_platform_couriers():
    # given a merchant delivering itself that registered no courier
    shop = MerchantFactory(delivery_capability=Partner.Delivery.OWN)
    platform = courier_at(100)
    group = dispatchable_order(merchant=shop)

    # when the group is routed, then a platform courier carries it rather than nobody
    dispatch.route_and_offer(group_id=group.pk)
    assert offered_to(group) == platform


@pytest.mark.django_db
def test_own_courier_offline_or_full_means_no_offer_yet():
    # given a merchant whose only courier is offline, and a free platform courier
    shop = MerchantFactory(delivery_capability=Partner.Delivery.OWN)
    own = courier_at(300, merchant=shop, status="offline")
    courier_at(100)
    group = dispatchable_order(merchant=shop)

    # when the group is routed, then nobody is offered the job (beat offers it again later)
    dispatch.route_and_offer(group_id=group.pk)
    assert not JobOffer.objects.filter(group=group).exists()

    # when the courier comes online and beat offers again, then it is theirs
    own.status = "available"
    own.save(update_fields=["status"])
    dispatch.offer_next(group_id=group.pk)
    assert offered_to(group) == own
