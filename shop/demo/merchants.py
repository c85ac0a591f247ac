"""How the demo's merchants look, format by format: how many there are, where they sit,
what they are called, when they open, whether they deliver and what they sell.

Keys are BusinessFormat codes. The builder reads the formats from the database; a format
missing here gets a small generic profile, so a format added to formats.csv still shows up.

Name patterns may use {surname}, {road}, {community} (without 社区) and {compound}.
A chain shop is called "<brand>(<road or community>店)".
"""

from dataclasses import dataclass

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
TUE_TO_SUN = (1, 2, 3, 4, 5, 6)
MON_TO_SAT = (0, 1, 2, 3, 4, 5)
MON_TO_FRI = (0, 1, 2, 3, 4)

# Weekly hours: (weekdays, opens, closes). A period whose close is not after its open runs past
# midnight; "00:00"-"23:59" is the whole day.
HOURS: dict[str, tuple[tuple[tuple[int, ...], str, str], ...]] = {
    "24h": ((ALL_DAYS, "00:00", "23:59"),),
    "convenience": ((ALL_DAYS, "07:00", "23:00"),),
    "late_night": ((ALL_DAYS, "07:00", "01:00"),),
    "supermarket": ((ALL_DAYS, "08:00", "22:00"),),
    "market_stall": ((ALL_DAYS, "05:30", "18:30"),),
    "market_morning": ((ALL_DAYS, "05:30", "12:30"),),
    "grocer": ((ALL_DAYS, "07:00", "21:30"),),
    "breakfast": ((ALL_DAYS, "06:00", "10:30"),),
    "shop": ((ALL_DAYS, "08:30", "20:00"),),
    "salon": ((ALL_DAYS, "09:30", "21:30"),),
    "office": ((ALL_DAYS, "08:00", "18:00"),),
    "workshop": ((ALL_DAYS, "08:00", "18:30"),),
    "pharmacy": ((ALL_DAYS, "08:00", "22:00"),),
    "parcel": ((ALL_DAYS, "08:00", "21:00"),),
    "recycling": ((MON_TO_SAT, "08:00", "17:00"),),
    "warehouse": ((ALL_DAYS, "06:30", "23:30"),),
    "care_centre": ((MON_TO_SAT, "08:00", "17:30"),),
    "restaurant_split": ((ALL_DAYS, "10:30", "14:00"), (ALL_DAYS, "16:30", "21:30")),
    "restaurant": ((ALL_DAYS, "10:00", "21:00"),),
    "bakery": ((ALL_DAYS, "07:30", "21:30"),),
    "bookstore": ((ALL_DAYS, "10:00", "21:30"),),
    "gym": ((ALL_DAYS, "06:30", "22:30"),),
    "after_school": ((MON_TO_FRI, "15:30", "19:30"), ((5,), "08:30", "17:30")),
    "school": ((TUE_TO_SUN, "09:00", "20:30"),),
    "agency": ((ALL_DAYS, "09:00", "18:00"),),
    "spa": ((ALL_DAYS, "11:00", "02:00"),),
    "cafe": ((ALL_DAYS, "07:30", "21:00"),),
    "teahouse": ((ALL_DAYS, "10:00", "00:30"),),
}


@dataclass(frozen=True)
class Variant:
    """A kind of shop within a format, e.g. a cobbler or an appliance repairer."""

    names: tuple[str, ...]  # independent shops
    pools: tuple[str, ...]  # category path prefixes it sells from
    brands: tuple[str, ...] = ()
    chain_share: float = 0.0
    weight: float = 1.0
    delivery: tuple[tuple[str, float], ...] | None = None  # overrides the profile's


@dataclass(frozen=True)
class FormatProfile:
    count: int
    placement: str  # street / market / community
    listings: tuple[int, int]
    hours: tuple[tuple[str, float], ...]  # (HOURS key, weight)
    variants: tuple[Variant, ...]
    delivery: tuple[tuple[str, float], ...] = (("none", 1.0),)  # none / own / platform
    chain_hours: tuple[tuple[str, float], ...] = ()  # hours of chain shops, if different
    monday_closed_share: float = 0.0
    description: str = ""
    # Common everyday formats: the first shops go one to each community (near a compound gate),
    # the rest to the commercial streets.
    coverage: bool = False


PROFILES: dict[str, FormatProfile] = {
    "convenience_store": FormatProfile(
        count=28, placement="street", listings=(22, 35), coverage=True,
        hours=(("convenience", 3), ("late_night", 1)),
        chain_hours=(("24h", 3), ("late_night", 1)),
        delivery=(("none", 0.4), ("own", 0.2), ("platform", 0.4)),
        description="便利店: 饮料零食、日用品、鲜奶面包, 代收快递。",
        variants=(Variant(
            names=("{surname}记便利店", "{road}便民超市", "邻里便利店", "{community}便民店", "好又多便利",
                   "惠民便利店", "{surname}家小卖部", "{compound}小超市"),
            pools=("酒水饮料", "休闲食品", "乳品烘焙", "日用百货", "个护清洁", "粮油调味"),
            brands=("苏果便利", "罗森", "便利蜂", "全家", "美宜佳", "易捷便利"), chain_share=0.35,
        ),),
    ),
    "supermarket": FormatProfile(
        count=8, placement="street", listings=(60, 85), hours=(("supermarket", 1),),
        delivery=(("own", 0.4), ("platform", 0.6)),
        description="综合超市: 生鲜、粮油、日化一站购齐, 满额配送到家。",
        variants=(Variant(
            names=("{community}惠民超市", "家家乐超市", "{road}购物广场超市"),
            pools=("生鲜", "粮油调味", "乳品烘焙", "休闲食品", "酒水饮料", "日用百货", "个护清洁"),
            brands=("苏果超市", "华润万家", "永辉超市", "盒马鲜生"), chain_share=0.6,
        ),),
    ),
    "wet_market": FormatProfile(
        count=14, placement="market", listings=(8, 14),
        hours=(("market_stall", 3), ("market_morning", 1)),
        delivery=(("none", 0.6), ("own", 0.4)),
        description="菜场摊位: 每天凌晨进货, 现称现卖, 可电话预订。",
        variants=(
            Variant(names=("{surname}姐蔬菜", "{surname}记蔬菜", "农家菜园", "{surname}阿姨时令蔬菜"),
                    pools=("生鲜 > 蔬菜",), weight=3),
            Variant(names=("{surname}记鲜肉", "{surname}师傅猪肉铺", "放心肉铺"), pools=("生鲜 > 肉禽蛋",), weight=2),
            Variant(names=("{surname}记水产", "{surname}老板活鱼", "江鲜水产"), pools=("生鲜 > 水产",), weight=2),
            Variant(names=("{surname}家水果", "四季鲜果"), pools=("生鲜 > 水果",), weight=1),
        ),
    ),
    "fresh_grocery": FormatProfile(
        count=13, placement="street", listings=(22, 36), hours=(("grocer", 1),), coverage=True,
        delivery=(("none", 0.1), ("own", 0.3), ("platform", 0.6)),
        description="生鲜店: 当日蔬果肉禽, 社区价, 线上下单一小时送达。",
        variants=(
            Variant(names=("{community}生鲜店", "{surname}记果蔬", "鲜丰果蔬", "农夫菜园", "{road}平价菜店"),
                    pools=("生鲜", "乳品烘焙", "粮油调味"), brands=("钱大妈", "谊品生鲜"), chain_share=0.3, weight=3),
            Variant(names=("{surname}家水果店", "果然鲜", "{road}水果超市"),
                    pools=("生鲜 > 水果",), brands=("百果园",), chain_share=0.35, weight=1),
        ),
    ),
    "breakfast": FormatProfile(
        count=17, placement="street", listings=(6, 10), hours=(("breakfast", 1),), coverage=True,
        delivery=(("none", 0.7), ("platform", 0.3)), monday_closed_share=0.2,
        description="早点铺: 现蒸包子、豆浆油条、小馄饨, 老南京味道。",
        variants=(Variant(
            names=("{surname}记早点", "{surname}家包子铺", "{road}豆浆油条", "老{surname}早餐店", "{surname}记煎饺",
                   "{road}小馄饨"),
            pools=("餐饮美食 > 早点",), brands=("巴比馒头", "甘其食"), chain_share=0.15,
        ),),
    ),
    "laundry": FormatProfile(
        count=6, placement="street", listings=(5, 8), hours=(("shop", 1),),
        delivery=(("none", 0.4), ("own", 0.6)),
        description="洗衣店: 干洗水洗、皮具护理, 可上门取送。",
        variants=(Variant(names=("{surname}记洗衣店", "洁丽干洗", "{community}洗衣房"), pools=("洗衣",),
                          brands=("福奈特", "象王洗衣"), chain_share=0.5),),
    ),
    "hair_beauty": FormatProfile(
        count=10, placement="street", listings=(4, 8), hours=(("salon", 1),), coverage=True,
        delivery=(("none", 0.85), ("own", 0.15)), monday_closed_share=0.1,
        description="美容美发: 剪发烫染、护理, 老人理发优惠。",
        variants=(Variant(names=("{surname}师傅理发店", "剪艺造型", "{road}发艺", "老{surname}理发", "丝语美容"),
                          pools=("美容美发",), brands=("永琪美容美发", "文峰美发"), chain_share=0.25),),
    ),
    "photo_print": FormatProfile(
        count=4, placement="street", listings=(4, 7), hours=(("shop", 1),),
        description="照相文印: 证件照、复印打印、照片冲印。",
        variants=(Variant(names=("{road}图文快印", "{surname}记照相馆", "快捷文印社", "时光照相馆"), pools=("照相文印",)),),
    ),
    "housekeeping": FormatProfile(
        count=7, placement="community", listings=(5, 10), hours=(("office", 1),),
        delivery=(("own", 1.0),),
        description="家政服务: 日常保洁、深度保洁、家电清洗, 阿姨持证上岗。",
        variants=(Variant(names=("{community}家政服务站", "{surname}阿姨家政", "金陵家政", "邻家好帮手家政"),
                          pools=("家政保洁", "家电维修"), brands=("好慷在家", "管家帮"), chain_share=0.3),),
    ),
    "repair": FormatProfile(
        count=10, placement="street", listings=(4, 9), hours=(("workshop", 1),), coverage=True,
        description="维修点: 修鞋配钥匙、改衣、家电上门维修。",
        variants=(
            Variant(names=("老{surname}修鞋配钥匙", "{surname}师傅修鞋配钥匙", "{road}便民修理铺"), pools=("便民维修",),
                    weight=2, delivery=(("none", 1.0),)),
            Variant(names=("{surname}师傅家电维修", "{road}家电维修部", "诚信家电维修"), pools=("家电维修",),
                    brands=("啄木鸟家庭维修",), chain_share=0.3, delivery=(("own", 1.0),)),
        ),
    ),
    "pharmacy": FormatProfile(
        count=12, placement="street", listings=(16, 26), hours=(("pharmacy", 4), ("24h", 1)), coverage=True,
        delivery=(("none", 0.2), ("platform", 0.8)),
        description="药店: 非处方药、医疗器械、保健品, 执业药师在岗。",
        variants=(Variant(names=("{road}大药房", "{surname}氏平价药房", "百姓健康药房"),
                          pools=("药品", "个护清洁"), brands=("益丰大药房", "老百姓大药房", "国药控股国大药房", "先声再康大药房"),
                          chain_share=0.5),),
    ),
    "parcel_point": FormatProfile(
        count=12, placement="community", listings=(3, 5), hours=(("parcel", 1),), coverage=True,
        description="快递驿站: 代收代寄, 晚到可存。",
        variants=(Variant(names=("{compound}快递服务站", "{community}邮件快件综合服务站"), pools=("快递物流",),
                          brands=("菜鸟驿站", "兔喜生活", "中国邮政"), chain_share=0.4),),
    ),
    "recycling": FormatProfile(
        count=3, placement="community", listings=(3, 4), hours=(("recycling", 1),),
        delivery=(("own", 1.0),),
        description="再生资源回收点: 废纸旧衣、旧家电回收, 大件清运。",
        variants=(Variant(names=("{community}再生资源回收站", "绿色回收站", "{road}废品回收"), pools=("回收清运",),
                          brands=("爱回收",), chain_share=0.3),),
    ),
    "front_warehouse": FormatProfile(
        count=3, placement="street", listings=(50, 80), hours=(("warehouse", 1),),
        delivery=(("platform", 1.0),),
        description="前置仓: 线上下单, 30分钟送达, 不设门店。",
        variants=(Variant(names=("{road}社区前置仓",),
                          pools=("生鲜", "乳品烘焙", "粮油调味", "休闲食品", "酒水饮料", "日用百货"),
                          brands=("叮咚买菜", "小象超市"), chain_share=1.0),),
    ),
    "elderly_care": FormatProfile(
        count=5, placement="community", listings=(5, 9), hours=(("care_centre", 1),),
        delivery=(("own", 1.0),),
        description="居家养老服务站: 助餐助浴、上门护理、日间照料。",
        variants=(Variant(names=("{community}居家养老服务站", "{community}老年人日间照料中心"), pools=("居家养老",),
                          brands=("心贴心养老",), chain_share=0.2),),
    ),
    "specialty_restaurant": FormatProfile(
        count=10, placement="street", listings=(6, 10), hours=(("restaurant_split", 2), ("restaurant", 1)),
        delivery=(("none", 0.3), ("platform", 0.7)), monday_closed_share=0.15,
        description="特色餐饮: 盐水鸭、鸭血粉丝汤、锅贴, 金陵小吃。",
        variants=(Variant(names=("{surname}记鸭血粉丝汤", "老{surname}皮肚面", "{road}盐水鸭", "{surname}记锅贴", "金陵小馆",
                                 "{surname}家小炒"),
                          pools=("餐饮美食 > 特色小吃",), brands=("南京大牌档", "回味鸭血粉丝汤", "鸡鸣汤包"),
                          chain_share=0.3),),
    ),
    "bakery": FormatProfile(
        count=6, placement="street", listings=(6, 10), hours=(("bakery", 1),),
        delivery=(("none", 0.4), ("platform", 0.6)),
        description="烘焙店: 现烤面包、蛋糕预订。",
        variants=(Variant(names=("{surname}记西点", "麦香烘焙坊", "{road}面包房"), pools=("餐饮美食 > 面包蛋糕",),
                          brands=("85度C", "好利来", "鲍师傅"), chain_share=0.5),),
    ),
    "bookstore": FormatProfile(
        count=2, placement="street", listings=(8, 14), hours=(("bookstore", 1),), monday_closed_share=0.5,
        description="新式书店: 文史图书、文创, 周末读书会。",
        variants=(Variant(names=("随园书坊", "城南书房", "梧桐书屋"), pools=("图书文具", "餐饮美食 > 茶饮咖啡")),),
    ),
    "gym": FormatProfile(
        count=2, placement="street", listings=(3, 5), hours=(("gym", 1),), chain_hours=(("24h", 1),),
        description="健身房: 器械、团课、私教。",
        variants=(Variant(names=("{road}健身工作室", "动力健身"), pools=("运动健身",), brands=("乐刻运动",),
                          chain_share=0.5),),
    ),
    "childcare": FormatProfile(
        count=4, placement="community", listings=(3, 6), hours=(("after_school", 1),),
        delivery=(("none", 0.5), ("own", 0.5)),
        description="托管点: 课后托管、作业辅导、假期托管。",
        variants=(Variant(names=("{community}小橘灯托管中心", "童趣托育", "阳光宝贝托管"), pools=("儿童托管",)),),
    ),
    "education": FormatProfile(
        count=5, placement="street", listings=(3, 6), hours=(("school", 1),),
        description="培训点: 书法国画、编程、乐器, 老年课程。",
        variants=(Variant(names=("{road}书法培训", "小天才编程", "乐龄学堂", "金陵琴行"), pools=("教育培训",),
                          brands=("新东方",), chain_share=0.2),),
    ),
    "travel": FormatProfile(
        count=2, placement="street", listings=(3, 6), hours=(("agency", 1),),
        description="旅游服务: 周边游、票务代订。",
        variants=(Variant(names=("{road}旅行社", "金陵假期"), pools=("旅游出行",), brands=("携程旅游",), chain_share=0.5),),
    ),
    "wellness": FormatProfile(
        count=4, placement="street", listings=(4, 6), hours=(("spa", 1),),
        delivery=(("none", 0.7), ("own", 0.3)),
        description="保健养生: 足疗推拿、艾灸理疗。",
        variants=(Variant(names=("{surname}氏推拿", "{road}足道", "康乐养生馆"), pools=("保健养生",),
                          brands=("华夏良子", "康骏会馆"), chain_share=0.5),),
    ),
    "flowers_gifts": FormatProfile(
        count=4, placement="street", listings=(6, 10), hours=(("shop", 1),),
        delivery=(("none", 0.3), ("platform", 0.7)),
        description="鲜花礼品: 花束、绿植, 同城配送。",
        variants=(Variant(names=("{surname}家花店", "{road}鲜花", "花语小筑"), pools=("鲜花绿植",),
                          brands=("花点时间",), chain_share=0.25),),
    ),
    "tea_coffee": FormatProfile(
        count=6, placement="street", listings=(5, 9), hours=(("cafe", 2), ("teahouse", 1)),
        delivery=(("none", 0.3), ("platform", 0.7)),
        description="茶饮咖啡: 现做饮品, 可外送。",
        variants=(Variant(names=("{road}咖啡", "{surname}记茶馆", "梧桐茶舍", "民国咖啡馆"), pools=("餐饮美食 > 茶饮咖啡",),
                          brands=("瑞幸咖啡", "库迪咖啡", "霸王茶姬", "蜜雪冰城"), chain_share=0.4),),
    ),
    "pet_services": FormatProfile(
        count=3, placement="street", listings=(5, 9), hours=(("shop", 1),),
        delivery=(("none", 0.5), ("own", 0.5)),
        description="宠物服务: 洗护美容、寄养、上门喂养。",
        variants=(Variant(names=("{surname}家宠物店", "萌宠之家", "{road}宠物美容"), pools=("宠物服务", "宠物用品"),
                          brands=("宠物家",), chain_share=0.3),),
    ),
}

# A format that formats.csv gains later, before anyone writes a profile for it.
DEFAULT_PROFILE = FormatProfile(
    count=2, placement="street", listings=(0, 0), hours=(("shop", 1),),
    variants=(Variant(names=("{road}{format}", "{surname}记{format}"), pools=()),),
)

# Where a format's delivering shops reach: (min, max) metres.
SERVICE_RADIUS_M = {"own": (1000, 3000), "platform": (3000, 3000), "service": (3000, 5000)}

# A share of delivering merchants draw their area as a polygon (the communities they serve).
SERVICE_AREA_POLYGON_SHARE = 0.25

# Calendar exceptions (fixed dates: the demo never reads the clock).
NEW_YEAR = ("2027-01-01", "元旦")
SPRING_FESTIVAL_EVE = ("2027-02-05", "除夕")
SPRING_FESTIVAL = (("2027-02-06", "春节"), ("2027-02-07", "春节"), ("2027-02-08", "春节"))
OTHER_HOLIDAYS = (NEW_YEAR, ("2027-04-05", "清明节"), ("2027-05-01", "劳动节"))

PHONE_PREFIXES = ("8331", "8332", "8337", "8371", "8372", "8373", "8362", "8451", "8663", "8685")
