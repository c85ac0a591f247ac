"""The quarterly community survey: four scores, once a quarter, for the resident's community."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from communities import services
from communities.models import SurveyResponse
from communities.tests.factories import ResidentAddressFactory, UserFactory
from shop.core.errors import ConflictError, DomainError

pytestmark = pytest.mark.django_db
SCORES = {"convenience": 5, "price": 4, "quality": 4, "service": 3}


def at(month: int, day: int):
    return timezone.make_aware(timezone.datetime(2026, month, day, 10, 0))


def test_once_per_quarter():
    resident = ResidentAddressFactory().user
    services.answer_survey(user=resident, scores=SCORES, now=at(10, 2))
    with pytest.raises(ConflictError):
        services.answer_survey(user=resident, scores=SCORES, now=at(12, 30))
    services.answer_survey(user=resident, scores=SCORES, now=at(9, 30))  # the third quarter is another one
    assert sorted(SurveyResponse.objects.values_list("quarter", flat=True)) == ["2026Q3", "2026Q4"]


def test_bad_answers_write_nothing():
    resident = ResidentAddressFactory().user
    with pytest.raises(DomainError):
        services.answer_survey(user=resident, scores=SCORES | {"price": 0}, now=at(10, 2))
    with pytest.raises(DomainError):
        services.answer_survey(user=UserFactory(), scores=SCORES, now=at(10, 2))  # no address, no community
    assert not SurveyResponse.objects.exists()


def test_the_survey_page():
    resident = ResidentAddressFactory().user
    client = Client()
    client.force_login(resident)
    assert 'name="convenience"' in client.get("/circle/survey/").content.decode()
    assert client.post("/circle/survey/", SCORES | {"comment": "缺个修鞋的"}).status_code == 302
    assert SurveyResponse.objects.get().comment == "缺个修鞋的"
    assert 'name="convenience"' not in client.get("/circle/survey/").content.decode()
    assert Client().get("/circle/survey/").status_code == 302  # sign in first
