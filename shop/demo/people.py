"""People of the demo: the fixed demo users (one per role), and names for generated residents,
couriers and shop owners."""

from dataclasses import dataclass

# Group names the demo creates. The bureau dashboard and the CMS read membership by these names.
BUREAU_ANALYST_GROUP = "商务局分析员"  # code: bureau_analyst
COMMUNITY_EDITOR_GROUP = "社区编辑"  # code: community_editor; Wagtail editors of the community pages


@dataclass(frozen=True)
class DemoUser:
    role: str  # code of the role
    role_zh: str
    mobile: str
    password: str
    last_name: str
    first_name: str
    note: str


# Fixed sign-in details, listed in the README. Change them here only.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "平台管理员", "13800000000", "admin-demo-2025", "管", "理员",
             "superuser: /dashboard/, /django-admin/, /cms-admin/"),
    DemoUser("resident", "居民", "13800000001", "resident-demo-2025", "王", "秀英",
             "two saved addresses (山西路社区, 颐和路社区)"),
    DemoUser("merchant", "商户店员", "13800000002", "merchant-demo-2025", "李", "店长",
             "staff of one convenience store; Oscar dashboard limited to its own shop"),
    DemoUser("courier", "骑手", "13800000003", "courier-demo-2025", "张", "师傅",
             "courier based at a front warehouse"),
    DemoUser("bureau_analyst", "商务局分析员", "13800000004", "bureau-demo-2025", "陈", "分析",
             f"group {BUREAU_ANALYST_GROUP}"),
    DemoUser("community_editor", "社区编辑", "13800000005", "editor-demo-2025", "刘", "编辑",
             f"group {COMMUNITY_EDITOR_GROUP}: edits the pages under /community/ in /cms-admin/"),
    DemoUser("provider", "上门服务人员", "13800000011", "provider-demo-2025", "赵", "阿姨",
             "home-service provider of the first service merchant: /provider/"),
    DemoUser("station_operator", "自提点管理员", "13800000012", "station-demo-2025", "孙", "站长",
             "runs the first community pickup station: /station/"),
)

# Generated users share one password (hashed once per run, so loading stays fast).
GENERATED_USER_PASSWORD = "demo-user-2025"
RESIDENT_MOBILE_PREFIX = "1375100"  # + 4 digits
COURIER_MOBILE_PREFIX = "1365100"  # + 4 digits

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "蒋", "蔡", "丁", "沈", "汪", "陆", "顾", "钱",
)

GIVEN_NAMES = (
    "秀英", "桂英", "秀兰", "玉兰", "建国", "建华", "国强", "志强", "志明", "海燕",
    "丽娟", "文静", "晓东", "晓明", "晓燕", "春梅", "红梅", "永刚", "卫东", "立新",
    "伟", "敏", "静", "磊", "洋", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平",
    "婷婷", "浩然", "子涵", "欣怡", "梓轩", "一诺", "雨桐", "宇航", "思远", "佳琪",
)

# Relatives a resident may also send goods to (a second saved address).
RELATIVES = ("父母家", "岳父母家", "公婆家", "外婆家")
