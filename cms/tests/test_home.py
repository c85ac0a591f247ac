"""The home page (/): a resident meets their community; a visitor gets the district and the
location picker. Its queries are counted and bounded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.tests.factories import community_page, event, notice, promotion
from communities.location import SESSION_KEY, location_from_community
from communities.tests.factories import ResidentAddressFactory, StandardAddressFactory, UserFactory
from merchants.tests.factories import ListingFactory, MerchantFactory

pytestmark = pytest.mark.django_db

FUTURE = datetime.datetime(2099, 1, 1, 9, tzinfo=datetime.UTC)
# the home page of a resident whose community has notices, events, promotions and shops
HOME_QUERY_BUDGET = 24  # 20 measured (session, user, basket, address, page, sections, circle)


def furnished(page, shops=3):
    notice(page, title="置顶的停水通知", pinned=True)
    notice(page, title="电梯维修通知")
    event(page, title="智能手机课堂", starts_at=FUTURE, capacity=12)
    event(page, title="跳蚤市场", starts_at=FUTURE + datetime.timedelta(days=1))
    merchants = [MerchantFactory(community=page.community) for _ in range(shops)]
    promotion(page, merchant=merchants[0], listing=ListingFactory(partner=merchants[0]),
              starts_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), days=365 * 100)
    return page


def test_a_resident_sees_their_own_community_from_the_default_address(client):
    home, elsewhere = community_page(name="山西路社区"), community_page(name="颐和路社区")
    furnished(home)
    notice(elsewhere, title="别处的通知")
    resident = UserFactory()
    ResidentAddressFactory(user=resident, standard_address=StandardAddressFactory(community=home.community),
                           is_default=True)
    client.force_login(resident)
    html = client.get("/").content.decode()
    assert "山西路社区" in html and "置顶的停水通知" in html and "智能手机课堂" in html
    assert "邻里优惠" in html and "生活圈里的服务" in html and "逛逛身边的商店" in html
    assert "别处的通知" not in html
    assert html.index("置顶的停水通知") < html.index("电梯维修通知")


def test_a_chosen_location_wins_over_the_default_address(client):
    home, chosen = community_page(name="山西路社区"), community_page(name="颐和路社区")
    notice(chosen, title="颐和路的通知")
    resident = UserFactory()
    ResidentAddressFactory(user=resident, standard_address=StandardAddressFactory(community=home.community),
                           is_default=True)
    client.force_login(resident)
    session = client.session
    session[SESSION_KEY] = location_from_community(community_id=chosen.community_id).as_session()
    session.save()
    assert "颐和路的通知" in client.get("/").content.decode()


def test_a_visitor_gets_the_districts_communities_and_the_location_picker(client):
    community_page(name="山西路社区")
    community_page(name="颐和路社区")
    html = client.get("/").content.decode()
    assert "山西路社区" in html and "颐和路社区" in html
    assert "/circle/location/?next=/" in html and "选择我的位置" in html


def test_the_home_page_queries_are_bounded(client):
    # given a resident whose community is furnished, and a second one with more shops
    home = furnished(community_page(name="山西路社区"))
    resident = UserFactory()
    ResidentAddressFactory(user=resident, standard_address=StandardAddressFactory(community=home.community),
                           is_default=True)
    client.force_login(resident)
    client.get("/")  # warm the caches (content types, site root) as a running server has them
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    # when the community has many more shops, notices and events
    for n in range(10):
        notice(home, title=f"更多通知{n}")
        event(home, title=f"更多活动{n}", starts_at=FUTURE)
    for _ in range(20):
        ListingFactory(partner=MerchantFactory(community=home.community))
    with CaptureQueriesContext(connection) as big:
        assert client.get("/").status_code == 200
    print(f"home page queries: {len(small)} furnished, {len(big)} with more content")
    # then the page stays within its budget and does not grow with the content
    assert len(small) <= HOME_QUERY_BUDGET, "\n".join(q["sql"][:200] for q in small.captured_queries)
    assert len(big) <= len(small) + 2, "\n".join(q["sql"][:200] for q in big.captured_queries)
