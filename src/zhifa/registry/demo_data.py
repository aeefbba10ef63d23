"""Static material for the demo city 湖州市: its enforcement bodies, name and address word lists.

Kept apart from `zhifa.registry.seed` so the generator reads as logic, not as tables. The
agency list follows the real shape of a Zhejiang prefecture after the 2019 institutional
reform and the 综合行政执法 reform: city bureaus, county/district bureaus, the city ecology
bureau's county 分局 (vertical management), public security and natural-resources 分局 in the
two urban districts, and township 综合行政执法队 acting on the county bureau's entrustment.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODE = "330500"
CITY_NAME = "湖州市"


@dataclass(frozen=True)
class County:
    code: str
    name: str
    agency_prefix: str  # how its bureaus are named: "湖州市吴兴区" for districts, "德清县" for counties
    trade_prefix: str  # the place word enterprises put before their trade name
    latitude: float
    longitude: float
    share: float  # share of the city's regulated entities
    roads: tuple[str, ...]


COUNTIES = (
    County(
        "330502",
        "吴兴区",
        "湖州市吴兴区",
        "湖州",
        30.872,
        120.103,
        0.29,
        (
            "红旗路",
            "人民路",
            "凤凰路",
            "青铜路",
            "龙溪北路",
            "环城东路",
            "苕溪西路",
            "二环东路",
            "劳动路",
            "吉山路",
            "衣裳街",
            "米兰路",
            "织里北路",
            "珍贝路",
            "大港路",
            "康山路",
            "仁皇山路",
            "金盖山路",
        ),
    ),
    County(
        "330503",
        "南浔区",
        "湖州市南浔区",
        "湖州南浔",
        30.850,
        120.418,
        0.18,
        (
            "适园路",
            "人瑞路",
            "南林路",
            "泰安路",
            "向阳路",
            "东大街",
            "浔练公路",
            "双林大道",
            "菱湖大道",
            "练市大道",
            "和孚大道",
            "千金路",
            "石淙路",
            "旧馆大道",
        ),
    ),
    County(
        "330521",
        "德清县",
        "德清县",
        "德清",
        30.542,
        119.977,
        0.18,
        (
            "千秋街",
            "英溪路",
            "永安街",
            "武源街",
            "志远路",
            "长虹街",
            "科源路",
            "对河口路",
            "新市大道",
            "舞阳街",
            "地信路",
            "云岫路",
            "禹越大道",
        ),
    ),
    County(
        "330522",
        "长兴县",
        "长兴县",
        "长兴",
        31.026,
        119.911,
        0.21,
        (
            "明珠路",
            "长兴大道",
            "龙山路",
            "金陵路",
            "解放路",
            "太湖大道",
            "画溪大道",
            "中央大道",
            "煤山路",
            "泗安大道",
            "雉州大道",
            "经一路",
            "经二路",
            "开发区大道",
        ),
    ),
    County(
        "330523",
        "安吉县",
        "安吉县",
        "安吉",
        30.638,
        119.680,
        0.14,
        (
            "昌硕路",
            "天目路",
            "浦源大道",
            "胜利西路",
            "灵峰大道",
            "递铺路",
            "云鸿路",
            "孝丰大道",
            "天荒坪路",
            "梅溪大道",
            "竹博路",
            "凤凰路",
            "玉磬路",
        ),
    ),
)
COUNTY_BY_CODE = {c.code: c for c in COUNTIES}


@dataclass(frozen=True)
class AgencySpec:
    """One enforcement body of the demo city. `supervising` names the superior or entrusting body."""

    name: str
    short_name: str
    region_code: str
    domains: tuple[str, ...]
    kind: str = "statutory"
    supervising: str | None = None
    staff_weight: int = 10  # relative officer headcount
    legal_reviewer: bool = False  # keeps a 法制审核 post (Art. 58)
    small: bool = False  # part of the small demo (tests)
    organ: bool = True  # 机关 (credit code 11…) or 事业单位 (12…)


MARKET_CITY = "湖州市市场监督管理局"
JUSTICE_CITY = "湖州市司法局"
JUSTICE_WUXING = "湖州市吴兴区司法局"

# name, short, domains, staff weight, keeps a legal reviewer, in the small demo
_CITY_BUREAUS: tuple[tuple[str, str, tuple[str, ...], int, bool, bool], ...] = (
    (MARKET_CITY, "市市场监管局", ("market_regulation", "drug_regulation"), 45, True, True),
    ("湖州市生态环境局", "市生态环境局", ("ecology_environment",), 20, True, True),
    ("湖州市综合行政执法局", "市综合执法局", ("urban_management", "housing_construction"), 40, True, True),
    ("湖州市交通运输局", "市交通运输局", ("transport",), 12, True, True),
    ("湖州市应急管理局", "市应急管理局", ("emergency_management",), 14, True, True),
    ("湖州市卫生健康委员会", "市卫健委", ("health",), 12, True, True),
    ("湖州市文化广电旅游局", "市文广旅局", ("culture_tourism",), 10, True, True),
    ("湖州市自然资源和规划局", "市自然资源规划局", ("natural_resources", "forestry"), 16, True, True),
    ("湖州市住房和城乡建设局", "市住建局", ("housing_construction",), 10, True, False),
    ("湖州市农业农村局", "市农业农村局", ("agriculture",), 10, True, True),
    ("湖州市水利局", "市水利局", ("water",), 8, True, True),
    ("湖州市公安局", "市公安局", ("public_security",), 40, True, False),
    ("湖州市教育局", "市教育局", ("education",), 6, False, False),
    ("湖州市人力资源和社会保障局", "市人力社保局", ("human_resources",), 8, False, False),
    ("湖州市商务局", "市商务局", ("commerce",), 5, False, False),
    ("湖州市医疗保障局", "市医保局", ("medical_insurance",), 6, False, False),
    ("湖州市民政局", "市民政局", ("civil_affairs",), 5, False, False),
    ("湖州市统计局", "市统计局", ("statistics",), 4, False, False),
    (JUSTICE_CITY, "市司法局", ("justice",), 6, True, True),
)


def _city_agencies() -> list[AgencySpec]:
    specs = [
        AgencySpec(name, short, CITY_CODE, domains, staff_weight=weight, legal_reviewer=reviewer, small=small)
        for name, short, domains, weight, reviewer, small in _CITY_BUREAUS
    ]
    specs += [
        AgencySpec(
            "湖州市消防救援支队",
            "市消防支队",
            CITY_CODE,
            ("fire_rescue",),
            kind="authorized",
            staff_weight=14,
        ),
        AgencySpec(
            "湖州市卫生健康监督所",
            "市卫生监督所",
            CITY_CODE,
            ("health",),
            kind="entrusted",
            supervising="湖州市卫生健康委员会",
            staff_weight=10,
            organ=False,
        ),
        AgencySpec(
            "湖州市交通运输行政执法队",
            "市交通执法队",
            CITY_CODE,
            ("transport",),
            kind="entrusted",
            supervising="湖州市交通运输局",
            staff_weight=18,
            organ=False,
        ),
        AgencySpec(
            "湖州市农业综合行政执法队",
            "市农业执法队",
            CITY_CODE,
            ("agriculture",),
            kind="entrusted",
            supervising="湖州市农业农村局",
            staff_weight=10,
            organ=False,
        ),
        AgencySpec(
            "湖州市文化市场综合行政执法队",
            "市文化执法队",
            CITY_CODE,
            ("culture_tourism",),
            kind="entrusted",
            supervising="湖州市文化广电旅游局",
            staff_weight=10,
            organ=False,
        ),
    ]
    return specs


# name suffix, short suffix, domains, staff weight, keeps a legal reviewer
_COUNTY_BUREAUS: tuple[tuple[str, str, tuple[str, ...], int, bool], ...] = (
    ("市场监督管理局", "市场监管局", ("market_regulation", "drug_regulation"), 32, True),
    ("综合行政执法局", "综合执法局", ("urban_management", "housing_construction", "water"), 30, True),
    ("应急管理局", "应急管理局", ("emergency_management",), 10, False),
    ("卫生健康局", "卫健局", ("health",), 8, False),
    ("文化和广电旅游体育局", "文广旅体局", ("culture_tourism",), 6, False),
    ("农业农村局", "农业农村局", ("agriculture",), 9, False),
    ("交通运输局", "交通运输局", ("transport",), 9, False),
    ("司法局", "司法局", ("justice",), 4, False),
)
_TOWNSHIP_TEAMS = {
    "330502": "织里镇",
    "330503": "南浔镇",
    "330521": "新市镇",
    "330522": "泗安镇",
    "330523": "天荒坪镇",
}
_URBAN_DISTRICTS = {"330502": "吴兴", "330503": "南浔"}


def _county_agencies(county: County) -> list[AgencySpec]:
    prefix, short_prefix = county.agency_prefix, county.name[:2]
    specs = [
        AgencySpec(
            f"{prefix}{suffix}",
            f"{short_prefix}{short}",
            county.code,
            domains,
            staff_weight=weight,
            legal_reviewer=reviewer,
            small=(prefix + suffix in (JUSTICE_WUXING, "湖州市吴兴区市场监督管理局")),
        )
        for suffix, short, domains, weight, reviewer in _COUNTY_BUREAUS
    ]
    district = _URBAN_DISTRICTS.get(county.code)
    specs.append(
        AgencySpec(
            f"湖州市生态环境局{short_prefix}分局",
            f"{short_prefix}生态环境分局",
            county.code,
            ("ecology_environment",),
            supervising="湖州市生态环境局",
            staff_weight=10,
        )
    )
    if district:  # the urban districts are served by 分局 of the city bureaus
        specs += [
            AgencySpec(
                f"湖州市公安局{district}分局",
                f"{district}公安分局",
                county.code,
                ("public_security",),
                supervising="湖州市公安局",
                staff_weight=24,
            ),
            AgencySpec(
                f"湖州市自然资源和规划局{district}分局",
                f"{district}自然资源分局",
                county.code,
                ("natural_resources", "forestry"),
                supervising="湖州市自然资源和规划局",
                staff_weight=8,
            ),
        ]
    else:
        specs += [
            AgencySpec(
                f"{prefix}公安局", f"{short_prefix}公安局", county.code, ("public_security",), staff_weight=24
            ),
            AgencySpec(
                f"{prefix}自然资源和规划局",
                f"{short_prefix}自然资源规划局",
                county.code,
                ("natural_resources", "forestry"),
                staff_weight=8,
            ),
        ]
    town = _TOWNSHIP_TEAMS[county.code]
    specs.append(
        AgencySpec(
            f"{prefix}{town}综合行政执法队",
            f"{town}执法队",
            county.code,
            ("urban_management",),
            kind="entrusted",
            supervising=f"{prefix}综合行政执法局",
            staff_weight=6,
            organ=False,
        )
    )
    return specs


def agency_specs() -> list[AgencySpec]:
    """Every demo agency, superiors before the bodies they supervise or entrust."""
    specs = _city_agencies()
    for county in COUNTIES:
        specs += _county_agencies(county)
    return specs


# --- people --------------------------------------------------------------------------------

# Surnames by rough frequency in northern Zhejiang (沈、钱、姚、陆、费 are local).
SURNAMES = (
    ("王", 60),
    ("沈", 55),
    ("张", 50),
    ("李", 45),
    ("陈", 45),
    ("徐", 40),
    ("吴", 38),
    ("朱", 35),
    ("周", 35),
    ("钱", 30),
    ("姚", 25),
    ("陆", 25),
    ("杨", 22),
    ("刘", 22),
    ("金", 20),
    ("胡", 20),
    ("顾", 15),
    ("潘", 15),
    ("费", 12),
    ("施", 12),
    ("蒋", 12),
    ("孙", 12),
    ("郑", 10),
    ("丁", 10),
    ("马", 10),
    ("汤", 8),
    ("褚", 8),
    ("严", 8),
    ("俞", 8),
    ("邱", 8),
    ("闵", 6),
    ("凌", 6),
    ("叶", 10),
    ("黄", 12),
    ("许", 10),
    ("范", 6),
    ("方", 8),
    ("赵", 10),
    ("唐", 6),
    ("宋", 6),
    ("韩", 5),
    ("冯", 5),
    ("程", 5),
    ("章", 6),
    ("高", 8),
    ("林", 8),
    ("何", 8),
    ("罗", 5),
    ("梁", 4),
    ("谢", 5),
    ("曹", 5),
    ("袁", 4),
    ("戴", 5),
    ("倪", 5),
    ("钟", 4),
    ("秦", 4),
    ("卢", 4),
    ("董", 5),
    ("任", 4),
    ("苏", 4),
    ("魏", 3),
    ("邵", 5),
    ("毛", 4),
)
GIVEN_MALE = (
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "超",
    "明",
    "刚",
    "平",
    "辉",
    "鹏",
    "华",
    "飞",
    "鑫",
    "波",
    "建华",
    "建国",
    "建平",
    "志强",
    "志刚",
    "海涛",
    "海峰",
    "晓东",
    "晓峰",
    "国强",
    "国平",
    "国华",
    "伟民",
    "卫东",
    "文杰",
    "文斌",
    "俊杰",
    "浩然",
    "子豪",
    "宇航",
    "家豪",
    "振宇",
    "天宇",
    "一鸣",
    "嘉诚",
    "晨阳",
    "立新",
    "永康",
    "永明",
    "学军",
    "春雷",
    "跃进",
    "建忠",
    "根荣",
    "金龙",
    "德明",
    "庆华",
    "少华",
)
GIVEN_FEMALE = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "燕",
    "霞",
    "琳",
    "洁",
    "婷",
    "颖",
    "倩",
    "雪",
    "慧",
    "萍",
    "红",
    "琴",
    "秀英",
    "桂英",
    "玉兰",
    "美华",
    "丽萍",
    "晓红",
    "晓燕",
    "海燕",
    "雪梅",
    "春燕",
    "秋月",
    "佳怡",
    "雨婷",
    "梦琪",
    "欣怡",
    "诗涵",
    "思雨",
    "晓雯",
    "文静",
    "丹丹",
    "婷婷",
    "莉莉",
    "月华",
    "凤英",
    "亚萍",
    "建英",
)

# --- enterprises ---------------------------------------------------------------------------

TRADE_CHARS = (
    "鑫",
    "源",
    "华",
    "盛",
    "达",
    "兴",
    "泰",
    "恒",
    "宏",
    "祥",
    "瑞",
    "丰",
    "顺",
    "福",
    "隆",
    "鼎",
    "嘉",
    "信",
    "诚",
    "锦",
    "荣",
    "佳",
    "和",
    "美",
    "优",
    "创",
    "新",
    "联",
    "正",
    "汇",
    "通",
    "博",
    "宇",
    "天",
    "昌",
    "中",
    "宝",
    "金",
    "绿",
    "竹",
    "湖",
    "苕",
    "溪",
    "浔",
    "吉",
    "安",
    "康",
    "乐",
    "晨",
    "辰",
    "星",
    "海",
    "润",
    "远",
    "明",
    "德",
    "仁",
    "永",
    "益",
    "广",
    "万",
    "凯",
    "腾",
    "飞",
    "越",
    "峰",
    "景",
    "茂",
    "欣",
    "悦",
    "尚",
    "品",
)


@dataclass(frozen=True)
class Trade:
    """A line of business: its GB/T 4754 section, company-name words and shop-name words."""

    industry: str
    weight: int
    company_words: tuple[str, ...]
    shop_words: tuple[str, ...] = ()


TRADES = (
    Trade(
        "C",
        26,
        (
            "服饰",
            "童装",
            "纺织",
            "丝绸",
            "机械",
            "电池",
            "竹木制品",
            "家具",
            "建材",
            "新材料",
            "电子",
            "五金",
            "化纤",
            "木业",
            "金属制品",
            "塑料制品",
            "食品",
            "茶业",
            "印染",
            "电机",
            "铝业",
            "包装",
        ),
        ("服装加工厂", "童装加工店", "竹制品加工厂", "五金加工部"),
    ),
    Trade(
        "F",
        22,
        ("贸易", "商贸", "供应链", "医药连锁", "百货", "农资", "建材贸易", "汽车销售", "电器"),
        (
            "便利店",
            "超市",
            "五金店",
            "建材商行",
            "烟酒店",
            "水果店",
            "副食品店",
            "服装店",
            "药店",
            "电器商行",
        ),
    ),
    Trade(
        "H",
        16,
        ("餐饮管理", "酒店管理", "度假酒店", "餐饮"),
        ("饭店", "面馆", "小吃店", "快餐店", "农家乐", "民宿", "酒家", "烧烤店", "茶餐厅", "早餐店"),
    ),
    Trade("E", 6, ("建设工程", "建筑", "装饰工程", "园林工程", "市政工程")),
    Trade("G", 5, ("物流", "运输", "货运代理", "快递", "仓储"), ("货运部", "快递服务部")),
    Trade("I", 3, ("网络科技", "信息技术", "软件", "地理信息")),
    Trade("K", 3, ("房地产开发", "物业管理", "置业")),
    Trade("L", 4, ("商务咨询", "人力资源", "广告", "企业管理", "旅行社")),
    Trade("M", 3, ("检测", "科技", "设计", "环保科技")),
    Trade(
        "O", 6, ("汽车服务", "家政服务"), ("美发店", "美容院", "洗车店", "汽车修理部", "家电维修部", "洗衣店")
    ),
    Trade("A", 3, ("农业开发", "生态农业", "茶叶", "水产"), ("家庭农场",)),
    Trade("R", 2, ("文化传媒", "体育发展", "娱乐"), ("健身房", "棋牌室", "网吧", "歌舞厅")),
    Trade("Q", 1, ("医疗管理", "养老服务"), ("诊所", "口腔诊所")),
    Trade("D", 1, ("燃气", "热电", "新能源", "光伏")),
    Trade("N", 1, ("环境工程", "园林绿化", "保洁服务")),
    Trade("B", 1, ("矿业", "石料")),
)
COMPANY_FORMS = (("有限公司", 85), ("有限责任公司", 8), ("股份有限公司", 4), ("厂", 3))
COOPERATIVES = (
    "茶叶专业合作社",
    "水产养殖专业合作社",
    "竹笋专业合作社",
    "蔬菜专业合作社",
    "湖羊养殖专业合作社",
    "果蔬专业合作社",
    "蚕桑专业合作社",
    "白茶专业合作社",
)
SOCIAL_ORGS = (  # (suffix, industry, credit-code kind)
    ("幼儿园", "P", "52"),
    ("培训学校", "P", "52"),
    ("养老院", "Q", "52"),
    ("社会工作服务中心", "Q", "52"),
    ("餐饮行业协会", "S", "51"),
    ("个体劳动者协会", "S", "51"),
)
RESIDENCES = ("花园", "新村", "小区", "家园", "公寓", "苑", "名都", "府")
VILLAGES = ("村", "社区")
