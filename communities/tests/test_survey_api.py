"""/api/v1/survey/: the quarterly community survey for a mini-program (due? last answer; answer once)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from communities import services
from communities.models import SurveyResponse
from communities.tests.factories import ResidentAddressFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/survey/"
SCORES = {"convenience": 5, "price": 4, "quality": 4, "service": 3}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def on(month: int, day: int):
    return time_machine.travel(datetime(2026, month, day, 10, 0, tzinfo=SHANGHAI), tick=False)


def test_due_answer_then_not_due_until_next_quarter():
    resident = ResidentAddressFactory().user
    community = services.survey_community(user=resident)
    client = client_of(resident)
    with on(11, 2):
        # given a resident with a home address who never answered: due, no last answer
        state = client.get(URL).json()
        assert state["due"] is True and state["quarter"] == "2026Q4" and state["last_answer"] is None
        assert state["community"] == {"slug": community.slug, "name": community.name}
        # when they answer
        response = client.post(URL, SCORES | {"comment": "缺个修鞋的"}, format="json")
        assert response.status_code == 201
        assert response.json() | {"answered_at": None} == SCORES | {
            "comment": "缺个修鞋的", "quarter": "2026Q4", "community": state["community"]["name"], "answered_at": None}
        # then it is no longer due and shows the answer; a second answer this quarter is a 409
        state = client.get(URL).json()
        assert state["due"] is False and state["last_answer"]["comment"] == "缺个修鞋的"
        again = client.post(URL, SCORES, format="json")
        assert again.status_code == 409 and again.json()["error"] == "already_answered"
    assert SurveyResponse.objects.count() == 1
    with on(12, 31):
        assert client.get(URL).json()["due"] is False  # still the fourth quarter
    with time_machine.travel(datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI), tick=False):
        state = client.get(URL).json()
        assert state["due"] is True and state["quarter"] == "2027Q1" and state["last_answer"]["quarter"] == "2026Q4"
        assert client.post(URL, SCORES, format="json").status_code == 201
    assert SurveyResponse.objects.count() == 2


@pytest.mark.parametrize(("body", "field"), [
    (SCORES | {"price": 0}, "price"),
    (SCORES | {"service": 6}, "service"),
    ({k: v for k, v in SCORES.items() if k != "quality"}, "quality"),
    (SCORES | {"convenience": "很好"}, "convenience"),
    (SCORES | {"comment": "长" * 301}, "comment"),
])
def test_bad_answers_name_the_field_and_write_nothing(body, field):
    resident = ResidentAddressFactory().user
    with on(11, 2):
        response = client_of(resident).post(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "invalid" and field in error["fields"] and error["detail"]
    assert not SurveyResponse.objects.exists()


def test_a_resident_without_an_address_is_told_to_add_one():
    resident = UserFactory()
    with on(11, 2):
        state = client_of(resident).get(URL).json()
        assert state == {"quarter": "2026Q4", "community": None, "due": False, "last_answer": None}
        response = client_of(resident).post(URL, SCORES, format="json")
    assert response.status_code == 422 and response.json()["error"] == "no_address"
    assert not SurveyResponse.objects.exists()


def test_signed_out_is_refused():
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().post(URL, SCORES, format="json").status_code in (401, 403)
