"""Differences between two versions of a power (their snapshots), for the history page and API."""

from __future__ import annotations

from typing import Any

FIELD_LABELS = {
    "code": "职权编码",
    "name": "职权名称",
    "kind": "职权类别",
    "holder_code": "实施主体代码",
    "holder_name": "实施主体",
    "domain_code": "执法领域",
    "status": "状态",
    "effective_from": "生效日期",
    "conduct": "针对的违法行为/事项",
    "basis": "法律依据",
    "provisions": "法定罚则",
}


def _display(field: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if field in ("basis", "provisions"):
        return "\n".join(item.get("citation", "") for item in value)
    return str(value)


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per field: label, old and new text, whether it changed."""
    rows = []
    for field, label in FIELD_LABELS.items():
        before, after = _display(field, old.get(field)), _display(field, new.get(field))
        rows.append({"field": field, "label": label, "old": before, "new": after, "changed": before != after})
    return rows
