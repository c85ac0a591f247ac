"""GET /api/v1/home/: the mini-program's first screen is what `/` shows (the same selectors), for
a chosen community, a point, or the signed-in resident's own; cacheable with an ETag and 304."""

import datetime

import pytest
import time_machine
from knox.models import AuthToken
from rest_framework.test import APIClient

from cms.services import sign_up
from cms.tests.factories import community_page, event, notice, promotion
from cms.tests.test_home import FUTURE, furnished
from communities.tests.factories import ResidentAddressFactory, StandardAddressFactory, UserFactory
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db
HOME = "/api/v1/home/"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_an_anonymous_client_reads_a_chosen_communitys_feed_in_one_call():
    # given a community with notices (one pinned, one expired), events, a promotion and shops
    home, elsewhere = community_page(name="山西路社区"), community_page(name="颐和路社区")
    furnished(home)
    notice(home, title="过期的通知", expires_on=datetime.date(2020, 1, 1))
    notice(elsewhere, title="别处的通知")
    # when a client without an account asks for it by id
    response = APIClient().get(HOME, {"community_id": home.community_id})
    # then it gets the community, pinned notice first, coming events, the promotion and the formats
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["community"]["id"] == home.community_id and body["community"]["name"] == "山西路社区"
    assert [n["title"] for n in body["notices"]] == ["置顶的停水通知", "电梯维修通知"]
    assert body["notices"][0]["pinned"] is True and body["notices"][0]["url"].startswith("/")
    assert [e["title"] for e in body["events"]] == ["智能手机课堂", "跳蚤市场"]
    assert body["events"][0]["seats_left"] == 12 and body["events"][0]["my_status"] is None
    assert [p["title"] for p in body["promotions"]] == ["邻里优惠"]
    assert body["circle"]["merchant_count"] >= 3 and body["circle"]["present"]
    assert "别处的通知" not in response.content.decode()


def test_a_point_chooses_the_nearest_community():
    home = community_page(name="山西路社区")
    notice(home, title="山西路的通知")
    response = APIClient().get(HOME, {"lat": home.community.centroid_lat, "lng": home.community.centroid_lng})
    assert response.status_code == 200
    assert response.json()["community"]["id"] == home.community_id


def test_a_signed_in_resident_gets_their_communitys_feed_with_their_sign_ups():
    # given a resident whose default address is in a community, signed up for one of its events
    home = community_page(name="山西路社区")
    class_ = event(home, title="智能手机课堂", starts_at=FUTURE, capacity=12)
    event(home, title="跳蚤市场", starts_at=FUTURE + datetime.timedelta(days=1))
    resident = UserFactory()
    ResidentAddressFactory(user=resident, standard_address=StandardAddressFactory(community=home.community),
                           is_default=True)
    sign_up(event_id=class_.pk, user=resident)
    # when the app asks for the home feed with no parameters
    body = signed_in(resident).get(HOME).json()
    # then it is their community, and the event they joined says so
    assert body["community"]["id"] == home.community_id
    assert {e["title"]: e["my_status"] for e in body["events"]} == {"智能手机课堂": "confirmed", "跳蚤市场": None}
    assert body["events"][0]["seats_left"] == 11


def test_the_feed_is_cacheable_and_answers_304_while_unchanged():
    home = community_page()
    notice(home, title="停水通知")
    client = APIClient()
    first = client.get(HOME, {"community_id": home.community_id})
    etag = first["ETag"]
    assert etag.startswith('"') and "max-age=60" in first["Cache-Control"] and "private" in first["Cache-Control"]
    assert "Authorization" in first["Vary"]
    # the same feed: 304 without a body (also among other tags, or weak)
    for header in (etag, f'"other", W/{etag}'):
        again = client.get(HOME, {"community_id": home.community_id}, HTTP_IF_NONE_MATCH=header)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    # a new notice changes the feed: 200 with a new ETag
    notice(home, title="新的通知")
    changed = client.get(HOME, {"community_id": home.community_id}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["notices"][0]["title"] == "新的通知"


def test_a_community_without_a_page_gives_empty_sections():
    from cms.models import CommunityPage

    home = community_page()
    CommunityPage.objects.filter(pk=home.pk).update(live=False)
    body = APIClient().get(HOME, {"community_id": home.community_id}).json()
    assert body["community"]["url"] is None and body["notices"] == [] and body["circle"] is None


@pytest.mark.parametrize("params, status, field", [
    ({"community_id": "abc"}, 400, "community_id"),
    ({"community_id": "0"}, 400, "community_id"),
    ({"community_id": str(2**64)}, 400, "community_id"),
    ({"lat": "32.07"}, 400, "lng"),
    ({"lng": "118.77"}, 400, "lat"),
    ({"lat": "nan", "lng": "118.77"}, 400, "lat"),
    ({"lat": "91", "lng": "118.77"}, 400, "lat"),
    ({"lat": "32.07", "lng": "Infinity"}, 400, "lng"),
    ({"community_id": "999999"}, 404, "community_id"),
    ({}, 422, "community_id"),
])
def test_bad_input_is_refused_naming_the_field(params, status, field):
    community_page()
    response = APIClient().get(HOME, params)
    assert response.status_code == status, response.content
    assert field in response.json()["fields"] and response.json()["error"]


def test_the_feed_follows_the_clock():
    # given an event that starts tomorrow and a promotion that ends tonight
    home = community_page()
    start = datetime.datetime(2030, 6, 2, 9, tzinfo=datetime.UTC)
    event(home, title="明天的活动", starts_at=start)
    promotion(home, title="今晚结束的优惠", merchant=MerchantFactory(community=home.community),
              starts_at=start - datetime.timedelta(days=3), days=2)
    with time_machine.travel(start - datetime.timedelta(days=1, hours=12), tick=False):
        body = APIClient().get(HOME, {"community_id": home.community_id}).json()
        assert [p["title"] for p in body["promotions"]] == ["今晚结束的优惠"]
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):  # the event is over
        body = APIClient().get(HOME, {"community_id": home.community_id}).json()
        assert body["events"] == [] and body["promotions"] == []
