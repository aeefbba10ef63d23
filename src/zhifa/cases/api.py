"""Case endpoints. Thin: parse, call the scoped query or the action, shape the answer.

`POST /cases` files a case; `POST /cases/{id}/transitions/{name}` runs one transition of the
procedure table with the body of that transition (`TRANSITION_BODIES`); the detail carries the
state, the allowed next transitions, the statutory clocks and the timeline from the audit trail."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from zhifa.cases import actions
from zhifa.cases.models import Case
from zhifa.cases.procedure import BY_NAME, OPEN_STATES, available
from zhifa.cases.queries import timeline_entries
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import ActionError

router = Router(tags=["行政处罚案件"])


# --- schemas --------------------------------------------------------------------------------


class PartyIO(Schema):
    kind: str
    name: str
    id_number: str = ""
    credit_code: str = ""
    address: str = ""
    phone: str = ""
    is_minor: bool = False


class CaseIn(Schema):
    power_code: str
    officer_ids: list[int]
    parties: list[PartyIO]
    violation_started_on: dt.date
    violation_ended_on: dt.date
    facts: str = ""
    procedure: str = "general"
    filed_on: dt.date | None = None
    serious_harm: bool = False
    major: bool = False
    penalty_kinds: list[str] = Field(default_factory=list, description="简易程序：当场处罚的种类")
    fine_amount: Decimal | None = None
    decision_basis: str = ""
    performance: str = ""
    remedies: str = ""
    source: str = Field("", description="案件来源，如 监督检查发现、投诉举报、移送")
    place: str = Field("", description="简易程序：违法地点（当场处罚决定书，第五十二条）；留空为案发区划")


class CaseOut(Schema):
    id: int
    number: str
    agency_code: str = Field(..., alias="agency.code")
    power_code: str = Field(..., alias="power.code")
    procedure: str
    state: str
    state_display: str = Field(..., alias="get_state_display")
    filed_on: dt.date
    major: bool
    decision_kind: str
    penalty_kinds: list[str]
    fine_amount: Decimal | None
    flagged_for_supervision: bool
    decided_on: dt.date | None
    decision_status: str
    served_on: dt.date | None
    paid_on: dt.date | None
    closed_on: dt.date | None
    archived_on: dt.date | None


class TransitionOut(Schema):
    name: str
    label: str
    article: str


class ClockOut(Schema):
    code: str
    label: str
    started_on: dt.date
    due_on: dt.date
    met_on: dt.date | None
    state: str
    days_left: int | None
    surcharge: Decimal | None = None


class TimelineOut(Schema):
    occurred_at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str


class StepOut(Schema):
    code: str
    done_on: dt.date
    by: str
    data: dict[str, Any]


class OfficerOut(Schema):
    officer_id: int
    name: str = Field(..., alias="officer.name")
    role: str


class CaseDetailOut(CaseOut):
    facts: str
    violation_started_on: dt.date
    violation_ended_on: dt.date
    serious_harm: bool
    confiscation_value: Decimal | None
    benchmark_tier_id: int | None
    outside_tier_reason: str
    decision_basis: str
    performance: str
    remedies: str
    extensions: int
    parties: list[PartyIO]
    officers: list[OfficerOut]
    steps: list[StepOut]
    transitions: list[TransitionOut]
    clocks: list[ClockOut]
    timeline: list[TimelineOut]


class OverdueOut(CaseOut):
    clocks: list[ClockOut]


# Bodies per transition: `on` (the day of the step, default today) plus the transition's fields.
class StepIn(Schema):
    on: dt.date | None = None
    evidence_ids: list[int] = Field(
        default_factory=list, description="本环节所依据的证据（zhifa.evidence，须属于本案）"
    )


class SubmitReviewIn(StepIn):
    facts: str = ""


class NoticeIn(StepIn):
    proposed_kinds: list[str] = Field(default_factory=list)
    proposed_fine: Decimal | None = None
    proposed_confiscation: Decimal | None = None
    hearing_offered: bool = False
    waived: bool = False


class TextIn(StepIn):
    text: str
    adopted: bool = False


class HearingNoticeIn(StepIn):
    hearing_on: dt.date
    place: str = ""
    chair_officer_id: int


class HearingIn(StepIn):
    chair_officer_id: int | None = Field(None, description="默认为听证通知书指定的主持人")
    record: str = ""


class ReviewIn(StepIn):
    opinion: str


class DiscussionIn(StepIn):
    conclusion: str
    attendees: list[str] = Field(default_factory=list)


class ExtensionIn(StepIn):
    days: int
    reason: str


class DecisionIn(StepIn):
    decision_kind: str
    penalty_kinds: list[str] = Field(default_factory=list)
    fine_amount: Decimal | None = None
    confiscation_value: Decimal | None = None
    base_amount: Decimal | None = None
    benchmark_tier_id: int | None = None
    reason: str = Field("", description="超出裁量阶次或对首违不罚情形仍予处罚的书面理由")
    decision_basis: str = ""
    evidence: str = Field("", description="认定事实的证据（第五十九条）")
    performance: str = ""
    remedies: str = ""
    first_violation: bool = False
    minor_harm: bool = False
    corrected: bool = False
    disclose: bool = Field(True, description="送达后依第四十八条公示（具有一定社会影响的处罚决定）")


class ServeIn(StepIn):
    method: str = "direct"


class AmountIn(StepIn):
    amount: Decimal
    channel: str = "bank"
    receipt: str = ""


class EnforcementIn(StepIn):
    court: str = ""


class CloseIn(StepIn):
    summary: str = ""


class InspectionIn(StepIn):
    officer_ids: list[int] = Field(default_factory=list, description="参加检查的本案执法人员，默认全部")
    time: str = Field("", description="检查时间，默认为办理日期")
    place: str
    present_person: str = ""
    content: str


class InquiryIn(StepIn):
    officer_ids: list[int] = Field(default_factory=list, description="参加询问的本案执法人员，默认全部")
    interviewee: str
    time: str = Field("", description="询问时间，默认为办理日期")
    place: str
    content: str


class RectificationIn(StepIn):
    facts: str = Field("", description="违法事实，默认为案件认定的事实")
    requirement: str
    deadline: dt.date


class RevocationIn(StepIn):
    ground: str = Field(
        ..., description="reconsideration 行政复议 / litigation 行政诉讼 / self_correction 自行纠正"
    )
    outcome: str = Field(
        ..., description="revoked 撤销 / changed 变更 / confirmed_illegal 确认违法 / void 确认无效"
    )
    reason: str
    document_number: str = Field("", description="复议决定书、判决书或撤销决定的文号")
    penalty_kinds: list[str] = Field(default_factory=list, description="变更后的处罚种类（变更时）")
    fine_amount: Decimal | None = Field(None, description="变更后的罚款金额（变更时）")


TRANSITION_BODIES: dict[str, type[Schema]] = {
    "record_inspection": InspectionIn,
    "record_inquiry": InquiryIn,
    "order_rectification": RectificationIn,
    "revoke_decision": RevocationIn,
    "investigate": StepIn,
    "submit_review": SubmitReviewIn,
    "serve_notice": NoticeIn,
    "receive_statement": TextIn,
    "answer_statement": TextIn,
    "request_hearing": StepIn,
    "notify_hearing": HearingNoticeIn,
    "hold_hearing": HearingIn,
    "submit_legal_review": StepIn,
    "approve_legal_review": ReviewIn,
    "start_collective_discussion": StepIn,
    "record_collective_discussion": DiscussionIn,
    "extend_deadline": ExtensionIn,
    "decide": DecisionIn,
    "serve": ServeIn,
    "collect_on_the_spot": AmountIn,
    "start_execution": StepIn,
    "record_payment": AmountIn,
    "apply_enforcement": EnforcementIn,
    "close": CloseIn,
    "archive": StepIn,
}


# --- helpers --------------------------------------------------------------------------------


def _cases(request: HttpRequest):
    return scoped(request, Case).select_related("agency__region", "power")


class _Detail:
    """A case with the detail view's extra parts (read by CaseDetailOut)."""

    def __init__(self, case: Case, **extra: Any):
        self._case = case
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._case, name)


def _detail(case: Case) -> _Detail:
    return _Detail(
        case,
        parties=list(case.parties.all()),
        officers=list(case.officers.select_related("officer")),
        steps=list(case.steps.all()),
        transitions=[
            {"name": t.name, "label": t.label, "article": t.article}
            for t in available(case.procedure, case.state)
        ],
        clocks=actions.case_clocks(case),
        timeline=[
            {
                "occurred_at": e.occurred_at,
                "actor": e.actor_username,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
            }
            for e in timeline_entries(case)
        ],
    )


# --- endpoints ------------------------------------------------------------------------------


@router.get("/cases", response=list[CaseOut])
def list_cases(request: HttpRequest, state: str = "", procedure: str = "", flagged: bool | None = None):
    qs = _cases(request)
    if state:
        qs = qs.filter(state=state)
    if procedure:
        qs = qs.filter(procedure=procedure)
    if flagged is not None:
        qs = qs.filter(flagged_for_supervision=flagged)
    return qs[:500]


@router.post("/cases", response={201: CaseDetailOut})
def file_case(request: HttpRequest, payload: CaseIn):
    data = payload.dict()
    parties = [actions.PartyInput(**p) for p in data.pop("parties")]
    case = actions.do_file_case(request.user, actions.CaseInput(parties=parties, **data))
    return Status(201, _detail(case))


@router.get("/cases/overdue", response=list[OverdueOut])
def overdue_cases(request: HttpRequest):
    """Open cases with at least one statutory clock past due and not met."""
    result = []
    for case in _cases(request).filter(state__in=OPEN_STATES):
        case_clocks = actions.case_clocks(case)
        if any(c["state"] == "overdue" and c["met_on"] is None for c in case_clocks):
            result.append(_Detail(case, clocks=case_clocks))
    return result


@router.get("/cases/procedure", response=list[dict[str, Any]])
def procedure_table(request: HttpRequest):
    """The transition table (states, transitions, articles), as docs/cases.md lists it."""
    return [
        {
            "name": t.name,
            "label": t.label,
            "from": sorted(t.sources),
            "to": t.target,
            "procedures": sorted(t.procedures),
            "article": t.article,
            "roles": sorted(t.roles),
        }
        for t in BY_NAME.values()
    ]


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request: HttpRequest, case_id: int):
    return _detail(scoped_get(request, Case, _cases(request), pk=case_id))


@router.post("/cases/{case_id}/transitions/{name}", response=CaseDetailOut)
def run_transition(request: HttpRequest, case_id: int, name: str):
    """The body is the transition's own schema (`TRANSITION_BODIES[name]`), e.g. `decide` takes
    `DecisionIn`; every body accepts `on` (the step's date, default today)."""
    schema = TRANSITION_BODIES.get(name)
    if schema is None:
        raise ActionError("invalid_transition", f"没有名为“{name}”的程序环节", "name", status=404)
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ActionError("invalid", "请求体不是合法的 JSON", None) from exc
    if not isinstance(payload, dict):
        raise ActionError("invalid", "请求体应为 JSON 对象", None)
    try:
        body = schema(**payload).dict()
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        raise ActionError("invalid", f"{field}：{first.get('msg', '输入无效')}", field) from exc
    case = actions.do_transition(request.user, case_id, name, body)
    return _detail(Case.objects.select_related("agency__region", "power").get(pk=case.pk))
