"""The enforcement domains (执法领域) a city's agencies work in, following the 综合行政执法
reform's main teams. Loaded by migration; regions may add their own through the API later."""

DOMAINS: list[tuple[str, str]] = [
    ("market_regulation", "市场监管"),
    ("ecology_environment", "生态环境"),
    ("urban_management", "城市管理"),
    ("transport", "交通运输"),
    ("emergency_management", "应急管理"),
    ("health", "卫生健康"),
    ("culture_tourism", "文化市场"),
    ("natural_resources", "自然资源"),
    ("housing_construction", "住房城乡建设"),
    ("agriculture", "农业农村"),
    ("water", "水利"),
    ("public_security", "公安"),
    ("fire_rescue", "消防救援"),
    ("education", "教育"),
    ("human_resources", "人力资源社会保障"),
    ("commerce", "商务"),
    ("forestry", "林业"),
    ("drug_regulation", "药品监管"),
    ("medical_insurance", "医疗保障"),
    ("civil_affairs", "民政"),
    ("statistics", "统计"),
    ("justice", "司法行政"),
]
