"""Checkout over three merchants: one order, a group per merchant, nothing oversold, all or nothing."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from oscar.apps.order.models import Order

from delivery.models import FulfilmentGroup, Slot
from delivery.services import SlotFull
from merchants.models import StockRecord
from merchants.services import InsufficientStock
from shop.checkout.models import Payment
from shop.checkout.services import GroupChoice, LineUnavailable, cancel_order, place_order
from shop.core.errors import ConflictError, DomainError, NotFoundError

from .scene import make_scene

pytestmark = pytest.mark.django_db


def allocated(listing) -> int:
    return StockRecord.objects.get(pk=listing.pk).num_allocated or 0


def booked(slot) -> int:
    return Slot.objects.get(pk=slot.pk).booked


def test_cash_on_delivery_places_one_order_with_a_group_per_merchant():
    # given a basket with 1 kg of greens (two 500 g packs), two boxes of medicine and a cleaning
    scene = make_scene()
    basket = scene.fill()
    # when the resident checks out: greens delivered, medicine picked up at the station, cleaning at home
    order = place_order(user=scene.resident, basket=basket, address_id=scene.address.pk,
                        groups=scene.choices(), payment="cod")
    # then one order holds three groups, each with its own status, and the pickup group a code
    assert order.status == "placed"
    groups = {group.merchant_id: group for group in order.fulfilment_groups.all()}
    assert set(groups) == {m.pk for m in scene.merchants}
    assert all(group.status == FulfilmentGroup.Status.CREATED for group in groups.values())
    pickup = groups[scene.medicine.partner_id]
    assert pickup.method == "pickup" and len(pickup.pickup_code) == 6 and pickup.pickup_code.isdigit()
    assert pickup.pickup_point == scene.station and pickup.delivery_fee == 0
    assert groups[scene.greens.partner_id].pickup_code == ""
    # and the weighed line is an estimate of 1,000 g at ¥3.00 a pack
    greens_line = groups[scene.greens.partner_id].lines.get()
    assert (greens_line.quantity, greens_line.estimated_weight_g, greens_line.estimated_amount) == (2, 1000, Decimal("6.00"))
    # and the total is goods (6 + 25 + 120) plus the stall's delivery fee (2); services carry no fee
    assert order.total_incl_tax == Decimal("153.00")
    assert groups[scene.cleaning.partner_id].promised_at == scene.slot.starts_at
    # and stock and the slot are taken, the basket is submitted
    assert (allocated(scene.greens), allocated(scene.medicine), booked(scene.slot)) == (2, 2, 1)
    assert basket.__class__.objects.get(pk=basket.pk).status == "Submitted"
    assert order.payment.provider == "cod"


def test_a_shortage_answers_409_naming_each_short_line_and_writes_nothing():
    scene = make_scene(greens_stock=5, medicine_stock=3)
    basket = scene.fill(greens_g=1500, medicine=3, cleaning=0)
    # someone else buys two boxes of medicine and four packs of greens meanwhile
    StockRecord.objects.filter(pk=scene.medicine.pk).update(num_allocated=2)
    StockRecord.objects.filter(pk=scene.greens.pk).update(num_allocated=4)
    with pytest.raises(InsufficientStock) as short:
        place_order(user=scene.resident, basket=basket, address_id=scene.address.pk,
                    groups=scene.choices()[:2], payment="cod")
    assert short.value.status_code == 409
    assert short.value.extra["lines"] == [
        {"listing_id": scene.greens.pk, "requested": 3, "available": 1},
        {"listing_id": scene.medicine.pk, "requested": 3, "available": 1},
    ]
    assert Order.objects.count() == 0 and FulfilmentGroup.objects.count() == 0
    assert basket.__class__.objects.get(pk=basket.pk).status == "Open"


def test_a_full_slot_answers_409_and_takes_no_stock():
    scene = make_scene(slot_capacity=1)
    basket = scene.fill()
    Slot.objects.filter(pk=scene.slot.pk).update(booked=1)
    with pytest.raises(SlotFull) as full:
        place_order(user=scene.resident, basket=basket, address_id=scene.address.pk, groups=scene.choices(), payment="cod")
    assert full.value.extra["lines"] == [{"slot_id": scene.slot.pk, "requested": 1, "available": 0, "listing_id": scene.cleaning.pk}]
    assert (allocated(scene.greens), allocated(scene.medicine)) == (0, 0)


def test_sandbox_payment_holds_stock_until_paid():
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(), address_id=scene.address.pk,
                        groups=scene.choices(), payment="sandbox")
    assert order.status == "awaiting_payment"
    assert set(order.fulfilment_groups.values_list("status", flat=True)) == {"awaiting_payment"}
    assert order.payment.status == Payment.Status.PENDING and order.payment.amount == order.total_incl_tax
    assert order.payment.expires_at > timezone.now()
    assert allocated(scene.medicine) == 2


@pytest.mark.parametrize("change, field", [
    (lambda s, g: g[:2], "merchant"),  # the cleaning merchant has no choice
    (lambda s, g: g + [GroupChoice(merchant_id=999_999, method="delivery")], "merchant 999999"),
    (lambda s, g: [g[0], GroupChoice(merchant_id=s.medicine.partner_id, method="delivery"), g[2]], "merchant"),  # below ¥20 minimum
    (lambda s, g: [g[0], g[1], GroupChoice(merchant_id=s.cleaning.partner_id, method="pickup")], "merchant"),  # a service cannot be picked up
    (lambda s, g: [g[0], GroupChoice(merchant_id=s.medicine.partner_id, method="pickup", pickup_point_id=999_999), g[2]], "merchant"),
    (lambda s, g: [GroupChoice(merchant_id=s.greens.partner_id, method="delivery", slot_id=s.slot.pk), g[1], g[2]], "merchant"),  # a service slot is no delivery window
])
def test_impossible_choices_are_422_naming_the_merchant(change, field):
    scene = make_scene()
    basket = scene.fill(medicine=1)
    with pytest.raises(DomainError) as refused:
        place_order(user=scene.resident, basket=basket, address_id=scene.address.pk,
                    groups=change(scene, scene.choices()), payment="cod")
    assert refused.value.status_code == 422
    assert any(key.startswith(field) for key in refused.value.fields), refused.value.fields
    assert Order.objects.count() == 0 and allocated(scene.medicine) == 0


def test_an_address_out_of_the_service_area_stops_the_home_service():
    scene = make_scene()
    basket = scene.fill()
    scene.cleaning.partner.__class__.objects.filter(pk=scene.cleaning.partner_id).update(service_radius_m=10, lat=32.2)
    with pytest.raises(LineUnavailable) as refused:
        place_order(user=scene.resident, basket=basket, address_id=scene.address.pk, groups=scene.choices(), payment="cod")
    assert [line["problem"] for line in refused.value.extra["lines"]] == ["out_of_area"]


def test_someone_elses_address_and_a_second_checkout_are_refused():
    scene, other = make_scene(), make_scene()
    basket = scene.fill()
    with pytest.raises(DomainError) as refused:
        place_order(user=scene.resident, basket=basket, address_id=other.address.pk, groups=scene.choices(), payment="cod")
    assert "address_id" in refused.value.fields
    place_order(user=scene.resident, basket=basket, address_id=scene.address.pk, groups=scene.choices(), payment="cod")
    with pytest.raises(ConflictError):
        place_order(user=scene.resident, basket=basket, address_id=scene.address.pk, groups=scene.choices(), payment="cod")


def test_cancelling_before_dispatch_gives_back_stock_and_the_slot():
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(), address_id=scene.address.pk,
                        groups=scene.choices(), payment="cod")
    cancelled = cancel_order(order_number=order.number, user=scene.resident, reason="买错了")
    assert cancelled.status == "cancelled"
    assert set(cancelled.fulfilment_groups.values_list("status", flat=True)) == {"cancelled"}
    assert (allocated(scene.greens), allocated(scene.medicine), booked(scene.slot)) == (0, 0, 0)
    assert cancelled.payment.status == Payment.Status.CANCELLED
    # and a second cancel is a conflict, not a second release
    with pytest.raises(ConflictError):
        cancel_order(order_number=order.number, user=scene.resident)


def test_an_order_that_left_the_shop_cannot_be_cancelled_and_others_cannot_cancel_it():
    scene = make_scene()
    order = place_order(user=scene.resident, basket=scene.fill(cleaning=0), address_id=scene.address.pk,
                        groups=scene.choices()[:2], payment="cod")
    with pytest.raises(NotFoundError):
        cancel_order(order_number=order.number, user=make_scene().resident)
    order.fulfilment_groups.filter(merchant=scene.greens.partner).update(status="picked_up")
    with pytest.raises(ConflictError) as refused:
        cancel_order(order_number=order.number, user=scene.resident)
    assert refused.value.code == "cannot_cancel"
    assert allocated(scene.medicine) == 2


@override_settings(DELIVERY_ASAP_MINUTES=40)
def test_delivery_window_is_booked_and_promised():
    scene = make_scene()
    window = Slot.objects.create(kind="delivery", merchant=scene.greens.partner, duration_min=30, capacity=1,
                                 starts_at=timezone.now() + timezone.timedelta(hours=3))
    choices = scene.choices()
    choices[0] = GroupChoice(merchant_id=scene.greens.partner_id, method="delivery", slot_id=window.pk)
    order = place_order(user=scene.resident, basket=scene.fill(), address_id=scene.address.pk, groups=choices, payment="cod")
    group = order.fulfilment_groups.get(merchant=scene.greens.partner)
    assert group.window == window and group.promised_at == window.ends_at and booked(window) == 1
    # the window's one place is gone for the next resident
    other = make_scene()
    other_basket = other.basket()
    from shop.basket.services import add_line
    add_line(basket=other_basket, listing_id=scene.greens.pk, quantity=1)
    with pytest.raises(SlotFull):
        place_order(user=other.resident, basket=other_basket, address_id=other.address.pk,
                    groups=[GroupChoice(merchant_id=scene.greens.partner_id, method="delivery", slot_id=window.pk)],
                    payment="cod")
