"""A resident's saved addresses over the API, as a mini-program uses them: find one's room in the
standard address register (by text or near a point), save it, edit, make default, delete."""

import pytest
from rest_framework.test import APIClient

from communities.models import ResidentAddress
from communities.selectors import parse_address_text
from communities.tests.factories import (
    BASE_LAT,
    BASE_LNG,
    CommunityFactory,
    ResidentAddressFactory,
    StandardAddressFactory,
    UserFactory,
)
from delivery.models import FulfilmentGroup
from delivery.tests.factories import order_with_groups

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def resident():
    return UserFactory(mobile="13800001111", last_name="王", first_name="秀英")


@pytest.fixture
def api(resident):
    client = APIClient()
    client.force_authenticate(resident)
    return client


@pytest.fixture
def register():
    """A compound whose rooms lie 0, 10, 150 and 900 m north of the base point, and a compound of
    another community 2 km away with a room of the same numbers."""
    community = CommunityFactory(name="青岛路社区")
    rooms = {}
    for building, room, metres in [("3", "402", 0), ("3", "502", 10), ("5", "402", 150), ("12", "101", 900)]:
        rooms[(building, room)] = StandardAddressFactory(
            community=community, compound="青岛路小区", building=building, unit="1", room=room,
            lat=BASE_LAT + metres / 111_195, lng=BASE_LNG)
    rooms["other"] = StandardAddressFactory(community=CommunityFactory(name="汉口路社区"), compound="汉口路公寓", building="3", unit="",
                                            room="402", lat=BASE_LAT + 0.02, lng=BASE_LNG)
    return rooms


def ids(response):
    return [entry["id"] for entry in response.json()["results"]]


# --- the register -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, parsed", [
    ("青岛路小区3栋1单元402室", ("青岛路小区", "3", "1", "402")),
    ("青岛路小区 3-1-402", ("青岛路小区", "3", "1", "402")),
    ("青岛路 3栋 402", ("青岛路", "3", "", "402")),
    ("青岛路小区 3 402", ("青岛路小区", "3", "", "402")),
    ("402室", ("", "", "", "402")),
    ("青岛路小区 402", ("青岛路小区", "", "", "402")),
    ("青岛路", ("青岛路", "", "", "")),
])
def test_what_a_resident_types_is_split_into_name_building_unit_and_room(text, parsed):
    query = parse_address_text(text)
    assert (query.text, query.building, query.unit, query.room) == parsed


def test_the_register_finds_a_room_by_text(api, register):
    # when the resident types the compound, building and room
    response = api.get("/api/v1/addresses/register/", {"q": "青岛路小区3栋402室"})
    # then exactly that room is found, with its community and label, and no distance (no point given)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["page"] == 1
    room = body["results"][0]
    assert room["id"] == register[("3", "402")].pk
    assert room["label"] == "青岛路小区3栋1单元402室"
    assert room["community"]["name"] == "青岛路社区" and room["distance_m"] is None
    # and part of the name alone lists every room of the compound (the other compound not)
    assert set(ids(api.get("/api/v1/addresses/register/", {"q": "青岛路"}))) == {
        register[key].pk for key in [("3", "402"), ("3", "502"), ("5", "402"), ("12", "101")]}


def test_the_register_finds_rooms_near_a_point_nearest_first(api, register):
    response = api.get("/api/v1/addresses/register/", {"lat": BASE_LAT + 8 / 111_195, "lng": BASE_LNG, "radius_m": 200})
    assert response.status_code == 200
    # nearest first, within 200 m: 2 m, 8 m and 142 m away; the 900 m one and the far compound left out
    assert ids(response) == [register[("3", "502")].pk, register[("3", "402")].pk, register[("5", "402")].pk]
    distances = [entry["distance_m"] for entry in response.json()["results"]]
    assert distances == sorted(distances) and distances[0] < 3
    # and text narrows a point search
    assert ids(api.get("/api/v1/addresses/register/", {"lat": BASE_LAT, "lng": BASE_LNG, "q": "5栋"})) == [
        register[("5", "402")].pk]


@pytest.mark.parametrize("params, field", [
    ({}, "q"),
    ({"q": "  "}, "q"),
    ({"lat": "32.1"}, "lng"),
    ({"lat": "91", "lng": "118"}, "lat"),
    ({"lat": "abc", "lng": "118"}, "lat"),
    ({"lat": "32", "lng": "118", "radius_m": "5000"}, "radius_m"),
    ({"q": "青岛路", "page_size": "500"}, "page_size"),
    ({"q": "x" * 65}, "q"),
])
def test_a_bad_register_query_is_a_400_naming_the_field(api, register, params, field):
    response = api.get("/api/v1/addresses/register/", params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid" and field in response.json()["fields"]


def test_the_register_needs_a_signed_in_resident(register):
    assert APIClient().get("/api/v1/addresses/register/", {"q": "青岛路"}).status_code == 401


# --- saving, editing, default, deleting --------------------------------------------------------


def test_a_resident_saves_a_room_from_the_register_and_it_becomes_the_default(api, resident, register):
    room = register[("3", "402")]
    # when the first address is saved
    response = api.post("/api/v1/addresses/", {"standard_address_id": room.pk, "recipient": " 王秀英 ",
                                               "phone": "138 0000 1111"}, format="json")
    # then it is created, exact (the register's room) and the default
    assert response.status_code == 201
    body = response.json()
    assert body["recipient"] == "王秀英" and body["phone"] == "13800001111" and body["is_default"] is True
    assert body["standard_address"]["id"] == room.pk and body["standard_address"]["code"] == room.code
    # and a second one, asked to be the default, takes the default over
    second = api.post("/api/v1/addresses/", {"standard_address_id": register[("5", "402")].pk, "recipient": "王师傅",
                                             "phone": "025-83301234", "is_default": True}, format="json")
    assert second.status_code == 201 and second.json()["is_default"] is True
    listed = api.get("/api/v1/addresses/").json()
    assert listed["count"] == 2
    assert [(a["id"], a["is_default"]) for a in listed["results"]] == [(second.json()["id"], True), (body["id"], False)]
    # and saving the same room again updates its recipient instead of adding a copy
    again = api.post("/api/v1/addresses/", {"standard_address_id": room.pk, "recipient": "王阿姨",
                                            "phone": "13800001111"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["recipient"] == "王阿姨"
    assert ResidentAddress.objects.filter(user=resident).count() == 2


@pytest.mark.parametrize("payload, status, field", [
    ({"recipient": "王", "phone": "13800001111"}, 400, "standard_address_id"),
    ({"standard_address_id": "abc", "recipient": "王", "phone": "13800001111"}, 400, "standard_address_id"),
    ({"standard_address_id": 999999, "recipient": "王", "phone": "13800001111"}, 422, "standard_address_id"),
    ({"standard_address_id": "ROOM", "recipient": "", "phone": "13800001111"}, 422, "recipient"),
    ({"standard_address_id": "ROOM", "recipient": "王", "phone": "12345"}, 422, "phone"),
    ({"standard_address_id": "ROOM", "recipient": "王", "phone": "１３８００００１１１１"}, 422, "phone"),
    ({"standard_address_id": "ROOM", "recipient": "王" * 33, "phone": "13800001111"}, 422, "recipient"),
    ({"standard_address_id": "ROOM", "recipient": "王", "phone": None}, 400, "phone"),
    ({"standard_address_id": "ROOM", "recipient": "王", "phone": "13800001111", "is_default": "maybe"}, 400, "is_default"),
])
def test_a_bad_address_is_refused_naming_the_field_and_nothing_is_saved(api, resident, register, payload, status, field):
    payload = {key: (register[("3", "402")].pk if value == "ROOM" else value) for key, value in payload.items()}
    response = api.post("/api/v1/addresses/", payload, format="json")
    assert response.status_code == status
    assert field in response.json()["fields"]
    assert not ResidentAddress.objects.filter(user=resident).exists()


def test_a_resident_edits_the_recipient_and_phone(api, resident):
    address = ResidentAddressFactory(user=resident, recipient="王秀英", phone="13800001111", is_default=True)
    response = api.patch(f"/api/v1/addresses/{address.pk}/", {"phone": "025-83301234"}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "025-83301234"
    address.refresh_from_db()
    assert (address.recipient, address.phone) == ("王秀英", "025-83301234")
    # bad input names the field and changes nothing
    for payload, status, field in [({}, 400, "recipient"), ({"recipient": ""}, 422, "recipient"),
                                   ({"recipient": "王", "phone": "1"}, 422, "phone"),
                                   ({"standard_address_id": 5}, 400, "recipient")]:
        bad = api.patch(f"/api/v1/addresses/{address.pk}/", payload, format="json")
        assert bad.status_code == status and field in bad.json()["fields"], payload
    address.refresh_from_db()
    assert (address.recipient, address.phone) == ("王秀英", "025-83301234")


def test_the_default_moves_and_stays_one(api, resident):
    first = ResidentAddressFactory(user=resident, is_default=True)
    second = ResidentAddressFactory(user=resident)
    response = api.post(f"/api/v1/addresses/{second.pk}/default/")
    assert response.status_code == 200 and response.json()["is_default"] is True
    assert list(ResidentAddress.objects.filter(user=resident, is_default=True).values_list("pk", flat=True)) == [second.pk]
    first.refresh_from_db()
    assert first.is_default is False


def test_deleting_the_default_makes_the_oldest_remaining_one_the_default(api, resident):
    default = ResidentAddressFactory(user=resident, is_default=True)
    older, newer = ResidentAddressFactory(user=resident), ResidentAddressFactory(user=resident)
    assert api.delete(f"/api/v1/addresses/{default.pk}/").status_code == 204
    assert list(ResidentAddress.objects.filter(user=resident).order_by("pk").values_list("pk", "is_default")) == [
        (older.pk, True), (newer.pk, False)]
    assert api.get(f"/api/v1/addresses/{default.pk}/").status_code == 404


@pytest.mark.parametrize("status, refused", [
    (FulfilmentGroup.Status.AWAITING_PAYMENT, True),
    (FulfilmentGroup.Status.PICKED_UP, True),
    (FulfilmentGroup.Status.DELIVERED, False),
    (FulfilmentGroup.Status.CANCELLED, False),
])
def test_an_address_an_open_order_goes_to_cannot_be_deleted(api, resident, status, refused):
    address = ResidentAddressFactory(user=resident, is_default=True)
    order = order_with_groups(user=resident, status=status)
    FulfilmentGroup.objects.filter(order=order).update(dropoff=address.standard_address)
    response = api.delete(f"/api/v1/addresses/{address.pk}/")
    if refused:
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "address_in_use" and body["orders"] == [order.number]
        assert "address_id" in body["fields"]
        assert ResidentAddress.objects.filter(pk=address.pk).exists()
    else:
        assert response.status_code == 204
        assert not ResidentAddress.objects.filter(pk=address.pk).exists()


def test_another_residents_address_is_not_found_and_untouched(api):
    theirs = ResidentAddressFactory(user=UserFactory(), recipient="李秘密", phone="13900009999", is_default=True)
    for method, url, body in [("get", f"/api/v1/addresses/{theirs.pk}/", None),
                              ("patch", f"/api/v1/addresses/{theirs.pk}/", {"recipient": "我"}),
                              ("delete", f"/api/v1/addresses/{theirs.pk}/", None),
                              ("post", f"/api/v1/addresses/{theirs.pk}/default/", None)]:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
        assert response.json()["error"] == "not_found"
    theirs.refresh_from_db()
    assert (theirs.recipient, theirs.is_default) == ("李秘密", True)
    assert "李秘密" not in api.get("/api/v1/addresses/").content.decode()


def test_addresses_need_a_signed_in_resident():
    response = APIClient().get("/api/v1/addresses/")
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"
