"""Supervision endpoints (`/api/v1/supervision`). Thin: parse, call the scoped query or the action.

`GET /supervision/dispositions` lists the caller's dispositions (the supervisor its region's, the
agency its own); `POST /supervision/dispositions/{id}/transitions/{name}` runs one transition of
`zhifa.supervision.procedure.TRANSITIONS` (the body is a JSON object of the transition's fields;
every body accepts `on`, the step's date, default today). Documents are served through the
disposition so that the agency they address can open them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status

from zhifa.core import roles
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import ActionError, NotFound
from zhifa.core.scope import can
from zhifa.supervision import actions, queries
from zhifa.supervision.models import Disposition
from zhifa.supervision.procedure import TRANSITIONS, Procedure, State, available

router = Router(tags=["执法监督处置"])


class OpenIn(Schema):
    clue_id: int


class ClockOut(Schema):
    label: str
    started_on: dt.date | None
    due_on: dt.date
    met_on: dt.date | None
    state: str
    days_left: int | None
    overdue_since: dt.date | None


class DispositionOut(Schema):
    id: int
    number: str
    clue_id: int
    clue_title: str
    clue_severity: str
    model_slug: str
    agency_code: str | None
    agency_name: str | None
    region_code: str
    procedure: str
    procedure_display: str
    state: str
    state_display: str
    assignee: str | None
    outcome: str
    deadline: dt.date | None
    overdue: bool
    overdue_since: dt.date | None
    closed_on: dt.date | None


class StepOut(Schema):
    id: int
    code: str
    done_on: dt.date
    by: str
    data: dict[str, Any]


class TransitionOut(Schema):
    name: str
    label: str
    target: str
    side: str
    roles: list[str]
    mine: bool


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    number: str
    issued_at: dt.datetime | None
    pdf_sha256: str
    pdf_url: str


class TimelineOut(Schema):
    seq: int
    occurred_at: dt.datetime
    action: str
    label: str
    actor: str
    actor_role: str
    outcome: str


class DispositionDetailOut(DispositionOut):
    clue_detail: str
    clue_evidence: list[dict[str, Any]]
    clock: ClockOut | None
    steps: list[StepOut]
    transitions: list[TransitionOut]
    documents: list[DocumentOut]
    timeline: list[TimelineOut]


class EscalatedOut(Schema):
    escalated: list[DispositionOut]


def _dispositions(request: HttpRequest):
    return scoped(request, Disposition).select_related("clue", "agency", "assignee")


def _out(d: Disposition, today: dt.date) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "clue_id": d.clue_id,
        "clue_title": d.clue.title,
        "clue_severity": d.clue.severity,
        "model_slug": d.clue.model_slug,
        "agency_code": d.agency.code if d.agency_id else None,
        "agency_name": d.agency.name if d.agency_id else None,
        "region_code": d.region_id,
        "procedure": d.procedure,
        "procedure_display": str(Procedure(d.procedure).label) if d.procedure else "未分拣",
        "state": d.state,
        "state_display": str(State(d.state).label),
        "assignee": d.assignee.username if d.assignee_id else None,
        "outcome": d.outcome,
        "deadline": d.deadline,
        "overdue": is_overdue(d, today),
        "overdue_since": d.overdue_since,
        "closed_on": d.closed_on,
    }


def is_overdue(d: Disposition, today: dt.date) -> bool:
    return (
        d.state in (State.NOTICE_ISSUED, State.RECTIFYING) and d.deadline is not None and d.deadline < today
    )


def _detail(request: HttpRequest, d: Disposition) -> dict[str, Any]:
    today = actions._today()
    may_change = Disposition.objects.restrict(request.user, roles.CHANGE).filter(pk=d.pk).exists()
    return {
        **_out(d, today),
        "clue_detail": d.clue.detail,
        "clue_evidence": list(d.clue.evidence or []),
        "clock": actions.deadline_clock(d, today),
        "steps": [
            {"id": s.pk, "code": s.code, "done_on": s.done_on, "by": s.by, "data": s.data}
            for s in d.steps.order_by("done_on", "id")
        ],
        "transitions": [
            {
                "name": t.name,
                "label": str(t.label),
                "target": t.target,
                "side": t.side,
                "roles": sorted(t.roles),
                "mine": may_change and request.user.role in t.roles,
            }
            for t in available(d.procedure, d.state)
        ],
        "documents": [
            {
                "id": doc.pk,
                "kind": doc.kind,
                "title": doc.title,
                "number": doc.number,
                "issued_at": doc.issued_at,
                "pdf_sha256": doc.pdf_sha256,
                "pdf_url": f"/api/v1/supervision/dispositions/{d.pk}/documents/{doc.pk}/pdf",
            }
            for doc in queries.documents(d)
        ],
        "timeline": queries.timeline(d),
    }


@router.get("/supervision/procedure", response=list[dict[str, Any]])
def procedure_table(request: HttpRequest):
    """The transition table, as docs/supervision.md lists it."""
    scoped(request, Disposition)
    return [
        {
            "name": t.name,
            "label": t.label,
            "sources": {p or "untriaged": sorted(states) for p, states in t.sources.items()},
            "target": t.target,
            "side": t.side,
            "roles": sorted(t.roles),
        }
        for t in TRANSITIONS
    ]


@router.get("/supervision/dispositions", response=list[DispositionOut])
def list_dispositions(
    request: HttpRequest,
    state: str = "",
    procedure: str = "",
    agency_code: str = "",
    assignee: str = "",
    overdue: bool | None = None,
    open: bool | None = None,
):
    items = _dispositions(request)
    if state:
        items = items.filter(state=state)
    if procedure:
        items = items.filter(procedure=procedure)
    if agency_code:
        items = items.filter(agency__code=agency_code)
    if assignee:
        items = items.filter(assignee__username=assignee)
    if open is not None:
        items = items.exclude(state=State.CLOSED) if open else items.filter(state=State.CLOSED)
    today = actions._today()
    rows = [_out(d, today) for d in items[:1000]]
    if overdue is not None:
        rows = [r for r in rows if r["overdue"] == overdue]
    return rows


@router.post("/supervision/dispositions", response={201: DispositionDetailOut})
def open_disposition(request: HttpRequest, payload: OpenIn):
    d = actions.do_open_disposition(request.user, payload.clue_id)
    return Status(201, _detail(request, _dispositions(request).get(pk=d.pk)))


@router.get("/supervision/dispositions/overdue", response=list[DispositionOut])
def overdue_dispositions(request: HttpRequest):
    """Rectifications past their deadline without a report (escalated or not yet)."""
    today = actions._today()
    items = actions.overdue(_dispositions(request), today).order_by("deadline", "pk")
    return [_out(d, today) for d in items]


@router.post("/supervision/escalations", response=EscalatedOut)
def escalate(request: HttpRequest):
    """Run the escalation now for the supervisor's region (the scheduled job does it for all)."""
    escalated = actions.do_escalate_overdue(request.user)
    today = actions._today()
    items = _dispositions(request).filter(pk__in=[d.pk for d in escalated])
    return {"escalated": [_out(d, today) for d in items]}


@router.get("/supervision/dispositions/{disposition_id}", response=DispositionDetailOut)
def get_disposition(request: HttpRequest, disposition_id: int):
    return _detail(request, scoped_get(request, Disposition, _dispositions(request), pk=disposition_id))


@router.post("/supervision/dispositions/{disposition_id}/transitions/{name}", response=DispositionDetailOut)
def run_transition(request: HttpRequest, disposition_id: int, name: str):
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ActionError("invalid", "请求体不是合法的 JSON", None) from exc
    if not isinstance(payload, dict):
        raise ActionError("invalid", "请求体应为 JSON 对象", None)
    payload.pop("files", None)  # uploads go through /api/v1/evidence, then `evidence_ids`
    d = actions.do_transition(request.user, disposition_id, name, payload)
    return _detail(request, _dispositions(request).get(pk=d.pk))


@router.get("/supervision/dispositions/{disposition_id}/documents/{document_id}/pdf")
def document_pdf(request: HttpRequest, disposition_id: int, document_id: int) -> FileResponse:
    d = scoped_get(request, Disposition, _dispositions(request), pk=disposition_id)
    document = next((doc for doc in queries.documents(d) if doc.pk == document_id), None)
    if document is None or not document.pdf_file or not default_storage.exists(document.pdf_file):
        raise NotFound("该文书不存在")
    response = FileResponse(
        default_storage.open(document.pdf_file, "rb"),
        content_type="application/pdf",
        filename=f"{document.title}{document.number}.pdf",
    )
    response["X-Content-SHA256"] = document.pdf_sha256
    return response


def may_open(user: Any) -> bool:
    return can(user, Disposition, roles.ADD)
