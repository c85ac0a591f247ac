"""Community pages of the demo: each community's page with notices, two events (one nearly
full), a running promotion of one of its shops, and the editors and the street-office reviewer.

`plan_pages(plan)` is pure (seeded from the demo's seed, days relative to "today");
`write_pages(...)` writes it by natural keys (the child page's slug under its community's
page; (event, user) of a sign-up), so loading again changes nothing. The community pages
themselves are made by cms.services.sync_community_page when the communities are saved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from shop.core.geo import haversine_m

from .plan import Plan, rng_for

EDITOR_COMMUNITIES = ("gulou-shanxilu", "gulou-yihelu")  # the demo editor's two communities
REVIEWER = ("13800000006", "reviewer-demo-2025", "周", "审核")  # 街道审核员: approves promotions


@dataclass(frozen=True)
class NoticePlan:
    slug: str
    title: str
    category: str
    pinned: bool
    expires_in_days: int | None
    text: str


@dataclass(frozen=True)
class EventPlan:
    slug: str
    title: str
    in_days: int
    hour: int
    hours: int
    place_name: str
    capacity: int
    signups: int  # residents of the community already signed up
    text: str


@dataclass(frozen=True)
class PromotionPlan:
    slug: str
    title: str
    merchant_code: str
    listing_sku: str | None
    started_days_ago: int
    days: int
    text: str


@dataclass
class CommunityPagesPlan:
    community_slug: str
    notices: list[NoticePlan] = field(default_factory=list)
    events: list[EventPlan] = field(default_factory=list)
    promotions: list[PromotionPlan] = field(default_factory=list)
    residents: list[str] = field(default_factory=list)  # mobiles of residents who live here


NOTICES = (
    ("property", True, None, "关于{road}小区二次供水水箱清洗的通知",
     "本周六8:00至12:00清洗水箱, 期间暂停供水, 请提前储水。"),
    ("safety", False, 30, "电动自行车请勿进楼道充电",
     "楼道充电有火灾隐患, 请到小区集中充电棚充电。社区将开展入户检查。"),
    ("public_service", False, 60, "老年人免费体检预约开始",
     "65岁以上老人可在社区卫生服务站预约免费体检, 请带身份证和医保卡。"),
    ("commerce", False, 7, "早餐车新增{road}停靠点", "每天6:30至9:00, 早餐车在{road}路口停靠。"),
)
EVENTS = (
    ("智能手机课堂: 学会线上买菜", "社区党群服务中心二楼", 12, 11,
     "手把手教老人用手机在生活圈里买菜、预约上门服务。"),
    ("周末亲子跳蚤市场", "社区广场", 40, 6, "闲置玩具、图书交换, 请自带摊布。"),
)


def plan_pages(plan: Plan) -> list[CommunityPagesPlan]:
    rng = rng_for(plan.seed, "community_pages")
    communities = {c.spec.slug: c for c in plan.communities}
    homes = {a.code: a.community_slug for a in plan.addresses}
    residents: dict[str, list[str]] = {}
    for user in plan.users:
        if user.role == "resident" and user.addresses:
            default = next((code for code, _, is_default in user.addresses if is_default), user.addresses[0][0])
            residents.setdefault(homes[default], []).append(user.mobile)
    result = []
    for slug, community in communities.items():
        road = community.spec.roads[0]
        pages = CommunityPagesPlan(community_slug=slug, residents=residents.get(slug, []))
        for index, (category, pinned, expires, title, text) in enumerate(NOTICES, start=1):
            pages.notices.append(NoticePlan(f"notice-{index}", title.format(road=road), category, pinned, expires,
                                            text.format(road=road)))
        for index, (title, place, capacity, signups, text) in enumerate(EVENTS, start=1):
            signups = min(signups, len(pages.residents))
            pages.events.append(EventPlan(f"event-{index}", title, rng.randint(2, 6) + 3 * (index - 1),
                                          rng.choice((9, 14, 19)), 2, place, capacity, signups, text))
        # one of the five shops nearest the community's centre (well inside its 15-minute walk)
        def distance(m, c=community):
            return haversine_m(c.centroid_lat, c.centroid_lng, m.lat, m.lng)

        shops = sorted((m for m in plan.merchants if m.community_slug == slug and m.listings),
                       key=lambda m: (distance(m), m.code))
        if shops:
            shop = shops[rng.randrange(min(5, len(shops)))]
            listing = shop.listings[0]
            pages.promotions.append(PromotionPlan("promotion-1", f"{shop.name} 社区居民专享优惠", shop.code,
                                                  listing.partner_sku, 1, 14, "凭社区居民身份享受优惠, 送货上门。"))
        result.append(pages)
    return result


# --- writing ------------------------------------------------------------------------------------


def _rich(text: str) -> list[tuple[str, str]]:
    return [("text", f"<p>{text}</p>")]


def _upsert(parent, model, slug: str, values: dict):
    """The child page with this slug under parent: created, or its fields brought back to the
    plan; a new revision is published only when something changed."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **values)
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page
    changed = False
    for key, value in values.items():
        current = getattr(page, key)
        if key in ("body", "offers"):
            current = [(child.block_type, child.block.get_prep_value(child.value)) for child in current]
            value_cmp = [(t, v if not isinstance(v, str) else v) for t, v in value]
            if current != value_cmp:
                setattr(page, key, value)
                changed = True
        elif current != value:
            setattr(page, key, value)
            changed = True
    if changed or not page.live:
        page.save_revision().publish()
    return page


def write_pages(plan: Plan, users: dict, partners: dict, *, now: datetime.datetime | None = None) -> None:
    from django.contrib.auth.models import Group

    from cms import services
    from cms.models import CommunityPage, EventPage, EventSignup, NoticePage, PromotionPage
    from communities.models import Community
    from merchants.models import StockRecord
    from shop.accounts.models import User

    from . import people

    now = now or timezone.now()
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    communities = {c.slug: c for c in Community.objects.filter(slug__in=[c.spec.slug for c in plan.communities])}
    for pages in plan_pages(plan):
        community = communities[pages.community_slug]
        parent = services.sync_community_page(community_id=community.pk)
        if parent is None:
            return  # no index page (a flushed test database): nothing to hang pages on
        parent = CommunityPage.objects.get(pk=parent.pk)
        for n in pages.notices:
            _upsert(parent, NoticePage, n.slug, {
                "title": n.title, "category": n.category, "pinned": n.pinned, "body": _rich(n.text),
                "expires_on": today + datetime.timedelta(days=n.expires_in_days) if n.expires_in_days else None,
            })
        for e in pages.events:
            starts = datetime.datetime.combine(today + datetime.timedelta(days=e.in_days), datetime.time(e.hour),
                                               tzinfo=tz)
            event = _upsert(parent, EventPage, e.slug, {
                "title": e.title, "starts_at": starts, "ends_at": starts + datetime.timedelta(hours=e.hours),
                "place_name": e.place_name, "place_lat": community.centroid_lat, "place_lng": community.centroid_lng,
                "capacity": e.capacity, "body": _rich(e.text),
            })
            taken = set(EventSignup.objects.filter(event=event).values_list("user_id", flat=True))
            new = [EventSignup(event=event, user_id=users[mobile].pk, status=EventSignup.Status.CONFIRMED,
                               created_at=now, changed_at=now)
                   for mobile in pages.residents[:e.signups] if mobile in users and users[mobile].pk not in taken]
            EventSignup.objects.bulk_create(new)
        for p in pages.promotions:
            partner = partners[p.merchant_code]
            offers = [{"type": "merchant_card", "value": {"merchant": partner.pk, "note": ""}}]
            listing = StockRecord.objects.filter(partner=partner, partner_sku=p.listing_sku).first()
            if listing is not None:
                offers.append({"type": "listing_card", "value": {"listing": listing.pk, "note": ""}})
            starts = datetime.datetime.combine(today - datetime.timedelta(days=p.started_days_ago), datetime.time(0),
                                               tzinfo=tz)
            _upsert(parent, PromotionPage, p.slug, {
                "title": p.title, "starts_at": starts, "ends_at": starts + datetime.timedelta(days=p.days),
                "offers": offers, "body": _rich(p.text),
            })

    # the demo editor edits two communities (and no others); the reviewer approves promotions
    editor = next(users[d.mobile] for d in people.DEMO_USERS if d.role == "community_editor")
    old = Group.objects.filter(name=people.COMMUNITY_EDITOR_GROUP).first()
    if old is not None:  # earlier demos gave one group every community: take that back
        old.page_permissions.all().delete()
        editor.groups.remove(old)
    services.make_community_editor(user=editor, community_ids=[communities[s].pk for s in EDITOR_COMMUNITIES
                                                               if s in communities])
    mobile, password, last, first = REVIEWER
    reviewer = User.objects.filter(mobile=mobile).first()
    if reviewer is None:
        reviewer = User(mobile=mobile, last_name=last, first_name=first)
        reviewer.set_password(password)
        reviewer.save()
    reviewer.groups.add(services.reviewer_group())
