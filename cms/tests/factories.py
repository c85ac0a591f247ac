"""Community pages for tests: a community (its page comes from the sync signal) and published
notices, events and promotions under it."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth.models import Group
from django.utils import timezone

from cms.models import CommunityPage, EventPage, NoticePage, PromotionPage
from cms.services import make_community_editor, reviewer_group
from communities.tests.factories import CommunityFactory, UserFactory

NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
_slugs = itertools.count(1)


def community_page(**kwargs) -> CommunityPage:
    community = CommunityFactory(**kwargs)
    return CommunityPage.objects.get(community=community)


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def notice(parent, *, title="停水通知", text="本周六停水", pinned=False, expires_on=None, category="property"):
    return publish(parent, NoticePage(title=title, slug=f"notice-{next(_slugs)}", category=category, pinned=pinned,
                                      expires_on=expires_on, body=[("text", f"<p>{text}</p>")]))


def event(parent, *, title="手机课堂", starts_at=None, hours=2, capacity=3, waiting_list_size=2, **kwargs):
    starts_at = starts_at or NOW + datetime.timedelta(days=3)
    community = parent.community
    return publish(parent, EventPage(
        title=title, slug=f"event-{next(_slugs)}", starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        place_name="活动室", place_lat=community.centroid_lat, place_lng=community.centroid_lng, capacity=capacity,
        waiting_list_size=waiting_list_size, body=[("text", "<p>欢迎参加</p>")], **kwargs,
    ))


def promotion(parent, *, merchant=None, listing=None, title="邻里优惠", starts_at=None, days=7, live=True):
    starts_at = starts_at or NOW - datetime.timedelta(days=1)
    offers = []
    if merchant is not None:
        offers.append({"type": "merchant_card", "value": {"merchant": merchant.pk, "note": ""}})
    if listing is not None:
        offers.append({"type": "listing_card", "value": {"listing": listing.pk, "note": ""}})
    page = PromotionPage(title=title, slug=f"promotion-{next(_slugs)}", starts_at=starts_at,
                         ends_at=starts_at + datetime.timedelta(days=days), offers=offers)
    if live:
        return publish(parent, page)
    page.live = False
    parent.add_child(instance=page)
    page.save_revision()
    return page


def editor_of(*pages, mobile=None):
    user = UserFactory(**({"mobile": mobile} if mobile else {}))
    make_community_editor(user=user, community_ids=[p.community_id for p in pages])
    return user


def reviewer(mobile=None):
    user = UserFactory(**({"mobile": mobile} if mobile else {}))
    user.groups.add(reviewer_group())
    return user


def local_now():
    return timezone.localtime(NOW)


__all__ = ["Group"]
