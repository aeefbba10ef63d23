"""Which laws each enforcement domain enforces, and how those laws name the domain's department.

Data with its source. The laws are those of the shipped corpus (`zhifa/laws/corpus`, short names
as in the file names) whose 法律责任 chapter assigns penalties to the domain's department; the
assignment follows the five 2018 综合行政执法改革 guidelines of the General Offices of the CPC
Central Committee and the State Council (市场监管, 生态环境保护, 交通运输, 文化市场, 农业) and,
for the other domains, the department the law itself names ("由县级以上人民政府……部门").
Laws listed but absent from the corpus (消费者权益保护法, 电子商务法, 商标法 are not shipped)
are left out on purpose rather than guessed.

`primary` laws are administered by the domain as a whole: their provisions that name no
department are the domain's. For the others only provisions whose department text contains one
of the domain's `department_keywords` are taken.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainLaws:
    laws: tuple[str, ...]  # Law.name
    department_keywords: tuple[str, ...]  # words of PenaltyProvision.department naming this domain
    primary: tuple[str, ...] = ()  # laws whose department-less provisions belong to the domain
    source: str = ""


MARKET_GUIDELINE = "《关于深化市场监管综合行政执法改革的指导意见》（中办发〔2018〕62号）"
ECOLOGY_GUIDELINE = "《关于深化生态环境保护综合行政执法改革的指导意见》（中办发〔2018〕64号）"
TRANSPORT_GUIDELINE = "《关于深化交通运输综合行政执法改革的指导意见》（中办发〔2018〕63号）"
CULTURE_GUIDELINE = "《关于进一步深化文化市场综合行政执法改革的意见》（中办发〔2018〕61号）"
AGRICULTURE_GUIDELINE = "《关于深化农业综合行政执法改革的指导意见》（中办发〔2018〕65号）"
LAW_TEXT = "各法律“法律责任”章规定的处罚部门"

DOMAIN_LAWS: dict[str, DomainLaws] = {
    "market_regulation": DomainLaws(
        laws=(
            "食品安全法",
            "产品质量法",
            "广告法",
            "反不正当竞争法",
            "价格法",
            "特种设备安全法",
            "计量法",
            "标准化法",
            "反食品浪费法",
            "反垄断法",
        ),
        department_keywords=(
            "市场监督管理",
            "食品安全监督管理",
            "工商行政管理",
            "质量技术监督",
            "产品质量监督",
            "价格主管",
            "特种设备安全监督管理",
            "计量行政",
            "标准化行政",
            "监督检查部门",
        ),
        primary=(
            "食品安全法",
            "产品质量法",
            "广告法",
            "反不正当竞争法",
            "价格法",
            "特种设备安全法",
            "计量法",
        ),
        source=MARKET_GUIDELINE,
    ),
    "drug_regulation": DomainLaws(
        laws=("药品管理法", "疫苗管理法"),
        department_keywords=("药品监督管理",),
        primary=("药品管理法", "疫苗管理法"),
        source=MARKET_GUIDELINE,
    ),
    "ecology_environment": DomainLaws(
        laws=(
            "环境保护法",
            "大气污染防治法",
            "水污染防治法",
            "固体废物污染环境防治法",
            "噪声污染防治法",
            "土壤污染防治法",
            "环境影响评价法",
            "放射性污染防治法",
            "长江保护法",
        ),
        department_keywords=("生态环境", "环境保护主管", "环境保护行政主管"),
        primary=("大气污染防治法", "水污染防治法", "环境影响评价法", "土壤污染防治法"),
        source=ECOLOGY_GUIDELINE,
    ),
    "urban_management": DomainLaws(
        laws=("城乡规划法", "固体废物污染环境防治法", "大气污染防治法", "噪声污染防治法"),
        department_keywords=("城乡规划主管", "环境卫生主管", "城市管理", "市容环境卫生", "城乡规划行政"),
        source="《关于深入推进城市执法体制改革改进城市管理工作的指导意见》（中发〔2015〕37号）；" + LAW_TEXT,
    ),
    "housing_construction": DomainLaws(
        laws=("建筑法", "城市房地产管理法", "消防法"),
        department_keywords=("建设行政主管", "住房和城乡建设", "房产管理", "建设主管"),
        primary=("建筑法",),
        source=LAW_TEXT,
    ),
    "transport": DomainLaws(
        laws=("公路法", "港口法", "航道法", "海上交通安全法"),
        department_keywords=("交通主管", "交通运输", "公路管理机构", "港口行政管理", "航道管理机构"),
        primary=("公路法", "港口法", "航道法"),
        source=TRANSPORT_GUIDELINE,
    ),
    "emergency_management": DomainLaws(
        laws=("安全生产法", "矿山安全法", "突发事件应对法"),
        department_keywords=("应急管理", "安全生产监督管理", "负有安全生产监督管理职责"),
        primary=("安全生产法",),
        source=LAW_TEXT,
    ),
    "fire_rescue": DomainLaws(
        laws=("消防法",),
        department_keywords=("消防救援机构",),
        source=LAW_TEXT,
    ),
    "health": DomainLaws(
        laws=(
            "传染病防治法",
            "职业病防治法",
            "基本医疗卫生与健康促进法",
            "医师法",
            "母婴保健法",
            "精神卫生法",
            "献血法",
        ),
        department_keywords=("卫生行政", "卫生健康"),
        primary=("传染病防治法", "医师法", "母婴保健法", "献血法"),
        source=LAW_TEXT,
    ),
    "culture_tourism": DomainLaws(
        laws=("旅游法", "文物保护法", "电影产业促进法", "非物质文化遗产法", "公共文化服务保障法"),
        department_keywords=("旅游主管", "文物主管", "文物行政", "电影主管", "文化主管"),
        primary=("旅游法", "电影产业促进法"),
        source=CULTURE_GUIDELINE,
    ),
    "natural_resources": DomainLaws(
        laws=("土地管理法", "矿产资源法", "测绘法", "城乡规划法"),
        department_keywords=("自然资源主管", "土地行政主管", "地质矿产主管", "测绘地理信息", "城乡规划主管"),
        primary=("土地管理法", "矿产资源法", "测绘法"),
        source=LAW_TEXT,
    ),
    "forestry": DomainLaws(
        laws=("森林法", "野生动物保护法", "湿地保护法", "草原法", "防沙治沙法"),
        department_keywords=("林业主管", "野生动物保护主管", "草原行政主管", "林业草原"),
        primary=("森林法",),
        source=LAW_TEXT,
    ),
    "agriculture": DomainLaws(
        laws=("农产品质量安全法", "渔业法", "种子法", "动物防疫法", "畜牧法", "农业法"),
        department_keywords=("农业农村主管", "农业行政主管", "渔业行政主管", "农业主管", "畜牧兽医", "渔政"),
        primary=("农产品质量安全法", "种子法", "动物防疫法", "畜牧法"),
        source=AGRICULTURE_GUIDELINE,
    ),
    "water": DomainLaws(
        laws=("水法", "防洪法", "水土保持法"),
        department_keywords=("水行政主管", "流域管理机构"),
        primary=("水法", "防洪法", "水土保持法"),
        source=LAW_TEXT,
    ),
    "public_security": DomainLaws(
        laws=("治安管理处罚法", "道路交通安全法", "居民身份证法", "枪支管理法", "禁毒法"),
        department_keywords=("公安机关",),
        primary=("治安管理处罚法", "居民身份证法", "枪支管理法"),
        source=LAW_TEXT,
    ),
    "education": DomainLaws(
        laws=("教育法", "民办教育促进法", "义务教育法", "教师法", "学前教育法"),
        department_keywords=("教育行政",),
        source=LAW_TEXT,
    ),
    "human_resources": DomainLaws(
        laws=("劳动法", "劳动合同法", "社会保险法", "就业促进法"),
        department_keywords=("劳动行政", "社会保险行政", "人力资源社会保障"),
        primary=("劳动合同法",),
        source=LAW_TEXT,
    ),
    "statistics": DomainLaws(
        laws=("统计法",),
        department_keywords=("统计机构", "统计机关"),
        primary=("统计法",),
        source=LAW_TEXT,
    ),
}


def department_matches(domain_code: str, law_name: str, department: str) -> bool:
    """Whether a provision of `law_name` punishing through `department` belongs to the domain."""
    entry = DOMAIN_LAWS.get(domain_code)
    if entry is None or law_name not in entry.laws:
        return False
    text = (department or "").strip()
    if not text:
        return law_name in entry.primary
    return any(keyword in text for keyword in entry.department_keywords)
