"""Reads of the community pages: what a community's page, the home page (/) and the Atom feed
show, an event's seats, the search. Shop data comes only through other apps' selectors
(catalog.selectors.service_circle for the circle, catalog.selectors for listings,
merchants.selectors for opening hours)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from catalog import selectors as catalog_selectors
from cms.constants import ACTIVE, CANCELLED, CONFIRMED, WAITING, cms_model
from communities import circle as circles
from communities import selectors as community_selectors
from communities.models import Community
from shop.core.geo import haversine_m

NOTICES_SHOWN = 6
EVENTS_SHOWN = 4
PROMOTIONS_SHOWN = 4


# --- a community's sections ------------------------------------------------------------------


@dataclass(frozen=True)
class FormatCoverage:
    code: str
    name: str
    tier: str


@dataclass(frozen=True)
class CircleSummary:
    """The "services in this circle" block: formats present and missing within a 15-minute walk
    of the community's centre, from the circle the project computes (never typed in)."""

    headline: str
    merchant_count: int
    present: list[FormatCoverage]
    missing_basic: list[FormatCoverage]
    missing_other: list[FormatCoverage]
    backend: str


@dataclass
class EventRow:
    page: Page
    confirmed: int
    waiting: int

    @property
    def seats_left(self) -> int:
        return max(0, self.page.capacity - self.confirmed)

    @property
    def nearly_full(self) -> bool:
        return 0 < self.seats_left <= max(1, self.page.capacity // 10)


@dataclass
class Sections:
    community: Community
    page: Page
    notices: list[Page]
    events: list[EventRow]
    promotions: list[Page]
    circle: CircleSummary | None = None
    extra: dict = field(default_factory=dict)


def community_page_for(*, community_id: int) -> Page | None:
    return cms_model("CommunityPage").objects.live().select_related("community").filter(community_id=community_id).first()


def community_page_by_slug(*, slug: str) -> Page | None:
    return cms_model("CommunityPage").objects.live().filter(slug=slug).first()


def live_notices(*, community_page: Page, now: datetime.datetime,
                 limit: int = NOTICES_SHOWN) -> list[Page]:
    """Pinned notices first, then the latest; a notice past its expiry date is left out."""
    today = timezone.localdate(now)
    return list(
        cms_model("NoticePage").objects.live().child_of(community_page)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by("-pinned", "-first_published_at", "-pk")[:limit]
    )


def coming_events(*, community_page, now: datetime.datetime, limit: int = EVENTS_SHOWN) -> list[EventRow]:
    """Events that have not ended, soonest first, with their seats taken and waiting."""
    events = (
        cms_model("EventPage").objects.live().child_of(community_page).filter(ends_at__gt=now)
        .annotate(
            confirmed=Count("signups", filter=Q(signups__status=CONFIRMED)),
            waiting=Count("signups", filter=Q(signups__status=WAITING)),
        )
        .order_by("starts_at", "pk")[:limit]
    )
    return [EventRow(page=event, confirmed=event.confirmed, waiting=event.waiting) for event in events]


def live_promotions(*, community_page, now: datetime.datetime, limit: int = PROMOTIONS_SHOWN) -> list[Page]:
    """Published (approved) promotions running now."""
    return list(
        cms_model("PromotionPage").objects.live().child_of(community_page).filter(starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at", "pk")[:limit]
    )


CIRCLE_CACHE_SECONDS = 120  # the formats around a point change when shops open or close: minutes are fine


def circle_summary(*, community: Community, lat: float | None = None, lng: float | None = None) -> CircleSummary:
    """Formats within a 15-minute walk of a point (the community's centre by default), cached
    for a couple of minutes per point and language (every resident of a community asks the same)."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    lat = community.centroid_lat if lat is None else lat
    lng = community.centroid_lng if lng is None else lng
    key = f"cms:circle:{lat:.5f}:{lng:.5f}:{get_language()}"
    summary = cache.get(key)
    if summary is None:
        summary = _circle_summary(lat=lat, lng=lng)
        cache.set(key, summary, CIRCLE_CACHE_SECONDS)
    return summary


def _circle_summary(*, lat: float, lng: float) -> CircleSummary:
    from catalog.circle_page import business_formats, format_name
    from communities.circle_words import parameters_in_words
    from merchants.models import BusinessFormat

    circle = circles.make_circle(lat=lat, lng=lng, minutes=15, mode=circles.WALK)
    result = catalog_selectors.service_circle(circle=circle)
    formats = business_formats()

    def coverage(codes):
        return [FormatCoverage(code, format_name(formats[code]), formats[code].tier)
                for code in codes if code in formats]

    missing = coverage(result.formats_missing)
    return CircleSummary(
        headline=parameters_in_words(circle)[0],
        merchant_count=result.total,
        present=coverage(sorted(result.formats_covered, key=lambda c: list(formats).index(c) if c in formats else 99)),
        missing_basic=[f for f in missing if f.tier == BusinessFormat.Tier.BASIC],
        missing_other=[f for f in missing if f.tier != BusinessFormat.Tier.BASIC],
        backend=result.backend,
    )


def community_sections(*, community_page: Page, now: datetime.datetime, with_circle: bool = True,
                       lat: float | None = None, lng: float | None = None) -> Sections:
    community = community_page.community
    return Sections(
        community=community,
        page=community_page,
        notices=live_notices(community_page=community_page, now=now),
        events=coming_events(community_page=community_page, now=now),
        promotions=live_promotions(community_page=community_page, now=now),
        circle=circle_summary(community=community, lat=lat, lng=lng) if with_circle else None,
    )


# --- the home page ---------------------------------------------------------------------------


def home_community(*, user, community_id: int | None = None, lat: float | None = None,
                   lng: float | None = None) -> Community | None:
    """The resident's community: the chosen location's, else the default saved address's, else
    the community nearest to a chosen point; None when nothing is known."""
    if community_id:
        community = Community.objects.filter(pk=community_id).first()
        if community is not None:
            return community
    if user is not None and user.is_authenticated:
        from communities.models import ResidentAddress

        address = (ResidentAddress.objects.filter(user=user).select_related("standard_address__community")
                   .order_by("-is_default", "pk").first())
        if address is not None:
            return address.standard_address.community
    if lat is not None and lng is not None:
        from communities.location import nearest_community

        return nearest_community(lat=lat, lng=lng)
    return None


def district_directory() -> list[Community]:
    """Every community with its merchant count (the anonymous visitor's home page)."""
    return list(community_selectors.community_directory())


# --- cards in page bodies -------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    title: str
    subtitle: str
    url: str
    available: bool
    status: str  # what to tell the resident: "有货", "已售罄", "已停业"...


def merchant_card(*, merchant, now: datetime.datetime | None = None) -> Card:
    from merchants.selectors import is_open_at

    if merchant is None:
        return Card(_("商户已不存在"), "", "", False, _("已停业"))
    subtitle = merchant.address or ""
    if not merchant.is_active:
        return Card(merchant.name, subtitle, "", False, _("已停业"))
    open_now = is_open_at(merchant, now or timezone.now())
    return Card(merchant.name, subtitle, f"/catalogue/?merchant={merchant.pk}", True,
                _("营业中") if open_now else _("休息中"))


def listing_card(*, listing) -> Card:
    from catalog.selectors import listings_by_ids

    if listing is None:
        return Card(_("商品已下架"), "", "", False, _("已下架"))
    shown = listings_by_ids([listing.pk])
    if not shown:
        merchant = listing.partner
        closed = merchant is not None and not merchant.is_active
        return Card(listing.product.get_title(), merchant.name if merchant else "", "", False,
                    _("店铺已停业") if closed else _("已下架"))
    row = shown[0]
    title = row.product.get_title()
    if not row.in_stock:
        return Card(title, row.partner.name, "", False, _("已售罄"))
    return Card(title, f"{row.partner.name} · ¥{row.price}", row.product.get_absolute_url(), True, _("有货"))


def offers_outside_circle(*, offers, community: Community) -> list[str]:
    """Names of the promoted merchants (or listings' merchants) outside the community's
    15-minute walk; an empty list when every offer is inside."""
    circle = circles.make_circle(lat=community.centroid_lat, lng=community.centroid_lng, minutes=15,
                                 mode=circles.WALK)
    result = catalog_selectors.service_circle(circle=circle)
    inside_ids = {m.id for m in result.merchants}
    outside = []
    for child in offers:
        value = child.value
        merchant = value.get("merchant") if child.block_type == "merchant_card" else getattr(
            value.get("listing"), "partner", None)
        if merchant is None:
            continue
        inside = merchant.pk in inside_ids or (
            result.truncated and haversine_m(circle.lat, circle.lng, merchant.lat, merchant.lng) <= circle.radius_m
        )
        if not inside and merchant.name not in outside:
            outside.append(merchant.name)
    return outside


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventState:
    confirmed: int
    waiting: int
    capacity: int
    waiting_list_size: int
    mine: models.Model | None
    open: bool  # sign-ups still taken (before the start)
    reason: str  # why not, when not

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.confirmed)

    @property
    def full(self) -> bool:
        return self.seats_left == 0 and self.waiting >= self.waiting_list_size


def event_counts(*, event_id: int) -> tuple[int, int]:
    counts = cms_model("EventSignup").objects.filter(event_id=event_id).aggregate(
        confirmed=Count("pk", filter=Q(status=CONFIRMED)),
        waiting=Count("pk", filter=Q(status=WAITING)),
    )
    return counts["confirmed"], counts["waiting"]


def event_state(*, event: Page, user, now: datetime.datetime) -> EventState:
    confirmed, waiting = event_counts(event_id=event.pk)
    mine = None
    if user is not None and user.is_authenticated:
        mine = cms_model("EventSignup").objects.filter(event=event, user=user, status__in=ACTIVE).first()
    reason = ""
    if event.starts_at <= now:
        reason = _("活动已开始或已结束, 不再接受报名")
    elif confirmed >= event.capacity and waiting >= event.waiting_list_size:
        reason = _("名额和候补都已满")
    return EventState(confirmed, waiting, event.capacity, event.waiting_list_size, mine, not reason, reason)


def event_by_id(*, event_id: int) -> Page | None:
    return cms_model("EventPage").objects.filter(pk=event_id).first()


def event_signups(*, event: Page) -> list[models.Model]:
    """Every sign-up of an event (the organiser's list), seats first, in sign-up order."""
    order = {CONFIRMED: 0, WAITING: 1, CANCELLED: 2}
    rows = list(cms_model("EventSignup").objects.filter(event=event).select_related("user").order_by("created_at", "pk"))
    return sorted(rows, key=lambda row: order[row.status])


def my_signups(*, user, now: datetime.datetime) -> list[models.Model]:
    if user is None or not user.is_authenticated:
        return []
    return list(cms_model("EventSignup").objects.filter(user=user, status__in=ACTIVE, event__ends_at__gt=now)
                .select_related("event").order_by("event__starts_at"))


# --- search and feed ---------------------------------------------------------------------------


def search_pages(*, query: str, community_page: Page | None = None, limit: int = 30):
    """Live community pages matching the words (Wagtail search; the database backend)."""
    from cms.search_text import query_terms

    terms = query_terms((query or "").strip())
    if not terms:
        return []
    pages = Page.objects.live().type(*(cms_model(name) for name in ("CommunityPage", "NoticePage", "EventPage",
                                                                       "PromotionPage")))
    if community_page is not None:
        pages = pages.descendant_of(community_page, inclusive=True)
    return list(pages.specific().search(terms, operator="and")[:limit])


def feed_items(*, community_page: Page, now: datetime.datetime, limit: int = 20) -> list:
    """The newest notices, events and running promotions of a community, newest first."""
    notices = live_notices(community_page=community_page, now=now, limit=limit)
    events = [row.page for row in coming_events(community_page=community_page, now=now, limit=limit)]
    promotions = live_promotions(community_page=community_page, now=now, limit=limit)
    items = notices + events + promotions
    items.sort(key=lambda page: (page.first_published_at or now, page.pk), reverse=True)
    return items[:limit]
