"""Write a demo plan to the database, by natural keys, so that loading twice changes nothing.

Natural keys: Community.slug, Product.upc, Partner.code, (partner, partner_sku) of a listing,
(kind, merchant) of a store fulfilment point and (kind, name) of the others, (point, listing)
of a warehouse's stock, User.mobile,
StandardAddress.code, (user, standard address) of a saved address, Group.name.

Rows the demo owns are brought back to the plan: opening hours and calendar exceptions of a
demo merchant, and its demo-catalogue listings that the plan no longer holds, are replaced.
Nothing else in the database is touched.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.checks import use_productcategory_materialised_view
from oscar.core.utils import slugify

from catalog.models import Category, Product, ProductCategory, ProductClass
from communities.models import Community, ResidentAddress, StandardAddress
from delivery.models import Courier, FulfilmentPoint, PointStock, Slot
from merchants.models import BusinessFormat, OpeningException, OpeningPeriod, Partner, StockRecord
from shop.accounts.models import User

from . import catalogue, community_pages, district, frontline, people, portal
from .plan import LOCKER_PREFIX, PICKUP_SUFFIX, FormatInfo, Plan, merchant_digest

BATCH_SIZE = 1000
DEMO_MERCHANT_PREFIX = "gl-"


def read_formats() -> list[FormatInfo]:
    """The business formats, from the database (never a hard-coded list)."""
    return [FormatInfo(f.code, f.name_zh, f.tier) for f in BusinessFormat.objects.order_by("sort_order", "code")]


def _time(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def product_description(spec: catalogue.ProductSpec) -> str:
    if spec.kind == catalogue.SERVICE:
        length = f"约{spec.service_duration_min}分钟, " if spec.service_duration_min else ""
        return f"{spec.title}: {length}服务人员持证上岗, 预约后按时上门或到店。"
    if spec.sale_unit == "weight":
        return f"{spec.title}: 每份约{spec.pack_size_g}克, 按实际称重结算, 多退少补。"
    return f"{spec.title}。"


# --- catalogue -----------------------------------------------------------------------------


def write_product_classes() -> dict[str, ProductClass]:
    classes = {}
    for name, kind, track_stock, requires_shipping in catalogue.PRODUCT_CLASSES:
        product_class, _ = ProductClass.objects.update_or_create(
            name=name, defaults={"kind": kind, "track_stock": track_stock, "requires_shipping": requires_shipping}
        )
        classes[kind] = product_class
    return classes


def write_categories() -> dict[str, Category]:
    return {path: create_from_breadcrumbs(path) for path in catalogue.CATEGORY_PATHS}


PRODUCT_FIELDS = ("title", "description", "product_class_id", "sale_unit", "unit_label", "pack_size_g",
                  "shelf_life_days", "storage", "service_duration_min")


def _product_values(spec: catalogue.ProductSpec, classes: dict[str, ProductClass]) -> dict:
    return {
        "title": spec.title,
        "description": product_description(spec),
        "product_class_id": classes[spec.kind].pk,
        "sale_unit": spec.sale_unit,
        "unit_label": spec.unit_label,
        "pack_size_g": spec.pack_size_g,
        "shelf_life_days": spec.shelf_life_days,
        "storage": spec.storage,
        "service_duration_min": spec.service_duration_min,
    }


def write_products(specs, classes, categories) -> dict[str, int]:
    """Upsert products by UPC and link each to its category; returns upc → product id."""
    existing = {p.upc: p for p in Product.objects.filter(upc__in=[s.upc for s in specs])}
    new, changed = [], []
    for spec in specs:
        values = _product_values(spec, classes)
        product = existing.get(spec.upc)
        if product is None:
            new.append(Product(upc=spec.upc, slug=slugify(spec.title), structure=Product.STANDALONE,
                               is_public=True, **values))
        elif any(getattr(product, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(product, k, v)
            changed.append(product)
    Product.objects.bulk_create(new, batch_size=BATCH_SIZE)
    Product.objects.bulk_update(changed, PRODUCT_FIELDS, batch_size=BATCH_SIZE)
    ids = dict(Product.objects.filter(upc__in=[s.upc for s in specs]).values_list("upc", "pk"))
    links = [ProductCategory(product_id=ids[s.upc], category_id=categories[s.category].pk) for s in specs]
    ProductCategory.objects.bulk_create(links, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return ids


def refresh_category_view() -> None:
    """Oscar's PostgreSQL materialised view of product categories, when it is switched on
    (bulk_create sends no signals, so the receiver that usually refreshes it does not run)."""
    if use_productcategory_materialised_view():
        with connection.cursor() as cursor:
            cursor.execute("REFRESH MATERIALIZED VIEW catalogue_product_category_hierarchy;")


# --- places and merchants --------------------------------------------------------------------


def write_communities(plan: Plan) -> dict[str, Community]:
    result = {}
    for c in plan.communities:
        spec = c.spec
        community, _ = Community.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name, "street": spec.street, "district": district.DISTRICT, "city": district.CITY,
                "boundary": c.boundary, "centroid_lat": c.centroid_lat, "centroid_lng": c.centroid_lng,
                "households": spec.households, "population": c.population,
                "demonstration_status": spec.demonstration, "pilot_year": spec.pilot_year,
            },
        )
        result[spec.slug] = community
    return result


def write_merchants(plan: Plan, communities: dict[str, Community]) -> dict[str, Partner]:
    result = {}
    for m in plan.merchants:
        partner, _ = Partner.objects.update_or_create(
            code=m.code,
            defaults={
                "name": m.name, "format_id": m.format_code, "community": communities[m.community_slug],
                "address": m.address, "lat": m.lat, "lng": m.lng, "phone": m.phone, "description": m.description,
                "delivery_capability": m.delivery, "service_radius_m": m.service_radius_m,
                "service_area": m.service_area, "is_chain": m.is_chain, "licence_verified": m.licence_verified,
                "rating": m.rating, "is_active": True, **order_terms(m),
            },
        )
        result[m.code] = partner
    return result


# Minimum order and delivery fee by format: fresh food ships small orders, shops want a basket.
ORDER_TERMS = {
    "wet_market": ("0.00", "2.00"), "fresh_grocery": ("15.00", "2.00"), "breakfast": ("10.00", "1.50"),
    "convenience_store": ("15.00", "2.00"), "supermarket": ("29.00", "3.00"), "pharmacy": ("20.00", "3.00"),
}


def order_terms(m) -> dict:
    if m.delivery == Partner.Delivery.NONE:
        return {"min_order": Decimal("0.00"), "delivery_fee": Decimal("0.00")}
    min_order, fee = ORDER_TERMS.get(m.format_code, ("20.00", "3.00"))
    return {"min_order": Decimal(min_order), "delivery_fee": Decimal(fee)}


# Bookable times, from today for SLOT_DAYS days: home services at these hours (2 households
# each), 30-minute delivery windows 09:00–21:00 (8 orders each).
SLOT_DAYS = 3
SERVICE_HOURS = ((9, 0), (14, 0), (18, 30))
SERVICE_CAPACITY = 2
WINDOW_CAPACITY = 8


def write_slots(partners: dict[str, Partner]) -> None:
    """Service slots for merchants with home services, delivery windows for merchants that
    deliver; only the missing ones are added, so loading again the same day adds nothing."""
    today = timezone.localdate()
    days = [today + datetime.timedelta(days=n) for n in range(SLOT_DAYS)]
    tz = timezone.get_current_timezone()

    def at(day, hour, minute):
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)

    ids = [p.pk for p in partners.values()]
    service_ids = set(
        StockRecord.objects.filter(partner_id__in=ids, product__product_class__kind=ProductClass.Kind.SERVICE)
        .values_list("partner_id", flat=True)
    )
    delivering = {p.pk for p in partners.values() if p.delivery_capability != Partner.Delivery.NONE}
    existing = set(Slot.objects.filter(merchant_id__in=ids, starts_at__gte=at(today, 0, 0)).values_list("merchant_id", "kind", "starts_at"))
    wanted = []
    for merchant_id in sorted(service_ids):
        for day in days:
            for hour, minute in SERVICE_HOURS:
                wanted.append(Slot(kind=Slot.Kind.SERVICE, merchant_id=merchant_id, starts_at=at(day, hour, minute),
                                   duration_min=120, capacity=SERVICE_CAPACITY))
    for merchant_id in sorted(delivering):
        for day in days:
            for half_hour in range(18, 42):  # 09:00 … 20:30
                wanted.append(Slot(kind=Slot.Kind.DELIVERY, merchant_id=merchant_id,
                                   starts_at=at(day, half_hour // 2, 30 * (half_hour % 2)), duration_min=30,
                                   capacity=WINDOW_CAPACITY))
    Slot.objects.bulk_create(
        [slot for slot in wanted if (slot.merchant_id, slot.kind, slot.starts_at) not in existing], batch_size=BATCH_SIZE
    )


def write_hours(plan: Plan, partners: dict[str, Partner]) -> None:
    ids = [p.pk for p in partners.values()]
    periods = defaultdict(set)
    for pid, weekday, opens, closes in OpeningPeriod.objects.filter(partner_id__in=ids).values_list(
        "partner_id", "weekday", "opens", "closes"
    ):
        periods[pid].add((weekday, opens, closes))
    exceptions = defaultdict(set)
    for row in OpeningException.objects.filter(partner_id__in=ids).values_list(
        "partner_id", "date", "is_closed", "opens", "closes", "note"
    ):
        exceptions[row[0]].add(row[1:])

    stale_periods, new_periods, stale_exceptions, new_exceptions = [], [], [], []
    for m in plan.merchants:
        pid = partners[m.code].pk
        wanted = {(day, _time(o), _time(c)) for day, o, c in m.periods}
        if wanted != periods[pid]:
            stale_periods.append(pid)
            new_periods += [OpeningPeriod(partner_id=pid, weekday=d, opens=o, closes=c) for d, o, c in sorted(wanted)]
        wanted_ex = {
            (datetime.date.fromisoformat(d), closed, o and _time(o), c and _time(c), note)
            for d, closed, o, c, note in m.exceptions
        }
        if wanted_ex != exceptions[pid]:
            stale_exceptions.append(pid)
            new_exceptions += [
                OpeningException(partner_id=pid, date=d, is_closed=closed, opens=o, closes=c, note=note)
                for d, closed, o, c, note in sorted(wanted_ex)
            ]
    OpeningPeriod.objects.filter(partner_id__in=stale_periods).delete()
    OpeningPeriod.objects.bulk_create(new_periods, batch_size=BATCH_SIZE)
    OpeningException.objects.filter(partner_id__in=stale_exceptions).delete()
    OpeningException.objects.bulk_create(new_exceptions, batch_size=BATCH_SIZE)


def write_listings(plan: Plan, partners: dict[str, Partner], product_ids: dict[str, int]) -> None:
    ids = [p.pk for p in partners.values()]
    # an existing listing's stock is left alone: the stock ledger owns it once written (a count,
    # a sale), and resetting it here would leave the ledger drifting
    existing = {
        (pid, sku): (pk, price, product_id)
        for pk, pid, sku, price, product_id in StockRecord.objects.filter(partner_id__in=ids).values_list(
            "pk", "partner_id", "partner_sku", "price", "product_id"
        )
    }
    new, changed, planned = [], [], set()
    for m in plan.merchants:
        pid = partners[m.code].pk
        for listing in m.listings:
            key = (pid, listing.partner_sku)
            planned.add(key)
            product_id = product_ids[listing.upc]
            row = existing.get(key)
            if row is None:
                new.append(StockRecord(partner_id=pid, product_id=product_id, partner_sku=listing.partner_sku,
                                       price_currency="CNY", price=listing.price, num_in_stock=listing.num_in_stock))
            elif row[1:] != (listing.price, product_id):
                changed.append(StockRecord(pk=row[0], price=listing.price, product_id=product_id))
    StockRecord.objects.bulk_create(new, batch_size=BATCH_SIZE)
    StockRecord.objects.bulk_update(changed, ["price", "product_id"], batch_size=BATCH_SIZE)
    # a demo merchant's demo-catalogue listings that the plan dropped (e.g. another seed)
    demo_upcs = {p.upc for p in catalogue.PRODUCTS}
    stale = [row[0] for key, row in existing.items() if key not in planned and key[1] in demo_upcs]
    StockRecord.objects.filter(pk__in=stale).delete()
    # and demo-catalogue products nobody lists any more
    Product.objects.filter(upc__in=demo_upcs, stockrecords__isnull=True).exclude(upc__in=product_ids).delete()


def write_points(plan: Plan, partners: dict[str, Partner], communities: dict[str, Community]) -> dict:
    existing = {}
    for point in FulfilmentPoint.objects.all():
        key = (point.kind, point.merchant_id) if point.kind == "store" else (point.kind, point.name)
        existing.setdefault(key, point)
    result = {}
    for p in plan.points:
        merchant = partners[p.merchant_code] if p.merchant_code else None
        values = {
            "kind": p.kind, "name": p.name, "merchant": merchant, "community": communities[p.community_slug],
            "address": p.address, "lat": p.lat, "lng": p.lng, "capacity_per_hour": p.capacity_per_hour,
            "opens": _time(p.opens), "closes": _time(p.closes), "is_active": True,
        }
        key = (p.kind, merchant.pk) if p.kind == "store" else (p.kind, p.name)
        point = existing.get(key)
        if point is None:
            point = FulfilmentPoint.objects.create(**values)
        elif any(getattr(point, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(point, k, v)
            point.save()
        result[(p.kind, p.name)] = point
    # points the demo made for another seed: its merchants' stores and warehouses, its stations and lockers
    kept = {point.pk for point in result.values()}
    demo_made = Q(merchant__code__startswith=DEMO_MERCHANT_PREFIX) | Q(
        kind="pickup_station", name__endswith=PICKUP_SUFFIX
    ) | Q(kind="locker", name__startswith=LOCKER_PREFIX)
    FulfilmentPoint.objects.filter(demo_made, community__in=communities.values()).exclude(pk__in=kept).delete()
    return result


def write_point_stock(plan: Plan, partners: dict[str, Partner], points: dict) -> None:
    """The goods on the demo warehouses' shelves, brought back to the plan (rows the plan no
    longer holds on those points are removed)."""
    stocked = [p for p in plan.points if p.kind == "front_warehouse"]
    owner_ids = {partners[p.merchant_code].pk for p in stocked}
    listing_ids = {(pid, sku): pk for pk, pid, sku in StockRecord.objects.filter(partner_id__in=owner_ids)
                   .values_list("pk", "partner_id", "partner_sku")}
    point_ids = [points[(p.kind, p.name)].pk for p in stocked]
    rows = PointStock.objects.filter(point_id__in=point_ids).values_list("pk", "point_id", "listing_id", "num_in_stock")
    existing = {(point_id, listing_id): (pk, units) for pk, point_id, listing_id, units in rows}
    new, changed, planned = [], [], set()
    for p in stocked:
        point_id, pid = points[(p.kind, p.name)].pk, partners[p.merchant_code].pk
        for sku, units in p.stock:
            key = (point_id, listing_ids[(pid, sku)])
            planned.add(key)
            row = existing.get(key)
            if row is None:
                new.append(PointStock(point_id=key[0], listing_id=key[1], num_in_stock=units))
            elif row[1] != units:
                changed.append(PointStock(pk=row[0], num_in_stock=units))
    PointStock.objects.bulk_create(new, batch_size=BATCH_SIZE)
    PointStock.objects.bulk_update(changed, ["num_in_stock"], batch_size=BATCH_SIZE)
    PointStock.objects.filter(pk__in=[row[0] for key, row in existing.items() if key not in planned]).delete()


# --- people ----------------------------------------------------------------------------------


def write_users(plan: Plan) -> dict[str, User]:
    demo_roles = {d.mobile: d for d in people.DEMO_USERS}
    existing = {u.mobile: u for u in User.objects.filter(mobile__in=[u.mobile for u in plan.users])}
    shared_hash = None
    new, renamed = [], []
    for u in plan.users:
        user = existing.get(u.mobile)
        demo = demo_roles.get(u.mobile)
        if demo is not None:
            # fixed sign-in details: create, or put the password and flags back as documented
            if user is None:
                user = User(mobile=u.mobile)
            user.last_name, user.first_name, user.is_active = u.last_name, u.first_name, True
            user.is_superuser = user.is_staff = demo.role == "admin"
            if not user.pk or not user.check_password(u.password):
                user.set_password(u.password)
            user.save()
            existing[u.mobile] = user
        elif user is None:
            shared_hash = shared_hash or make_password(people.GENERATED_USER_PASSWORD)
            new.append(User(mobile=u.mobile, last_name=u.last_name, first_name=u.first_name, password=shared_hash))
        elif (user.last_name, user.first_name) != (u.last_name, u.first_name):
            user.last_name, user.first_name = u.last_name, u.first_name
            renamed.append(user)
    User.objects.bulk_create(new, batch_size=BATCH_SIZE)
    User.objects.bulk_update(renamed, ["last_name", "first_name"], batch_size=BATCH_SIZE)
    return {u.mobile: u for u in User.objects.filter(mobile__in=[u.mobile for u in plan.users])}


def write_addresses(plan: Plan, users: dict[str, User], communities: dict[str, Community]) -> None:
    existing = {a.code: a for a in StandardAddress.objects.filter(code__in=[a.code for a in plan.addresses])}
    new, changed = [], []
    fields = ("community_id", "compound", "building", "unit", "room", "lat", "lng")
    for a in plan.addresses:
        values = {"community_id": communities[a.community_slug].pk, "compound": a.compound, "building": a.building,
                  "unit": a.unit, "room": a.room, "lat": a.lat, "lng": a.lng}
        row = existing.get(a.code)
        if row is None:
            new.append(StandardAddress(code=a.code, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    StandardAddress.objects.bulk_create(new, batch_size=BATCH_SIZE)
    StandardAddress.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
    address_ids = dict(StandardAddress.objects.filter(code__in=[a.code for a in plan.addresses]).values_list("code", "pk"))

    user_ids = [users[u.mobile].pk for u in plan.users if u.addresses]
    saved = {(r.user_id, r.standard_address_id): r for r in ResidentAddress.objects.filter(user_id__in=user_ids)}
    new_saved, defaults = [], {}
    for u in plan.users:
        for code, recipient, is_default in u.addresses:
            key = (users[u.mobile].pk, address_ids[code])
            if key not in saved:
                new_saved.append(ResidentAddress(user_id=key[0], standard_address_id=key[1], recipient=recipient,
                                                 phone=u.mobile, is_default=False))
            if is_default:
                defaults[key[0]] = key[1]
    ResidentAddress.objects.bulk_create(new_saved, batch_size=BATCH_SIZE)
    # saved addresses of the demo's users that the plan no longer holds (another seed), and the
    # register entries the demo made for them
    planned = {(users[u.mobile].pk, address_ids[code]) for u in plan.users for code, _, _ in u.addresses}
    ResidentAddress.objects.filter(pk__in=[r.pk for key, r in saved.items() if key not in planned]).delete()
    StandardAddress.objects.filter(
        community__in=communities.values(), code__regex=rf"^{district.DISTRICT_CODE}\d{{12}}$", residents__isnull=True
    ).exclude(code__in=address_ids).delete()
    # one default per user: clear the wrong ones first (a partial unique constraint guards it)
    wrong = [r.pk for r in ResidentAddress.objects.filter(user_id__in=defaults, is_default=True)
             if defaults[r.user_id] != r.standard_address_id]
    ResidentAddress.objects.filter(pk__in=wrong).update(is_default=False)
    for user_id, address_id in defaults.items():
        ResidentAddress.objects.filter(user_id=user_id, standard_address_id=address_id, is_default=False).update(
            is_default=True
        )


def write_couriers(plan: Plan, users: dict[str, User], points: dict) -> None:
    for c in plan.couriers:
        Courier.objects.update_or_create(
            user=users[c.mobile],
            defaults={"name": c.name, "vehicle": c.vehicle, "status": c.status, "capacity": c.capacity,
                      "home_point": points[c.home_point], "last_lat": c.last_lat, "last_lng": c.last_lng},
        )


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def write_roles(plan: Plan, users: dict[str, User], partners: dict[str, Partner]) -> None:
    by_role = {d.role: users[d.mobile] for d in people.DEMO_USERS}

    # merchant staff: one shop's user with Oscar's partner dashboard permission. Not is_staff:
    # Oscar's dashboard shows a staff user every shop's orders and products.
    staff = by_role["merchant"]
    staff.partners.set([partners[plan.staff_merchant_code]])
    staff.user_permissions.add(_permission("partner", "dashboard_access"))

    analysts, _ = Group.objects.get_or_create(name=people.BUREAU_ANALYST_GROUP)
    by_role["bureau_analyst"].groups.add(analysts)

    # community editors (one group per community) and the reviewer: shop/demo/community_pages.py


# --- all of it ---------------------------------------------------------------------------------


def write_plan(plan: Plan) -> None:
    with transaction.atomic():
        classes = write_product_classes()
        categories = write_categories()
        communities = write_communities(plan)
        product_ids = write_products(plan.products, classes, categories)
        partners = write_merchants(plan, communities)
        write_hours(plan, partners)
        write_listings(plan, partners, product_ids)
        write_slots(partners)
        points = write_points(plan, partners, communities)
        write_point_stock(plan, partners, points)
        users = write_users(plan)
        write_addresses(plan, users, communities)
        write_couriers(plan, users, points)
        write_roles(plan, users, partners)
        portal.write_for_plan(plan, users, partners)  # the merchant portal's demo (shop/demo/portal.py)
        frontline.write_frontline(users=users, partners=partners, points=points)
        community_pages.write_pages(plan, users, partners)
        refresh_category_view()


def database_digest() -> str:
    """The merchant digest of what the database holds (compare with plan.plan_digest)."""
    rows = Partner.objects.filter(code__startswith=DEMO_MERCHANT_PREFIX).values_list(
        "code", "name", "format_id", "lat", "lng"
    )
    return merchant_digest(rows)


def counts() -> list[tuple[str, int]]:
    """Rows per model, for the summary."""
    return [
        ("业态 BusinessFormat", BusinessFormat.objects.count()),
        ("社区 Community", Community.objects.count()),
        ("标准地址 StandardAddress", StandardAddress.objects.count()),
        ("居民地址 ResidentAddress", ResidentAddress.objects.count()),
        ("商户 Partner", Partner.objects.count()),
        ("营业时间 OpeningPeriod", OpeningPeriod.objects.count()),
        ("特殊营业日 OpeningException", OpeningException.objects.count()),
        ("类目 Category", Category.objects.count()),
        ("商品类型 ProductClass", ProductClass.objects.count()),
        ("商品 Product", Product.objects.count()),
        ("预约时段 Slot", Slot.objects.count()),
        ("在售商品 StockRecord", StockRecord.objects.count()),
        ("履约点 FulfilmentPoint", FulfilmentPoint.objects.count()),
        ("履约点库存 PointStock", PointStock.objects.count()),
        ("骑手 Courier", Courier.objects.count()),
        *frontline.counts(),
        ("用户 User", User.objects.count()),
    ]
