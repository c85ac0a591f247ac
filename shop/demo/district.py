"""The demo district: Nanjing's inner 鼓楼区, its street offices (街道), communities (社区),
commercial streets and wet markets.

Centres and street lines sit at the real places (WGS 84, to within a hundred metres or so);
community names are plausible rather than an official register, and the households are
rounded figures of the right size. The boundaries are drawn by the builder around each centre.
"""

from dataclasses import dataclass, field

CITY = "南京市"
DISTRICT = "鼓楼区"
DISTRICT_CODE = "320106"  # the administrative division code of 鼓楼区, 南京
CENTRE = (32.0600, 118.7700)


@dataclass(frozen=True)
class CommunitySpec:
    slug: str
    name: str
    street: str  # 街道 (street office)
    lat: float
    lng: float
    households: int
    roads: tuple[str, ...]  # the roads inside the community, for addresses
    compounds: tuple[str, ...]  # residential compounds (小区)
    demonstration: str = "none"  # none / provincial / national
    pilot_year: int | None = None
    radius_m: int = 300  # rough half-width of the community
    # Basic formats the community lacks within a 15-minute walk, by construction:
    # the builder never places a merchant of these formats within 864 m of its centre.
    gaps: tuple[str, ...] = ()


COMMUNITIES: tuple[CommunitySpec, ...] = (
    CommunitySpec(
        slug="gulou-shanxilu", name="山西路社区", street="湖南路街道", lat=32.0695, lng=118.7742,
        households=5200, roads=("山西路", "云南路", "湖南路"),
        compounds=("山西路小区", "云南北路小区", "虹桥新村", "湖南路12号大院"),
        demonstration="national", pilot_year=2022, radius_m=320,
    ),
    CommunitySpec(
        slug="gulou-matai", name="马台街社区", street="湖南路街道", lat=32.0738, lng=118.7832,
        households=4300, roads=("马台街", "高云岭", "青石村"),
        compounds=("马台街小区", "高云岭小区", "青石村小区"),
        demonstration="provincial", pilot_year=2023, radius_m=300,
    ),
    CommunitySpec(
        slug="gulou-yihelu", name="颐和路社区", street="宁海路街道", lat=32.0628, lng=118.7628,
        households=2100, roads=("颐和路", "江苏路", "琅琊路", "赤壁路"),
        compounds=("颐和路公馆区", "江苏路小区", "琅琊路小区"),
        radius_m=340,
        # a quiet historic villa quarter: no market stalls or greengrocers, no recycling point
        gaps=("wet_market", "fresh_grocery", "recycling"),
    ),
    CommunitySpec(
        slug="gulou-beijingxilu", name="北京西路社区", street="宁海路街道", lat=32.0572, lng=118.7715,
        households=4800, roads=("北京西路", "西康路", "天竺路"),
        compounds=("北京西路小区", "西康新村", "天竺路小区", "省级机关宿舍"),
        demonstration="provincial", pilot_year=2024, radius_m=280,
    ),
    CommunitySpec(
        slug="gulou-wutaishan", name="五台山社区", street="华侨路街道", lat=32.0512, lng=118.7748,
        households=5600, roads=("五台山", "上海路", "永庆巷"),
        compounds=("五台山小区", "上海路小区", "永庆巷小区", "随园新村"),
        demonstration="national", pilot_year=2023, radius_m=300,
    ),
    CommunitySpec(
        slug="gulou-longcangxiang", name="龙仓巷社区", street="华侨路街道", lat=32.0478, lng=118.7838,
        households=3900, roads=("龙仓巷", "华侨路", "管家桥"),
        compounds=("龙仓巷小区", "华侨路小区", "管家桥小区"),
        radius_m=260,
    ),
    CommunitySpec(
        slug="gulou-fujianlu", name="福建路社区", street="中央门街道", lat=32.0822, lng=118.7778,
        households=6800, roads=("福建路", "黄家圩", "三步两桥"),
        compounds=("福建路小区", "黄家圩小区", "三步两桥新村", "工人新村"),
        demonstration="provincial", pilot_year=2025, radius_m=340,
    ),
    CommunitySpec(
        slug="gulou-xinmenkou", name="新门口社区", street="中央门街道", lat=32.0880, lng=118.7880,
        households=4500, roads=("新门口", "中央北路", "建宁路"),
        compounds=("新门口小区", "中央北路小区", "建宁路小区"),
        radius_m=300,
        gaps=("housekeeping", "photo_print"),
    ),
    CommunitySpec(
        slug="gulou-longjiang", name="龙江社区", street="江东街道", lat=32.0560, lng=118.7408,
        households=7000, roads=("江东北路", "清凉门大街", "龙园西路"),
        compounds=("龙江小区", "阳光广场小区", "龙园北路小区", "清江花苑"),
        demonstration="national", pilot_year=2022, radius_m=360,
        # a newer estate: the cobbler, the key cutter and the dry-cleaner never moved in
        gaps=("repair", "laundry"),
    ),
    CommunitySpec(
        slug="gulou-fenghuangxijie", name="凤凰西街社区", street="凤凰街道", lat=32.0472, lng=118.7522,
        households=5100, roads=("凤凰西街", "草场门大街", "汉中门大街"),
        compounds=("凤凰花园城", "凤凰西街小区", "草场门小区"),
        radius_m=300,
    ),
    CommunitySpec(
        slug="gulou-jiangjiawei", name="姜家圩社区", street="挹江门街道", lat=32.0792, lng=118.7585,
        households=3600, roads=("姜家圩", "中山北路", "察哈尔路"),
        compounds=("姜家圩小区", "察哈尔路小区", "萨家湾小区"),
        radius_m=280,
    ),
    CommunitySpec(
        slug="gulou-shangbujie", name="商埠街社区", street="热河南路街道", lat=32.0915, lng=118.7432,
        households=3000, roads=("商埠街", "大马路", "热河南路"),
        compounds=("商埠街小区", "大马路老宅区", "热河南路小区"),
        radius_m=280,
        gaps=("front_warehouse", "pharmacy"),
    ),
)


@dataclass(frozen=True)
class StreetSpec:
    """A commercial street: shops line it between two points (lat, lng)."""

    name: str
    start: tuple[float, float]
    end: tuple[float, float]
    weight: float = 1.0  # how much commerce the street draws
    # multipliers for particular formats (default 1): 湖南路 draws cafés and restaurants
    mix: dict[str, float] = field(default_factory=dict)


COMMERCIAL_STREETS: tuple[StreetSpec, ...] = (
    StreetSpec("湖南路", (32.0676, 118.7835), (32.0690, 118.7748), 2.0,
               {"specialty_restaurant": 3, "tea_coffee": 3, "bakery": 2, "hair_beauty": 2, "gym": 2, "bookstore": 2}),
    StreetSpec("山西路", (32.0650, 118.7736), (32.0722, 118.7734), 1.5, {"supermarket": 2, "pharmacy": 2}),
    StreetSpec("中央路", (32.0640, 118.7822), (32.0780, 118.7848), 1.5, {"specialty_restaurant": 2}),
    StreetSpec("宁海路", (32.0580, 118.7690), (32.0650, 118.7668), 1.0, {"tea_coffee": 2, "photo_print": 2, "education": 2}),
    StreetSpec("北京西路", (32.0590, 118.7775), (32.0594, 118.7665), 0.8, {"pharmacy": 2}),
    StreetSpec("上海路", (32.0480, 118.7772), (32.0580, 118.7748), 1.5,
               {"tea_coffee": 3, "bookstore": 3, "specialty_restaurant": 2, "flowers_gifts": 2}),
    StreetSpec("广州路", (32.0535, 118.7822), (32.0525, 118.7700), 1.0, {"education": 2, "photo_print": 2}),
    StreetSpec("汉中路", (32.0450, 118.7805), (32.0445, 118.7700), 1.0, {"supermarket": 2, "travel": 2}),
    StreetSpec("草场门大街", (32.0555, 118.7560), (32.0530, 118.7425), 1.2, {"supermarket": 2, "gym": 2}),
    StreetSpec("凤凰西街", (32.0468, 118.7470), (32.0500, 118.7565), 1.0, {"breakfast": 2}),
    StreetSpec("江东北路", (32.0480, 118.7382), (32.0640, 118.7398), 1.0, {"front_warehouse": 2}),
    StreetSpec("福建路", (32.0780, 118.7742), (32.0852, 118.7792), 1.2, {"breakfast": 2, "repair": 2}),
    StreetSpec("建宁路", (32.0885, 118.7870), (32.0892, 118.7765), 0.8, {"repair": 2, "recycling": 2}),
    StreetSpec("中山北路", (32.0700, 118.7690), (32.0830, 118.7560), 1.0, {"wellness": 2}),
    StreetSpec("三牌楼大街", (32.0752, 118.7652), (32.0812, 118.7640), 0.8, {"breakfast": 2}),
    StreetSpec("热河路", (32.0890, 118.7480), (32.0960, 118.7420), 0.8, {"specialty_restaurant": 2}),
    StreetSpec("大马路", (32.0930, 118.7395), (32.0905, 118.7452), 0.6, {"travel": 2, "tea_coffee": 1.5}),
)


@dataclass(frozen=True)
class MarketSpec:
    """A wet market (菜场): its stalls are merchants of the wet_market format."""

    name: str
    lat: float
    lng: float


WET_MARKETS: tuple[MarketSpec, ...] = (
    MarketSpec("虹桥菜场", 32.0712, 118.7762),
    MarketSpec("三牌楼农贸市场", 32.0785, 118.7655),
    MarketSpec("广州路菜场", 32.0522, 118.7728),
    MarketSpec("凤凰菜场", 32.0490, 118.7520),
    MarketSpec("中央门农贸市场", 32.0858, 118.7822),
    MarketSpec("热河南路菜场", 32.0902, 118.7462),
    MarketSpec("龙江菜场", 32.0602, 118.7392),
)
