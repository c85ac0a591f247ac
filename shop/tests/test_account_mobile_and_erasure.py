"""Changing the mobile number with a code sent to the new number; what an account erasure also
removes (event sign-ups, the person in shops' order notes); the deletion password's attempt limit."""

import datetime

import pytest
import time_machine
from knox.models import AuthToken
from oscar.apps.order.models import OrderNote
from rest_framework.test import APIClient

from cms.models import EventSignup
from cms.services import sign_up
from cms.tests.factories import community_page, event
from communities.tests.factories import UserFactory
from delivery.models import FulfilmentEvent, FulfilmentGroup
from delivery.tests.factories import order_with_groups, shipping_address
from shop.accounts.models import User
from tests.sms import sent_code

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
PASSWORD = "demo-pass-123"
CODE, CHANGE = "/api/v1/me/mobile/code/", "/api/v1/me/mobile/"
NOON = datetime.datetime(2026, 12, 7, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Beijing


@pytest.fixture
def resident():
    return UserFactory(mobile="13800004444", last_name="王", first_name="秀英")


@pytest.fixture
def api(resident):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=resident)[1]}")
    return client


def new_number_code(api, caplog, mobile: str) -> str:
    import logging

    caplog.set_level(logging.INFO, logger="shop.sms")
    response = api.post(CODE, {"mobile": mobile}, format="json")
    assert response.status_code == 202, response.content
    return sent_code(caplog, mobile)


# --- the mobile number -----------------------------------------------------------------------


def test_a_resident_moves_to_a_new_number_proven_by_its_code(api, resident, caplog):
    # given a code sent by the sandbox SMS to the NEW number (none to the old one)
    code = new_number_code(api, caplog, "13900004444")
    assert code and sent_code(caplog, "13800004444") is None
    # when the app sends the number and its code
    response = api.post(CHANGE, {"mobile": "13900004444", "code": code}, format="json")
    # then the profile has the new number, which signs in; the old one no longer does
    assert response.status_code == 200, response.content
    assert response.json()["mobile"] == "13900004444"
    resident.refresh_from_db()
    assert resident.mobile == "13900004444"
    sign_in = APIClient().post("/api/v1/auth/token/", {"username": "13900004444", "password": PASSWORD}, format="json")
    assert sign_in.status_code == 200
    old = APIClient().post("/api/v1/auth/token/", {"username": "13800004444", "password": PASSWORD}, format="json")
    assert old.status_code == 400
    # and the code is spent
    assert api.post(CHANGE, {"mobile": "13900004444", "code": code}, format="json").status_code == 422


def test_a_number_taken_by_another_account_is_a_409_only_once_its_code_is_proven(api, resident, caplog):
    UserFactory(mobile="13900005555")
    # asking for a code answers as for any number (no enumeration)
    code = new_number_code(api, caplog, "13900005555")
    # a wrong code says nothing about the number
    wrong = api.post(CHANGE, {"mobile": "13900005555", "code": "000000" if code != "000000" else "111111"},
                     format="json")
    assert wrong.status_code == 422 and list(wrong.json()["fields"]) == ["code"]
    # the right code: 409 naming the field, nothing changed
    taken = api.post(CHANGE, {"mobile": "13900005555", "code": code}, format="json")
    assert taken.status_code == 409 and taken.json()["error"] == "mobile_taken" and "mobile" in taken.json()["fields"]
    resident.refresh_from_db()
    assert resident.mobile == "13800004444"


def test_the_sms_limits_hold_for_the_new_number(api, caplog):
    new_number_code(api, caplog, "13900006666")
    again = api.post(CODE, {"mobile": "13900006666"}, format="json")
    assert again.status_code == 429 and again.json()["error"] == "sms_rate_limited" and again["Retry-After"]


@pytest.mark.parametrize("url, payload, status, field", [
    (CODE, {}, 400, "mobile"),
    (CODE, {"mobile": "12345"}, 422, "mobile"),
    (CODE, {"mobile": "１３９００００７７７７"}, 422, "mobile"),  # full-width digits
    (CODE, {"mobile": "13800004444"}, 422, "mobile"),  # the current number
    (CHANGE, {"code": "123456"}, 400, "mobile"),
    (CHANGE, {"mobile": "13900007777"}, 400, "code"),
    (CHANGE, {"mobile": "13900007777", "code": "12ab56"}, 400, "code"),
    (CHANGE, {"mobile": "13900007777", "code": "123456"}, 422, "code"),  # no code sent
    (CHANGE, {"mobile": "1390000777x", "code": "123456"}, 422, "mobile"),
    (CHANGE, {"mobile": "13800004444", "code": "123456"}, 422, "mobile"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(api, resident, url, payload, status, field):
    response = api.post(url, payload, format="json")
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
    resident.refresh_from_db()
    assert resident.mobile == "13800004444"


def test_changing_the_number_needs_a_signed_in_user():
    assert APIClient().post(CODE, {"mobile": "13900008888"}, format="json").status_code == 401
    assert APIClient().post(CHANGE, {"mobile": "13900008888", "code": "123456"}, format="json").status_code == 401


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_gives_up_the_residents_seats_and_removes_their_sign_ups(api, resident):
    # given a full event the resident holds a seat of, another resident waiting, and a past event
    page = community_page()
    coming = event(page, title="手机课堂", starts_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC), capacity=1)
    past = event(page, title="去年的活动", starts_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    neighbour = UserFactory()
    sign_up(event_id=coming.pk, user=resident)
    sign_up(event_id=coming.pk, user=neighbour)
    EventSignup.objects.create(event=past, user=resident, status="confirmed", created_at=past.starts_at,
                               changed_at=past.starts_at)
    # when the resident deletes the account
    assert api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").status_code == 204
    # then no sign-up of theirs is left, and the neighbour got the seat
    assert not EventSignup.objects.filter(user=resident).exists()
    assert EventSignup.objects.get(event=coming, user=neighbour).status == "confirmed"


def test_erasure_takes_the_person_out_of_shops_notes_and_keeps_the_rest(api, resident):
    # given a delivered order whose shop and courier wrote notes naming her, her number and room
    order = order_with_groups(user=resident, status=FulfilmentGroup.Status.DELIVERED, address=shipping_address(
        recipient="王秀英", phone="+8613800004444", line1="青岛路小区3栋1单元402室"))
    shop_note = OrderNote.objects.create(order=order, message="王秀英要求放门口, 电话13800004444, 3栋1单元402室")
    masked = OrderNote.objects.create(order=order, message="顾客秀英 138****4444 说不要塑料袋")
    plain = OrderNote.objects.create(order=order, message="已核对重量")
    group = order.fulfilment_groups.first()
    trace = FulfilmentEvent.objects.create(group=group, status="failed", note="联系不上王秀英 (138 0000 4444)")
    # when she deletes the account
    assert api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").status_code == 204
    # then the notes keep their words without the person
    for row in (shop_note, masked, plain):
        row.refresh_from_db()
    trace.refresh_from_db()
    assert shop_note.message == "***要求放门口, 电话***, ***"
    assert masked.message == "顾客*** *** 说不要塑料袋"
    assert plain.message == "已核对重量"
    assert trace.note == "联系不上*** (***)"
    assert OrderNote.objects.filter(order=order).count() == 3


def test_the_sixth_wrong_password_locks_deletion_even_with_the_right_one(api, resident, settings):
    # given the sign-in limit of 5 wrong passwords (django-axes, counted as for a sign-in)
    settings.AXES_FAILURE_LIMIT = 5
    with time_machine.travel(NOON, tick=False):
        codes = [api.post("/api/v1/me/delete/", {"password": f"guess-{n}"}, format="json").status_code
                 for n in range(5)]
        assert codes == [422] * 4 + [429]
        # when the right password comes sixth, within the lockout period
        response = api.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
        # then it is refused, 429 in the API's error shape, and nothing is erased
        assert response.status_code == 429 and response.json()["error"] == "too_many_attempts"
        assert int(response["Retry-After"]) > 0
    resident.refresh_from_db()
    assert resident.is_active and resident.mobile == "13800004444" and resident.last_name == "王"
    assert User.objects.filter(pk=resident.pk, is_active=True).exists()
