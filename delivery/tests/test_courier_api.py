"""The courier API: position reports, the job list, and accept / decline / pickup / deliver / fail,
driven through the real dispatch core (routing and offers from delivery.dispatch)."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from communities.tests.factories import BASE_LAT, BASE_LNG, StandardAddressFactory, UserFactory
from delivery import dispatch
from delivery.models import Courier, FulfilmentGroup, FulfilmentPoint, JobOffer
from delivery.positions import update_position
from delivery.tests.factories import CourierFactory, FulfilmentPointFactory, order_with_groups
from merchants.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def courier_at(name: str, north_deg: float = 0.0) -> Courier:
    courier = CourierFactory(name=name, status=Courier.Status.AVAILABLE)
    update_position(courier=courier, lat=BASE_LAT + north_deg, lng=BASE_LNG)
    return courier


@pytest.fixture
def offered():
    """A delivery group routed to the merchant's store (open all day) and offered to 张师傅, the
    nearest courier; 李师傅 is a little further away."""
    listing = ListingFactory()
    resident = UserFactory(mobile="13912345678")
    order = order_with_groups(user=resident, lines=[(listing, 1)])
    group = order.fulfilment_groups.get()
    home = StandardAddressFactory(lat=BASE_LAT + 0.0054, lng=BASE_LNG, compound="青岛路小区", building="3", unit="1",
                                  room="302")
    FulfilmentGroup.objects.filter(pk=group.pk).update(dropoff=home)
    FulfilmentPointFactory(kind=FulfilmentPoint.Kind.STORE, merchant=listing.partner, name="门店",
                           opens="00:00", closes="00:00")
    near, far = courier_at("张师傅", 0.0005), courier_at("李师傅", 0.0020)
    assert dispatch.route_and_offer(group_id=group.pk) == "point_assigned+offer"
    assert JobOffer.objects.get(group=group, state=JobOffer.State.PENDING).courier == near
    return {"order": order, "group": group, "near": near, "far": far}


def post(user, path, data=None):
    return api(user).post(path, data or {}, format="json")


def jobs_of(courier):
    response = api(courier.user).get("/api/v1/courier/jobs/")
    assert response.status_code == 200
    return response.json()["jobs"]


def test_an_offered_job_lists_point_dropoff_recipient_and_expiry(offered):
    # when the courier asks for their jobs
    jobs = jobs_of(offered["near"])

    # then the offer is there with what they need to decide, and the phone is masked
    assert len(jobs) == 1
    job = jobs[0]
    assert job["id"] == offered["group"].pk
    assert job["state"] == "offered"
    assert job["order_number"] == offered["order"].number
    assert job["status"] == "point_assigned"
    assert job["point"]["name"] == "门店" and job["point"]["kind"] == "store"
    assert job["dropoff"]["label"] == "青岛路小区3栋1单元302室"
    assert job["dropoff"]["lat"] == pytest.approx(BASE_LAT + 0.0054)
    assert job["recipient"] == {"name": "王先生", "phone": "139****5678"}
    assert job["offer_expires_at"] is not None
    assert job["to_station"] is False
    # and the other courier has nothing
    assert jobs_of(offered["far"]) == []


def test_a_courier_takes_a_job_from_offer_to_door(offered):
    courier, group, order = offered["near"], offered["group"], offered["order"]
    base = f"/api/v1/courier/jobs/{group.pk}"

    # when the courier accepts
    response = post(courier.user, f"{base}/accept/")
    # then they hold it
    assert response.status_code == 200
    assert response.json() == {"id": group.pk, "order_number": order.number, "status": "courier_assigned",
                               "status_label": "骑手已接单"}
    [job] = jobs_of(courier)
    assert job["state"] == "held" and job["offer_expires_at"] is None and job["eta"] is not None

    # when they report a position, pick up and ride
    assert post(courier.user, "/api/v1/courier/location/", {"lat": BASE_LAT + 0.001, "lng": BASE_LNG}).status_code == 200
    assert post(courier.user, f"{base}/pickup/").json()["status"] == "picked_up"
    assert post(courier.user, "/api/v1/courier/location/", {"lat": BASE_LAT + 0.003, "lng": BASE_LNG}).status_code == 200
    # then the resident's tracking shows them on the way
    tracking = api(order.user).get(f"/api/v1/orders/{order.number}/tracking/").json()["groups"][0]
    assert tracking["status"] == "picked_up"
    assert tracking["courier"]["lat"] == pytest.approx(BASE_LAT + 0.003)

    # when they deliver
    assert post(courier.user, f"{base}/deliver/").json()["status"] == "delivered"
    # then the job leaves their list, and delivering again is a conflict, not a 500
    assert jobs_of(courier) == []
    again = post(courier.user, f"{base}/deliver/")
    assert again.status_code == 409
    assert again.json()["error"] == "bad_transition"
    assert [e["status"] for e in api(order.user).get(f"/api/v1/orders/{order.number}/tracking/").json()["groups"][0]["events"]] == [
        "point_assigned", "courier_assigned", "picked_up", "delivered"]


def test_an_offer_for_a_cancelled_order_leaves_the_list_and_cannot_be_accepted(offered):
    # given the resident cancelled the order while the offer was open
    from shop.checkout.services import cancel_order

    cancel_order(order_number=offered["order"].number, user=offered["order"].user, reason="不要了")

    # then the courier no longer sees the job, and accepting it is a conflict
    assert jobs_of(offered["near"]) == []
    response = post(offered["near"].user, f"/api/v1/courier/jobs/{offered['group'].pk}/accept/")
    assert response.status_code == 409
    assert FulfilmentGroup.objects.get(pk=offered["group"].pk).status == S.CANCELLED


def test_pickup_before_accepting_is_409(offered):
    response = post(offered["near"].user, f"/api/v1/courier/jobs/{offered['group'].pk}/pickup/")
    assert response.status_code == 409
    assert FulfilmentGroup.objects.get(pk=offered["group"].pk).status == S.POINT_ASSIGNED


def test_accepting_twice_answers_the_same(offered):
    path = f"/api/v1/courier/jobs/{offered['group'].pk}/accept/"
    assert post(offered["near"].user, path).status_code == 200
    assert post(offered["near"].user, path).json()["status"] == "courier_assigned"


def test_a_declined_job_is_offered_to_the_next_courier(offered):
    # when the nearest courier declines
    response = post(offered["near"].user, f"/api/v1/courier/jobs/{offered['group'].pk}/decline/")

    # then the job is still waiting, and now offered to the other courier
    assert response.status_code == 200 and response.json()["status"] == "point_assigned"
    assert jobs_of(offered["near"]) == []
    assert [job["id"] for job in jobs_of(offered["far"])] == [offered["group"].pk]


def test_a_job_offered_to_someone_else_is_404(offered):
    # given the other courier, who was not offered the job
    for action in ("accept", "decline", "pickup", "deliver"):
        response = post(offered["far"].user, f"/api/v1/courier/jobs/{offered['group'].pk}/{action}/")
        assert response.status_code == 404, action
        assert response.json()["error"] == "not_found"
    assert post(offered["far"].user, f"/api/v1/courier/jobs/{offered['group'].pk}/fail/", {"reason": "x"}).status_code == 404
    assert post(offered["far"].user, "/api/v1/courier/jobs/999999/accept/").status_code == 404
    # and nothing changed
    assert FulfilmentGroup.objects.get(pk=offered["group"].pk).status == S.POINT_ASSIGNED


def test_a_failed_delivery_needs_a_reason_the_resident_then_reads(offered):
    courier, group, order = offered["near"], offered["group"], offered["order"]
    post(courier.user, f"/api/v1/courier/jobs/{group.pk}/accept/")
    post(courier.user, f"/api/v1/courier/jobs/{group.pk}/pickup/")

    # a blank reason is a 400 naming the field
    blank = post(courier.user, f"/api/v1/courier/jobs/{group.pk}/fail/", {"reason": "  "})
    assert blank.status_code == 400 and "reason" in blank.json()["fields"]

    # with a reason the group fails and the resident sees why
    response = post(courier.user, f"/api/v1/courier/jobs/{group.pk}/fail/", {"reason": "电话无人接听, 无法进入小区"})
    assert response.status_code == 200 and response.json()["status"] == "failed"
    tracking = api(order.user).get(f"/api/v1/orders/{order.number}/tracking/").json()["groups"][0]
    assert tracking["reason"] == "电话无人接听, 无法进入小区"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"lat": 91, "lng": BASE_LNG}, "lat"),
        ({"lat": BASE_LAT, "lng": -181}, "lng"),
        ({"lat": "north", "lng": BASE_LNG}, "lat"),
        ({"lat": "nan", "lng": BASE_LNG}, "lat"),
        ({"lat": BASE_LAT, "lng": "Infinity"}, "lng"),
        ({"lat": True, "lng": BASE_LNG}, "lat"),
        ({"lng": BASE_LNG}, "lat"),
        ({"lat": BASE_LAT}, "lng"),
    ],
)
def test_a_bad_position_is_400_naming_the_field(body, field):
    courier = CourierFactory()
    response = post(courier.user, "/api/v1/courier/location/", body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    courier.refresh_from_db()
    assert courier.last_lat is None


def test_a_position_is_kept(offered):
    courier = offered["far"]
    response = post(courier.user, "/api/v1/courier/location/", {"lat": 32.07, "lng": 118.78})
    assert response.status_code == 200
    courier.refresh_from_db()
    assert (courier.last_lat, courier.last_lng) == (32.07, 118.78)


def test_a_station_delivery_takes_the_code_when_the_resident_is_there():
    # given a pickup-at-station group held by a courier
    listing = ListingFactory()
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, name="山西路自提点", address="山西路 8 号")
    order = order_with_groups(lines=[(listing, 1)], method="pickup")
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(pickup_point=station)
    FulfilmentPointFactory(kind=FulfilmentPoint.Kind.STORE, merchant=listing.partner, opens="00:00", closes="00:00")
    courier = courier_at("王师傅")
    dispatch.route_and_offer(group_id=group.pk)
    [job] = jobs_of(courier)
    assert job["to_station"] is True and job["dropoff"]["label"] == "山西路自提点 山西路 8 号"
    post(courier.user, f"/api/v1/courier/jobs/{group.pk}/accept/")
    post(courier.user, f"/api/v1/courier/jobs/{group.pk}/pickup/")

    # a code that is not 6 digits is a 400 naming the field
    malformed = post(courier.user, f"/api/v1/courier/jobs/{group.pk}/deliver/", {"pickup_code": "12"})
    assert malformed.status_code == 400 and list(malformed.json()["fields"]) == ["pickup_code"]
    # the resident's code hands it over at once
    response = post(courier.user, f"/api/v1/courier/jobs/{group.pk}/deliver/", {"pickup_code": group.pickup_code})
    assert response.status_code == 200 and response.json()["status"] == "collected"


@pytest.mark.parametrize(
    "method, path",
    [("get", "/api/v1/courier/jobs/"), ("post", "/api/v1/courier/location/"), ("post", "/api/v1/courier/jobs/1/accept/")],
)
def test_only_couriers_may_use_the_courier_api(method, path):
    # a resident without a courier row is refused (403), a visitor without credentials 401
    response = getattr(api(UserFactory()), method)(path, {"lat": BASE_LAT, "lng": BASE_LNG}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert getattr(api(), method)(path, {}, format="json").status_code == 401
