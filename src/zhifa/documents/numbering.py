"""Document numbers (文号): `湖市监罚〔2026〕15号`.

A number is the agency's prefix (机关代字), the kind's letter (`kinds.KindSpec.letter`), the year
in 〔〕 and the sequence number, gap-free per (agency, letter, year): `allocate_number` locks the
`DocumentSequence` row (SELECT … FOR UPDATE) inside the issuing transaction, so a refused or
failed issue rolls the increment back with everything else.

Agency prefix: `AGENCY_PREFIX_OVERRIDES` (keyed by the agency's 统一社会信用代码 or its full name)
wins; otherwise the prefix is derived from the name (see `derive_agency_prefix`) and fixed at the
agency's first number (`models.AgencyDocumentPrefix`): when another agency already holds the
derived prefix, the next free variant of `prefix_candidates` is taken, so two agencies never
issue the same number.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from zhifa.documents.kinds import spec_for
from zhifa.documents.models import AgencyDocumentPrefix, DocumentSequence
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


def _override(agency: Agency) -> str | None:
    return AGENCY_PREFIX_OVERRIDES.get(agency.code) or AGENCY_PREFIX_OVERRIDES.get(agency.name)


def _region_name(agency: Agency) -> str:
    region = getattr(agency, "region", None)
    if region is not None and region.name not in ("市辖区", "县", "省直辖县级行政区划"):
        return region.name
    return ""


def prefix_candidates(agency: Agency) -> list[str]:
    """The derived prefix, then its variants, in the order they are tried when taken: the first two
    characters of the place (湖州综执), the last character of the name's body (湖综执队), and
    finally a number (湖综执2, 湖综执3, …) so a free one always exists."""
    derived = derive_agency_prefix(agency.name, _region_name(agency))
    place = (_region_name(agency) or agency.name)[:2]
    candidates = [derived, place + derived[1:], derived + _body(agency.name)[-1:]]
    candidates += [f"{derived}{n}" for n in range(2, 100)]
    return list(dict.fromkeys(c for c in candidates if c))


def agency_prefix(agency: Agency) -> str:
    """The prefix the agency's numbers carry: the override, else the one fixed at its first
    number, else (nothing issued yet) the derived one it will most likely get."""
    override = _override(agency)
    if override:
        return override
    stored = AgencyDocumentPrefix.objects.filter(agency=agency).values_list("prefix", flat=True).first()
    return stored or derive_agency_prefix(agency.name, _region_name(agency))


def _fixed_prefix(agency: Agency) -> str:
    """The agency's prefix, fixed on first use inside the issuing transaction (a savepoint per
    try: another agency, possibly concurrently, may hold a candidate)."""
    override = _override(agency)
    if override:
        return override
    stored = AgencyDocumentPrefix.objects.filter(agency=agency).values_list("prefix", flat=True).first()
    if stored:
        return stored
    for candidate in prefix_candidates(agency):
        if AgencyDocumentPrefix.objects.filter(prefix=candidate).exists():
            continue
        try:
            with transaction.atomic():
                AgencyDocumentPrefix.objects.create(agency=agency, prefix=candidate)
            return candidate
        except IntegrityError:
            stored = (
                AgencyDocumentPrefix.objects.filter(agency=agency).values_list("prefix", flat=True).first()
            )
            if stored:  # a concurrent issue of the same agency fixed it first
                return stored
    raise RuntimeError(f"no free document prefix for agency {agency.code}")


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
    return sequence.last, format_number(_fixed_prefix(agency), letter, year, sequence.last)
