"""Event sign-ups: a seat once, then the waiting list, then refused; cancel promotes the first
waiting; the organiser's export; the pages' buttons."""

import csv
import datetime
import io

import pytest

from cms.models import EventSignup
from cms.services import cancel_sign_up, sign_up
from cms.tests.factories import NOW, community_page, editor_of, event
from communities.tests.factories import UserFactory
from shop.core.errors import ConflictError, DomainError, NotFoundError

pytestmark = pytest.mark.django_db


def test_a_resident_signs_up_once():
    page = event(community_page())
    resident = UserFactory()
    first = sign_up(event_id=page.pk, user=resident, now=NOW)
    assert first.status == EventSignup.Status.CONFIRMED
    with pytest.raises(ConflictError) as error:
        sign_up(event_id=page.pk, user=resident, now=NOW)
    assert error.value.code == "already_signed_up"
    assert EventSignup.objects.filter(event=page, user=resident).count() == 1


def test_past_capacity_goes_to_the_waiting_list_then_is_refused_with_nothing_saved():
    page = event(community_page(), capacity=2, waiting_list_size=1)
    statuses = [sign_up(event_id=page.pk, user=UserFactory(), now=NOW).status for _ in range(3)]
    assert statuses == ["confirmed", "confirmed", "waiting"]
    with pytest.raises(ConflictError) as error:
        sign_up(event_id=page.pk, user=UserFactory(), now=NOW)
    assert error.value.code == "event_full" and "已满" in error.value.detail
    assert EventSignup.objects.filter(event=page).count() == 3


def test_a_past_or_started_event_takes_no_sign_up():
    page = event(community_page(), starts_at=NOW - datetime.timedelta(hours=1))
    with pytest.raises(DomainError) as error:
        sign_up(event_id=page.pk, user=UserFactory(), now=NOW)
    assert error.value.code == "event_started"
    assert not EventSignup.objects.exists()


def test_an_unknown_or_unpublished_event_is_not_found():
    with pytest.raises(NotFoundError):
        sign_up(event_id=987654, user=UserFactory(), now=NOW)
    page = event(community_page())
    page.unpublish()
    with pytest.raises(NotFoundError):
        sign_up(event_id=page.pk, user=UserFactory(), now=NOW)


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list():
    page = event(community_page(), capacity=1, waiting_list_size=3)
    seated, first_waiting, second_waiting = UserFactory(), UserFactory(), UserFactory()
    sign_up(event_id=page.pk, user=seated, now=NOW)
    sign_up(event_id=page.pk, user=first_waiting, now=NOW + datetime.timedelta(minutes=1))
    sign_up(event_id=page.pk, user=second_waiting, now=NOW + datetime.timedelta(minutes=2))
    promoted = cancel_sign_up(event_id=page.pk, user=seated, now=NOW + datetime.timedelta(minutes=3))
    assert promoted.user == first_waiting and promoted.status == "confirmed"
    assert EventSignup.objects.get(user=second_waiting).status == "waiting"
    # and the resident who cancelled may sign up again (to the waiting list now)
    assert sign_up(event_id=page.pk, user=seated, now=NOW + datetime.timedelta(minutes=4)).status == "waiting"


def test_cancelling_without_a_sign_up_is_not_found():
    page = event(community_page())
    with pytest.raises(NotFoundError):
        cancel_sign_up(event_id=page.pk, user=UserFactory(), now=NOW)


def test_the_event_page_signs_up_and_cancels(client, settings):
    page = event(community_page(), starts_at=datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC))
    resident = UserFactory()
    client.force_login(resident)
    response = client.post(f"{page.url}signup/")
    assert response.status_code == 302
    assert EventSignup.objects.get(event=page, user=resident).status == "confirmed"
    html = client.get(page.url).content.decode()
    assert "您已报名" in html
    # a second press says so and changes nothing
    client.post(f"{page.url}signup/")
    assert "您已经报过名了" in client.get(page.url).content.decode()
    assert EventSignup.objects.filter(event=page, user=resident).count() == 1
    client.post(f"{page.url}cancel/")
    assert EventSignup.objects.get(event=page, user=resident).status == "cancelled"


def test_a_visitor_is_sent_to_sign_in_and_a_get_signs_nobody_up(client):
    page = event(community_page(), starts_at=datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC))
    assert client.post(f"{page.url}signup/").status_code == 302
    client.force_login(UserFactory())
    assert client.get(f"{page.url}signup/").status_code == 405
    assert not EventSignup.objects.exists()


def test_only_the_communitys_editors_export_the_list(client):
    home = community_page()
    page = event(home, starts_at=datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC))
    resident = UserFactory(last_name="赵", first_name="大妈", mobile="13912345678")
    sign_up(event_id=page.pk, user=resident, now=NOW)
    url = f"{page.url}export/"
    # a resident and the editor of another community are refused
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(editor_of(community_page()))
    assert client.get(url).status_code == 403
    # the community's own editor gets the list
    client.force_login(editor_of(home))
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1:4] == ["赵大妈", "13912345678", "已报名"]


def test_the_api_signs_up_once_and_cancels(client):
    page = event(community_page(), starts_at=datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC), capacity=1)
    url = f"/api/v1/events/{page.pk}/signup/"
    assert client.post(url).status_code in {401, 403}
    client.force_login(UserFactory())
    response = client.post(url)
    assert response.status_code == 201 and response.json()["status"] == "confirmed"
    again = client.post(url)
    assert again.status_code == 409 and again.json()["error"] == "already_signed_up"
    assert client.post("/api/v1/events/987654/signup/").json()["error"] == "unknown_event"
    response = client.delete(url)
    assert response.status_code == 200 and response.json() == {"event": page.pk, "status": "cancelled",
                                                                "promoted": False}


def test_the_api_list_is_the_organisers_only(client):
    home = community_page()
    page = event(home, starts_at=datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC))
    resident = UserFactory(last_name="钱", first_name="阿姨")
    sign_up(event_id=page.pk, user=resident, now=NOW)
    url = f"/api/v1/events/{page.pk}/signups/"
    client.force_login(resident)
    assert client.get(url).status_code == 404
    client.force_login(editor_of(community_page()))
    assert client.get(url).status_code == 404
    client.force_login(editor_of(home))
    assert client.get(url).json()[0]["name"] == "钱阿姨"


def test_raising_the_capacity_gives_the_new_seats_to_the_waiting_list():
    page = event(community_page(), capacity=1, waiting_list_size=3)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    for minute, user in enumerate((first, second, third)):
        sign_up(event_id=page.pk, user=user, now=NOW + datetime.timedelta(minutes=minute))
    # when the editor publishes the event with two places instead of one
    page.capacity = 2
    page.save_revision().publish()
    # then the first on the waiting list gets the new place, the next keeps waiting
    assert EventSignup.objects.get(user=second).status == "confirmed"
    assert EventSignup.objects.get(user=third).status == "waiting"
