"""Basket, checkout and orders over the API, in the shapes the ordering issue fixes."""

import pytest
from rest_framework.test import APIClient

from merchants.models import StockRecord

from .scene import make_scene

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": user.mobile, "password": "demo-pass-123"}, format="json")
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def fill(api, scene):
    for body in ({"listing_id": scene.greens.pk, "weight_g": 800},
                 {"listing_id": scene.medicine.pk, "quantity": 2},
                 {"listing_id": scene.cleaning.pk, "quantity": 1, "slot_id": scene.slot.pk}):
        response = api.post("/api/v1/basket/lines/", body, format="json")
        assert response.status_code == 201, response.content


def checkout_body(scene, payment="sandbox"):
    return {
        "address_id": scene.address.pk,
        "groups": [
            {"merchant_id": scene.greens.partner_id, "method": "delivery"},
            {"merchant_id": scene.medicine.partner_id, "method": "pickup", "pickup_point_id": scene.station.pk},
            {"merchant_id": scene.cleaning.partner_id, "method": "delivery"},
        ],
        "payment": payment,
    }


def test_basket_groups_lines_by_merchant_with_fees_and_estimates():
    scene = make_scene()
    api = api_for(scene.resident)
    fill(api, scene)
    basket = api.get("/api/v1/basket/").json()
    by_merchant = {group["merchant_id"]: group for group in basket["groups"]}
    assert set(by_merchant) == {m.pk for m in scene.merchants}
    pharmacy = by_merchant[scene.medicine.partner_id]
    assert (pharmacy["subtotal"], pharmacy["min_order"], pharmacy["delivery_fee"], pharmacy["below_minimum"]) == (
        "25.00", "20.00", "3.00", "0.00")
    greens = by_merchant[scene.greens.partner_id]["lines"][0]
    # 800 g is two 500 g packs, priced as an estimate
    assert (greens["quantity"], greens["weight_g"], greens["estimated"], greens["amount"]) == (2, 1000, True, "6.00")
    cleaning = by_merchant[scene.cleaning.partner_id]["lines"][0]
    assert cleaning["slot"]["id"] == scene.slot.pk and cleaning["problem"] is None


def test_checkout_answers_201_in_the_issue_shape_and_orders_list_it():
    scene = make_scene()
    api = api_for(scene.resident)
    fill(api, scene)
    response = api.post("/api/v1/checkout/", checkout_body(scene), format="json")
    assert response.status_code == 201, response.content
    order = response.json()
    assert {"number", "status", "total", "groups"} <= set(order)
    assert order["status"] == "awaiting_payment" and order["total"] == "153.00"
    for group in order["groups"]:
        assert {"id", "merchant_id", "method", "status"} <= set(group)
    pickup = next(group for group in order["groups"] if group["method"] == "pickup")
    assert len(pickup["pickup_code"]) == 6
    assert all("pickup_code" not in group for group in order["groups"] if group["method"] == "delivery")
    assert order["payment"]["pay_url"].endswith(f"/checkout/pay/{order['payment']['trade_no']}/")
    listed = api.get("/api/v1/orders/").json()
    assert [o["number"] for o in listed["results"]] == [order["number"]]
    assert api.get(f"/api/v1/orders/{order['number']}/").json()["number"] == order["number"]
    # the basket is empty again
    assert api.get("/api/v1/basket/").json()["groups"] == []


def test_a_shortage_is_409_in_the_issue_shape():
    scene = make_scene(medicine_stock=3)
    api = api_for(scene.resident)
    fill(api, scene)
    StockRecord.objects.filter(pk=scene.medicine.pk).update(num_allocated=2)
    response = api.post("/api/v1/checkout/", checkout_body(scene), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "insufficient_stock" and body["detail"]
    assert body["lines"] == [{"listing_id": scene.medicine.pk, "requested": 2, "available": 1}]


@pytest.mark.parametrize("body, status, field", [
    ({}, 400, "address_id"),
    ({"address_id": "x", "groups": [], "payment": "cod"}, 400, "address_id"),
    ({"address_id": 1, "groups": [], "payment": "cod"}, 400, "groups"),
    ({"address_id": 1, "groups": [{"merchant_id": 1, "method": "fly"}], "payment": "cod"}, 400, "groups"),
    ({"address_id": 1, "groups": [{"merchant_id": 1, "method": "pickup"}], "payment": "bitcoin"}, 400, "payment"),
    ({"address_id": 999999, "groups": [{"merchant_id": 1, "method": "pickup"}], "payment": "cod"}, 422, "address_id"),
])
def test_bad_checkout_input_is_a_json_error_naming_the_field(body, status, field):
    scene = make_scene()
    api = api_for(scene.resident)
    fill(api, scene)
    response = api.post("/api/v1/checkout/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"] and field in response.json()["fields"]


@pytest.mark.parametrize("body, status, field", [
    ({"listing_id": 999999}, 422, "listing_id"),
    ({"listing_id": "abc"}, 400, "listing_id"),
    ({"listing_id": "{greens}", "quantity": 0}, 400, "quantity"),
    ({"listing_id": "{greens}", "quantity": 1, "weight_g": 500}, 400, "weight_g"),
    ({"listing_id": "{medicine}", "weight_g": 500}, 422, "weight_g"),
    ({"listing_id": "{medicine}", "slot_id": "{slot}"}, 422, "slot_id"),
    ({"listing_id": "{cleaning}"}, 422, "slot_id"),
])
def test_bad_basket_input_is_a_json_error_naming_the_field(body, status, field):
    scene = make_scene()
    ids = {"{greens}": scene.greens.pk, "{medicine}": scene.medicine.pk, "{cleaning}": scene.cleaning.pk, "{slot}": scene.slot.pk}
    body = {key: ids.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = api_for(scene.resident).post("/api/v1/basket/lines/", body, format="json")
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]


def test_adding_more_than_is_in_stock_is_409_and_a_full_slot_too():
    scene = make_scene(medicine_stock=1, slot_capacity=1)
    api = api_for(scene.resident)
    response = api.post("/api/v1/basket/lines/", {"listing_id": scene.medicine.pk, "quantity": 2}, format="json")
    assert response.status_code == 409 and response.json()["error"] == "insufficient_stock"
    scene.slot.__class__.objects.filter(pk=scene.slot.pk).update(booked=1)
    response = api.post("/api/v1/basket/lines/", {"listing_id": scene.cleaning.pk, "slot_id": scene.slot.pk}, format="json")
    assert response.status_code == 409 and response.json()["error"] == "slot_full"


def test_a_line_that_sold_out_shows_a_problem_and_can_be_removed():
    scene = make_scene()
    api = api_for(scene.resident)
    fill(api, scene)
    StockRecord.objects.filter(pk=scene.medicine.pk).update(num_in_stock=0)
    basket = api.get("/api/v1/basket/").json()
    line = next(item for g in basket["groups"] for item in g["lines"] if item["listing_id"] == scene.medicine.pk)
    assert line["problem"] == "sold_out" and line["problem_message"]
    assert api.delete(f"/api/v1/basket/lines/{line['id']}/").status_code == 204
    assert api.delete(f"/api/v1/basket/lines/{line['id']}/").status_code == 404


def test_cancel_over_the_api_restores_stock_and_other_residents_see_404():
    scene, stranger = make_scene(), make_scene()
    api = api_for(scene.resident)
    fill(api, scene)
    number = api.post("/api/v1/checkout/", checkout_body(scene, "cod"), format="json").json()["number"]
    other = api_for(stranger.resident)
    assert other.get(f"/api/v1/orders/{number}/").status_code == 404
    assert other.post(f"/api/v1/orders/{number}/cancel/").status_code == 404
    response = api.post(f"/api/v1/orders/{number}/cancel/", {"reason": "不需要了"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert StockRecord.objects.get(pk=scene.medicine.pk).num_allocated == 0
    assert api.post(f"/api/v1/orders/{number}/cancel/").status_code == 409


@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/basket/"), ("post", "/api/v1/basket/lines/"), ("delete", "/api/v1/basket/lines/1/"),
    ("post", "/api/v1/checkout/"), ("get", "/api/v1/orders/"), ("get", "/api/v1/orders/100001/"),
    ("post", "/api/v1/orders/100001/cancel/"),
])
def test_anonymous_callers_are_401(method, url):
    response = getattr(APIClient(), method)(url)
    assert response.status_code == 401 and response.json()["error"]
