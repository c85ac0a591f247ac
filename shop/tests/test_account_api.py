"""The signed-in resident's own account over the API: the profile and deleting the account."""

import pytest
from django.contrib.auth import get_user_model
from oscar.apps.order.models import ShippingAddress
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from communities.models import ResidentAddress
from communities.tests.factories import ResidentAddressFactory, UserFactory
from delivery.models import FulfilmentGroup
from delivery.tests.factories import CourierFactory, order_with_groups, shipping_address

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
User = get_user_model()


@pytest.fixture
def resident():
    return UserFactory(mobile="13800002222", last_name="王", first_name="秀英")


@pytest.fixture
def api(resident):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=resident).key}")
    return client


def test_a_resident_reads_and_changes_their_name(api, resident):
    body = api.get("/api/v1/me/").json()
    assert (body["mobile"], body["last_name"], body["first_name"], body["name"]) == ("13800002222", "王", "秀英", "王秀英")
    response = api.patch("/api/v1/me/", {"first_name": " 秀兰 "}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "王秀兰"
    resident.refresh_from_db()
    assert (resident.last_name, resident.first_name) == ("王", "秀兰")


@pytest.mark.parametrize("payload, status, field", [
    ({}, 400, "last_name"),
    ({"mobile": "13900000000"}, 400, "last_name"),  # the mobile number is not changed here
    ({"last_name": "", "first_name": ""}, 422, "last_name"),
    ({"first_name": "秀" * 31}, 422, "first_name"),
    ({"last_name": "王\n"}, 200, None),  # surrounding whitespace is trimmed
    ({"last_name": "王\x00李"}, 400, "last_name"),
    ({"last_name": "王\x07李"}, 422, "last_name"),
    ({"last_name": ["王"]}, 400, "last_name"),
])
def test_a_bad_name_is_refused_naming_the_field_and_nothing_changes(api, resident, payload, status, field):
    response = api.patch("/api/v1/me/", payload, format="json")
    assert response.status_code == status
    resident.refresh_from_db()
    assert resident.mobile == "13800002222"
    if field:
        assert field in response.json()["fields"]
        assert (resident.last_name, resident.first_name) == ("王", "秀英")


def test_the_profile_needs_a_signed_in_user():
    assert APIClient().get("/api/v1/me/").status_code == 401
    assert APIClient().post("/api/v1/me/delete/", {"password": "x"}).status_code == 401


def test_deleting_the_account_removes_what_identifies_the_resident_and_keeps_the_orders(api, resident):
    # given a saved address, a delivered order to it and a cancelled one
    address = ResidentAddressFactory(user=resident, recipient="王秀英", phone="13800002222", is_default=True)
    delivered = order_with_groups(user=resident, status=FulfilmentGroup.Status.DELIVERED, address=shipping_address(
        recipient="王秀英", phone="+8613800002222", line1="青岛路小区3栋1单元402室"))
    FulfilmentGroup.objects.filter(order=delivered).update(dropoff=address.standard_address)
    cancelled = order_with_groups(user=resident, status=FulfilmentGroup.Status.CANCELLED)
    totals = {o.number: (o.total_incl_tax, sorted(g.total for g in o.fulfilment_groups.all())) for o in (delivered, cancelled)}
    # when the resident deletes the account with the password
    response = api.post("/api/v1/me/delete/", {"password": "demo-pass-123"}, format="json")
    assert response.status_code == 204
    # then the account can no longer sign in, by token or password, and holds no name or number
    assert api.get("/api/v1/me/").status_code == 401
    assert APIClient().post("/api/v1/auth/token/", {"username": "13800002222", "password": "demo-pass-123"}).status_code == 400
    resident.refresh_from_db()
    assert not resident.is_active and not resident.has_usable_password()
    assert (resident.first_name, resident.last_name, resident.email) == ("", "", None)
    assert "13800002222" not in resident.mobile and resident.mobile.startswith("x")
    assert not Token.objects.filter(user=resident).exists()
    assert not ResidentAddress.objects.filter(user=resident).exists()
    # and the orders are kept with their totals, their shipping addresses masked
    for order in (delivered, cancelled):
        order.refresh_from_db()
        assert order.user_id == resident.pk
        assert (order.total_incl_tax, sorted(g.total for g in order.fulfilment_groups.all())) == totals[order.number]
        shipped = ShippingAddress.objects.get(pk=order.shipping_address_id)
        assert shipped.last_name == "***" and not shipped.phone_number and not shipped.notes
        assert "13800002222" not in shipped.search_text and "王秀英" not in shipped.search_text
    shipped = ShippingAddress.objects.get(pk=delivered.shipping_address_id)
    assert shipped.line1 == "青岛路小区***" and "402" not in shipped.search_text
    assert not FulfilmentGroup.objects.filter(order__user=resident, dropoff__isnull=False).exists()
    # and nothing personal is left in any row of the user table
    assert not User.objects.filter(mobile="13800002222").exists()


@pytest.mark.parametrize("password, status", [("wrong", 422), ("", 422), (None, 422)])
def test_a_wrong_password_deletes_nothing(api, resident, password, status):
    ResidentAddressFactory(user=resident)
    body = {} if password is None else {"password": password}
    response = api.post("/api/v1/me/delete/", body, format="json")
    assert response.status_code == status and "password" in response.json()["fields"]
    resident.refresh_from_db()
    assert resident.is_active and resident.mobile == "13800002222"
    assert ResidentAddress.objects.filter(user=resident).exists()


def test_an_account_with_an_order_under_way_is_not_deleted(api, resident):
    order = order_with_groups(user=resident, status=FulfilmentGroup.Status.PICKED_UP)
    response = api.post("/api/v1/me/delete/", {"password": "demo-pass-123"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "open_orders" and response.json()["orders"] == [order.number]
    resident.refresh_from_db()
    assert resident.is_active and resident.last_name == "王"
    assert ShippingAddress.objects.get(pk=order.shipping_address_id).last_name != "***"


@pytest.mark.parametrize("role", ["courier", "staff"])
def test_courier_and_staff_accounts_are_closed_by_an_administrator(role):
    user = UserFactory(mobile="13800003333", is_staff=role == "staff")
    if role == "courier":
        CourierFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/me/delete/", {"password": "demo-pass-123"}, format="json")
    assert response.status_code == 409 and response.json()["error"] == "account_has_role"
    user.refresh_from_db()
    assert user.is_active and user.mobile == "13800003333"


def test_errors_speak_english_to_an_english_phone(api):
    response = api.post("/api/v1/me/delete/", {"password": "wrong"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["fields"] == {"password": ["Wrong password"]}
