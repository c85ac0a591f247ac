"""The demo as a plan: plain dataclasses computed from a seed, with no database access.

`make_plan(seed, formats)` is deterministic: the same seed and formats give the same plan,
byte for byte (every random draw comes from a `random.Random` seeded from the seed and the
part of the plan it serves, so editing one part of the data does not reshuffle the others).
`builder.write_plan` then upserts the plan into the database by natural keys.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from shop.core.geo import EARTH_RADIUS_M, haversine_m

from . import catalogue, district, merchants, people

DEFAULT_SEED = 15
WALK_15_MIN_M = 15 * 72.0 / 1.25  # 864 m: see communities.circle and the reference README
METRES_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180


def rng_for(seed: int, part: str) -> random.Random:
    """An independent, reproducible random stream for one part of the plan."""
    return random.Random(f"load_demo:{seed}:{part}")


def offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point north_m metres north and east_m metres east of (lat, lng)."""
    dlat = north_m / METRES_PER_DEG_LAT
    dlng = east_m / (METRES_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def weighted(rng: random.Random, pairs):
    """Pick from (item, weight) pairs."""
    items, weights = zip(*pairs, strict=False)
    return rng.choices(items, weights=weights, k=1)[0]


# --- the plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatInfo:
    code: str
    name_zh: str
    tier: str


@dataclass
class CommunityPlan:
    spec: district.CommunitySpec
    boundary: dict
    centroid_lat: float
    centroid_lng: float
    population: int
    compound_anchors: dict[str, tuple[float, float]]

    @property
    def short_name(self) -> str:
        return self.spec.name.removesuffix("社区")


@dataclass
class ListingPlan:
    upc: str
    price: Decimal
    num_in_stock: int | None

    @property
    def partner_sku(self) -> str:
        return self.upc


@dataclass
class MerchantPlan:
    code: str
    name: str
    format_code: str
    community_slug: str
    address: str
    lat: float
    lng: float
    phone: str
    description: str
    delivery: str
    service_radius_m: int | None
    service_area: dict | None
    is_chain: bool
    brand: str
    licence_verified: bool
    rating: Decimal
    periods: list[tuple[int, str, str]]
    exceptions: list[tuple[str, bool, str | None, str | None, str]]  # date, closed, opens, closes, note
    listings: list[ListingPlan]

    @property
    def delivers(self) -> bool:
        return self.delivery != "none"


@dataclass
class PointPlan:
    kind: str  # store / front_warehouse / pickup_station / locker
    name: str
    merchant_code: str | None
    community_slug: str
    address: str
    lat: float
    lng: float
    capacity_per_hour: int
    opens: str
    closes: str
    stock: list[tuple[str, int]] = field(default_factory=list)  # (owner's partner_sku, units) on its shelves


@dataclass
class AddressPlan:
    code: str
    community_slug: str
    compound: str
    building: str
    unit: str
    room: str
    lat: float
    lng: float


@dataclass
class UserPlan:
    mobile: str
    last_name: str
    first_name: str
    password: str
    role: str = "resident"  # resident / courier / a DemoUser role
    addresses: list[tuple[str, str, bool]] = field(default_factory=list)  # (address code, recipient, default)


@dataclass
class CourierPlan:
    mobile: str
    name: str
    vehicle: str
    status: str
    capacity: int
    home_point: tuple[str, str]  # (kind, name) of a PointPlan
    last_lat: float
    last_lng: float


@dataclass
class Plan:
    seed: int
    communities: list[CommunityPlan]
    products: list[catalogue.ProductSpec]
    merchants: list[MerchantPlan]
    points: list[PointPlan]
    addresses: list[AddressPlan]
    users: list[UserPlan]
    couriers: list[CourierPlan]
    staff_merchant_code: str  # the merchant the demo merchant user works for

    @property
    def listing_count(self) -> int:
        return sum(len(m.listings) for m in self.merchants)


# --- communities -------------------------------------------------------------------------


def _plan_communities(seed: int) -> list[CommunityPlan]:
    rng = rng_for(seed, "communities")
    specs = district.COMMUNITIES
    plans = []
    for spec in specs:
        nearest = min(haversine_m(spec.lat, spec.lng, o.lat, o.lng) for o in specs if o is not spec)
        # vertices stay within 1.1 × radius, and radius ≤ 0.45 × the nearest neighbour: no overlaps
        radius = min(spec.radius_m, 0.45 * nearest)
        stretch = rng.uniform(0.8, 1.2)
        vertices = []
        n = 10
        for k in range(n):
            angle = 2 * math.pi * (k + rng.uniform(-0.25, 0.25)) / n
            r = radius * rng.uniform(0.8, 1.1)
            north, east = r * math.cos(angle), r * math.sin(angle)
            if stretch >= 1:
                east *= 1 / stretch
            else:
                north *= stretch
            lat, lng = offset(spec.lat, spec.lng, north, east)
            vertices.append([lng, lat])
        vertices.reverse()  # counter-clockwise exterior ring, as RFC 7946 asks
        vertices.append(vertices[0])
        boundary = {"type": "Polygon", "coordinates": [vertices]}
        polygon = shape(boundary)
        assert polygon.is_valid, spec.slug
        centroid = polygon.centroid
        anchors = {}
        for compound in spec.compounds:
            anchors[compound] = _random_point_in(rng, polygon, centroid.y, centroid.x, radius * 0.7)
        population = round(spec.households * rng.uniform(2.45, 2.75))
        plans.append(CommunityPlan(spec, boundary, round(centroid.y, 6), round(centroid.x, 6), population, anchors))
    return plans


def _random_point_in(rng: random.Random, polygon, lat: float, lng: float, spread_m: float) -> tuple[float, float]:
    for _ in range(200):
        p_lat, p_lng = offset(lat, lng, rng.uniform(-spread_m, spread_m), rng.uniform(-spread_m, spread_m))
        if polygon.covers(Point(p_lng, p_lat)):
            return p_lat, p_lng
    return round(lat, 6), round(lng, 6)


def _community_for(communities: list[CommunityPlan], lat: float, lng: float) -> CommunityPlan:
    """The community whose boundary holds the point, else the one with the nearest centre."""
    point = Point(lng, lat)
    for community in communities:
        if shape(community.boundary).covers(point):
            return community
    return min(communities, key=lambda c: haversine_m(lat, lng, c.centroid_lat, c.centroid_lng))


# --- merchants ---------------------------------------------------------------------------


def retail_price(value: float) -> Decimal:
    """A shelf price: 3.6, 12.5, 29.9, 159."""
    if value < 1:
        price = max(Decimal("0.1"), Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    elif value < 10:
        price = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    elif value < 100:
        price = (Decimal(str(value)) * 2).quantize(Decimal("1"), ROUND_HALF_UP) / 2
        if price == price.to_integral_value() and price > 20:
            price -= Decimal("0.1")
    else:
        price = Decimal(str(value)).quantize(Decimal("1"), ROUND_HALF_UP)
        if price % 10 == 0:
            price -= 1
    return price.quantize(Decimal("0.01"))


PRICE_BANDS = {
    "supermarket": (0.85, 1.02),
    "front_warehouse": (0.85, 1.0),
    "wet_market": (0.85, 1.05),
    "convenience_store": (1.0, 1.2),
}
DEFAULT_PRICE_BAND = (0.92, 1.12)


class _MerchantPlanner:
    def __init__(self, seed: int, formats: list[FormatInfo], communities: list[CommunityPlan]):
        self.rng = rng_for(seed, "merchants")
        self.listing_rng = rng_for(seed, "listings")
        self.formats = formats
        self.communities = communities
        self.names: set[str] = set()
        self.chain_prices: dict[tuple[str, str], Decimal] = {}

    # where

    def _gap_ok(self, format_code: str, lat: float, lng: float) -> bool:
        return all(
            haversine_m(lat, lng, c.centroid_lat, c.centroid_lng) > WALK_15_MIN_M
            for c in self.communities
            if format_code in c.spec.gaps
        )

    def _place(self, format_code: str, profile: merchants.FormatProfile, near: CommunityPlan | None = None):
        """(lat, lng, road, address, market) for a new merchant of the format.

        `near` puts it by a compound gate of that community (falling back to the format's usual
        placement when every spot there lies within a 15-minute walk of a declared gap)."""
        rng = self.rng
        for attempt in range(300):
            market = None
            placement = "community" if near is not None and attempt < 40 else profile.placement
            if placement == "market":
                spec = rng.choice(district.WET_MARKETS)
                stall = rng.randint(1, 60)
                market = (spec, stall)
                lat, lng = offset(spec.lat, spec.lng, rng.gauss(0, 12), rng.gauss(0, 12))
                road, address = spec.name, f"{spec.name}{stall}号摊位"
            elif placement == "community":
                if near is not None and attempt < 40:
                    community = near
                else:
                    community = weighted(rng, [(c, c.spec.households) for c in self.communities])
                compound = rng.choice(community.spec.compounds)
                a_lat, a_lng = community.compound_anchors[compound]
                lat, lng = offset(a_lat, a_lng, rng.gauss(0, 60), rng.gauss(0, 60))
                road = rng.choice(community.spec.roads)
                address = f"{road}{rng.randint(1, 120)}号{compound}{rng.randint(1, 20)}栋底商"
            else:
                street = weighted(
                    rng, [(s, s.weight * s.mix.get(format_code, 1.0)) for s in district.COMMERCIAL_STREETS]
                )
                t = rng.random()
                lat = street.start[0] + t * (street.end[0] - street.start[0])
                lng = street.start[1] + t * (street.end[1] - street.start[1])
                # off the street line: shop fronts sit within a few dozen metres, warehouses behind
                if format_code == "front_warehouse":
                    aside = rng.uniform(80, 200) * rng.choice((-1, 1))
                else:
                    aside = rng.gauss(0, 20)
                dn, de = street.end[0] - street.start[0], street.end[1] - street.start[1]
                norm = math.hypot(dn, de) or 1.0
                lat, lng = offset(lat, lng, -de / norm * aside, dn / norm * aside)
                road, address = street.name, f"{street.name}{rng.randint(1, 320)}号"
            if self._gap_ok(format_code, lat, lng):
                return lat, lng, road, address, market
        raise RuntimeError(f"cannot place a {format_code} merchant outside every community's declared gaps")

    # who

    def _name(self, fmt: FormatInfo, variant: merchants.Variant, brand: str, road: str,
              community: CommunityPlan, market) -> str:
        rng = self.rng
        compound = rng.choice(community.spec.compounds)
        if brand:
            suffix = "站" if fmt.code == "front_warehouse" else "店"
            for place in (road, community.short_name, compound, f"{road}{rng.randint(2, 9)}号"):
                name = f"{brand}({place}{suffix})"
                if name not in self.names:
                    return name
        for _ in range(30):
            pattern = rng.choice(variant.names)
            name = pattern.format(surname=rng.choice(people.SURNAMES), road=road, community=community.short_name,
                                  compound=compound, format=fmt.name_zh)
            if market is not None:
                spec, stall = market
                name = f"{name}({spec.name}{stall}号摊)"
            if name not in self.names:
                return name
        return f"{name}({road}{rng.randint(1, 99)}号)"

    def _phone(self, market) -> str:
        rng = self.rng
        if market is not None:  # stall holders give their mobile
            return f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
        return f"025-{rng.choice(merchants.PHONE_PREFIXES)}{rng.randint(0, 9999):04d}"

    # when

    def _hours(self, profile: merchants.FormatProfile, is_chain: bool) -> list[tuple[int, str, str]]:
        rng = self.rng
        choices = profile.chain_hours if is_chain and profile.chain_hours else profile.hours
        key = weighted(rng, choices)
        closed_monday = not is_chain and rng.random() < profile.monday_closed_share
        periods = []
        for days, opens, closes in merchants.HOURS[key]:
            for day in days:
                if closed_monday and day == 0:
                    continue
                periods.append((day, opens, closes))
        return sorted(periods)

    def _exceptions(self, is_chain: bool, services: bool) -> list[tuple[str, bool, str | None, str | None, str]]:
        rng = self.rng
        rows = []
        if is_chain:
            if rng.random() < 0.5:
                date, note = merchants.SPRING_FESTIVAL_EVE
                rows.append((date, False, "08:00", "17:00", f"{note}提前打烊"))
        elif rng.random() < 0.6:
            date, note = merchants.SPRING_FESTIVAL_EVE
            rows.append((date, True, None, None, f"{note}休息"))
            for date, note in merchants.SPRING_FESTIVAL[: rng.randint(1, 3)]:
                rows.append((date, True, None, None, f"{note}休息"))
        if services and rng.random() < 0.3:
            date, note = rng.choice(merchants.OTHER_HOLIDAYS)
            rows.append((date, True, None, None, f"{note}休息"))
        return sorted(set(rows))

    # how far

    def _reach(self, profile, variant, is_service: bool, lat: float, lng: float):
        rng = self.rng
        delivery = weighted(rng, variant.delivery or profile.delivery)
        if delivery == "none":
            return delivery, None, None
        low, high = merchants.SERVICE_RADIUS_M["service" if is_service else delivery]
        radius = int(round(rng.uniform(low, high), -2))
        area = None
        if rng.random() < merchants.SERVICE_AREA_POLYGON_SHARE:
            nearest = sorted(self.communities, key=lambda c: haversine_m(lat, lng, c.centroid_lat, c.centroid_lng))
            served = [shape(c.boundary) for c in nearest[: rng.randint(2, 3)]]
            hull = orient(unary_union([*served, MultiPoint([(lng, lat)]).buffer(0.0005)]).convex_hull, sign=1.0)
            coordinates = [[round(x, 6), round(y, 6)] for x, y in mapping(hull)["coordinates"][0]]
            area = {"type": "Polygon", "coordinates": [coordinates]}
        return delivery, radius, area

    # what

    def _listings(self, fmt: FormatInfo, profile, variant, brand: str) -> list[ListingPlan]:
        rng = self.listing_rng
        pool = catalogue.products_in(*variant.pools) if variant.pools else ()
        low, high = profile.listings
        count = min(len(pool), rng.randint(low, high)) if pool else 0
        chosen = sorted(rng.sample(range(len(pool)), count))
        band = PRICE_BANDS.get(fmt.code, DEFAULT_PRICE_BAND)
        rows = []
        for index in chosen:
            product = pool[index]
            if brand:  # a chain charges the same in every one of its shops
                key = (brand, product.upc)
                if key not in self.chain_prices:
                    self.chain_prices[key] = retail_price(float(product.price) * rng.uniform(*band))
                price = self.chain_prices[key]
            else:
                price = retail_price(float(product.price) * rng.uniform(*band))
            if product.kind == catalogue.SERVICE:
                stock = None
            elif product.kind == catalogue.FRESH:
                stock = rng.randint(8, 60)
            else:
                stock = rng.randint(6, 120)
            rows.append(ListingPlan(product.upc, price, stock))
        return rows

    def plan(self) -> list[MerchantPlan]:
        rng = self.rng
        plans = []
        for fmt in self.formats:
            profile = merchants.PROFILES.get(fmt.code, merchants.DEFAULT_PROFILE)
            covered = []
            if profile.coverage:
                covered = [c for c in self.communities if fmt.code not in c.spec.gaps]
                rng.shuffle(covered)
            for k in range(1, profile.count + 1):
                variant = weighted(rng, [(v, v.weight) for v in profile.variants])
                is_chain = bool(variant.brands) and rng.random() < variant.chain_share
                brand = rng.choice(variant.brands) if is_chain else ""
                near = covered[k - 1] if k <= len(covered) else None
                lat, lng, road, address, market = self._place(fmt.code, profile, near)
                community = _community_for(self.communities, lat, lng)
                name = self._name(fmt, variant, brand, road, community, market)
                self.names.add(name)
                is_service = bool(variant.pools) and all(
                    p.kind == catalogue.SERVICE for p in catalogue.products_in(*variant.pools)
                )
                delivery, radius, area = self._reach(profile, variant, is_service, lat, lng)
                plans.append(MerchantPlan(
                    code=f"gl-{fmt.code.replace('_', '-')}-{k:02d}",
                    name=name,
                    format_code=fmt.code,
                    community_slug=community.spec.slug,
                    address=f"{district.DISTRICT}{address}",
                    lat=lat,
                    lng=lng,
                    phone=self._phone(market),
                    description=profile.description,
                    delivery=delivery,
                    service_radius_m=radius,
                    service_area=area,
                    is_chain=is_chain,
                    brand=brand,
                    licence_verified=is_chain or rng.random() < 0.85,
                    rating=Decimal(str(round(rng.triangular(3.5, 5.0, 4.6), 1))),
                    periods=self._hours(profile, is_chain),
                    exceptions=self._exceptions(is_chain, is_service),
                    listings=self._listings(fmt, profile, variant, brand),
                ))
        return plans


# --- fulfilment points, people -------------------------------------------------------------


def _day_span(periods: list[tuple[int, str, str]]) -> tuple[str, str]:
    """Opening and closing time of a merchant's usual day, for its store fulfilment point."""
    if not periods:
        return "08:00", "20:00"
    opens = min(p[1] for p in periods)
    closes_list = [p[2] for p in periods]
    late = [c for c in closes_list if c <= opens]  # runs past midnight
    return opens, (max(late) if late else max(closes_list))


PICKUP_SUFFIX = "服务中心自提点"
LOCKER_PREFIX = "智能取件柜("


def _plan_points(seed: int, communities: list[CommunityPlan], merchant_plans: list[MerchantPlan]) -> list[PointPlan]:
    rng = rng_for(seed, "points")
    points = []
    for m in merchant_plans:
        if not m.delivers:
            continue
        opens, closes = _day_span(m.periods)
        if m.format_code == "front_warehouse":
            kind, capacity = "front_warehouse", rng.randint(60, 120)
        else:
            kind, capacity = "store", rng.randint(8, 30)
        points.append(PointPlan(kind, m.name, m.code, m.community_slug, m.address, m.lat, m.lng, capacity, opens, closes))
    # supermarket chains run a front warehouse or two for online orders
    chains = [m for m in merchant_plans if m.format_code == "supermarket" and m.is_chain]
    for i, owner in enumerate(chains[:2]):
        candidates = [c for c in communities if "front_warehouse" not in c.spec.gaps and c.spec.slug != owner.community_slug]
        community = candidates[(i * 5 + rng.randint(0, 3)) % len(candidates)]
        lat, lng = offset(community.centroid_lat, community.centroid_lng, rng.uniform(-250, 250), rng.uniform(-250, 250))
        road = rng.choice(community.spec.roads)
        points.append(PointPlan(
            "front_warehouse", f"{owner.brand}到家前置仓({community.short_name})", owner.code, community.spec.slug,
            f"{district.DISTRICT}{road}{rng.randint(1, 200)}号", lat, lng, rng.randint(60, 120), "07:00", "23:00",
        ))
    for community in communities:
        spec = community.spec
        lat, lng = offset(community.centroid_lat, community.centroid_lng, rng.gauss(0, 40), rng.gauss(0, 40))
        points.append(PointPlan(
            "pickup_station", f"{spec.name}{PICKUP_SUFFIX}", None, spec.slug,
            f"{district.DISTRICT}{spec.roads[0]}{rng.randint(1, 99)}号", lat, lng, 40, "08:00", "20:00",
        ))
        for compound in rng.sample(spec.compounds, rng.randint(1, 2)):
            building = rng.randint(1, 20)
            lat, lng = community.compound_anchors[compound]
            points.append(PointPlan(
                "locker", f"{LOCKER_PREFIX}{compound}{building}栋)", None, spec.slug,
                f"{district.DISTRICT}{compound}{building}栋楼下", lat, lng, 60, "00:00", "23:59",
            ))
    assert len({(p.kind, p.name) for p in points}) == len(points), "fulfilment point names must be unique"
    _stock_warehouses(seed, points, merchant_plans)
    return points


def _stock_warehouses(seed: int, points: list[PointPlan], merchant_plans: list[MerchantPlan]) -> None:
    """Put goods on the front warehouses' shelves (PointStock; a store needs none). A warehouse
    business's own warehouse is its only premises: it holds all its goods, as its listings say.
    A supermarket chain's 到家 warehouse holds 40-70 % of the chain's goods, a few days' worth."""
    rng = rng_for(seed, "point-stock")
    owners = {m.code: m for m in merchant_plans}
    for point in points:
        if point.kind != "front_warehouse":
            continue
        owner = owners[point.merchant_code]
        goods = [listing for listing in owner.listings if listing.num_in_stock is not None]
        if owner.format_code == "front_warehouse":
            point.stock = [(listing.partner_sku, listing.num_in_stock) for listing in goods]
        else:
            chosen = sorted(rng.sample(range(len(goods)), round(len(goods) * rng.uniform(0.4, 0.7))))
            point.stock = [(goods[i].partner_sku, rng.randint(6, 40)) for i in chosen]


RESIDENT_COUNT = 100
DEMO_RESIDENT_HOME = "gulou-shanxilu"
DEMO_RESIDENT_PARENTS = "gulou-yihelu"  # a community with gaps, to show on the bureau dashboard
COURIER_COUNT = 40


def _plan_people(seed: int, communities: list[CommunityPlan], points: list[PointPlan]):
    rng = rng_for(seed, "people")
    addresses: dict[str, AddressPlan] = {}
    polygons = {c.spec.slug: shape(c.boundary) for c in communities}

    def new_address(community: CommunityPlan, compound: str | None = None) -> AddressPlan:
        c_index = communities.index(community) + 1
        while True:
            compound_name = compound or rng.choice(community.spec.compounds)
            k_index = community.spec.compounds.index(compound_name) + 1
            building, unit = rng.randint(1, 30), rng.randint(1, 4)
            room = f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
            code = f"{district.DISTRICT_CODE}{c_index:02d}{k_index:02d}{building:03d}{unit}{int(room):04d}"
            if code not in addresses:
                break
        a_lat, a_lng = community.compound_anchors[compound_name]
        lat, lng = _random_point_in(rng, polygons[community.spec.slug], a_lat, a_lng, 60)
        address = AddressPlan(code, community.spec.slug, compound_name, str(building), str(unit), room, lat, lng)
        addresses[code] = address
        return address

    # the standard address register: a few entries in every compound
    for community in communities:
        for compound in community.spec.compounds:
            for _ in range(3):
                new_address(community, compound)

    users: list[UserPlan] = []
    by_slug = {c.spec.slug: c for c in communities}
    for demo in people.DEMO_USERS:
        user = UserPlan(demo.mobile, demo.last_name, demo.first_name, demo.password, demo.role)
        if demo.role == "resident":
            home = new_address(by_slug[DEMO_RESIDENT_HOME])
            parents = new_address(by_slug[DEMO_RESIDENT_PARENTS])
            user.addresses = [(home.code, f"{demo.last_name}{demo.first_name}", True),
                              (parents.code, f"{demo.last_name}{demo.first_name}({people.RELATIVES[0]})", False)]
        users.append(user)

    pairs = [(c, c.spec.households) for c in communities]
    for i in range(1, RESIDENT_COUNT + 1):
        last, first = rng.choice(people.SURNAMES), rng.choice(people.GIVEN_NAMES)
        user = UserPlan(f"{people.RESIDENT_MOBILE_PREFIX}{i:04d}", last, first, people.GENERATED_USER_PASSWORD)
        home = new_address(weighted(rng, pairs))
        user.addresses.append((home.code, f"{last}{first}", True))
        if rng.random() < 0.2:
            other = weighted(rng, [(c, w) for c, w in pairs if c.spec.slug != home.community_slug])
            relative = rng.choice(people.RELATIVES)
            user.addresses.append((new_address(other).code, f"{last}{first}({relative})", False))
        users.append(user)

    hubs = [p for p in points if p.kind == "front_warehouse"]
    stations = [p for p in points if p.kind == "pickup_station"]
    stores = [p for p in points if p.kind == "store"]
    couriers = []
    vehicles = (("ebike", 0.7), ("tricycle", 0.1), ("bicycle", 0.1), ("foot", 0.1))
    capacities = {"ebike": (3, 5), "tricycle": (6, 8), "bicycle": (2, 3), "foot": (1, 2)}
    for i in range(1, COURIER_COUNT + 1):
        demo = next((d for d in people.DEMO_USERS if d.role == "courier"), None) if i == 1 else None
        if demo:
            mobile, last, first = demo.mobile, demo.last_name, demo.first_name
            home = hubs[0] if hubs else stations[0]
            vehicle, status = "ebike", "available"
        else:
            mobile = f"{people.COURIER_MOBILE_PREFIX}{i:04d}"
            last, first = rng.choice(people.SURNAMES), rng.choice(people.GIVEN_NAMES)
            group = weighted(rng, [(hubs, 0.5 if hubs else 0), (stations, 0.3), (stores, 0.2 if stores else 0)])
            home = rng.choice(group)
            vehicle = weighted(rng, vehicles)
            status = "available" if rng.random() < 0.6 else "offline"
            users.append(UserPlan(mobile, last, first, people.GENERATED_USER_PASSWORD, "courier"))
        lat, lng = offset(home.lat, home.lng, rng.gauss(0, 150), rng.gauss(0, 150))
        couriers.append(CourierPlan(mobile, f"{last}{first}", vehicle, status, rng.randint(*capacities[vehicle]),
                                    (home.kind, home.name), lat, lng))
    return list(addresses.values()), users, couriers


# --- the whole plan --------------------------------------------------------------------------


def make_plan(seed: int, formats: list[FormatInfo]) -> Plan:
    communities = _plan_communities(seed)
    merchant_plans = _MerchantPlanner(seed, formats, communities).plan()
    points = _plan_points(seed, communities, merchant_plans)
    addresses, users, couriers = _plan_people(seed, communities, points)
    # the demo merchant user works at the delivering convenience store nearest the demo resident
    home = next(c for c in communities if c.spec.slug == DEMO_RESIDENT_HOME)
    shops = [m for m in merchant_plans if m.format_code == "convenience_store" and m.delivers and m.listings]
    staff_merchant = min(
        shops or merchant_plans, key=lambda m: haversine_m(home.centroid_lat, home.centroid_lng, m.lat, m.lng)
    )
    listed = {listing.upc for m in merchant_plans for listing in m.listings}
    products = [p for p in catalogue.PRODUCTS if p.upc in listed]
    return Plan(seed, communities, products, merchant_plans, points, addresses, users, couriers, staff_merchant.code)


def merchant_digest(rows) -> str:
    """A digest of (code, name, format, lat, lng) rows: equal digests, equal merchants."""
    text = "\n".join(f"{code}|{name}|{fmt}|{lat:.6f}|{lng:.6f}" for code, name, fmt, lat, lng in sorted(rows))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_digest(plan: Plan) -> str:
    return merchant_digest((m.code, m.name, m.format_code, m.lat, m.lng) for m in plan.merchants)
