"""Evidence actions: add a file, supersede a file (never replace in place), verify stored bytes."""

from __future__ import annotations

import datetime as dt
import math
import posixpath
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from zhifa.core import audit, roles
from zhifa.core.actions import (
    get_for_change,
    is_system,
    require_choice,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError, Conflict
from zhifa.evidence import storage
from zhifa.evidence.models import EvidenceFile, EvidenceKind, EvidenceStatus
from zhifa.registry.models import Agency

# Content types accepted: exact types, and whole families by prefix. Parameters
# (`; charset=utf-8`) are ignored; matching is case-insensitive.
ALLOWED_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/rtf",
        "application/vnd.ms-works",
        "application/wps-office.doc",
        "application/wps-office.docx",
        "application/wps-office.xls",
        "application/wps-office.xlsx",
        "application/ofd",  # 版式文档 (GB/T 33190), common in Chinese government paperwork
    }
)
ALLOWED_CONTENT_TYPE_PREFIXES = (
    "image/",
    "video/",
    "audio/",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)
# Collected-at may lie slightly ahead of the server clock (phone clocks drift).
CLOCK_SKEW = dt.timedelta(minutes=10)


def normalize_content_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def content_type_allowed(content_type: str) -> bool:
    return content_type in ALLOWED_CONTENT_TYPES or content_type.startswith(ALLOWED_CONTENT_TYPE_PREFIXES)


def _clean_content_type(content_type: str | None) -> str:
    value = normalize_content_type(content_type)
    if not value:
        raise ActionError("required", "文件类型不能为空", "content_type")
    if len(value) > 127 or not content_type_allowed(value):
        raise ActionError(
            "content_type_not_allowed",
            f"不支持的文件类型：{value or content_type}（允许图片、视频、音频、PDF、办公文档、文本）",
            "content_type",
            status=415,
        )
    return value


def _clean_name(original_name: str | None) -> str:
    # Keep only the last path component: browsers on Windows may send "C:\\...\\x.jpg".
    name = posixpath.basename((original_name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return require_text(name, "original_name", "原文件名", 255)


def _clean_collected_at(collected_at: dt.datetime | None) -> dt.datetime | None:
    if collected_at is None:
        return None
    if timezone.is_naive(collected_at):
        collected_at = timezone.make_aware(collected_at)
    if collected_at > timezone.now() + CLOCK_SKEW:
        raise ActionError("collected_in_future", "取证时间不能晚于当前时间", "collected_at")
    return collected_at


def _clean_gps(gps: tuple[float, float] | list[float] | None) -> tuple[float | None, float | None]:
    if gps is None:
        return None, None
    try:
        lat, lon = (float(v) for v in gps)
    except (TypeError, ValueError):
        raise ActionError("invalid_gps", "定位应为（纬度，经度）两个数字", "gps") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ActionError("invalid_gps", "定位超出范围：纬度 -90～90，经度 -180～180", "gps")
    return lat, lon


def _require_own_agency(actor: Any, agency: Agency) -> None:
    """Only the agency's own officers and leads add evidence to its cases."""
    if is_system(actor):
        return
    if getattr(actor, "agency_id", None) != agency.pk:
        raise ActionError("out_of_scope", "只能为本单位的案件添加证据", "agency", status=403)


def _uploader(actor: Any) -> dict[str, Any]:
    if is_system(actor):
        return {"uploaded_by": None, "uploaded_by_name": "system"}
    return {"uploaded_by": actor, "uploaded_by_name": actor.get_username()}


def _evidence_after(evidence: EvidenceFile, stored: storage.Stored) -> dict[str, Any] | None:
    # The row's own fields already carry sha256, size and storage_path; say whether the bytes
    # were new on disk too, so the trail shows deduplication.
    return audit.snapshot(evidence, {"stored_new_file": stored.created})


def do_add_evidence(
    actor: Any,
    agency: Agency,
    case_ref: str,
    step: str,
    kind: str,
    title: str,
    fileobj: BinaryIO | Any,
    original_name: str,
    content_type: str,
    collected_at: dt.datetime | None = None,
    gps: tuple[float, float] | None = None,
) -> EvidenceFile:
    """Store one evidence file (content-addressed, hashed) and record it with its audit entry."""
    require_role_permission(actor, EvidenceFile, roles.ADD)
    _require_own_agency(actor, agency)
    case_ref = require_text(case_ref, "case_ref", "案件编号", 64)
    step = require_text(step, "step", "办案环节", 64)
    kind = require_choice(kind, EvidenceKind, "kind", "证据种类")
    title = require_text(title, "title", "证据名称", 200)
    original_name = _clean_name(original_name)
    content_type = _clean_content_type(content_type)
    collected_at = _clean_collected_at(collected_at)
    lat, lon = _clean_gps(gps)
    # Stream the bytes before opening the transaction: a large upload must not hold the
    # database's write lock. An upload whose row then fails leaves an unreferenced file behind,
    # which is harmless (content-addressed; a later upload of the same bytes reuses it).
    stored = storage.store(fileobj)
    with transaction.atomic():
        evidence = EvidenceFile.objects.create(
            agency=agency,
            case_ref=case_ref,
            step=step,
            kind=kind,
            title=title,
            **_file_fields(stored, original_name, content_type, collected_at, lat, lon),
            **_uploader(actor),
        )
        audit.record(
            audit.Change(
                "evidence.add",
                "evidence.evidencefile",
                str(evidence.pk),
                after=_evidence_after(evidence, stored),
                actor=actor,
            )
        )
    return evidence


def _file_fields(
    stored: Any, original_name: str, content_type: str, collected_at: Any, lat: Any, lon: Any
) -> dict[str, Any]:
    """The columns describing one stored upload (shared by adding and superseding)."""
    return {
        "original_name": original_name,
        "content_type": content_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "storage_path": stored.path,
        "collected_at": collected_at,
        "gps_lat": lat,
        "gps_lon": lon,
    }


def do_supersede_evidence(
    actor: Any,
    evidence: EvidenceFile,
    fileobj: BinaryIO | Any,
    original_name: str,
    content_type: str,
    reason: str,
    title: str | None = None,
    kind: str | None = None,
    collected_at: dt.datetime | None = None,
    gps: tuple[float, float] | None = None,
) -> EvidenceFile:
    """Add a corrected file that replaces `evidence`; the old one becomes superseded, both kept.

    The new file inherits agency, case, step, kind and title unless given."""
    require_role_permission(actor, EvidenceFile, roles.ADD)
    reason = require_text(reason, "reason", "替换原因", 1000)
    if kind is not None:
        kind = require_choice(kind, EvidenceKind, "kind", "证据种类")
    if title is not None:
        title = require_text(title, "title", "证据名称", 200)
    original_name = _clean_name(original_name)
    content_type = _clean_content_type(content_type)
    collected_at = _clean_collected_at(collected_at)
    lat, lon = _clean_gps(gps)
    # Scope first (404 / 403) so that an out-of-scope caller cannot even store bytes.
    old = _get_current(actor, evidence.pk)
    stored = storage.store(fileobj)
    if stored.sha256 == old.sha256:
        raise ActionError("same_content", "新文件与原证据内容完全相同，无需替换", "file")
    with transaction.atomic():
        old = _get_current(actor, evidence.pk)  # again, locked: it may have changed meanwhile
        before = audit.snapshot(old)
        new = EvidenceFile.objects.create(
            agency_id=old.agency_id,
            case_ref=old.case_ref,
            step=old.step,
            kind=kind or old.kind,
            title=title or old.title,
            **_file_fields(stored, original_name, content_type, collected_at, lat, lon),
            replaces=old,
            reason=reason,
            **_uploader(actor),
        )
        old.status = EvidenceStatus.SUPERSEDED
        old.save(update_fields=["status"])
        audit.record_many(
            [
                audit.Change(
                    "evidence.supersede",
                    "evidence.evidencefile",
                    str(old.pk),
                    before=before,
                    after=audit.snapshot(old, {"replaced_by_id": new.pk, "reason": reason}),
                    actor=actor,
                ),
                audit.Change(
                    "evidence.add",
                    "evidence.evidencefile",
                    str(new.pk),
                    after=_evidence_after(new, stored),
                    actor=actor,
                ),
            ]
        )
    evidence.status = EvidenceStatus.SUPERSEDED
    return new


def _get_current(actor: Any, pk: int) -> EvidenceFile:
    with transaction.atomic():
        old = get_for_change(actor, EvidenceFile, pk=pk)
    if old.status != EvidenceStatus.CURRENT:
        raise Conflict("already_superseded", "该证据已被替换，请对最新版本操作", "evidence")
    return old


def verify_evidence(evidence: EvidenceFile) -> bool:
    """Whether the stored bytes still hash to the recorded SHA-256 (False if the file is gone)."""
    return storage.file_sha256(evidence.storage_path) == evidence.sha256
