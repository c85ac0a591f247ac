"""GET /api/v1/orders/<number>/tracking/: who sees which groups, and what each group says."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from communities.tests.factories import BASE_LAT, BASE_LNG, StandardAddressFactory, UserFactory
from delivery.models import FulfilmentGroup, FulfilmentPoint
from delivery.positions import update_position
from delivery.services import transition
from delivery.tests.factories import CourierFactory, FulfilmentPointFactory, order_with_groups

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def tracking(user, number):
    return api(user).get(f"/api/v1/orders/{number}/tracking/")


@pytest.fixture
def order():
    """Two merchants' groups for one resident, delivered to a standard address 600 m north."""
    resident = UserFactory()
    order = order_with_groups(user=resident)
    home = StandardAddressFactory(lat=BASE_LAT + 0.0054, lng=BASE_LNG)
    FulfilmentGroup.objects.filter(order=order).update(dropoff=home)
    return order


def groups(order):
    return list(order.fulfilment_groups.order_by("pk"))


def test_the_resident_sees_every_group_with_null_point_before_dispatch(order):
    # given an order just placed: nothing dispatched yet
    first, second = groups(order)

    # when its resident asks
    response = tracking(order.user, order.number)

    # then both groups are there, without a point or a courier, with the drop-off
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert [g["id"] for g in body["groups"]] == [first.pk, second.pk]
    group = body["groups"][0]
    assert group["status"] == "created"
    assert group["point"] is None and group["courier"] is None
    assert group["dropoff"]["lat"] == pytest.approx(BASE_LAT + 0.0054)
    assert group["merchant"] == {"id": first.merchant_id, "name": first.merchant.name}
    assert group["events"] == []


def test_events_are_listed_in_order_with_iso_times(order):
    # given a group that moved through two statuses
    first, _second = groups(order)
    point = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, name="湖南路前置仓")
    transition(group_id=first.pk, to=S.POINT_ASSIGNED, actor="dispatch", point=point)

    # when the resident asks
    group = tracking(order.user, order.number).json()["groups"][0]

    # then the point is named and the event is there with an ISO 8601 time
    assert group["status"] == "point_assigned"
    assert group["point"] == {"id": point.pk, "kind": "front_warehouse", "name": "湖南路前置仓",
                              "lat": point.lat, "lng": point.lng}
    assert [e["status"] for e in group["events"]] == ["point_assigned"]
    assert "T" in group["events"][0]["at"]


def test_merchant_staff_see_only_their_own_group_without_code_or_address(order):
    # given a member of the first merchant's staff
    first, _second = groups(order)
    staff = UserFactory()
    first.merchant.users.add(staff)

    # when they ask
    response = tracking(staff, order.number)

    # then only their merchant's group, and neither the resident's address nor a pickup code
    assert response.status_code == 200
    body = response.json()
    assert [g["id"] for g in body["groups"]] == [first.pk]
    assert body["groups"][0]["dropoff"] is None
    assert body["groups"][0]["pickup_code"] is None


def test_the_pickup_code_is_the_residents_only():
    # given a pickup order of one merchant
    resident, staff = UserFactory(), UserFactory()
    order = order_with_groups(user=resident, method="pickup")
    group = order.fulfilment_groups.order_by("pk").first()
    group.merchant.users.add(staff)

    # then the resident reads the code; the merchant's staff do not
    assert tracking(resident, order.number).json()["groups"][0]["pickup_code"] == group.pickup_code
    assert len(group.pickup_code) == 6
    assert tracking(staff, order.number).json()["groups"][0]["pickup_code"] is None


def test_a_courier_sees_the_groups_they_carry_with_their_position(order):
    # given a courier carrying the first group, seen 300 m from the resident's door
    first, _second = groups(order)
    courier = CourierFactory(name="张师傅")
    point = FulfilmentPointFactory()
    transition(group_id=first.pk, to=S.POINT_ASSIGNED, point=point)
    transition(group_id=first.pk, to=S.COURIER_ASSIGNED, courier=courier)
    transition(group_id=first.pk, to=S.PICKED_UP)
    update_position(courier=courier, lat=BASE_LAT + 0.0027, lng=BASE_LNG)

    # when the courier asks
    body = tracking(courier.user, order.number).json()

    # then only that group, with their position, the drop-off and an ETA in the future
    assert [g["id"] for g in body["groups"]] == [first.pk]
    group = body["groups"][0]
    assert group["courier"] == {"id": courier.pk, "name": "张师傅", "lat": pytest.approx(BASE_LAT + 0.0027),
                                "lng": pytest.approx(BASE_LNG)}
    assert group["dropoff"] is not None
    assert group["eta"] is not None
    # and the resident sees the same courier on the way
    resident_view = tracking(order.user, order.number).json()["groups"][0]
    assert resident_view["courier"]["lat"] == pytest.approx(BASE_LAT + 0.0027)


def test_the_courier_position_is_hidden_once_delivered(order):
    # given a delivered group
    first, _second = groups(order)
    courier = CourierFactory()
    transition(group_id=first.pk, to=S.POINT_ASSIGNED, point=FulfilmentPointFactory())
    transition(group_id=first.pk, to=S.COURIER_ASSIGNED, courier=courier)
    transition(group_id=first.pk, to=S.PICKED_UP)
    update_position(courier=courier, lat=BASE_LAT, lng=BASE_LNG)
    transition(group_id=first.pk, to=S.DELIVERED)

    # then the resident still sees who brought it, but no longer where the courier is, and no ETA
    group = tracking(order.user, order.number).json()["groups"][0]
    assert group["status"] == "delivered"
    assert group["courier"]["id"] == courier.pk
    assert group["courier"]["lat"] is None and group["courier"]["lng"] is None
    assert group["eta"] is None


def test_a_failed_group_says_why(order):
    # given a group the courier could not deliver
    first, _second = groups(order)
    transition(group_id=first.pk, to=S.POINT_ASSIGNED, point=FulfilmentPointFactory())
    transition(group_id=first.pk, to=S.FAILED, note="联系不上收货人")

    # then the reason is in the tracking
    group = tracking(order.user, order.number).json()["groups"][0]
    assert group["status"] == "failed"
    assert group["reason"] == "联系不上收货人"


@pytest.mark.parametrize("who", ["stranger", "other_courier", "other_merchant_staff"])
def test_anyone_else_gets_404(order, who):
    # given someone with no part in the order
    if who == "stranger":
        user = UserFactory()
    elif who == "other_courier":
        user = CourierFactory().user
    else:
        user = UserFactory()
        order_with_groups().fulfilment_groups.first().merchant.users.add(user)

    # then the order does not exist for them
    response = tracking(user, order.number)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_an_unknown_number_is_404_and_no_credentials_401(order):
    assert tracking(order.user, "no-such-order").status_code == 404
    response = api().get(f"/api/v1/orders/{order.number}/tracking/")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_the_schema_documents_tracking_and_the_courier_api(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/api/v1/orders/{number}/tracking/" in paths
    for action in ("accept", "decline", "pickup", "deliver", "fail"):
        assert f"/api/v1/courier/jobs/{{group_id}}/{action}/" in paths
    assert "/api/v1/courier/location/" in paths and "/api/v1/courier/jobs/" in paths
