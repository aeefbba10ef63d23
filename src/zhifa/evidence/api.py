"""Evidence endpoints. Thin: parse, call the scoped query or the action, shape the answer.

Uploads are multipart (`file` plus form fields); the content endpoint streams the stored bytes
with their SHA-256 in `X-Content-SHA256` and `Repr-Digest` (RFC 9530) so a client can check them.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core import roles
from zhifa.core.actions import require_role_permission
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import ActionError, NotFound
from zhifa.evidence import actions, storage
from zhifa.evidence.models import EvidenceFile
from zhifa.registry.models import Agency

router = Router(tags=["证据"])


class GpsIO(Schema):
    lat: float
    lon: float


class EvidenceOut(Schema):
    id: int
    agency_code: str = Field(..., alias="agency.code")
    agency_name: str = Field(..., alias="agency.name")
    case_ref: str
    step: str
    kind: str
    kind_display: str = Field(..., alias="get_kind_display")
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str = Field(..., alias="uploaded_by_name")
    uploaded_at: dt.datetime
    collected_at: dt.datetime | None
    gps: GpsIO | None
    replaces_id: int | None
    replaced_by_id: int | None
    reason: str
    status: str

    @staticmethod
    def resolve_gps(obj: EvidenceFile) -> dict[str, float] | None:
        return {"lat": obj.gps_lat, "lon": obj.gps_lon} if obj.gps else None

    @staticmethod
    def resolve_replaced_by_id(obj: EvidenceFile) -> int | None:
        replaced_by = getattr(obj, "replaced_by", None) if obj.status != "current" else None
        return replaced_by.pk if replaced_by else None


class EvidenceIn(Schema):
    case_ref: str
    step: str
    kind: str
    title: str
    agency_code: str | None = None  # defaults to the caller's agency
    collected_at: dt.datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


class SupersedeIn(Schema):
    reason: str
    title: str | None = None
    kind: str | None = None
    collected_at: dt.datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


def _gps(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise ActionError("invalid_gps", "定位需同时提供纬度和经度", "gps")
    return (lat, lon)


def _agency(request: HttpRequest, agency_code: str | None) -> Agency:
    user: Any = request.user
    require_role_permission(user, EvidenceFile, roles.ADD)  # a supervisor: 403, not "agency missing"
    if not agency_code:
        if user.agency_id is None:
            raise ActionError("required", "请指定执法主体", "agency_code")
        return user.agency
    agency = Agency.objects.filter(code=agency_code.strip().upper()).first()
    if agency is None:
        raise ActionError("invalid_reference", f"执法主体不存在：{agency_code}", "agency_code")
    return agency


def _evidence(request: HttpRequest) -> Any:
    return scoped(request, EvidenceFile).select_related("agency", "replaced_by")


@router.post("/evidence", response={201: EvidenceOut})
def add_evidence(request: HttpRequest, payload: Form[EvidenceIn], file: File[UploadedFile]):
    evidence = actions.do_add_evidence(
        request.user,
        _agency(request, payload.agency_code),
        payload.case_ref,
        payload.step,
        payload.kind,
        payload.title,
        file,
        file.name or "",
        file.content_type or "",
        collected_at=payload.collected_at,
        gps=_gps(payload.gps_lat, payload.gps_lon),
    )
    return Status(201, _evidence(request).get(pk=evidence.pk))


@router.get("/evidence", response=list[EvidenceOut])
@paginate(LimitOffsetPagination)
def list_evidence(
    request: HttpRequest, case_ref: str | None = None, status: str | None = None, kind: str | None = None
):
    queryset = _evidence(request)
    if case_ref:
        queryset = queryset.filter(case_ref=case_ref)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("case_ref", "id")


@router.get("/evidence/{evidence_id}", response=EvidenceOut)
def get_evidence(request: HttpRequest, evidence_id: int):
    return scoped_get(request, EvidenceFile, _evidence(request), pk=evidence_id)


@router.post("/evidence/{evidence_id}/supersede", response={201: EvidenceOut})
def supersede_evidence(
    request: HttpRequest, evidence_id: int, payload: Form[SupersedeIn], file: File[UploadedFile]
):
    old = scoped_get(request, EvidenceFile, _evidence(request), pk=evidence_id)
    new = actions.do_supersede_evidence(
        request.user,
        old,
        file,
        file.name or "",
        file.content_type or "",
        payload.reason,
        title=payload.title,
        kind=payload.kind,
        collected_at=payload.collected_at,
        gps=_gps(payload.gps_lat, payload.gps_lon),
    )
    return Status(201, _evidence(request).get(pk=new.pk))


@router.get("/evidence/{evidence_id}/content")
def evidence_content(request: HttpRequest, evidence_id: int):
    evidence = scoped_get(request, EvidenceFile, _evidence(request), pk=evidence_id)
    try:
        handle = storage.absolute_path(evidence.storage_path).open("rb")
    except FileNotFoundError:
        raise NotFound("证据文件的存储内容缺失，请联系管理员核查") from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["Content-Length"] = str(evidence.size)
    response["X-Content-SHA256"] = evidence.sha256
    digest = base64.b64encode(bytes.fromhex(evidence.sha256)).decode("ascii")
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
