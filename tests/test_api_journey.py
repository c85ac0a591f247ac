"""A resident's whole journey through the API alone, as a mini-program makes it, on the real
services: PostgreSQL, Elasticsearch (search), Redis and a real Celery worker (dispatch) and the
courier simulator (`manage.py simulate_couriers`) riding the orders.

register with an SMS code (sandbox) → find one's room in the standard address register and
save it → the community home feed (and its 304) → search within the 15-minute circle → a basket
from two shops and a home service (a slot from the listing's slots) → check out with the sandbox
gateway → the gateway's signed notice (payment) → follow tracking until the goods are delivered
and the service done (simulated couriers and provider) → rate the shops → buy again → sign up for
an event and cancel → delete the account → nothing personal of the resident is readable; the
orders, the shops' figures and the bureau's trade figures for the community are unchanged.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from rest_framework.test import APIClient

from tests.services import _tail
from tests.sms import sent_code

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.elasticsearch,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MOBILE, PASSWORD, NAME = "13912340001", "journey-pass-123", "王秀英"
NOTICE, EVENT = "本周六上午停水通知", "老年人智能手机课堂"
TRACKING_TIMEOUT_SECONDS = 120
# The public register of rooms and the city's communities hold room labels by design.
REGISTER_MODELS = {"communities.StandardAddress", "communities.Community"}


@pytest.fixture
def neighbourhood(es_index, settings):
    """A pharmacy and a greens stall at the same spot, each with its store as fulfilment point,
    two couriers 300 m south of them, a cleaning service with its provider, the resident's room in
    the register 600 m north, a notice and an event on the community's page, and a bureau analyst.
    Nobody has the resident's number yet. The search index is rebuilt from the database."""
    import datetime

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cms.selectors import community_page_for
    from cms.tests.factories import event, notice
    from communities.models import ResidentAddress, StandardAddress
    from communities.tests.factories import BASE_LAT, BASE_LNG, UserFactory
    from delivery.models import Courier
    from delivery.positions import update_position
    from delivery.tests.factories import CourierFactory, ServiceProviderFactory, store_point
    from shop.checkout.tests.scene import make_scene

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.BUREAU = {**settings.BUREAU, "min_cell": 1}  # one order is enough to be shown
    scene = make_scene()
    room = scene.address.standard_address
    StandardAddress.objects.filter(pk=room.pk).update(lat=BASE_LAT + 0.0054, lng=BASE_LNG)
    ResidentAddress.objects.filter(user=scene.resident).delete()
    for listing in (scene.greens, scene.medicine, scene.cleaning):
        store_point(listing.partner, name=f"{listing.partner.name}门店")
    cleaners = scene.cleaning.partner
    ServiceProviderFactory(merchant=cleaners, user=UserFactory(mobile="13800000095"), name="赵阿姨",
                           last_lat=cleaners.lat, last_lng=cleaners.lng)
    for mobile, name in [("13800000093", "张师傅"), ("13800000094", "李师傅")]:
        courier = CourierFactory(name=name, user=UserFactory(mobile=mobile), vehicle=Courier.Vehicle.EBIKE)
        update_position(courier=courier, lat=BASE_LAT - 0.0027, lng=BASE_LNG)
    page = community_page_for(community_id=room.community_id)
    notice(page, title=NOTICE, pinned=True)
    event(page, title=EVENT, starts_at=timezone.now() + datetime.timedelta(days=3), capacity=10)
    analyst = UserFactory(mobile="13800000096")
    analyst.groups.add(Group.objects.get(name="商务局分析员"))
    es_index()  # what `make up` does once: the listings and merchants in Elasticsearch
    room.refresh_from_db()
    return scene, room, analyst


def bureau_trade(analyst, slug: str) -> dict:
    """The bureau's trade figures for the community, computed afresh (the live days are cached)."""
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    today = timezone.localdate()
    cache.delete_many([f"bureau:live:{(today - datetime.timedelta(days=n)).isoformat()}" for n in range(2)])
    client = APIClient()
    client.force_authenticate(analyst)
    response = client.get(f"/api/v1/bureau/communities/{slug}/")
    assert response.status_code == 200, response.content
    return response.json()["trade"]


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


def test_a_resident_goes_the_whole_way_through_the_api_and_then_leaves(neighbourhood, simulated_couriers, caplog):
    scene, room, analyst = neighbourhood
    api = APIClient()
    started = time.monotonic()

    # 1. register with a one-time SMS code (the sandbox gateway writes it to the log), then a name
    caplog.set_level(logging.INFO, logger="shop.sms")
    asked = api.post("/api/v1/auth/sms-code/", {"mobile": MOBILE, "purpose": "register"}, format="json")
    assert asked.status_code == 202, asked.content
    token = api.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": sent_code(caplog, MOBILE),
                                                "password": PASSWORD}, format="json")
    assert token.status_code == 201, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    named = api.patch("/api/v1/me/", {"last_name": "王", "first_name": "秀英"}, format="json")
    assert named.status_code == 200 and named.json()["name"] == NAME
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

    # 3. the home feed of her community (from the default address), then unchanged: 304
    home = api.get("/api/v1/home/")
    assert home.status_code == 200, home.content
    assert home.json()["community"]["id"] == room.community_id
    assert home.json()["notices"][0]["title"] == NOTICE and home.json()["notices"][0]["pinned"]
    event_row = next(row for row in home.json()["events"] if row["title"] == EVENT)
    assert home.json()["circle"]["merchant_count"] >= 3
    assert api.get("/api/v1/home/", HTTP_IF_NONE_MATCH=home["ETag"]).status_code == 304

    # 4. search within the 15-minute walk of that address (Elasticsearch answers)
    listings = {}
    for words, listing in [("青菜", scene.greens), ("感冒灵", scene.medicine)]:
        found = api.get("/api/v1/search/", {"q": words, "address_id": address_id})
        assert found.status_code == 200, found.content
        assert found.json()["backend"] == "elasticsearch"
        assert found.json()["circle"]["radius_m"] == 864.0
        listings[words] = next(row for row in found.json()["results"] if row["id"] == listing.pk)

    # 5. a basket from two shops and a home service, at a time its listing offers
    assert api.post("/api/v1/basket/lines/", {"listing_id": listings["青菜"]["id"], "weight_g": 1000},
                    format="json").status_code == 201
    assert api.post("/api/v1/basket/lines/", {"listing_id": listings["感冒灵"]["id"], "quantity": 2},
                    format="json").status_code == 201
    slots = api.get(f"/api/v1/listings/{scene.cleaning.pk}/slots/")
    assert slots.status_code == 200 and [slot["id"] for slot in slots.json()] == [scene.slot.pk]
    basket = api.post("/api/v1/basket/lines/", {"listing_id": scene.cleaning.pk, "slot_id": slots.json()[0]["id"]},
                      format="json")
    assert basket.status_code == 201, basket.content
    groups = basket.json()["groups"]
    assert {g["merchant_id"] for g in groups} == {scene.greens.partner_id, scene.medicine.partner_id,
                                                 scene.cleaning.partner_id}
    assert basket.json()["problems"] == 0

    # 6. check out, paying online in the sandbox: the order waits for the payment
    order = api.post("/api/v1/checkout/", {
        "address_id": address_id, "payment": "sandbox",
        "groups": [{"merchant_id": g["merchant_id"], "method": "delivery"} for g in groups]}, format="json")
    assert order.status_code == 201, order.content
    order = order.json()
    number, payment = order["number"], order["payment"]
    assert order["status"] == "awaiting_payment" and payment["status"] == "pending" and payment["pay_url"]
    goods = Decimal("3.00") * 2 + Decimal("12.50") * 2 + Decimal("2.00") + Decimal("3.00")
    assert Decimal(order["total"]) == goods + Decimal("120.00") + scene.cleaning.partner.delivery_fee

    # 7. the gateway's signed notice, as Alipay-like gateways post it (server to server)
    from shop.checkout.models import Payment
    from shop.checkout.payment import signed_notification

    notice = signed_notification(Payment.objects.get(trade_no=payment["trade_no"]))
    paid = APIClient().post("/api/v1/payments/sandbox/notify/", urlencode(notice),
                            content_type="application/x-www-form-urlencoded")
    assert (paid.status_code, paid.content) == (200, b"success")
    assert api.get(f"/api/v1/orders/{number}/").json()["payment"]["status"] == "paid"

    # 8. follow tracking (as the app polls it) until the goods are delivered and the service done
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
    assert api.get(f"/api/v1/orders/{number}/").json()["status"] == "completed"

    # 9. rate each shop of the order
    rateable = api.get(f"/api/v1/orders/{number}/rating/").json()
    assert {row["merchant_id"] for row in rateable} == {g["merchant_id"] for g in groups}
    rated = api.post(f"/api/v1/orders/{number}/rating/", {"ratings": [
        {"merchant_id": row["merchant_id"], "score": 5, "comment": "送得很快"} for row in rateable]}, format="json")
    assert rated.status_code == 201, rated.content
    assert api.post(f"/api/v1/orders/{number}/rating/", {"ratings": [{"merchant_id": groups[0]["merchant_id"],
                    "score": 1}]}, format="json").status_code == 409

    # 10. buy again: the goods back in the basket, the service asks for a new time; then empty it
    again = api.post(f"/api/v1/orders/{number}/buy-again/")
    assert again.status_code == 200, again.content
    assert {row["listing_id"] for row in again.json()["added"]} == {scene.greens.pk, scene.medicine.pk}
    assert [row["listing_id"] for row in again.json()["needs_slot"]] == [scene.cleaning.pk]
    for group in api.get("/api/v1/basket/").json()["groups"]:
        for line in group["lines"]:
            assert api.delete(f"/api/v1/basket/lines/{line['id']}/").status_code in (200, 204)

    # 11. sign up for the community's event, then cancel
    joined = api.post(f"/api/v1/events/{event_row['id']}/signup/")
    assert joined.status_code == 201 and joined.json()["status"] == "confirmed"
    feed = api.get("/api/v1/home/").json()
    assert next(row for row in feed["events"] if row["id"] == event_row["id"])["my_status"] == "confirmed"
    left = api.delete(f"/api/v1/events/{event_row['id']}/signup/")
    assert left.status_code == 200 and left.json()["status"] == "cancelled"

    # the shops' records, the bureau's figures, and what the scan finds of her before she leaves
    figures = shop_figures(number)
    trade = bureau_trade(analyst, room.community.slug)
    assert trade["orders"] == 3 and Decimal(str(trade["sales"])) == Decimal(order["total"])
    assert Decimal(str(trade["service_sales"])) == Decimal("120.00")
    from oscar.apps.order.models import Order, OrderNote

    OrderNote.objects.create(order=Order.objects.get(number=number), message=f"{NAME}说放门口, 电话{MOBILE}")
    needles = [NAME, MOBILE, MOBILE[-8:], room.label, room.code]
    before = rows_mentioning(needles)
    # (the scan does find her: her account, her saved address, the order's shipping address, a note)
    assert {row.split(" #")[0] for row in before} >= {"accounts.User", "communities.ResidentAddress",
                                                      "order.ShippingAddress", "order.OrderNote"}

    # 12. the resident deletes the account
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

    carrier = FulfilmentGroup.objects.filter(order__number=number, courier__isnull=False).first().courier.user
    courier.force_authenticate(carrier)
    carried = courier.get(f"/api/v1/orders/{number}/tracking/")
    assert carried.status_code == 200 and carried.json()["groups"]
    text = carried.content.decode()
    assert NAME not in text and MOBILE not in text and room.label not in text
    assert all(group["dropoff"] is None for group in carried.json()["groups"])
    # and no row anywhere (but the public address register) holds the name, number or room
    assert rows_mentioning(needles) == []
    # and the order, the shops' figures and the bureau's trade figures are what they were
    assert shop_figures(number) == figures
    # (but the share of households ordering: her room is forgotten with her, so it counts one fewer)
    after = bureau_trade(analyst, room.community.slug)
    assert {**after, "ordering_households_share": None} == {**trade, "ordering_households_share": None}
    from cms.models import EventSignup

    assert not EventSignup.objects.filter(event_id=event_row["id"]).exclude(user__is_active=True).exists()
    kept = Order.objects.get(number=number)
    assert kept.total_incl_tax == Decimal(order["total"]) and kept.shipping_address.line4 == "南京市"
    print(f"API journey: {time.monotonic() - started:.1f}s, tracking showed {seen}")
