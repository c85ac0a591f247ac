"""Six months of history for the bureau's dashboard (issue 13): the households of the address
register, orders with a weekly and daily rhythm, on-time and late deliveries, cancellations,
ratings, quarterly survey answers, shops opening and closing, and the daily snapshots.

A pure, seeded plan (`plan_history`) and an idempotent writer (`write_history`), like the rest
of shop/demo. The plan depends on the seed and on the last day of the history (yesterday when
loading), so the same seed on the same day gives the same rows; loading again replaces the
history rows (orders numbered DH…, survey users 13753…, the HIST- shops) and changes nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import shape

from .plan import Plan, _random_point_in, offset, rng_for, weighted

HISTORY_DAYS = 182
ORDER_PREFIX = "DH"
SURVEY_MOBILE_PREFIX = "13753"  # + 2 digits of the community + 4 digits
CLOSED_SHOP_PREFIX = "HIST-"
ROOM_CODE = "{district}H{community:02d}{n:06d}"  # never matches the residents' register codes (12 digits)
SURVEY_USERS_PER_COMMUNITY = 130
BATCH = 2000

# orders a day per 1,000 households, by weekday (Monday first), and the share of each hour
DAILY_PER_1000 = 0.45  # ≈ 25 orders a day in the district: a platform in its first months
WEEKDAY = (0.9, 0.9, 0.95, 1.0, 1.1, 1.3, 1.25)
HOURS = ((7, 6), (8, 8), (9, 5), (10, 4), (11, 8), (12, 7), (13, 3), (14, 2), (15, 2), (16, 4), (17, 8), (18, 9),
         (19, 7), (20, 5), (21, 2))
FORMAT_WEIGHT = {"convenience_store": 6, "fresh_grocery": 6, "wet_market": 4, "supermarket": 5, "breakfast": 4,
                 "pharmacy": 2, "bakery": 2, "front_warehouse": 5, "specialty_restaurant": 3, "housekeeping": 1,
                 "elderly_care": 1, "laundry": 1, "flowers_gifts": 1, "tea_coffee": 2}
FLOOR_AREA = {"supermarket": (600, 1200), "wet_market": (1200, 2500), "front_warehouse": (300, 600),
              "fresh_grocery": (120, 300), "convenience_store": (60, 150), "gym": (300, 800)}


@dataclass
class RoomPlan:
    code: str
    community_slug: str
    compound: str
    building: str
    unit: str
    room: str
    lat: float
    lng: float


@dataclass
class OrderPlan:
    number: str
    placed: datetime
    community_slug: str
    room_code: str
    user_mobile: str
    merchant_code: str
    listing_index: int
    quantity: int
    method: str
    status: str
    promise_min: int
    actual_min: int | None
    score: int | None


@dataclass
class SurveyPlan:
    mobile: str
    community_slug: str
    quarter: str
    answered: datetime
    scores: tuple[int, int, int, int]


@dataclass
class ClosedShopPlan:
    code: str
    name: str
    format_code: str
    community_slug: str
    lat: float
    lng: float
    closed_on: date


@dataclass
class HistoryPlan:
    first: date
    last: date
    rooms: list[RoomPlan] = field(default_factory=list)
    orders: list[OrderPlan] = field(default_factory=list)
    surveys: list[SurveyPlan] = field(default_factory=list)
    opened: dict[str, date] = field(default_factory=dict)  # merchant code → opening day
    closed: list[ClosedShopPlan] = field(default_factory=list)
    floor_area: dict[str, int] = field(default_factory=dict)


def _at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _distance_m(lat1, lng1, lat2, lng2) -> float:
    dy = (lat2 - lat1) * 111_195
    dx = (lng2 - lng1) * 111_195 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def plan_history(plan: Plan, *, last: date, days: int = HISTORY_DAYS) -> HistoryPlan:
    from . import district

    seed = plan.seed
    history = HistoryPlan(first=last - timedelta(days=days - 1), last=last)
    rng = rng_for(seed, "history:rooms")
    rooms_by_community: dict[str, list[RoomPlan]] = {}
    for index, c in enumerate(plan.communities):
        rooms = []
        anchors = list(c.compound_anchors.items()) or [(c.spec.name, (c.centroid_lat, c.centroid_lng))]
        polygon = shape(c.boundary)
        per_compound = math.ceil(c.spec.households / len(anchors))
        n = 0
        for compound, (a_lat, a_lng) in anchors:
            spot = (a_lat, a_lng)
            for k in range(min(per_compound, c.spec.households - n)):
                building, rest = divmod(k, 36)
                unit, room = divmod(rest, 12)
                if rest == 0:  # a new building: somewhere in the compound, inside the community
                    spot = _random_point_in(rng, polygon, a_lat, a_lng, 90)
                rooms.append(RoomPlan(
                    code=ROOM_CODE.format(district=district.DISTRICT_CODE, community=index, n=n), community_slug=c.spec.slug,
                    compound=compound, building=str(building + 1), unit=str(unit + 1),
                    room=f"{room // 2 + 1}0{room % 2 + 1}", lat=spot[0], lng=spot[1]))
                n += 1
        rooms_by_community[c.spec.slug] = rooms
        history.rooms.extend(rooms)

    # shops: floor areas, a few opening during the period, two closing
    rng = rng_for(seed, "history:shops")
    for m in plan.merchants:
        low, high = FLOOR_AREA.get(m.format_code, (30, 120))
        history.floor_area[m.code] = rng.randint(low, high)
    candidates = sorted(m.code for m in plan.merchants if m.code != plan.staff_merchant_code and not m.is_chain)
    for code in rng.sample(candidates, min(4, len(candidates))):
        history.opened[code] = last - timedelta(days=rng.randint(30, days - 30))
    for k, (format_code, name) in enumerate((("convenience_store", "惠邻便利店(已停业)"), ("breakfast", "老街早点(已停业)"))):
        c = plan.communities[rng.randrange(len(plan.communities))]
        lat, lng = offset(c.centroid_lat, c.centroid_lng, rng.uniform(-150, 150), rng.uniform(-150, 150))
        history.closed.append(ClosedShopPlan(code=f"{CLOSED_SHOP_PREFIX}{k + 1}", name=name, format_code=format_code,
                                             community_slug=c.spec.slug, lat=lat, lng=lng,
                                             closed_on=last - timedelta(days=rng.randint(40, 100))))

    # who orders: the generated residents, by the community of their home
    homes: dict[str, list[str]] = {}
    slug_of_address = {a.code: a.community_slug for a in plan.addresses}
    for u in plan.users:
        if u.addresses:
            homes.setdefault(slug_of_address.get(u.addresses[0][0], ""), []).append(u.mobile)
    everyone = [u.mobile for u in plan.users]
    # which shops a community orders from: within 1.5 km of its centre, with listings, weighted by format
    sellers: dict[str, list[tuple[str, float, int]]] = {}
    for c in plan.communities:
        near = []
        for m in plan.merchants:
            if m.listings and _distance_m(c.centroid_lat, c.centroid_lng, m.lat, m.lng) <= 1500:
                near.append((m.code, FORMAT_WEIGHT.get(m.format_code, 1) * (2 if m.community_slug == c.spec.slug else 1),
                             len(m.listings)))
        sellers[c.spec.slug] = near

    rng = rng_for(seed, "history:orders")
    serial = 0
    for offset_days in range(days):
        day = history.first + timedelta(days=offset_days)
        progress = offset_days / max(days - 1, 1)
        for c in plan.communities:
            slug = c.spec.slug
            open_sellers = [(code, w, n) for code, w, n in sellers[slug] if history.opened.get(code, day) <= day]
            if not open_sellers:
                continue
            boost = {"national": 1.3, "provincial": 1.15}.get(c.spec.demonstration, 1.0)
            rate = c.spec.households / 1000 * DAILY_PER_1000 * WEEKDAY[day.weekday()] * boost * (0.75 + 0.5 * progress)
            count = int(rate) + (rng.random() < rate - int(rate))
            rooms = rooms_by_community[slug]
            people = homes.get(slug) or everyone
            for _ in range(count):
                serial += 1
                code, _w, listings = weighted(rng, [((s[0], s[1], s[2]), s[1]) for s in open_sellers])
                hour = weighted(rng, HOURS)
                method = "pickup" if rng.random() < 0.2 else "delivery"
                roll = rng.random()
                status = ("cancelled" if roll < 0.03 else "failed" if roll < 0.042 and method == "delivery"
                          else "collected" if method == "pickup" else "delivered")
                promise = 30 if method == "pickup" else 45
                # deliveries get quicker over the months: the on-time share rises
                actual = None
                if status in ("delivered", "collected"):
                    median = (36 - 8 * progress) if method == "delivery" else 22
                    actual = max(8, round(rng.lognormvariate(math.log(median), 0.32)))
                score = None
                if actual is not None and rng.random() < 0.35:
                    late = actual > promise
                    score = weighted(rng, ((1, 10), (2, 15), (3, 30), (4, 30), (5, 15)) if late
                                     else ((1, 2), (2, 3), (3, 10), (4, 35), (5, 50)))
                history.orders.append(OrderPlan(
                    number=f"{ORDER_PREFIX}{day:%y%m%d}{serial:06d}", placed=_at(day, hour, rng.randrange(60)),
                    community_slug=slug, room_code=rooms[rng.randrange(len(rooms))].code,
                    user_mobile=people[rng.randrange(len(people))], merchant_code=code,
                    listing_index=rng.randrange(listings), quantity=rng.randint(1, 3), method=method, status=status,
                    promise_min=promise, actual_min=actual, score=score))

    # the quarterly survey: 120 answers a quarter in demonstration communities (a month's figures
    # then have 30 or more), 40 elsewhere (shown over a quarter, hidden for a month)
    rng = rng_for(seed, "history:survey")
    for index, c in enumerate(plan.communities):
        demo = c.spec.demonstration != "none"
        good = 0.93 if demo else 0.8
        good -= 0.04 * len(c.spec.gaps)
        quarter_days: dict[str, list[date]] = {}
        for offset_days in range(days):
            day = history.first + timedelta(days=offset_days)
            quarter_days.setdefault(f"{day.year}Q{(day.month - 1) // 3 + 1}", []).append(day)
        for quarter, in_quarter in sorted(quarter_days.items()):
            wanted = min(120 if demo else 40, SURVEY_USERS_PER_COMMUNITY)
            for k in range(round(wanted * len(in_quarter) / 91)):
                scores = tuple(
                    rng.choice((4, 5, 5)) if rng.random() < good else rng.choice((1, 2, 3, 3)) for _ in range(4))
                history.surveys.append(SurveyPlan(
                    mobile=f"{SURVEY_MOBILE_PREFIX}{index:02d}{k:04d}", community_slug=c.spec.slug, quarter=quarter,
                    answered=_at(in_quarter[rng.randrange(len(in_quarter))], rng.randint(8, 21), rng.randrange(60)),
                    scores=scores))
    return history


def write_history(plan: Plan, history: HistoryPlan, *, progress: bool = False) -> None:
    """Write the history (replacing the previous one) and store the daily snapshots."""
    from oscar.apps.order.models import Line, Order

    from bureau import services as bureau_services
    from communities.models import Community, StandardAddress, SurveyResponse
    from delivery.models import FulfilmentGroup, FulfilmentLine, GroupRating
    from merchants.models import BusinessFormat, Partner, StockRecord
    from shop.accounts.models import User

    if _already_written(history):
        return
    with transaction.atomic():
        communities = {c.slug: c for c in Community.objects.filter(slug__in=[c.spec.slug for c in plan.communities])}
        # the previous history goes first (its groups point at the rooms)
        old = Order.objects.filter(number__startswith=ORDER_PREFIX)
        GroupRating.objects.filter(group__order__in=old).delete()
        FulfilmentLine.objects.filter(group__order__in=old).delete()
        FulfilmentGroup.objects.filter(order__in=old).delete()
        Line.objects.filter(order__in=old).delete()
        old.delete()
        SurveyResponse.objects.filter(user__mobile__startswith=SURVEY_MOBILE_PREFIX).delete()

        # rooms of the register
        have = set(StandardAddress.objects.filter(code__in=[r.code for r in history.rooms]).values_list("code", flat=True))
        StandardAddress.objects.bulk_create([
            StandardAddress(community=communities[r.community_slug], code=r.code, compound=r.compound,
                            building=r.building, unit=r.unit, room=r.room, lat=r.lat, lng=r.lng)
            for r in history.rooms if r.code not in have], batch_size=BATCH)
        room_ids = dict(StandardAddress.objects.filter(code__in=[r.code for r in history.rooms]).values_list("code", "pk"))

        # shops: floor area, opening days, the closed ones
        partners = {p.code: p for p in Partner.objects.filter(code__in=[m.code for m in plan.merchants])}
        for code, partner in partners.items():
            partner.floor_area_m2 = history.floor_area.get(code)
            partner.opened_on = history.opened.get(code)
        Partner.objects.bulk_update(list(partners.values()), ["floor_area_m2", "opened_on"], batch_size=BATCH)
        formats = {f.code: f for f in BusinessFormat.objects.all()}
        for shop in history.closed:
            Partner.objects.update_or_create(code=shop.code, defaults={
                "name": shop.name, "format": formats[shop.format_code], "community": communities[shop.community_slug],
                "address": f"鼓楼区{communities[shop.community_slug].name}", "phone": "025-83001234",
                "rating": Decimal("4.0"), "licence_verified": True, "delivery_capability": "none",
                "lat": shop.lat, "lng": shop.lng, "is_active": False, "closed_on": shop.closed_on, "floor_area_m2": 80})

        # orders: one Oscar order, line, fulfilment group and line each
        users = dict(User.objects.filter(mobile__in={o.user_mobile for o in history.orders}).values_list("mobile", "pk"))
        listings: dict[str, list[StockRecord]] = {}
        for record in StockRecord.objects.filter(partner__code__in=partners).select_related("product", "partner").order_by("pk"):
            listings.setdefault(record.partner.code, []).append(record)
        from shop.checkout.order_status import order_status

        orders, lines, groups, flines, ratings = [], [], [], [], []
        for o in history.orders:
            record = listings[o.merchant_code][o.listing_index % len(listings[o.merchant_code])]
            amount = record.price * o.quantity
            orders.append(Order(number=o.number, user_id=users.get(o.user_mobile), currency="CNY", total_incl_tax=amount,
                                total_excl_tax=amount, shipping_incl_tax=Decimal("0.00"), shipping_excl_tax=Decimal("0.00"),
                                status=order_status([o.status]), date_placed=o.placed))
        Order.objects.bulk_create(orders, batch_size=BATCH)
        order_ids = dict(Order.objects.filter(number__startswith=ORDER_PREFIX).values_list("number", "pk"))
        for o in history.orders:
            record = listings[o.merchant_code][o.listing_index % len(listings[o.merchant_code])]
            amount = record.price * o.quantity
            lines.append(Line(order_id=order_ids[o.number], partner=record.partner, partner_name=record.partner.name,
                              partner_sku=record.partner_sku, stockrecord=record, product=record.product,
                              title=record.product.title, upc=record.product.upc or "", quantity=o.quantity,
                              line_price_incl_tax=amount, line_price_excl_tax=amount,
                              line_price_before_discounts_incl_tax=amount, line_price_before_discounts_excl_tax=amount,
                              unit_price_incl_tax=record.price, unit_price_excl_tax=record.price, num_allocated=o.quantity))
        Line.objects.bulk_create(lines, batch_size=BATCH)
        line_ids = dict(Line.objects.filter(order__number__startswith=ORDER_PREFIX).values_list("order_id", "pk"))
        for o in history.orders:
            record = listings[o.merchant_code][o.listing_index % len(listings[o.merchant_code])]
            done = o.placed + timedelta(minutes=o.actual_min) if o.actual_min is not None else None
            groups.append(FulfilmentGroup(
                order_id=order_ids[o.number], merchant=record.partner, method=o.method, status=o.status,
                dropoff_id=room_ids[o.room_code], pickup_code="000000" if o.method == "pickup" else "",
                goods_total=record.price * o.quantity, delivery_fee=Decimal("0.00") if o.method == "pickup" else Decimal("3.00"),
                promised_at=o.placed + timedelta(minutes=o.promise_min), completed_at=done,
                accepted_at=o.placed + timedelta(minutes=2) if o.status != "cancelled" else None,
                status_reason={"cancelled": "居民取消", "failed": "联系不上顾客"}.get(o.status, "")))
        FulfilmentGroup.objects.bulk_create(groups, batch_size=BATCH)
        # created_at is auto_now_add: put the placing time back, in one statement
        # (UPDATE … FROM joins once; a correlated subquery is planned per row on tables without statistics)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {FulfilmentGroup._meta.db_table} SET created_at = o.date_placed FROM {Order._meta.db_table} o"
                f" WHERE o.id = {FulfilmentGroup._meta.db_table}.order_id AND o.number LIKE %s", [ORDER_PREFIX + "%"])
        by_order = {order_id: (pk, merchant_id) for pk, order_id, merchant_id in FulfilmentGroup.objects.filter(
            order__number__startswith=ORDER_PREFIX).values_list("pk", "order_id", "merchant_id")}
        for o in history.orders:
            record = listings[o.merchant_code][o.listing_index % len(listings[o.merchant_code])]
            group_id, merchant_id = by_order[order_ids[o.number]]
            flines.append(FulfilmentLine(group_id=group_id, order_line_id=line_ids[order_ids[o.number]], listing=record,
                                         quantity=o.quantity, unit_price=record.price,
                                         estimated_amount=record.price * o.quantity))
            if o.score is not None and users.get(o.user_mobile):
                ratings.append(GroupRating(group_id=group_id, merchant_id=merchant_id, user_id=users[o.user_mobile],
                                           score=o.score, rated_at=o.placed + timedelta(minutes=(o.actual_min or 0) + 90)))
        FulfilmentLine.objects.bulk_create(flines, batch_size=BATCH)
        GroupRating.objects.bulk_create(ratings, batch_size=BATCH)

        # survey answers from the survey users (no sign-in: unusable passwords)
        mobiles = sorted({s.mobile for s in history.surveys})
        have = set(User.objects.filter(mobile__in=mobiles).values_list("mobile", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create([User(mobile=m, last_name="居民", first_name=m[-4:], password=unusable)
                                  for m in mobiles if m not in have], batch_size=BATCH)
        survey_users = dict(User.objects.filter(mobile__in=mobiles).values_list("mobile", "pk"))
        SurveyResponse.objects.bulk_create([
            SurveyResponse(user_id=survey_users[s.mobile], community=communities[s.community_slug], quarter=s.quarter,
                           convenience=s.scores[0], price=s.scores[1], quality=s.scores[2], service=s.scores[3],
                           answered_at=s.answered) for s in history.surveys], batch_size=BATCH)

    # fresh statistics for the tables that just grew (else PostgreSQL plans Oscar's dashboard
    # queries over thousands of new orders as if the tables were empty, and they take minutes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("order_order", "order_line", "delivery_fulfilmentgroup", "delivery_fulfilmentline",
                          "delivery_grouprating", "communities_standardaddress", "communities_surveyresponse",
                          "accounts_user"):
                cursor.execute(f"ANALYZE {table}")
    # the daily snapshots, as the nightly job would have stored them
    bureau_services.store_snapshot_range(first=history.first, last=history.last, now=timezone.now(), progress=progress)


def _already_written(history: HistoryPlan) -> bool:
    """The same history is in the database (same orders, answers, rooms and the last day's
    snapshots): loading again need not rewrite it."""
    from oscar.apps.order.models import Order

    from bureau.models import MetricSnapshot
    from communities.models import StandardAddress, SurveyResponse

    numbers = list(Order.objects.filter(number__startswith=ORDER_PREFIX).order_by("number").values_list("number", flat=True))
    return (
        numbers == sorted(o.number for o in history.orders)
        and SurveyResponse.objects.filter(user__mobile__startswith=SURVEY_MOBILE_PREFIX).count() == len(history.surveys)
        and StandardAddress.objects.filter(code__in=[r.code for r in history.rooms[-1:]]).exists()
        and MetricSnapshot.objects.filter(date=history.last).exists()
        and MetricSnapshot.objects.filter(date=history.first).exists()
    )
