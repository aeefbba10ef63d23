"""Disposition state changes. `do_open_disposition` opens one for a clue; every transition of
`zhifa.supervision.procedure.TRANSITIONS` is run by `do_transition`, which checks the role and
scope, that the transition is allowed from the current state under the disposition's procedure,
the transition's guards, then writes the change, the step, any document and the audit entries in
one transaction. `do_escalate_overdue` marks rectifications whose deadline passed (a scheduled
job: `zhifa manage escalate_rectifications`). `actor=None` is the system.

Documents are issued in the name of the supervising body (`config.supervising_body`) by the
system inside the transition's transaction: the supervisor's role does not issue agency documents
(`documents.issueddocument` is read-only for it) and the supervisor belongs to a region, not to
the body; the step's data and the disposition's audit entry name the supervisor who issued it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import QuerySet

from zhifa.accounts.models import User
from zhifa.clues.models import Clue, Verdict
from zhifa.core import audit, roles
from zhifa.core.actions import (
    get_for_change,
    is_system,
    optional_text,
    require_choice,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from zhifa.core.roles import Role
from zhifa.documents.kinds import DocumentKind
from zhifa.evidence.models import EvidenceFile, EvidenceStatus
from zhifa.rules import clocks
from zhifa.supervision import config
from zhifa.supervision.models import Disposition, DispositionStep
from zhifa.supervision.procedure import (
    BY_NAME,
    RECTIFICATION_STATES,
    Outcome,
    Procedure,
    State,
    Transition,
)

REPORT_STEP = "整改报告"  # evidence files of the report: `EvidenceFile.step`


def _today() -> dt.date:
    return dt.date.today()


def _actor_name(actor: Any) -> str:
    return getattr(actor, "username", None) or "system"


def _day(raw: Any, field_name: str = "on", default: dt.date | None = None) -> dt.date:
    if raw is None or raw == "":
        return default or _today()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ActionError("invalid", "日期格式应为 YYYY-MM-DD", field_name) from exc


# --- opening ----------------------------------------------------------------------------------


def _clue_region(clue: Clue) -> Any:
    if clue.region_id:
        return clue.region
    if clue.agency_id:
        return clue.agency.region
    raise ActionError("clue_without_place", "线索既无执法主体也无行政区划，无法确定监督管辖", "clue_id")


def _visible_clue(actor: Any, clue_id: Any) -> Clue:
    clues = Clue.objects.select_related("agency__region", "region")
    if not is_system(actor):
        clues = clues.restrict(actor, roles.VIEW)
    clue = clues.filter(pk=clue_id).first()
    if clue is None:
        raise NotFound("线索不存在", "clue_id")
    return clue


def _create(actor: Any, clue: Clue) -> Disposition:
    disposition = Disposition.objects.create(
        clue=clue,
        number=f"pending-{uuid.uuid4().hex}",
        agency=clue.agency,
        region=_clue_region(clue),
        state=State.NEW,
    )
    disposition.number = f"监处〔{disposition.created_at.year}〕{disposition.pk}号"
    disposition.save(update_fields=["number"])
    audit.record_change(actor, "supervision.disposition_open", disposition, None)
    return disposition


def do_open_disposition(actor: Any, clue_id: int) -> Disposition:
    """受理: open the disposition of a clue (state `new`). A clue has at most one (409)."""
    require_role_permission(actor, Disposition, roles.ADD)
    clue = _visible_clue(actor, clue_id)
    if clue.verdict == Verdict.FALSE_POSITIVE:
        raise Conflict("clue_false_positive", "该线索已标记为误报，无需处置", "clue_id")
    with transaction.atomic():
        if Disposition.objects.select_for_update().filter(clue=clue).exists():
            raise Conflict("already_open", "该线索已受理处置", "clue_id")
        return _create(actor, clue)


def do_open_pending(actor: Any = None) -> list[Disposition]:
    """Open a disposition for every visible clue without one (not marked a false positive)."""
    require_role_permission(actor, Disposition, roles.ADD)
    clues = Clue.objects.select_related("agency__region", "region").filter(disposition__isnull=True)
    if not is_system(actor):
        clues = clues.restrict(actor, roles.VIEW)
    opened = []
    with transaction.atomic():
        for clue in clues.exclude(verdict=Verdict.FALSE_POSITIVE).order_by("pk"):
            if clue.region_id or clue.agency_id:
                opened.append(_create(actor, clue))
    return opened


# --- transition helpers -----------------------------------------------------------------------


def steps(disposition: Disposition, code: str) -> list[DispositionStep]:
    return list(disposition.steps.filter(code=code).order_by("done_on", "id"))


def last_step(disposition: Disposition, code: str) -> DispositionStep | None:
    return disposition.steps.filter(code=code).order_by("-done_on", "-id").first()


def _require_agency(disposition: Disposition) -> None:
    if disposition.agency_id is None:
        raise ActionError(
            "no_agency", "线索未指向具体执法主体，不能向单位发出预警、通知或决定，请核查后办结", "procedure"
        )


def _future_deadline(raw: Any, day: dt.date, field_name: str = "deadline") -> dt.date | None:
    """A deadline the supervisor names: after the step's day and not before today."""
    if raw in (None, ""):
        return None
    deadline = _day(raw, field_name)
    if deadline <= day or deadline < _today():
        raise ActionError("deadline_not_future", "期限应晚于办理日期且不早于今天", field_name)
    return deadline


def _assignee(disposition: Disposition, raw: Any, actor: Any) -> User:
    if raw in (None, ""):
        if is_system(actor) or actor.role != Role.SUPERVISOR:
            raise ActionError("required", "请指定承办的执法监督人员", "assignee_id")
        return actor
    user = User.objects.select_related("region").filter(pk=raw).first()
    if user is None or not user.is_active or user.role != Role.SUPERVISOR:
        raise ActionError("invalid_assignee", "承办人应为在职的执法监督人员", "assignee_id")
    if user.region is None or not disposition.region.is_within(user.region):
        raise ActionError("invalid_assignee", "承办人的管辖区划不包含该线索", "assignee_id")
    return user


def _issue(disposition: Disposition, actor: Any, kind: str, context: dict[str, Any]) -> dict[str, Any]:
    from zhifa.documents.actions import do_issue_document

    region = getattr(actor, "region", None) or disposition.region
    body = config.supervising_body(region)
    document = do_issue_document(
        None,
        body,
        kind,
        disposition.number,
        {"recipient": disposition.agency.name, "seal_text": f"{body.name}（印章）", **context},
    )
    return {"document_id": document.pk, "document_number": document.number, "document_kind": kind}


def _clue_problem(disposition: Disposition) -> str:
    clue = disposition.clue
    return f"{clue.title}。{clue.detail}".strip()


def _clue_evidence(disposition: Disposition) -> str:
    records = disposition.clue.evidence or []
    labels = [
        str(r.get("number") or f"{r.get('family', '')} {r.get('source_id', '')}").strip()
        for r in records
        if isinstance(r, dict)
    ]
    head = f"线索模型 {disposition.clue.model_slug} v{disposition.clue.model_version}"
    return head + ("；涉及记录：" + "、".join(labels) if labels else "")


# --- handlers: each returns the step's data ---------------------------------------------------

Handler = Callable[[Any, Disposition, dict[str, Any], dt.date], dict[str, Any]]


def _triage(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    procedure = require_choice(body.get("procedure"), Procedure, "procedure", "处置程序")
    if procedure == Procedure.WARNING:
        _require_agency(d)
    assignee = _assignee(d, body.get("assignee_id"), actor)
    d.procedure, d.assignee = procedure, assignee
    return {
        "procedure": procedure,
        "assignee_id": assignee.pk,
        "assignee": assignee.username,
        "note": optional_text(body.get("note"), "note", "分拣意见", 2000),
    }


def _start_investigation(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return {"note": optional_text(body.get("note"), "note", "核查安排", 2000)}


def _issue_warning(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _require_agency(d)
    text = require_text(body.get("text") or _clue_problem(d), "text", "预警内容", 5000)
    return {"text": text}


def _acknowledge_warning(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    text = require_text(body.get("text"), "text", "自查情况", 5000)
    d.outcome, d.closed_on = Outcome.WARNING_ACKNOWLEDGED, day
    return {"text": text}


def _issue_notice(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _require_agency(d)
    form = body.get("form") or ("notice" if d.procedure == Procedure.SIMPLE else "opinion")
    if form not in ("notice", "opinion"):
        raise ActionError(
            "invalid_choice", "文书种类无效，可选：notice（监督通知书）、opinion（监督意见书）", "form"
        )
    problem = require_text(body.get("problem") or _clue_problem(d), "problem", "发现的问题", 5000)
    requirement = require_text(body.get("requirement"), "requirement", "整改要求", 5000)
    deadline = _future_deadline(body.get("deadline"), day) or config.default_deadline(day, d.region)
    basis = require_text(body.get("basis") or config.basis_text(d.region), "basis", "监督依据", 2000)
    d.deadline, d.overdue_since = deadline, None
    kind = DocumentKind.SUPERVISION_NOTICE if form == "notice" else DocumentKind.SUPERVISION_OPINION
    document = _issue(
        d,
        actor,
        kind,
        {
            "problem": problem,
            "evidence": _clue_evidence(d),
            "legal_basis": basis,
            "requirement": requirement,
            "deadline": f"{deadline:%Y年%m月%d日}前",
            "feedback": "请于整改期限届满前通过本平台提交整改报告及相关证据材料。",
            "document_date": day.isoformat(),
        },
    )
    return {
        "form": form,
        "problem": problem,
        "requirement": requirement,
        "basis": basis,
        "deadline": deadline.isoformat(),
        **document,
    }


def _acknowledge_notice(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return {"note": optional_text(body.get("note"), "note", "签收说明", 2000)}


@dataclass
class UploadedEvidence:
    """One file handed in with a rectification report (pages: a multipart upload)."""

    fileobj: BinaryIO | Any
    original_name: str
    content_type: str
    title: str = ""
    kind: str = "documentary"


def _report_evidence(actor: Any, d: Disposition, body: dict[str, Any]) -> list[EvidenceFile]:
    from zhifa.evidence.actions import do_add_evidence

    files: list[EvidenceFile] = []
    ids = body.get("evidence_ids") or []
    if not isinstance(ids, list | tuple):
        raise ActionError("invalid", "evidence_ids 应为列表", "evidence_ids")
    found = {
        e.pk: e
        for e in EvidenceFile.objects.filter(
            pk__in=[i for i in ids if isinstance(i, int)],
            agency_id=d.agency_id,
            case_ref=d.number,
            status=EvidenceStatus.CURRENT,
        )
    }
    for index, evidence_id in enumerate(ids):
        if evidence_id not in found:
            raise ActionError(
                "unknown_evidence", f"证据不存在或不属于本处置：{evidence_id}", f"evidence_ids.{index}"
            )
        files.append(found[evidence_id])
    for upload in body.get("files") or []:
        files.append(
            do_add_evidence(
                actor,
                d.agency,
                d.number,
                REPORT_STEP,
                upload.kind or "documentary",
                upload.title or upload.original_name,
                upload.fileobj,
                upload.original_name,
                upload.content_type,
            )
        )
    return files


def _submit_report(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    text = require_text(body.get("text"), "text", "整改报告", 20000)
    evidence = _report_evidence(actor, d, body)
    return {
        "text": text,
        "evidence": [
            {
                "id": e.pk,
                "title": e.title,
                "kind": e.kind,
                "sha256": e.sha256,
                "original_name": e.original_name,
            }
            for e in evidence
        ],
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "late": bool(d.deadline and day > d.deadline),
    }


def _accept(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    d.outcome, d.closed_on = Outcome.CONFIRMED_RECTIFIED, day
    _set_clue_verdict(actor, d, Verdict.TRUE_POSITIVE, "整改到位，验收通过")
    return {
        "opinion": optional_text(body.get("opinion"), "opinion", "验收意见", 5000) or "整改到位，验收通过"
    }


def _reject(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    reason = require_text(body.get("reason"), "reason", "不予通过的理由", 5000)
    deadline = _future_deadline(body.get("deadline"), day)
    if deadline is None:
        raise ActionError("required", "请确定新的整改期限", "deadline")
    d.deadline, d.overdue_since = deadline, None
    return {"reason": reason, "deadline": deadline.isoformat()}


def _rectification_failed(d: Disposition, day: dt.date) -> bool:
    """Overdue (deadline passed without an accepted report) or a report was rejected."""
    overdue = d.deadline is not None and day > d.deadline
    return overdue or bool(steps(d, "reject_rectification"))


def _history(d: Disposition) -> str:
    parts = []
    for step in d.steps.filter(
        code__in=["issue_notice", "submit_report", "reject_rectification", "escalate"]
    ):
        label = {
            "issue_notice": f"制发{step.data.get('document_number', '')}，整改期限{step.data.get('deadline', '')}",
            "submit_report": "提交整改报告" + ("（逾期）" if step.data.get("late") else ""),
            "reject_rectification": f"验收不通过：{step.data.get('reason', '')}",
            "escalate": f"整改逾期（期限{step.data.get('deadline', '')}）",
        }[step.code]
        parts.append(f"{step.done_on:%Y-%m-%d} {label}")
    return "；".join(parts)


def _issue_decision(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _require_agency(d)
    data: dict[str, Any] = {}
    if d.state == State.VERIFYING:
        data["rejected_report"] = require_text(body.get("reason"), "reason", "不予通过的理由", 5000)
    elif d.state in RECTIFICATION_STATES and not _rectification_failed(d, day):
        raise ActionError(
            "decision_premature",
            f"整改期限（{d.deadline:%Y-%m-%d}）尚未届满且整改未被验收否决，不能作出监督决定",
            "name",
            status=409,
        )
    decision = require_text(body.get("decision"), "decision", "监督决定", 5000)
    problem = require_text(body.get("problem") or _clue_problem(d), "problem", "查明的问题", 5000)
    deadline = _future_deadline(body.get("deadline"), day) or config.default_deadline(day, d.region)
    basis = require_text(body.get("basis") or config.basis_text(d.region), "basis", "监督依据", 2000)
    history = _history(d)
    d.deadline = deadline
    document = _issue(
        d,
        actor,
        DocumentKind.SUPERVISION_DECISION,
        {
            "problem": problem,
            "history": history + (f"；整改报告不予通过：{data['rejected_report']}" if data else ""),
            "legal_basis": basis,
            "decision": decision,
            "deadline": f"{deadline:%Y年%m月%d日}前",
            "feedback": "本决定具有约束力，请于期限届满前将履行情况书面报送本机关。",
            "document_date": day.isoformat(),
        },
    )
    _set_clue_verdict(actor, d, Verdict.TRUE_POSITIVE, "作出监督决定")
    return {
        **data,
        "decision": decision,
        "problem": problem,
        "basis": basis,
        "deadline": deadline.isoformat(),
        **document,
    }


def _close(actor: Any, d: Disposition, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    expected = Outcome.DECISION_ISSUED if d.state == State.DECISION_ISSUED else Outcome.UNFOUNDED
    outcome = body.get("outcome") or expected
    if outcome != expected:
        raise ActionError(
            "invalid_outcome",
            f"处于“{State(d.state).label}”时只能以“{Outcome(expected).label}”办结",
            "outcome",
        )
    reason = optional_text(body.get("reason"), "reason", "办结说明", 5000)
    if outcome == Outcome.UNFOUNDED:
        if not reason:
            raise ActionError("required", "以“线索不实”办结须说明核查情况", "reason")
        _set_clue_verdict(actor, d, Verdict.FALSE_POSITIVE, reason)
    d.outcome, d.closed_on = outcome, day
    return {"outcome": outcome, "reason": reason}


def _set_clue_verdict(actor: Any, d: Disposition, verdict: str, note: str) -> None:
    """Record the clue's verdict through the clues app's action (`do_mark_clue`, audited there):
    an accepted rectification or a decision confirms the clue (true positive), a close as
    unfounded marks it a false positive. A verdict already set is not overwritten; a clue the
    actor may not change (no region of its own outside the actor's) keeps its verdict unset."""
    from zhifa.clues.actions import do_mark_clue

    clue = Clue.objects.get(pk=d.clue_id)
    if clue.verdict:
        return
    try:
        do_mark_clue(actor, clue.pk, verdict, note)
    except (NotFound, PermissionDenied):
        return


HANDLERS: dict[str, Handler] = {
    "triage": _triage,
    "start_investigation": _start_investigation,
    "issue_warning": _issue_warning,
    "acknowledge_warning": _acknowledge_warning,
    "issue_notice": _issue_notice,
    "acknowledge_notice": _acknowledge_notice,
    "submit_report": _submit_report,
    "accept_rectification": _accept,
    "reject_rectification": _reject,
    "issue_decision": _issue_decision,
    "close": _close,
}


def _check_allowed(actor: Any, d: Disposition, name: str) -> Transition:
    transition = BY_NAME.get(name)
    if transition is None:
        raise ActionError("invalid_transition", f"没有名为“{name}”的处置环节", "name", status=404)
    if not transition.allowed_from(d.procedure, d.state):
        procedure = Procedure(d.procedure).label if d.procedure else "未分拣"
        raise ActionError(
            "invalid_transition",
            f"处置处于“{State(d.state).label}”（{procedure}），不能进行“{transition.label}”",
            "name",
            status=409,
        )
    if not is_system(actor) and actor.role not in transition.roles:
        side = "执法监督人员" if transition.side == "supervisor" else "被监督单位的负责人或单位管理员"
        raise PermissionDenied(f"“{transition.label}”须由{side}办理")
    return transition


def _snapshot(d: Disposition) -> dict[str, Any] | None:
    return audit.snapshot(d)


def do_transition(
    actor: Any, disposition_id: int, name: str, body: dict[str, Any] | None = None
) -> Disposition:
    """Run one transition of the table on a disposition (see the module docstring)."""
    require_role_permission(actor, Disposition, roles.VIEW)
    body = dict(body or {})
    day = _day(body.get("on"), "on")
    if day > _today():
        raise ActionError("invalid_date", "日期不能晚于今天", "on")
    with transaction.atomic():
        d = get_for_change(actor, Disposition, pk=disposition_id)
        transition = _check_allowed(actor, d, name)
        last = d.steps.order_by("-done_on").values_list("done_on", flat=True).first()
        if last and day < last:
            raise ActionError("invalid_date_order", f"日期不能早于上一环节（{last:%Y-%m-%d}）", "on")
        before = _snapshot(d)
        data = HANDLERS[name](actor, d, body, day)
        d.state = transition.target
        d.save()
        step = DispositionStep.objects.create(
            disposition=d, code=name, done_on=day, by=_actor_name(actor), data=data
        )
        audit.record_many(
            [
                audit.Change(
                    f"supervision.{name}",
                    "supervision.disposition",
                    str(d.pk),
                    before,
                    _snapshot(d),
                    actor=actor,
                ),
                audit.Change(
                    "supervision.step_add",
                    "supervision.dispositionstep",
                    str(step.pk),
                    None,
                    audit.snapshot(step),
                    actor=actor,
                ),
            ]
        )
    return d


# --- deadlines and escalation -----------------------------------------------------------------


def overdue(queryset: QuerySet[Disposition], today: dt.date | None = None) -> QuerySet[Disposition]:
    """Rectifications whose deadline passed without a report (state notice_issued / rectifying)."""
    return queryset.filter(state__in=RECTIFICATION_STATES, deadline__lt=today or _today())


def do_escalate_overdue(actor: Any = None, today: dt.date | None = None) -> list[Disposition]:
    """Mark every rectification whose deadline passed without an accepted report as overdue
    (`overdue_since` = the first day after the deadline; one `escalate` step and audit entries
    each) and return them; already escalated ones are not marked again. The supervisor then
    issues the decision (`issue_decision`). A supervisor may run it for its own region."""
    today = today or _today()
    queryset = Disposition.objects.select_for_update()
    if not is_system(actor):
        if actor.role != Role.SUPERVISOR:
            raise PermissionDenied("逾期升级须由执法监督人员办理")
        queryset = queryset.restrict(actor, roles.CHANGE)
    escalated: list[Disposition] = []
    with transaction.atomic():
        for d in overdue(queryset, today).filter(overdue_since__isnull=True).order_by("deadline", "pk"):
            before = _snapshot(d)
            d.overdue_since = d.deadline + dt.timedelta(days=1)
            d.save(update_fields=["overdue_since", "updated_at"])
            step = DispositionStep.objects.create(
                disposition=d,
                code="escalate",
                done_on=today,
                by=_actor_name(actor),
                data={"deadline": d.deadline.isoformat(), "days_overdue": (today - d.deadline).days},
            )
            audit.record_many(
                [
                    audit.Change(
                        "supervision.escalate",
                        "supervision.disposition",
                        str(d.pk),
                        before,
                        _snapshot(d),
                        actor=actor,
                    ),
                    audit.Change(
                        "supervision.step_add",
                        "supervision.dispositionstep",
                        str(step.pk),
                        None,
                        audit.snapshot(step),
                        actor=actor,
                    ),
                ]
            )
            escalated.append(d)
    return escalated


def deadline_clock(d: Disposition, today: dt.date | None = None) -> dict[str, Any] | None:
    """The running deadline: the rectification's (met by a report on time) or the decision's."""
    if d.deadline is None:
        return None
    today = today or _today()
    report = last_step(d, "submit_report")
    notice_day = last_step(d, "reject_rectification") or last_step(d, "issue_notice")
    met: dt.date | None = None
    if d.state == State.VERIFYING and report is not None:
        met = report.done_on
    elif d.state == State.CLOSED:
        rectified = d.outcome == Outcome.CONFIRMED_RECTIFIED and report is not None
        met = report.done_on if rectified else d.closed_on
    state = clocks.clock_state(d.deadline, met, today)
    label = "履行监督决定" if d.state == State.DECISION_ISSUED or last_step(d, "issue_decision") else "整改"
    return {
        "label": label,
        "started_on": notice_day.done_on if notice_day else None,
        "due_on": d.deadline,
        "met_on": met,
        "state": str(state),
        "days_left": (d.deadline - today).days if met is None else None,
        "overdue_since": d.overdue_since,
    }


def documents_of(d: Disposition) -> list[int]:
    """The ids of the documents issued for this disposition, in order."""
    return [
        s.data["document_id"]
        for s in d.steps.order_by("done_on", "id")
        if isinstance(s.data, dict) and s.data.get("document_id")
    ]


__all__: Sequence[str] = (
    "UploadedEvidence",
    "deadline_clock",
    "do_escalate_overdue",
    "do_open_disposition",
    "do_open_pending",
    "do_transition",
    "documents_of",
    "overdue",
)
