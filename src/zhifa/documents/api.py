"""Issued documents through the API (`/api/v1/documents`): metadata, the PDF and the DOCX.

Reads are scoped like every other record (the issuing agency's subtree, the supervisor's
region); a document outside scope is 404. The PDF is served with its SHA-256, which the
document's audit entry also holds, so anyone can check the bytes were not changed."""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import Router, Schema

from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import NotFound
from zhifa.documents.models import IssuedDocument

router = Router(tags=["执法文书"])


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    number: str
    status: str
    case_ref: str
    agency_code: str
    issued_at: dt.datetime | None
    pdf_sha256: str
    corrects_id: int | None


def _out(document: IssuedDocument) -> DocumentOut:
    return DocumentOut(
        id=document.pk,
        kind=document.kind,
        title=document.title,
        number=document.number,
        status=document.status,
        case_ref=document.case_ref,
        agency_code=document.agency.code,
        issued_at=document.issued_at,
        pdf_sha256=document.pdf_sha256,
        corrects_id=document.corrects_id,
    )


@router.get("/documents", response=list[DocumentOut])
def list_documents(request: HttpRequest, case_ref: str = "") -> list[DocumentOut]:
    documents = scoped(request, IssuedDocument).select_related("agency")
    if case_ref:
        documents = documents.filter(case_ref=case_ref)
    return [_out(d) for d in documents[:500]]


@router.get("/documents/{document_id}", response=DocumentOut)
def get_document(request: HttpRequest, document_id: int) -> DocumentOut:
    return _out(scoped_get(request, IssuedDocument, pk=document_id))


def _file(document: IssuedDocument, name: str, suffix: str, content_type: str) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise NotFound("该文书没有此格式的文件")
    filename = f"{document.title}{document.number or '（草稿）'}.{suffix}"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type, filename=filename)
    if suffix == "pdf" and document.pdf_sha256:
        response["X-Content-SHA256"] = document.pdf_sha256
    return response


@router.get("/documents/{document_id}/pdf")
def document_pdf(request: HttpRequest, document_id: int) -> FileResponse:
    document = scoped_get(request, IssuedDocument, pk=document_id)
    return _file(document, document.pdf_file, "pdf", "application/pdf")


@router.get("/documents/{document_id}/docx")
def document_docx(request: HttpRequest, document_id: int) -> FileResponse:
    document = scoped_get(request, IssuedDocument, pk=document_id)
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return _file(document, document.docx_file, "docx", docx)
