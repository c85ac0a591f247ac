"""The demo product catalogue: categories, the three product classes and the products that
merchants list. Prices are typical Nanjing retail prices in CNY (2025/26); a weighed item's
price is for one pack of `pack_size_g` grams. Each merchant prices its listings a little
differently (see merchants.py and builder.py).

A product is shared by every merchant that lists it (one 金龙鱼 5 L bottle, many offers),
so its UPC is derived from its title: EAN-13 with the Chinese 69 prefix for packaged goods,
978-7 ISBNs for books, in-store codes (prefix 2) for fresh goods, SV codes for services.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

FRESH, PACKAGED, SERVICE = "fresh", "packaged", "service"

# name, kind, track_stock, requires_shipping
PRODUCT_CLASSES: tuple[tuple[str, str, bool, bool], ...] = (
    ("生鲜", FRESH, True, True),
    ("包装商品", PACKAGED, True, True),
    ("上门服务", SERVICE, False, False),
)
CLASS_BY_KIND = {kind: name for name, kind, _, _ in PRODUCT_CLASSES}

CATEGORY_PATHS: tuple[str, ...] = (
    "生鲜 > 蔬菜",
    "生鲜 > 水果",
    "生鲜 > 肉禽蛋",
    "生鲜 > 水产",
    "粮油调味",
    "乳品烘焙",
    "休闲食品",
    "酒水饮料",
    "日用百货",
    "个护清洁",
    "药品 > 非处方药",
    "药品 > 医疗器械",
    "药品 > 保健营养",
    "餐饮美食 > 早点",
    "餐饮美食 > 特色小吃",
    "餐饮美食 > 面包蛋糕",
    "餐饮美食 > 茶饮咖啡",
    "鲜花绿植",
    "图书文具",
    "宠物用品",
    "家政保洁",
    "居家养老",
    "儿童托管",
    "家电维修",
    "便民维修",
    "洗衣",
    "美容美发",
    "照相文印",
    "快递物流",
    "回收清运",
    "运动健身",
    "教育培训",
    "旅游出行",
    "保健养生",
    "宠物服务",
)


@dataclass(frozen=True)
class ProductSpec:
    title: str
    category: str  # a path from CATEGORY_PATHS
    kind: str
    price: Decimal  # typical price
    sale_unit: str = "piece"  # piece / weight
    unit_label: str = "件"
    pack_size_g: int | None = None
    shelf_life_days: int | None = None
    storage: str = ""  # ambient / chilled / frozen
    service_duration_min: int | None = None

    @property
    def upc(self) -> str:
        return product_upc(self.title, self.kind, self.category)


def _digits(text: str, n: int) -> str:
    number = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)
    return str(number % 10**n).zfill(n)


def ean13(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def product_upc(title: str, kind: str, category: str) -> str:
    if kind == SERVICE:
        return "SV" + _digits(title, 10)
    if category == "图书文具" and title.startswith("《"):
        return ean13("9787" + _digits(title, 8))
    if kind == FRESH:
        return ean13("2" + _digits(title, 11))
    return ean13("69" + _digits(title, 10))


def _weighed(category: str, shelf: int, storage: str, rows: str) -> list[ProductSpec]:
    """Rows of 'title price' (price per 500 g pack), or 'title price unit' for a piece."""
    specs = []
    for line in rows.strip().splitlines():
        parts = line.split()
        title, price = parts[0], Decimal(parts[1])
        if len(parts) == 2:
            specs.append(ProductSpec(title, category, FRESH, price, "weight", "份", 500, shelf, storage))
        else:
            specs.append(ProductSpec(title, category, FRESH, price, "piece", parts[2], None, shelf, storage))
    return specs


def _pieces(category: str, kind: str, shelf: int | None, storage: str, rows: str) -> list[ProductSpec]:
    """Rows of 'title|price|unit' (unit optional), or 'title|price|unit|shelf-days|storage'."""
    specs = []
    for line in rows.strip().splitlines():
        parts = [p.strip() for p in line.split("|")]
        title, price = parts[0], Decimal(parts[1])
        unit = parts[2] if len(parts) > 2 and parts[2] else "件"
        row_shelf = int(parts[3]) if len(parts) > 3 and parts[3] else shelf
        row_storage = parts[4] if len(parts) > 4 else storage
        specs.append(ProductSpec(title, category, kind, price, "piece", unit, None, row_shelf, row_storage))
    return specs


def _services(category: str, rows: str) -> list[ProductSpec]:
    """Rows of 'title|price|minutes' (minutes empty when the service has no fixed length)."""
    specs = []
    for line in rows.strip().splitlines():
        title, price, minutes = (p.strip() for p in line.split("|"))
        specs.append(
            ProductSpec(title, category, SERVICE, Decimal(price), "piece", "次", None, None, "",
                        int(minutes) if minutes else None)
        )
    return specs


PRODUCTS: tuple[ProductSpec, ...] = tuple(
    _weighed("生鲜 > 蔬菜", 3, "ambient", """
        本地青菜 2.5
        菠菜 4.0
        芹菜 3.5
        韭菜 4.0
        大白菜 1.5
        西红柿 4.5
        黄瓜 3.5
        长茄子 4.0
        青椒 4.5
        土豆 2.5
        胡萝卜 2.5
        白萝卜 1.5
        洋葱 2.5
        西兰花 6.0
        有机花菜 5.5
        莴笋 3.5
        冬瓜 1.5
        南瓜 2.5
        绿豆芽 2.0
        蒜苗 6.0
        生姜 8.0
        大蒜 7.0
        香菜 8.0
        小葱 6.0
        铁棍山药 7.5
        莲藕 6.0
        茭白 6.5
        八卦洲芦蒿 15.0
        菊花脑 8.0
        马兰头 10.0
        豌豆苗 10.0
        杏鲍菇 7.5
        鲜香菇 9.0
        金针菇 2.5 袋
        老豆腐 3.0 块
        百叶 8.0
    """)
    + _weighed("生鲜 > 水果", 7, "ambient", """
        红富士苹果 6.5
        香蕉 3.5
        赣南脐橙 6.0
        砀山酥梨 4.0
        巨峰葡萄 9.0
        徐香猕猴桃 8.0
        麒麟西瓜 2.5
        哈密瓜 4.5
        红颜草莓 18.0
        砂糖橘 5.5
        红心火龙果 7.0
        台芒 8.5
        水蜜桃 8.0
        车厘子 45.0
        琯溪蜜柚 12.0 个
        蓝莓 19.9 盒
    """)
    + _weighed("生鲜 > 肉禽蛋", 2, "chilled", """
        五花肉 16.0
        前腿肉 14.0
        猪里脊 17.0
        肋排 26.0
        猪蹄 15.0
        牛腩 38.0
        牛腱子 45.0
        鸡胸肉 11.0
        琵琶腿 10.0
        鸡翅中 22.0
        鲜鸡蛋 5.5
        鹌鹑蛋 12.0
        三黄鸡 38.0 只
        老鸭 55.0 只
        土鸡蛋10枚 15.9 盒
        羔羊肉卷 29.9 盒
    """)
    + _weighed("生鲜 > 水产", 1, "chilled", """
        鲫鱼 12.0
        草鱼 9.0
        鲈鱼 22.0
        黑鱼 20.0
        鳊鱼 14.0
        基围虾 38.0
        小龙虾 30.0
        河虾 45.0
        花蛤 8.0
        带鱼 25.0
        鱿鱼 18.0
        螺蛳 6.0
        黄鳝 35.0
        大闸蟹 68.0 只
    """)
    + _pieces("餐饮美食 > 早点", FRESH, 1, "ambient", """
        鲜肉大包|2.5|个
        青菜香菇包|1.5|个
        小笼包8只|12|笼
        糯米烧卖4只|8|份
        油条|2|根
        现磨豆浆|2.5|杯
        甜豆花|3|碗
        咸豆花|3.5|碗
        糍饭团|6|个
        煎饺10只|10|份
        鸡蛋饼|6|份
        茶叶蛋|1.5|个
        皮蛋瘦肉粥|6|碗
        鲜肉小馄饨|10|碗
        葱油饼|5|个
        酒酿小元宵|8|碗
        白面馒头|1|个
    """)
    + _pieces("餐饮美食 > 特色小吃", FRESH, 1, "ambient", """
        盐水鸭半只|38|份|2|chilled
        鸭血粉丝汤|15|碗
        皮肚面|22|碗
        牛肉锅贴10只|16|份
        鸭油烧饼|3|个
        桂花糖芋苗|8|碗
        赤豆元宵|8|碗
        梅花糕|5|个
        蟹黄汤包4只|28|笼
        红烧狮子头|18|份
        大排饭|18|份
        红烧牛肉面|18|碗
        鸡汁回卤干|8|份
        酸菜鱼单人份|38|份
        凉皮|10|份
    """)
    + _pieces("餐饮美食 > 面包蛋糕", FRESH, 3, "ambient", """
        手撕吐司|12|个
        黄油牛角包|8|个
        肉松小贝4枚|22|盒
        葡式蛋挞4只|16|盒
        全麦面包|14|个
        奶油蛋糕6寸|128|个|2|chilled
        生日蛋糕8寸|198|个|2|chilled
        桃酥|18|盒|30|ambient
        老式鸡蛋糕|12|袋
        菠萝包|6|个
    """)
    + _pieces("餐饮美食 > 茶饮咖啡", FRESH, 1, "ambient", """
        美式咖啡|15|杯
        拿铁咖啡|18|杯
        生椰拿铁|19|杯
        卡布奇诺|18|杯
        手冲咖啡|28|杯
        暴打柠檬茶|12|杯
        珍珠奶茶|13|杯
        杨枝甘露|16|杯
        茉莉花茶一壶|38|壶
        雨花茶一壶|48|壶
    """)
    + _pieces("粮油调味", PACKAGED, 365, "ambient", """
        金龙鱼 花生油 5L|139.9|桶|540
        鲁花 5S压榨一级花生油 5L|159.9|桶|540
        福临门 大豆油 5L|69.9|桶|540
        金龙鱼 东北大米 5kg|39.9|袋
        十月稻田 五常大米 5kg|59.9|袋
        香满园 小麦粉 2.5kg|18.9|袋|270
        陈克明 挂面 1kg|9.9|袋
        海天 生抽 1.28L|14.9|瓶|720
        海天 老抽 500ml|9.9|瓶|720
        恒顺 镇江香醋 500ml|8.5|瓶|720
        太太乐 鸡精 200g|9.9|袋|540
        中盐 精制碘盐 400g|2.5|袋|1080
        绵白糖 400g|5.9|袋|720
        李锦记 蚝油 510g|12.9|瓶|540
        老干妈 风味豆豉 280g|11.5|瓶|540
        王守义 十三香 45g|5.5|盒|720
        金龙鱼 芝麻香油 220ml|19.9|瓶|540
        郫县豆瓣酱 500g|10.9|袋|540
        老恒和 料酒 500ml|6.9|瓶|720
    """)
    + _pieces("乳品烘焙", PACKAGED, 7, "chilled", """
        卫岗 鲜牛奶 950ml|14.5|瓶
        光明 鲜牛奶 950ml|15.9|瓶
        卫岗 益生菌酸奶 100g×8|16.9|组|21
        君乐宝 简醇酸奶 150g×6|19.9|组|21
        蒙牛 纯牛奶 250ml×16|49.9|箱|180|ambient
        伊利 纯牛奶 250ml×24|65.9|箱|180|ambient
        伊利 金典有机纯牛奶 250ml×12|69.9|箱|180|ambient
        安慕希 希腊风味酸奶 205g×12|59.9|箱|150|ambient
        光明 莫斯利安 200g×12|59.0|箱|150|ambient
        旺仔牛奶 245ml×4|19.9|组|365|ambient
        桃李 醇熟面包 150g|6.5|袋|7|ambient
        曼可顿 全麦切片面包 400g|8.9|袋|7|ambient
        达利园 法式小面包 400g|12.9|袋|90|ambient
    """)
    + _pieces("休闲食品", PACKAGED, 180, "ambient", """
        乐事 薯片原味 70g|7.5|袋
        奥利奥 夹心饼干 97g|8.5|盒|365
        旺旺 雪饼 84g|6.5|袋|270
        三只松鼠 每日坚果 750g|89.0|盒|240
        良品铺子 猪肉脯 100g|19.9|袋
        卫龙 大面筋 106g|5.0|袋
        德芙 丝滑牛奶巧克力 43g|7.9|条|365
        好丽友 巧克力派 6枚|12.9|盒|240
        徐福记 沙琪玛 470g|16.9|袋|150
        洽洽 香瓜子 260g|10.9|袋|240
        康师傅 红烧牛肉面 5连包|14.5|组
        统一 老坛酸菜牛肉面 5连包|14.9|组
        双汇 王中王火腿肠 10支|15.9|袋|120
        雀巢 1+2原味咖啡 15条|19.9|盒|540
        南京 桂花鸭礼盒 1kg|88.0|盒|90
    """)
    + _pieces("酒水饮料", PACKAGED, 365, "ambient", """
        农夫山泉 饮用天然水 550ml|2.0|瓶
        农夫山泉 饮用天然水 550ml×24|36.0|箱
        怡宝 纯净水 555ml|2.0|瓶
        可口可乐 330ml|3.0|罐
        可口可乐 330ml×24|58.0|箱
        百事可乐 500ml|3.5|瓶
        雪碧 500ml|3.5|瓶
        康师傅 冰红茶 500ml|3.5|瓶|270
        统一 绿茶 500ml|3.5|瓶|270
        王老吉 凉茶 310ml|4.5|罐|730
        元气森林 苏打气泡水 480ml|5.5|瓶|270
        东方树叶 茉莉花茶 500ml|5.5|瓶|270
        红牛 维生素功能饮料 250ml|6.5|罐|540
        脉动 青柠味 600ml|5.0|瓶|270
        椰树 椰汁 245ml|4.5|罐|540
        青岛啤酒 经典 500ml|6.5|罐|270
        雪花啤酒 勇闯天涯 500ml|5.5|罐|270
        洋河 海之蓝 52度 480ml|158.0|瓶|3650
        牛栏山 二锅头 500ml|22.0|瓶|3650
        古越龙山 五年花雕 500ml|15.0|瓶|1825
    """)
    + _pieces("日用百货", PACKAGED, None, "ambient", """
        清风 抽纸 3层100抽×6包|19.9|提
        维达 卷纸 10卷|29.9|提
        心相印 湿巾 80片|12.9|包
        妙洁 中号垃圾袋 50只|9.9|卷
        妙洁 保鲜膜 30cm×20m|10.9|卷
        一次性纸杯 50只|6.9|袋
        南孚 5号碱性电池 4粒|19.9|卡
        公牛 插线板 3米|49.0|个
        不锈钢晾衣架 10只|15.0|组
        天堂伞 晴雨伞|49.0|把
        欧普 LED灯泡 9W|12.9|个
        洗碗海绵 5片|6.9|包
        榄菊 蚊香 10盘|12.5|盒
    """)
    + _pieces("个护清洁", PACKAGED, 1095, "ambient", """
        蓝月亮 洗衣液 3kg|49.9|瓶
        立白 洗洁精 1.5kg|16.9|瓶
        奥妙 洗衣粉 2kg|26.9|袋
        威猛先生 厨房重油污净 500g|19.9|瓶
        威露士 84消毒液 1L|13.9|瓶
        滴露 消毒液 750ml|39.9|瓶
        海飞丝 去屑洗发水 400ml|49.9|瓶
        舒肤佳 香皂 3块|15.9|组
        高露洁 牙膏 140g|12.9|支
        云南白药 牙膏 120g|29.9|支
        高露洁 软毛牙刷 4支|19.9|组
        威露士 洗手液 525ml|19.9|瓶
        大宝 SOD蜜 200ml|15.5|瓶
        隆力奇 花露水 195ml|9.9|瓶
        苏菲 日用卫生巾 10片|15.9|包
        可靠 成人纸尿裤 L码 10片|49.0|包
    """)
    + _pieces("药品 > 非处方药", PACKAGED, 730, "ambient", """
        999 感冒灵颗粒 10袋|16.5|盒
        连花清瘟胶囊 24粒|19.8|盒
        芬必得 布洛芬缓释胶囊 20粒|22.0|盒
        对乙酰氨基酚片 10片|15.0|盒
        板蓝根颗粒 20袋|12.0|盒
        藿香正气水 10支|9.5|盒
        江中 健胃消食片 64片|12.5|盒
        云南白药 创可贴 20片|9.8|盒
        开塞露 20ml×2支|3.5|盒
        红霉素软膏 10g|4.5|支
        开瑞坦 氯雷他定片 6片|28.0|盒
        思密达 蒙脱石散 10袋|21.0|盒
        维生素C片 100片|8.0|瓶
        碘伏消毒液 100ml|6.5|瓶
        风油精 3ml|3.0|瓶
    """)
    + _pieces("药品 > 医疗器械", PACKAGED, None, "ambient", """
        鱼跃 上臂式电子血压计|199.0|台
        欧姆龙 上臂式电子血压计|299.0|台
        三诺 血糖仪套装|128.0|套
        血糖试纸 50片|89.0|盒|540
        医用外科口罩 50只|19.9|盒|730
        电子体温计|25.0|支
        四脚助行拐杖|69.0|根
        医用棉签 100支|5.0|包|1095
        医用酒精 75% 500ml|9.9|瓶|730
        家用压缩式雾化器|189.0|台
    """)
    + _pieces("药品 > 保健营养", PACKAGED, 730, "ambient", """
        汤臣倍健 钙维生素D片 60片|98.0|瓶
        善存 多维元素片 60片|88.0|瓶
        汤臣倍健 蛋白粉 450g|198.0|罐
        西洋参片 50g|88.0|盒
    """)
    + _pieces("鲜花绿植", FRESH, 3, "ambient", """
        红玫瑰花束 11枝|99.0|束
        康乃馨花束|69.0|束
        向日葵花束|79.0|束
        香水百合花束|89.0|束
        每周鲜花一束|59.0|束
        多肉组合盆栽|15.0|盆|60
        绿萝盆栽|25.0|盆|90
        发财树 中号|128.0|盆|180
        蝴蝶兰 三株|168.0|盆|30
        漳州水仙球|20.0|个|30
    """)
    + _pieces("图书文具", PACKAGED, None, "", """
        《南京传》|68.0|本
        《活着》|45.0|本
        《平凡的世界》全三册|108.0|套
        《红楼梦》上下册|59.7|套
        《三体》全三册|93.0|套
        《人世间》全三册|138.0|套
        《小王子》|25.0|本
        《城南旧事》|29.0|本
        《金陵十三钗》|39.0|本
        晨光 中性笔 12支|18.0|盒
        得力 A5笔记本 5本|15.0|组
        金陵四十八景明信片|30.0|套
        南京城墙文创书签|25.0|套
    """)
    + _pieces("宠物用品", PACKAGED, 365, "ambient", """
        皇家 室内成猫粮 2kg|139.0|袋
        伟嘉 成犬粮 1.5kg|59.0|袋
        豆腐猫砂 6L|29.9|袋
        冻干鸡肉宠物零食 50g|25.0|袋
        宠物牵引绳|39.0|根|
    """)
    + _services("家政保洁", """
        日常保洁 2小时|98|120
        日常保洁 3小时|138|180
        深度保洁 100平米内|398|300
        新居开荒保洁|598|480
        全屋擦玻璃|168|180
        钟点工做饭 2小时|80|120
        收纳整理 3小时|299|180
        床垫沙发除螨|158|90
    """)
    + _services("家电维修", """
        空调清洗 挂机|80|60
        空调清洗 柜机|120|90
        油烟机清洗|150|90
        滚筒洗衣机清洗|130|90
        冰箱清洗除味|100|60
        空调加氟|150|60
        家电上门检修|50|60
        水电维修上门|40|60
        马桶疏通|80|60
        更换水龙头|60|30
        热水器清洗|120|90
        灯具安装|50|30
    """)
    + _services("便民维修", """
        配钥匙 普通|5|15
        配钥匙 防盗门|25|15
        修鞋 换鞋跟|15|30
        鞋子补胶|10|15
        换拉链|20|30
        裤脚修改|15|30
        自行车补胎|10|20
        手表换电池|15|15
        上门开锁|80|30
    """)
    + _services("洗衣", """
        西装干洗 一套|45|
        羽绒服清洗|50|
        大衣干洗|45|
        衬衫水洗熨烫|10|
        窗帘清洗 每平米|15|
        被套床单清洗|25|
        皮鞋护理|25|
        上门取送衣物|10|30
    """)
    + _services("美容美发", """
        男士洗剪吹|38|30
        女士洗剪吹|58|45
        老人理发|15|20
        儿童理发|25|20
        染发|188|120
        烫发|268|150
        美甲|88|60
        面部护理|128|60
        头皮护理|98|45
    """)
    + _services("照相文印", """
        证件照 6张|25|15
        黑白复印 每页|0.5|
        彩色打印 每页|2|
        照片冲印 6寸|1|
        文件扫描 每页|1|
        覆膜过塑 每张|3|
        全家福拍摄|399|90
    """)
    + _services("快递物流", """
        寄件 江浙沪首重|10|
        寄件 全国首重|12|
        大件寄递 20公斤内|60|
        同城跑腿|15|60
        纸箱打包|5|15
    """)
    + _services("回收清运", """
        大件家具清运|80|60
        装修垃圾清运 每车|150|90
        废旧家电拆除搬运|50|60
        旧衣物上门回收|5|30
    """)
    + _services("居家养老", """
        上门助浴|120|90
        助餐送餐 每餐|15|30
        上门理发 老人|30|30
        陪同就医 半天|150|240
        上门康复护理 1小时|150|60
        居家照护 4小时|200|240
        上门测血压血糖|20|30
        日间照料 全天|100|480
        助洁服务 1小时|45|60
        适老化改造评估|100|60
    """)
    + _services("儿童托管", """
        小时托管 1小时|40|60
        课后托管 月卡|1680|150
        周末托管 全天|180|480
        暑期托管 一周|980|480
        作业辅导 2小时|100|120
        上门育儿陪护 4小时|200|240
    """)
    + _services("运动健身", """
        单次健身|49|90
        健身月卡|299|
        私教课 1节|268|60
        瑜伽课 单次|79|60
        乒乓球馆 1小时|30|60
    """)
    + _services("教育培训", """
        书法体验课|99|90
        少儿编程体验课|99|90
        老年智能手机课 4次|50|90
        钢琴陪练 1节|120|45
        英语口语课 1节|150|60
        国画班 8次|880|120
        太极拳班 月卡|200|60
    """)
    + _services("旅游出行", """
        牛首山一日游|168|480
        高淳老街一日游|158|480
        扬州瘦西湖一日游|198|600
        黄山三日游|1280|4320
        火车票代订 每张|5|15
        签证咨询|100|60
    """)
    + _services("保健养生", """
        足疗 60分钟|98|60
        全身推拿 60分钟|128|60
        艾灸 45分钟|88|45
        拔罐|58|30
        肩颈理疗|98|45
        上门推拿 60分钟|168|60
    """)
    + _services("宠物服务", """
        猫咪洗澡|60|60
        小型犬洗澡|60|60
        宠物美容造型|150|120
        上门喂猫 每次|40|30
        宠物寄养 每天|60|1440
        宠物驱虫|50|15
    """)
)


def products_in(*prefixes: str) -> tuple[ProductSpec, ...]:
    """The products whose category path starts with any of the prefixes."""
    return tuple(p for p in PRODUCTS if any(p.category.startswith(prefix) for prefix in prefixes))


# Scale mode (benchmarks) grows the catalogue with variants of these products.
SCALE_ORIGINS = ("", "", "江苏", "山东", "东北", "云南", "安徽", "浙江", "进口")  # fresh goods only
SCALE_VARIANTS: dict[str, tuple[str, ...]] = {
    FRESH: ("精选", "有机", "本地", "特级", "当季", "散装", "礼盒装", "小份装", "家庭装"),
    PACKAGED: ("家庭装", "实惠装", "量贩装", "新品", "经典款", "升级款", "限定款", "组合装", "小包装", "礼盒装"),
    SERVICE: ("工作日", "周末", "加急", "夜间", "套餐", "会员价", "首次体验", "老人优惠"),
}


def variant_title(spec: ProductSpec, origin: str, variant: str) -> str:
    if spec.kind == SERVICE:
        return f"{spec.title}（{variant}）"
    if spec.kind == FRESH:
        return f"{origin}{spec.title} {variant}"
    return f"{spec.title} {variant}"


def _check_unique() -> None:
    titles = [p.title for p in PRODUCTS]
    assert len(titles) == len(set(titles)), "duplicate product titles in the demo catalogue"
    upcs = [p.upc for p in PRODUCTS]
    assert len(upcs) == len(set(upcs)), "two demo products got the same UPC"
    assert all(p.category in CATEGORY_PATHS for p in PRODUCTS)


_check_unique()
