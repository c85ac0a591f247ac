"""GET /api/v1/listings/<id>/slots/: the times a home service can be booked, so that a client
can send the slot_id a service's basket line needs."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from delivery.tests.factories import SlotFactory
from shop.checkout.tests.scene import make_scene

pytestmark = pytest.mark.django_db


def test_a_service_lists_its_future_slots_with_room_left_soonest_first():
    # given the cleaning service's slot tomorrow, a later one, a full one and a past one
    scene = make_scene()
    cleaners, product = scene.cleaning.partner, scene.cleaning.product
    later = SlotFactory(merchant=cleaners, product=product, capacity=2,
                        starts_at=scene.slot.starts_at + datetime.timedelta(days=1))
    SlotFactory(merchant=cleaners, product=product, booked=1, starts_at=scene.slot.starts_at + datetime.timedelta(hours=3))
    SlotFactory(merchant=cleaners, product=product, starts_at=timezone.now() - datetime.timedelta(hours=1))
    # when a client asks (no account needed)
    response = APIClient().get(f"/api/v1/listings/{scene.cleaning.pk}/slots/")
    # then it gets the bookable ones, each with what a basket line needs
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [scene.slot.pk, later.pk]
    assert response.json()[1]["remaining"] == 2 and response.json()[0]["kind"] == "service"
    # and goods have none
    assert APIClient().get(f"/api/v1/listings/{scene.greens.pk}/slots/").json() == []


def test_a_listing_not_on_sale_is_a_404_naming_the_field():
    scene = make_scene()
    scene.cleaning.is_published = False
    scene.cleaning.save()
    for listing_id in (scene.cleaning.pk, 999999):
        response = APIClient().get(f"/api/v1/listings/{listing_id}/slots/")
        assert response.status_code == 404 and response.json()["error"] == "unknown_listing"
        assert "listing_id" in response.json()["fields"]
