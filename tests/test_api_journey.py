"""A resident's whole journey through the API alone, as a mini-program makes it, on the real
services: PostgreSQL, Elasticsearch (search), Redis and a real Celery worker (dispatch) and the
courier simulator (`manage.py simulate_couriers`) riding the orders.

sign in for a token → find one's room in the standard address register and save it → search
within the 15-minute circle → a basket from two shops → check out with the sandbox gateway →
the gateway's signed notice (payment) → follow tracking until both parts are delivered →
delete the account → nothing personal of the resident is readable, the orders and the shops'
figures are unchanged.

Not yet in it (other issues): registering with an SMS code, the community home feed, ratings,
buy again, event sign-ups.
"""

from __future__ import annotations

import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from rest_framework.test import APIClient

from tests.services import _tail

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.elasticsearch,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOBILE, PASSWORD, NAME = "13912340001", "journey-pass-123", "王秀英"
TRACKING_TIMEOUT_SECONDS = 120
# The public register of rooms and the city's communities hold room labels by design.
REGISTER_MODELS = {"communities.StandardAddress", "communities.Community"}


@pytest.fixture
def neighbourhood(es_index, settings):
    """A pharmacy and a greens stall at the same spot, each with its store as fulfilment point,
    two couriers 300 m south of them, and the resident's room in the register 600 m north.
    The resident has no saved address yet. The search index is rebuilt from the database."""
    from communities.models import ResidentAddress, StandardAddress
    from communities.tests.factories import BASE_LAT, BASE_LNG, UserFactory
    from delivery.models import Courier
    from delivery.positions import update_position
    from delivery.tests.factories import CourierFactory, store_point
    from shop.checkout.tests.scene import make_scene

    settings.SEARCH_BACKEND = "elasticsearch"
    scene = make_scene()
    resident = scene.resident
    resident.mobile, resident.last_name, resident.first_name = MOBILE, "王", "秀英"
    resident.set_password(PASSWORD)
    resident.save()
    room = scene.address.standard_address
    StandardAddress.objects.filter(pk=room.pk).update(lat=BASE_LAT + 0.0054, lng=BASE_LNG)
    ResidentAddress.objects.filter(user=resident).delete()
    for listing in (scene.greens, scene.medicine):
        store_point(listing.partner, name=f"{listing.partner.name}门店")
    for mobile, name in [("13800000093", "张师傅"), ("13800000094", "李师傅")]:
        courier = CourierFactory(name=name, user=UserFactory(mobile=mobile), vehicle=Courier.Vehicle.EBIKE)
        update_position(courier=courier, lat=BASE_LAT - 0.0027, lng=BASE_LNG)
    es_index()  # what `make up` does once: the listings and merchants in Elasticsearch
    room.refresh_from_db()
    return scene, room


def text_columns(model):
    return [f.name for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))]


def rows_mentioning(needles: list[str]) -> list[str]:
    """Every row of every table (but the public address register) whose text holds a needle."""
    found = []
    for model in apps.get_models():
        if model._meta.label in REGISTER_MODELS or model._meta.proxy or not model._meta.managed:
            continue
        for column in text_columns(model):
            field = model._meta.get_field(column)
            rows = model._default_manager.all()
            if isinstance(field, models.JSONField):
                rows = rows.annotate(_text=Cast(column, models.TextField()))
                column = "_text"
            for needle in needles:
                for pk in rows.filter(**{f"{column}__icontains": needle}).values_list("pk", flat=True)[:3]:
                    found.append(f"{model._meta.label} #{pk}.{column} holds {needle!r}")
    return found


def shop_figures(order_number: str) -> dict:
    from delivery.models import FulfilmentGroup

    return {(g.merchant_id, g.status): (g.goods_total, g.delivery_fee, g.weight_adjustment, g.total,
                                         g.promised_at, g.completed_at)
            for g in FulfilmentGroup.objects.filter(order__number=order_number)}


def test_a_resident_goes_the_whole_way_through_the_api_and_then_leaves(neighbourhood, simulated_couriers):
    scene, room = neighbourhood
    api = APIClient()
    started = time.monotonic()

    # 1. sign in: a token for the mobile number and password
    token = api.post("/api/v1/auth/token/", {"username": MOBILE, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/me/").json()["name"] == NAME
    assert api.get("/api/v1/addresses/").json() == {"count": 0, "page": 1, "results": []}

    # 2. find one's room in the register: near where the phone stands, narrowed by what is typed
    near = api.get("/api/v1/addresses/register/", {"lat": room.lat, "lng": room.lng, "radius_m": 50,
                                                   "q": f"{room.building}栋{room.room}"})
    assert near.status_code == 200, near.content
    assert [entry["id"] for entry in near.json()["results"]] == [room.pk]
    by_text = api.get("/api/v1/addresses/register/", {"q": f"{room.compound}{room.building}栋{room.unit}单元{room.room}室"})
    assert room.pk in [entry["id"] for entry in by_text.json()["results"]]
    saved = api.post("/api/v1/addresses/", {"standard_address_id": room.pk, "recipient": NAME, "phone": MOBILE},
                     format="json")
    assert saved.status_code == 201, saved.content
    address_id = saved.json()["id"]
    assert saved.json()["is_default"] and saved.json()["standard_address"]["label"] == room.label

    # 3. search within the 15-minute walk of that address (Elasticsearch answers)
    listings = {}
    for words, listing in [("青菜", scene.greens), ("感冒灵", scene.medicine)]:
        found = api.get("/api/v1/search/", {"q": words, "address_id": address_id})
        assert found.status_code == 200, found.content
        assert found.json()["backend"] == "elasticsearch"
        assert found.json()["circle"]["radius_m"] == 864.0
        listings[words] = next(row for row in found.json()["results"] if row["id"] == listing.pk)

    # 4. a basket from two shops, with the listing ids the search gave
    assert api.post("/api/v1/basket/lines/", {"listing_id": listings["青菜"]["id"], "weight_g": 1000},
                    format="json").status_code == 201
    basket = api.post("/api/v1/basket/lines/", {"listing_id": listings["感冒灵"]["id"], "quantity": 2}, format="json")
    assert basket.status_code == 201
    groups = basket.json()["groups"]
    assert {g["merchant_id"] for g in groups} == {scene.greens.partner_id, scene.medicine.partner_id}
    assert basket.json()["problems"] == 0

    # 5. check out, paying online in the sandbox: the order waits for the payment
    order = api.post("/api/v1/checkout/", {
        "address_id": address_id, "payment": "sandbox",
        "groups": [{"merchant_id": g["merchant_id"], "method": "delivery"} for g in groups]}, format="json")
    assert order.status_code == 201, order.content
    order = order.json()
    number, payment = order["number"], order["payment"]
    assert order["status"] == "awaiting_payment" and payment["status"] == "pending" and payment["pay_url"]
    assert Decimal(order["total"]) == Decimal("3.00") * 2 + Decimal("12.50") * 2 + Decimal("2.00") + Decimal("3.00")

    # 6. the gateway's signed notice, as Alipay-like gateways post it (server to server)
    from shop.checkout.models import Payment
    from shop.checkout.payment import signed_notification

    notice = signed_notification(Payment.objects.get(trade_no=payment["trade_no"]))
    paid = APIClient().post("/api/v1/payments/sandbox/notify/", urlencode(notice),
                            content_type="application/x-www-form-urlencoded")
    assert (paid.status_code, paid.content) == (200, b"success")
    assert api.get(f"/api/v1/orders/{number}/").json()["payment"]["status"] == "paid"

    # 7. follow tracking (as the app polls it) until both parts are delivered
    seen: dict[int, list[str]] = {}
    deadline = time.monotonic() + TRACKING_TIMEOUT_SECONDS
    while True:
        tracking = api.get(f"/api/v1/orders/{number}/tracking/")
        assert tracking.status_code == 200
        for group in tracking.json()["groups"]:
            statuses = seen.setdefault(group["id"], [])
            if not statuses or statuses[-1] != group["status"]:
                statuses.append(group["status"])
        if all(group["status"] == "delivered" for group in tracking.json()["groups"]):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"not delivered within {TRACKING_TIMEOUT_SECONDS}s: {seen}\n--- couriers\n"
                        f"{_tail(simulated_couriers)}", pytrace=False)
        time.sleep(1)
    for group in tracking.json()["groups"]:
        events = [event["status"] for event in group["events"]]
        assert [s for s in events if s in {"created", "point_assigned", "courier_assigned", "picked_up", "delivered"}] \
            == ["created", "point_assigned", "courier_assigned", "picked_up", "delivered"], events
        assert group["dropoff"]["label"].endswith(f"{room.room}室")
    figures = shop_figures(number)
    needles = [NAME, MOBILE, MOBILE[-8:], room.label, room.code]
    before = rows_mentioning(needles)
    # (the scan does find her: her account, her saved address, the order's shipping address)
    assert {row.split(" #")[0] for row in before} >= {"accounts.User", "communities.ResidentAddress", "order.ShippingAddress"}

    # 8. the resident deletes the account
    gone = api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    assert gone.status_code == 204, gone.content

    # then the token, the password and the number no longer sign in
    assert api.get("/api/v1/me/").status_code == 401
    assert api.get(f"/api/v1/orders/{number}/tracking/").status_code == 401
    again = APIClient().post("/api/v1/auth/token/", {"username": MOBILE, "password": PASSWORD}, format="json")
    assert again.status_code == 400
    # and the courier who carried it reads no name, phone or room any more
    courier = APIClient()
    from delivery.models import FulfilmentGroup

    carrier = FulfilmentGroup.objects.filter(order__number=number).first().courier.user
    courier.force_authenticate(carrier)
    carried = courier.get(f"/api/v1/orders/{number}/tracking/")
    assert carried.status_code == 200 and carried.json()["groups"]
    text = carried.content.decode()
    assert NAME not in text and MOBILE not in text and room.label not in text
    assert all(group["dropoff"] is None for group in carried.json()["groups"])
    # and no row anywhere (but the public address register) holds the name, number or room
    assert rows_mentioning(needles) == []
    # and the order and the shops' figures are what they were
    assert shop_figures(number) == figures
    from oscar.apps.order.models import Order

    kept = Order.objects.get(number=number)
    assert kept.total_incl_tax == Decimal(order["total"]) and kept.shipping_address.line4 == "南京市"
    print(f"API journey: {time.monotonic() - started:.1f}s, tracking showed {seen}")
