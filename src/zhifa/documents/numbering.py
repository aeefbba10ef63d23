"""Document numbers (文号): `湖市监罚〔2026〕15号`.

A number is the agency's prefix (机关代字), the kind's letter (`kinds.KindSpec.letter`), the year
in 〔〕 and the sequence number, gap-free per (agency, letter, year): `allocate_number` locks the
`DocumentSequence` row (SELECT … FOR UPDATE) inside the issuing transaction, so a refused or
failed issue rolls the increment back with everything else.

Agency prefix: `AGENCY_PREFIX_OVERRIDES` (keyed by the agency's 统一社会信用代码 or its full name)
wins; otherwise the prefix is derived from the name (see `derive_agency_prefix`).
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from zhifa.documents.kinds import spec_for
from zhifa.documents.models import DocumentSequence
from zhifa.registry.models import Agency

# Installations put the prefixes their agencies really use here (code or full name → prefix).
AGENCY_PREFIX_OVERRIDES: dict[str, str] = {}

# The agency's line of work → its short form, first match wins (longer phrases first).
BODY_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("市场监督管理", "市监"),
    ("市场监管", "市监"),
    ("综合行政执法", "综执"),
    ("生态环境", "环"),
    ("交通运输", "交"),
    ("应急管理", "应急"),
    ("卫生健康", "卫健"),
    ("自然资源和规划", "资规"),
    ("自然资源", "资"),
    ("农业农村", "农"),
    ("文化广电旅游", "文旅"),
    ("住房和城乡建设", "建"),
    ("城市管理", "城管"),
    ("人力资源和社会保障", "人社"),
    ("水利", "水"),
    ("公安", "公"),
    ("税务", "税"),
    ("消防救援", "消"),
    ("林业", "林"),
)
_LEADING_PLACE = re.compile(r"^.{1,7}?(?:自治区|自治州|自治县|省|市|区|县|旗|盟|州(?!市))(?![场政])")


def _body(name: str) -> str:
    """The name without its leading place names (湖州市吴兴区气象局 → 气象局)."""
    rest = name
    while (match := _LEADING_PLACE.match(rest)) and match.end() < len(rest):
        rest = rest[match.end() :]
    return rest


def derive_agency_prefix(name: str, region_name: str = "") -> str:
    """The documented rule, e.g. 湖州市市场监督管理局 (region 湖州市) → 湖市监:

    1. the first character of the agency's region name (湖州市 → 湖, 吴兴区 → 吴); without a
       usable region, the first character of the agency's name;
    2. then the short form of the agency's line of work from `BODY_ABBREVIATIONS`
       (市场监督管理 → 市监, 生态环境 → 环, …); if none matches, the first two characters of the
       name after its place names (湖州市气象局 → 气象);
    3. a branch (…分局) adds the character before 分局 (生态环境局南浔分局 → 环浔).
    """
    place = (region_name or "").strip() or name
    prefix = place[:1]
    abbreviation = next((short for phrase, short in BODY_ABBREVIATIONS if phrase in name), None)
    if abbreviation is None:
        abbreviation = _body(name)[:2]
    prefix += abbreviation
    if name.endswith("分局") and len(name) > 2:
        prefix += name[-3]
    return prefix


def agency_prefix(agency: Agency) -> str:
    override = AGENCY_PREFIX_OVERRIDES.get(agency.code) or AGENCY_PREFIX_OVERRIDES.get(agency.name)
    if override:
        return override
    region_name = ""
    region = getattr(agency, "region", None)
    if region is not None and region.name not in ("市辖区", "县", "省直辖县级行政区划"):
        region_name = region.name
    return derive_agency_prefix(agency.name, region_name)


def format_number(prefix: str, letter: str, year: int, sequence: int) -> str:
    return f"{prefix}{letter}〔{year}〕{sequence}号"


def allocate_number(agency: Agency, kind: str, year: int) -> tuple[int, str]:
    """The next (sequence, number) for this agency, kind letter and year. Must run inside the
    transaction that issues the document, so a rollback returns the number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document numbers must be allocated inside the issuing transaction")
    letter = spec_for(kind).letter
    lookup = {"agency": agency, "kind_prefix": letter, "year": year}
    sequence = DocumentSequence.objects.select_for_update().filter(**lookup).first()
    if sequence is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first issue may create it too
                DocumentSequence.objects.create(**lookup, last=0)
        except IntegrityError:
            pass
        sequence = DocumentSequence.objects.select_for_update().get(**lookup)
    sequence.last += 1
    DocumentSequence.objects.filter(pk=sequence.pk).update(last=sequence.last)
    return sequence.last, format_number(agency_prefix(agency), letter, year, sequence.last)
