"""From mapped text columns to typed exchange records.

The mapping engine yields text. The exchange schema wants lists, numbers, booleans and points;
this module turns one mapped row into a record the schema validator accepts, by the schema's
declared types: a list is split on ``;`` ``；`` ``,`` ``，`` ``、`` ``|`` (free-text lists such as
``legal_basis`` only on ``;`` ``；`` ``|``), a point is ``latitude,longitude``, booleans are
``true``/``false``. The import command may do the same column-wise; the demo tests use this.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from zhifa.exchange.schema import load_schema

CODE_LIST = re.compile(r"\s*[;；,，、|]\s*")
TEXT_LIST = re.compile(r"\s*[;；|]\s*")
BOOKKEEPING = ("_row", "_error", "_raw")


@cache
def field_types(family: str) -> dict[str, tuple[str, bool]]:
    """Field → (JSON type, whether a list's items are codes)."""
    schema = load_schema(family)
    common = load_schema("common")
    out = {}
    for name, spec in schema["properties"].items():
        if "$ref" in spec:
            spec = common["$defs"].get(spec["$ref"].rsplit("/", 1)[-1], {})
        kind = "object" if "properties" in spec else spec.get("type", "string")
        items = spec.get("items", {})
        out[name] = (kind, "$ref" in items or "enum" in items or "pattern" in items)
    return out


def typed_record(family: str, row: dict[str, Any]) -> dict[str, Any]:
    """The exchange record of one mapped row (bookkeeping columns and empty values left out)."""
    types = field_types(family)
    record: dict[str, Any] = {}
    for name, value in row.items():
        if name in BOOKKEEPING or value is None or value == "":
            continue
        kind, coded = types.get(name, ("string", False))
        record[name] = _convert(value, kind, coded)
    return record


def _convert(value: str, kind: str, coded: bool) -> Any:
    try:
        if kind == "array":
            return [part for part in (CODE_LIST if coded else TEXT_LIST).split(value) if part]
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() else number
        if kind == "integer":
            return int(float(value))
        if kind == "boolean":
            return {"true": True, "false": False}.get(value.lower(), value)
        if kind == "object":
            latitude, longitude = (float(part) for part in value.split(","))
            return {"latitude": latitude, "longitude": longitude}
    except ValueError:
        return value
    return value
