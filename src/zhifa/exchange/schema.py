"""The standard exchange format: one JSON Schema (draft 2020-12) per record family.

Schemas live in `schemas/<family>.v<major>.json`; shared pieces are in `schemas/common.v1.json`
and referenced by `$ref`. `validate(family, record)` returns every problem of a record as
`Problem(field, code, message)` with a stable reason code and a Chinese message.

The schemas check shape, types, code sets and formats. They do not check what needs data or
arithmetic: credit-code and ID-number check characters (`zhifa.core.identifiers`), whether a
region code exists on the record's date, whether dates are ordered and plausible, and whether
referenced agencies, powers and entities are known. The import pipeline does those.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent / "schemas"
VERSION = 1
FAMILIES: tuple[str, ...] = (
    "agency",
    "officer",
    "certificate",
    "power",
    "entity",
    "inspection",
    "case",
    "decision",
    "licence",
    "coercion",
    "complaint",
    "review",
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


class Problem(NamedTuple):
    """One reason a record is invalid: the field at fault (dotted path), a stable code, a message."""

    field: str
    code: str
    message: str


class UnknownFamily(ValueError):
    pass


def families() -> tuple[str, ...]:
    return FAMILIES


def schema_path(family: str, version: int = VERSION) -> Path:
    if family not in FAMILIES and family != "common":
        raise UnknownFamily(f"未知的数据交换记录类别：{family}")
    return SCHEMA_DIR / f"{family}.v{version}.json"


@cache
def load_schema(family: str, version: int = VERSION) -> dict[str, Any]:
    """The parsed schema of `family` (cached; treat it as read-only)."""
    return json.loads(schema_path(family, version).read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def format_checker() -> FormatChecker:
    """Strict `date` (YYYY-MM-DD) and `date-time` (RFC 3339 with an offset) checks."""
    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_date_time)
    return checker


@cache
def validator(family: str, version: int = VERSION) -> Draft202012Validator:
    return Draft202012Validator(
        load_schema(family, version), registry=_registry(), format_checker=format_checker()
    )


@cache
def field_validator(family: str, name: str, version: int = VERSION) -> Draft202012Validator:
    """A validator for one top-level field's value alone (its `$ref`s resolved against the
    family's schema): validating a value this way is far cheaper than validating a whole record
    around it, which also reports every field the record lacks."""
    field = load_schema(family, version)["properties"][name]
    return validator(family, version).evolve(schema=field)


def check_schema(family: str, version: int = VERSION) -> None:
    """Raise `jsonschema.SchemaError` when the schema file is not valid draft 2020-12."""
    Draft202012Validator.check_schema(load_schema(family, version))


def validate(family: str, record: dict[str, Any], version: int = VERSION) -> list[Problem]:
    """Every problem of `record`, sorted by field. A `None` value counts as absent."""
    if not isinstance(record, dict):
        return [Problem("", "type", "记录应为对象（JSON object）")]
    present = {key: value for key, value in record.items() if value is not None}
    titles = field_titles(family, version)
    problems: set[Problem] = set()
    for error in validator(family, version).iter_errors(present):
        problems.update(_problems_of(error, titles))
    return sorted(problems)


def field_titles(family: str, version: int = VERSION) -> dict[str, str]:
    """Chinese title of each top-level field of `family`."""
    properties = load_schema(family, version)["properties"]
    return {name: spec.get("title", name) for name, spec in properties.items()}


def _path(error: ValidationError, *extra: str) -> str:
    return ".".join([*(str(part) for part in error.absolute_path), *extra])


def _label(field: str, titles: dict[str, str]) -> str:
    top = field.split(".", 1)[0]
    title = titles.get(top)
    return f"{title}（{field}）" if title else field


def _problems_of(error: ValidationError, titles: dict[str, str]) -> list[Problem]:
    kind = error.validator
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]
        return [
            Problem(_path(error, n), "required", f"{_label(_path(error, n), titles)}为必填项")
            for n in missing
        ]
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = [name for name in error.instance if name not in allowed]
        return [Problem(_path(error, n), "unknown_field", f"不认识的字段：{_path(error, n)}") for n in extra]
    field = _path(error)
    code = _reason_code(error)
    return [Problem(field, code, _message(code, _label(field, titles), error))]


_SIMPLE_CODES = {
    "type": "type",
    "enum": "invalid_code",
    "const": "invalid_code",
    "pattern": "invalid_format",
    "minimum": "out_of_range",
    "maximum": "out_of_range",
    "exclusiveMinimum": "out_of_range",
    "exclusiveMaximum": "out_of_range",
    "maxLength": "too_long",
    "minItems": "too_few",
    "maxItems": "too_many",
    "uniqueItems": "duplicate",
}


def _reason_code(error: ValidationError) -> str:
    kind = str(error.validator)
    if kind == "format":
        return "invalid_date" if error.validator_value in ("date", "date-time") else "invalid_format"
    if kind == "minLength":
        return "empty" if error.instance == "" else "too_short"
    return _SIMPLE_CODES.get(kind, "invalid")


_TYPE_NAMES = {
    "string": "文本",
    "number": "数字",
    "integer": "整数",
    "boolean": "是/否（true/false）",
    "array": "列表",
    "object": "对象",
}


def _message(code: str, label: str, error: ValidationError) -> str:
    value = error.validator_value
    match code:
        case "type":
            return f"{label}应为{_TYPE_NAMES.get(str(value), str(value))}"
        case "invalid_code":
            return f"{label}的取值不在代码集中：{error.instance!r}"
        case "invalid_format":
            return f"{label}格式错误：{error.instance!r}"
        case "invalid_date":
            if value == "date":
                return f"{label}不是有效的日期，应为 YYYY-MM-DD：{error.instance!r}"
            return f"{label}不是有效的时间，应为带时区的 YYYY-MM-DDTHH:MM:SS+08:00：{error.instance!r}"
        case "out_of_range":
            return f"{label}超出允许范围（{error.validator} {value}）：{error.instance!r}"
        case "empty":
            return f"{label}不能为空"
        case "too_short" | "too_long":
            return f"{label}长度不符合要求（{error.validator} {value}）"
        case "too_few" | "too_many":
            return f"{label}的条目数不符合要求（{error.validator} {value}）"
        case "duplicate":
            return f"{label}含有重复的条目"
    return f"{label}不符合交换格式：{error.message}"
