"""Community pages: one per community, kept in step; notices, events and promotions; bad input
refused with a clear message and nothing saved; user HTML sanitised; the feed and the search."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cms.models import CommunityPage, EventPage, NoticePage, PromotionPage
from cms.selectors import coming_events, listing_card, live_notices, live_promotions, merchant_card
from cms.services import sync_community_page
from cms.tests.factories import NOW, community_page, event, notice, promotion, publish
from communities.tests.factories import CommunityFactory
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.core.errors import NotFoundError

pytestmark = pytest.mark.django_db


def test_a_new_community_gets_its_own_live_page_and_a_rename_follows():
    # given a new community
    community = CommunityFactory(name="琅琊路社区", slug="langyalu")
    # then it has a live page under /community/
    page = CommunityPage.objects.get(community=community)
    assert page.live and page.url == "/community/langyalu/" and page.title == "琅琊路社区"
    # when it is renamed
    community.name = "琅琊路新社区"
    community.save()
    # then its page follows, and there is still one page
    page.refresh_from_db()
    assert page.title == "琅琊路新社区" and CommunityPage.objects.filter(community=community).count() == 1


def test_the_community_page_shows_the_demonstration_status_and_its_sections(client):
    page = community_page(name="山西路社区", demonstration_status="national", pilot_year=2024)
    notice(page, title="水箱清洗通知")
    html = client.get(page.url).content.decode()
    assert "国家级示范 2024" in html and "水箱清洗通知" in html and "生活圈里的服务" in html


def test_the_sync_command_makes_pages_for_communities_written_without_signals():
    community = CommunityFactory()
    CommunityPage.objects.filter(community=community).delete()
    call_command("sync_community_pages", verbosity=0)
    assert CommunityPage.objects.get(community=community).live


def test_syncing_an_unknown_community_says_so():
    with pytest.raises(NotFoundError):
        sync_community_page(community_id=987654)


def test_expired_notices_leave_the_lists_and_pinned_ones_come_first():
    page = community_page()
    old = notice(page, title="旧通知", expires_on=NOW.date() - datetime.timedelta(days=1))
    plain = notice(page, title="普通通知")
    pinned = notice(page, title="置顶通知", pinned=True, expires_on=NOW.date())
    shown = live_notices(community_page=page, now=NOW)
    assert [n.pk for n in shown] == [pinned.pk, plain.pk]
    assert old.pk not in [n.pk for n in shown]


def test_an_event_ending_before_it_starts_is_refused_and_nothing_is_saved():
    page = community_page()
    bad = EventPage(title="倒着的活动", slug="bad", starts_at=NOW, ends_at=NOW - datetime.timedelta(hours=1),
                    place_name="广场", place_lat=32.0, place_lng=118.0, capacity=5)
    with pytest.raises(ValidationError) as error:
        page.add_child(instance=bad)
    assert "结束时间要晚于开始时间" in str(error.value)
    assert not EventPage.objects.filter(slug="bad").exists()


def test_an_event_needs_a_place():
    page = community_page()
    with pytest.raises(ValidationError) as error:
        page.add_child(instance=EventPage(title="无处", slug="nowhere", starts_at=NOW,
                                          ends_at=NOW + datetime.timedelta(hours=1), place_name="?", capacity=5))
    assert "标准地址" in str(error.value)


def test_a_promotion_ending_before_it_starts_is_refused_and_nothing_is_saved():
    page = community_page()
    merchant = MerchantFactory(community=page.community)
    bad = PromotionPage(title="倒着的优惠", slug="bad-promo", starts_at=NOW, ends_at=NOW - datetime.timedelta(days=1),
                        offers=[{"type": "merchant_card", "value": {"merchant": merchant.pk, "note": ""}}])
    with pytest.raises(ValidationError) as error:
        page.add_child(instance=bad)
    assert "结束时间要晚于开始时间" in str(error.value)
    assert not PromotionPage.objects.filter(slug="bad-promo").exists()


def test_a_promotion_of_a_shop_outside_the_circle_is_refused():
    page = community_page()
    far = MerchantFactory(name="远方商店", lat=page.community.centroid_lat + 0.05)
    bad = PromotionPage(title="远方优惠", slug="far", starts_at=NOW, ends_at=NOW + datetime.timedelta(days=1),
                        offers=[{"type": "merchant_card", "value": {"merchant": far.pk, "note": ""}}])
    with pytest.raises(ValidationError) as error:
        page.add_child(instance=bad)
    assert "远方商店" in str(error.value)


def test_only_running_published_promotions_are_listed():
    page = community_page()
    merchant = MerchantFactory(community=page.community)
    running = promotion(page, merchant=merchant)
    promotion(page, merchant=merchant, starts_at=NOW + datetime.timedelta(days=2))  # not yet
    promotion(page, merchant=merchant, live=False)  # waiting for the reviewer
    assert [p.pk for p in live_promotions(community_page=page, now=NOW)] == [running.pk]


def test_a_promoted_listing_that_sold_out_or_a_closed_shop_says_so(client):
    page = community_page()
    merchant = MerchantFactory(community=page.community, name="张记水果")
    listing = ListingFactory(partner=merchant, num_in_stock=0)
    promo = promotion(page, merchant=merchant, listing=listing)
    assert listing_card(listing=listing).status == "已售罄" and not listing_card(listing=listing).available
    merchant.is_active = False
    merchant.save()
    assert merchant_card(merchant=merchant, now=NOW).status == "已停业"
    assert listing_card(listing=listing).status == "店铺已停业"
    html = client.get(promo.url).content.decode()
    assert "已停业" in html and 'data-available="1"' not in html


def test_user_html_is_sanitised_on_save():
    page = community_page()
    page.intro = '<p onclick="steal()">你好<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>'
    page.save()
    page.refresh_from_db()
    assert "script" not in page.intro and "onclick" not in page.intro and "javascript" not in page.intro
    item = notice(page, text='通知<img src=x onerror="alert(1)">')
    stored = NoticePage.objects.get(pk=item.pk).body.raw_data[0]["value"]
    assert "onerror" not in stored and "<img" not in stored


def test_each_community_has_an_atom_feed_of_its_own(client):
    page = community_page()
    other = community_page()
    notice(page, title="本社区的通知")
    notice(other, title="别的社区的通知")
    response = client.get(f"{page.url}feed/")
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    assert "本社区的通知" in body and "别的社区的通知" not in body


def test_search_finds_a_communitys_notice(client):
    page = community_page()
    notice(page, title="电动车充电安全提示", text="请勿在楼道充电")
    notice(page, title="停水通知", text="周六停水")
    html = client.get("/community/search/", {"q": "充电"}).content.decode()
    assert "电动车充电安全提示" in html and "停水通知" not in html
    html = client.get("/community/search/", {"q": "充电", "community": "no-such"}).content.decode()
    assert "电动车充电安全提示" in html  # an unknown community searches everywhere, never a 500


def test_coming_events_count_their_seats():
    page = community_page()
    soon = event(page, capacity=2)
    event(page, starts_at=NOW - datetime.timedelta(days=2))  # over
    rows = coming_events(community_page=page, now=NOW)
    assert [r.page.pk for r in rows] == [soon.pk] and rows[0].seats_left == 2


def test_communities_are_unique_per_page():
    page = community_page()
    with pytest.raises(ValidationError):
        publish(page.get_parent().specific, CommunityPage(title="x", slug="dup", community=page.community))
    assert CommunityPage.objects.filter(community=page.community).count() == 1
