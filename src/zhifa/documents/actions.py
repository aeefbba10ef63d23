"""Drafting, issuing and correcting enforcement documents.

* `do_draft_document` renders a DOCX officers may edit; it takes no number.
* `do_issue_document` checks the context is complete, takes the next number (gap-free: the
  sequence row is locked and the increment rolls back with a failed issue), renders the PDF
  (and a DOCX copy), stores both under MEDIA_ROOT/documents/…, and records one audit entry whose
  `after` holds `pdf_sha256`.
* An issued document never changes. `do_issue_correction` issues a new document (new number)
  that `corrects` the old one; the old one's status becomes `corrected` (its own audit entry).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from zhifa.core import audit, roles
from zhifa.core.actions import is_system, optional_text, require_role_permission
from zhifa.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from zhifa.documents.kinds import clean_context, spec_for
from zhifa.documents.models import DocumentStatus, IssuedDocument
from zhifa.documents.numbering import allocate_number
from zhifa.documents.render import render_docx, render_pdf
from zhifa.registry.models import Agency

__all__ = [
    "do_draft_document",
    "do_issue_correction",
    "do_issue_document",
    "render_docx",
    "render_pdf",
]


def _require_own_agency(actor: Any, agency: Agency) -> None:
    """Agency roles issue in their own agency's name only."""
    if is_system(actor):
        return
    if not isinstance(agency, Agency) or agency.pk is None:
        raise NotFound("执法主体不存在", "agency")
    if getattr(actor, "agency_id", None) != agency.pk:
        raise PermissionDenied("只能以本机关名义制作文书")


def _with_agency(agency: Agency, context: dict[str, Any] | None) -> dict[str, Any]:
    if context is not None and not isinstance(context, dict):
        raise ActionError("invalid_format", "文书内容应为字段与值的对应", "context")
    merged = dict(context or {})
    if not str(merged.get("agency_name") or "").strip():
        merged["agency_name"] = agency.name
    return merged


def _store(folder: str, suffix: str, data: bytes) -> str:
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.{suffix}", ContentFile(data))


def _discard(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort for files of a rolled-back issue
            pass


def do_draft_document(
    actor: Any, agency: Agency, kind: str, case_ref: str, context: dict[str, Any] | None
) -> IssuedDocument:
    """A draft: a DOCX with the fields known so far (required ones may still be empty), no number."""
    require_role_permission(actor, IssuedDocument, roles.ADD)
    _require_own_agency(actor, agency)
    spec = spec_for(kind)
    case_ref = optional_text(case_ref, "case_ref", "案件编号", 64)
    context = clean_context(kind, _with_agency(agency, context), complete=False)
    docx = render_docx(kind, context, "", complete=False)
    name = _store(f"documents/{agency.code}/drafts", "docx", docx)
    try:
        with transaction.atomic():
            document = IssuedDocument.objects.create(
                kind=spec.kind.value,
                agency=agency,
                case_ref=case_ref,
                context=context,
                status=DocumentStatus.DRAFT,
                docx_file=name,
            )
            audit.record_change(actor, "documents.draft", document, None)
    except BaseException:
        _discard([name])
        raise
    return document


def do_issue_document(
    actor: Any,
    agency: Agency,
    kind: str,
    case_ref: str,
    context: dict[str, Any] | None,
    corrects: IssuedDocument | None = None,
) -> IssuedDocument:
    """Issue a numbered, immutable document. With `corrects`, it replaces that issued document of
    the same agency and kind (prefer `do_issue_correction`)."""
    require_role_permission(actor, IssuedDocument, roles.ADD)
    _require_own_agency(actor, agency)
    spec = spec_for(kind)
    case_ref = optional_text(case_ref, "case_ref", "案件编号", 64)
    context = clean_context(kind, _with_agency(agency, context), complete=True)
    stored: list[str] = []
    try:
        with transaction.atomic():
            original = None
            if corrects is not None:
                original = _lock_correctable(actor, corrects, agency, spec.kind.value)
            issued_at = timezone.now()
            sequence, number = allocate_number(agency, spec.kind.value, timezone.localtime(issued_at).year)
            pdf = render_pdf(spec.kind.value, context, number)
            docx = render_docx(spec.kind.value, context, number)
            folder = f"documents/{agency.code}/{timezone.localtime(issued_at).year}"
            stored.append(_store(folder, "pdf", pdf))
            stored.append(_store(folder, "docx", docx))
            document = IssuedDocument.objects.create(
                number=number,
                sequence=sequence,
                kind=spec.kind.value,
                agency=agency,
                case_ref=case_ref,
                context=context,
                status=DocumentStatus.ISSUED,
                pdf_file=stored[0],
                pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                docx_file=stored[1],
                issued_at=issued_at,
                issued_by=actor if getattr(actor, "pk", None) else None,
                corrects=original,
            )
            audit.record_change(actor, "documents.issue", document, None)
            if original is not None:
                before = audit.snapshot(original)
                IssuedDocument.objects.filter(pk=original.pk).update(status=DocumentStatus.CORRECTED)
                original.status = DocumentStatus.CORRECTED
                audit.record_change(actor, "documents.mark_corrected", original, before)
    except BaseException:
        _discard(stored)
        raise
    return document


def _lock_correctable(actor: Any, target: IssuedDocument | int, agency: Agency, kind: str) -> IssuedDocument:
    pk = target.pk if isinstance(target, IssuedDocument) else target
    queryset = IssuedDocument.objects.select_for_update(of=("self",))
    if not is_system(actor):
        queryset = queryset.restrict(actor, roles.VIEW)  # a correction adds; the old one is only marked
    original = queryset.filter(pk=pk).first()
    if original is None:
        raise NotFound("被更正的文书不存在", "corrects")
    if original.status != DocumentStatus.ISSUED:
        message = (
            "该文书已被更正，请更正最新的文书"
            if original.status == DocumentStatus.CORRECTED
            else "草稿不需要更正，请直接签发"
        )
        raise Conflict("not_correctable", message, "corrects")
    if original.agency_id != agency.pk or original.kind != kind:
        raise ActionError("invalid_reference", "更正文书应与原文书属于同一机关、同一种类", "corrects")
    return original


def do_issue_correction(
    actor: Any, original: IssuedDocument | int, context: dict[str, Any] | None, case_ref: str | None = None
) -> IssuedDocument:
    """Correct an issued document: a new document (new number) with the corrected context that
    references the old one, whose status becomes `corrected`."""
    pk = original.pk if isinstance(original, IssuedDocument) else original
    if is_system(actor):
        old = IssuedDocument.objects.filter(pk=pk).select_related("agency").first()
    else:
        require_role_permission(actor, IssuedDocument, roles.ADD)
        old = IssuedDocument.objects.restrict(actor).filter(pk=pk).select_related("agency").first()
    if old is None:
        raise NotFound("被更正的文书不存在", "corrects")
    return do_issue_document(
        actor, old.agency, old.kind, old.case_ref if case_ref is None else case_ref, context, corrects=old
    )
