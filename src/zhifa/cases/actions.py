"""Case state changes. Every transition of `zhifa.cases.procedure.TRANSITIONS` is run by
`do_transition`: it checks the role and scope, that the transition is allowed from the current
state, the transition's guards (`zhifa.cases.guards`), then writes the change, the step and the
audit entries in one transaction. `do_file_case` opens a case (general procedure) or records an
on-the-spot decision (summary procedure). `actor=None` is the system."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhifa.cases import guards
from zhifa.cases.models import (
    Case,
    CaseOfficer,
    CaseStep,
    DecisionKind,
    DecisionStatus,
    OfficerRole,
    Party,
    PartyKind,
    RevocationGround,
)
from zhifa.cases.procedure import BY_NAME, OPEN_STATES, Procedure, State, Transition
from zhifa.cases.publish import publish_case_on_commit
from zhifa.core import audit, roles
from zhifa.core.actions import (
    get_for_change,
    is_system,
    optional_text,
    require_choice,
    require_credit_code,
    require_id_number,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.laws.models import PenaltyKind
from zhifa.powers.actions import holder_on
from zhifa.powers.discretion import Facts, yuan
from zhifa.powers.models import BenchmarkTier, Power
from zhifa.registry.models import Agency, Officer
from zhifa.rules import clocks

LAW = guards.LAW


def _actor_name(actor: Any) -> str:
    return getattr(actor, "username", None) or "system"


def _today() -> dt.date:
    return dt.date.today()


def _decimal(raw: Any, field_name: str) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ActionError("invalid", "金额应为数字", field_name) from exc
    if amount < 0:
        raise ActionError("invalid", "金额不能为负数", field_name)
    return amount


def _day(raw: Any, field_name: str = "on", default: dt.date | None = None) -> dt.date:
    if raw is None:
        return default or _today()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ActionError("invalid", "日期格式应为 YYYY-MM-DD", field_name) from exc


# --- filing ---------------------------------------------------------------------------------


@dataclass
class PartyInput:
    kind: str
    name: str
    id_number: str = ""
    credit_code: str = ""
    address: str = ""
    phone: str = ""
    is_minor: bool = False


@dataclass
class CaseInput:
    power_code: str
    officer_ids: Sequence[int]
    parties: Sequence[PartyInput]
    violation_started_on: dt.date
    violation_ended_on: dt.date
    facts: str = ""
    procedure: str = Procedure.GENERAL
    filed_on: dt.date | None = None
    serious_harm: bool = False
    major: bool = False
    region_code: str = ""
    # summary procedure: the on-the-spot decision
    penalty_kinds: Sequence[str] = ()
    fine_amount: Any = None
    decision_basis: str = ""
    performance: str = ""
    remedies: str = ""
    source: str = ""
    place: str = ""  # summary procedure: where the violation was found (Art. 52 "时间、地点")


def _clean_party(index: int, data: PartyInput) -> Party:
    prefix = f"parties.{index}"
    kind = require_choice(data.kind, PartyKind, f"{prefix}.kind", "当事人类别")
    party = Party(
        kind=kind,
        name=require_text(data.name, f"{prefix}.name", "当事人名称/姓名", 120),
        address=optional_text(data.address, f"{prefix}.address", "地址", 200),
        phone=optional_text(data.phone, f"{prefix}.phone", "联系电话", 20),
        is_minor=bool(data.is_minor),
    )
    if kind == PartyKind.PERSON and data.id_number:
        party.id_number = require_id_number(data.id_number, f"{prefix}.id_number")
    if kind == PartyKind.ORGANISATION and data.credit_code:
        party.credit_code = require_credit_code(data.credit_code, f"{prefix}.credit_code")
    return party


def _officers(ids: Sequence[int]) -> list[Officer]:
    found = {o.pk: o for o in Officer.objects.filter(pk__in=list(ids)).prefetch_related("certificates")}
    officers = []
    for index, officer_id in enumerate(ids):
        if officer_id not in found:
            raise ActionError("unknown_officer", f"执法人员不存在：{officer_id}", f"officer_ids.{index}")
        officers.append(found[officer_id])
    return officers


def _acting_agency(actor: Any, power: Power) -> Agency:
    if is_system(actor):
        return power.holder
    if actor.agency_id is None:
        raise PermissionDenied("只有执法机关的人员可以立案")
    return actor.agency


def next_case_number(agency: Agency, procedure: str, year: int) -> str:
    prefix = (
        f"{agency.short_name or agency.name}{'罚' if procedure == Procedure.GENERAL else '简罚'}〔{year}〕"
    )
    count = Case.objects.filter(agency=agency, number__startswith=prefix).count()
    return f"{prefix}{count + 1}号"


def do_file_case(actor: Any, data: CaseInput) -> Case:
    """立案 (Art. 54) — or, for the summary procedure, the on-the-spot decision (Art. 51, 52)."""
    require_role_permission(actor, Case, roles.ADD)
    procedure = require_choice(data.procedure, Procedure, "procedure", "程序")
    power = (
        Power.objects.select_related("holder__region", "domain")
        .filter(code=(data.power_code or "").strip())
        .first()
    )
    if power is None:
        raise ActionError("unknown_power", f"职权不存在：{data.power_code}", "power_code")
    agency = _acting_agency(actor, power)
    filed_on = _day(data.filed_on, "filed_on")
    if filed_on > _today():
        raise ActionError("invalid_date", "立案日期不能晚于今天", "filed_on")
    if data.violation_ended_on < data.violation_started_on:
        raise ActionError("invalid_date_order", "违法行为终了日不能早于发生日", "violation_ended_on")
    if data.violation_ended_on > filed_on:
        raise ActionError("invalid_date_order", "违法行为终了日不能晚于立案日", "violation_ended_on")
    region = agency.region
    if data.region_code:
        from zhifa.core.actions import require_region

        region = require_region(data.region_code)
    parties = [_clean_party(i, p) for i, p in enumerate(data.parties)]
    if not parties:
        raise ActionError("required", "至少须有一名当事人", "parties")
    officers = _officers(data.officer_ids)
    guards.check_power(power, agency, filed_on, data.violation_ended_on)
    guards.check_limitation(data.violation_ended_on, data.serious_harm, filed_on, agency.region)
    guards.check_officers(officers, agency, power.domain_id, filed_on, agency.region)
    if procedure == Procedure.GENERAL:
        _check_party_identity(parties)
    facts = optional_text(data.facts, "facts", "违法事实", 10000)
    case = Case(
        agency=agency,
        power=power,
        procedure=procedure,
        state=State.FILED,
        region=region,
        facts=facts,
        violation_started_on=data.violation_started_on,
        violation_ended_on=data.violation_ended_on,
        serious_harm=data.serious_harm,
        filed_on=filed_on,
        major=data.major,
    )
    if procedure == Procedure.SUMMARY:
        kinds = _penalty_kinds(data.penalty_kinds)
        fine = _decimal(data.fine_amount, "fine_amount")
        guards.check_summary(kinds, fine, [p.kind for p in parties], agency.region, filed_on)
        case.state = State.DECIDED
        case.decision_kind = DecisionKind.PENALTY
        case.penalty_kinds = kinds
        case.fine_amount = fine
        case.decision_basis = data.decision_basis or _basis_text(power)
        case.performance = data.performance
        case.remedies = data.remedies
        case.decided_on = filed_on
        _check_contents(case, parties)
    with transaction.atomic():
        case.number = next_case_number(agency, procedure, filed_on.year)
        case.save()
        for party in parties:
            party.case = case
            party.entity = _registry_entity(actor, party, _entity_region(actor, region, agency))
            party.save()
        for index, officer in enumerate(officers):
            CaseOfficer.objects.create(
                case=case, officer=officer, role=OfficerRole.LEAD if index == 0 else OfficerRole.ASSISTANT
            )
        changes = [
            audit.Change("cases.case_file", "cases.case", str(case.pk), None, _snapshot(case), actor=actor)
        ]
        audit.record_many(changes)
        publish_case_on_commit(case)  # the platform's own cases reach the store like any source's
        if procedure == Procedure.GENERAL:
            number = _issue(
                actor,
                case,
                "filing_approval",
                {
                    "case_source": data.source or "监督检查发现",
                    "case_summary": case.facts or power.conduct or power.name,
                    "legal_basis": _basis_text(power),
                    "handling_officers": "、".join(o.name for o in officers),
                    "handler_opinion": "涉嫌违法，符合立案条件，建议立案调查（《行政处罚法》第五十四条）",
                    "document_date": filed_on.isoformat(),
                },
            )
        else:
            number = _issue_summary_decision(actor, case, officers, data.place)
        if number:
            step = CaseStep.objects.create(
                case=case,
                code="file",
                done_on=filed_on,
                by=_actor_name(actor),
                data={"document_number": number},
            )
            audit.record(
                audit.Change(
                    "cases.step_add", "cases.casestep", str(step.pk), None, audit.snapshot(step), actor=actor
                )
            )
    return case


def _check_party_identity(parties: Sequence[Party]) -> None:
    """General procedure: a natural person is identified by the ID number (the decision names the
    party, Art. 59, and the registry links the case to its 行政相对人). The summary procedure may
    punish a passer-by whose identity document is not at hand, so it does not ask."""
    for index, party in enumerate(parties):
        if party.kind == PartyKind.PERSON and not party.id_number:
            raise ActionError(
                "missing_field",
                f"普通程序立案须填写自然人当事人{party.name}的身份证件号码（用于确认当事人身份，"
                f"见{LAW}第五十九条）",
                f"parties.{index}.id_number",
            )


def _entity_region(actor: Any, region: Any, agency: Agency) -> Any:
    """The region a new entity is registered in: the case's region when the actor may register
    there, else the agency's own."""
    scope = getattr(actor, "scope_region", None)
    if is_system(actor) or (scope is not None and region.is_within(scope)):
        return region
    return agency.region


def _registry_entity(actor: Any, party: Party, region: Any) -> Any:
    """The registry's `Entity` for the party (by credit code or ID number), registered through
    `registry.actions.do_create_entity` (audited, in the filing's transaction) when it is new —
    so the case's records name a known entity and publish (`cases.publish`). A party without a
    code stays unlinked."""
    from zhifa.registry.actions import EntityInput, do_create_entity
    from zhifa.registry.models import Entity, EntityKind

    if party.kind == PartyKind.ORGANISATION and party.credit_code:
        kind, lookup = EntityKind.ENTERPRISE, {"credit_code": party.credit_code}
    elif party.kind == PartyKind.PERSON and party.id_number:
        kind, lookup = EntityKind.PERSON, {"id_number": party.id_number}
    else:
        return None
    entity = Entity.objects.filter(**lookup).first()
    if entity is None:
        entity = do_create_entity(
            actor,
            EntityInput(
                kind=kind,
                name=party.name,
                region_code=region.code,
                address=party.address,
                phone=party.phone,
                **lookup,
            ),
        )
    return entity


def _officers_text(officers: Sequence[Officer], domain_id: str, day: dt.date) -> str:
    """The officers as documents name them (Art. 55: 出示执法证件): name and certificate number."""
    parts = []
    for officer in officers:
        cert = guards.valid_certificate(officer, domain_id, day)
        parts.append(f"{officer.name}（执法证号{cert.number}）" if cert else officer.name)
    return "、".join(parts)


def _issue_summary_decision(actor: Any, case: Case, officers: Sequence[Officer], place: str) -> str:
    """Art. 52: the 当场行政处罚决定书 of a summary case, numbered like every document."""
    start, end = case.violation_started_on, case.violation_ended_on
    return _issue(
        actor,
        case,
        "summary_decision",
        {
            "facts": case.facts,
            "violation_time": start.isoformat() if start == end else f"{start:%Y-%m-%d}至{end:%Y-%m-%d}",
            # the place of the violation; without one, the case's region (documented choice)
            "violation_place": place.strip() or case.region.name,
            "penalty_kinds": _kinds_text(case.penalty_kinds),
            "fine_amount": str(case.fine_amount) if case.fine_amount is not None else "",
            "legal_basis": case.decision_basis,
            "performance_method": case.performance,
            "remedies": case.remedies,
            "officers": _officers_text(officers, case.power.domain_id, case.filed_on),
            "document_date": case.filed_on.isoformat(),
            "seal_text": f"{case.agency.name}（印章）",
        },
    )


def _basis_text(power: Power) -> str:
    return "；".join(power.bases.order_by("sort_order", "id").values_list("citation", flat=True))


def _snapshot(case: Case) -> dict[str, Any] | None:
    return audit.snapshot(
        case,
        {
            "parties": [p.name for p in case.parties.all()],
            "officer_ids": list(case.officers.values_list("officer_id", flat=True)),
        },
    )


def _penalty_kinds(kinds: Sequence[str]) -> list[str]:
    result = []
    for index, kind in enumerate(kinds):
        if kind not in PenaltyKind.values:
            raise ActionError(
                "invalid_choice", f"处罚种类无效：{kind}（见{LAW}第九条）", f"penalty_kinds.{index}"
            )
        result.append(kind)
    return list(dict.fromkeys(result))


def _check_contents(case: Case, parties: Sequence[Party], evidence: str = "") -> None:
    """Art. 59: party, facts and evidence, kind and basis, how and when to perform, remedies."""
    missing = []
    if not parties:
        missing.append(("parties", "当事人"))
    if not case.facts.strip():
        missing.append(("facts", "违法事实"))
    if case.decision_kind == DecisionKind.PENALTY:
        if not case.penalty_kinds:
            missing.append(("penalty_kinds", "处罚种类"))
        if not case.decision_basis.strip():
            missing.append(("decision_basis", "处罚依据"))
        if PenaltyKind.FINE in case.penalty_kinds and not case.fine_amount:
            missing.append(("fine_amount", "罚款金额"))
        if not case.performance.strip():
            missing.append(("performance", "履行方式和期限"))
        if case.procedure == Procedure.GENERAL:
            if not evidence.strip():
                missing.append(("evidence", "证据"))
            for index, party in enumerate(parties):
                if not party.address.strip():
                    missing.append((f"parties.{index}.address", f"当事人{party.name}的地址"))
    if not case.remedies.strip():
        missing.append(("remedies", "申请行政复议、提起行政诉讼的途径和期限"))
    if missing:
        raise ActionError(
            "decision_incomplete",
            f"依据{LAW}第五十九条，决定书须载明：{'、'.join(label for _, label in missing)}",
            missing[0][0],
        )


# --- transfers: cases follow their power ----------------------------------------------------


def follow_transfer(case: Case, day: dt.date) -> bool:
    """Move an open case to the agency holding its power on `day` (Art. 38 via 权责清单 transfers).
    Returns whether it moved; the caller is inside the transaction and writes the audit entry."""
    if case.state not in OPEN_STATES:
        return False
    holder = holder_on(case.power, day)
    if holder.pk == case.agency_id:
        return False
    transferred = case.power.transfers.filter(from_agency_id=case.agency_id, effective_date__lte=day).exists()
    if not transferred:
        return False
    before = audit.snapshot(case)
    case.agency = holder
    case.save(update_fields=["agency", "updated_at"])
    audit.record_change(None, "cases.case_follow_transfer", case, before)
    return True


def do_follow_transfers(actor: Any, day: dt.date | None = None) -> int:
    """System sweep: every open case whose power moved to another agency follows it."""
    if not is_system(actor):
        raise PermissionDenied()
    day = day or _today()
    moved = 0
    with transaction.atomic():
        # PostgreSQL refuses FOR UPDATE with DISTINCT: find the cases first, then lock them.
        ids = set(
            Case.objects.filter(state__in=OPEN_STATES, power__transfers__isnull=False).values_list(
                "pk", flat=True
            )
        )
        for case in Case.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            if follow_transfer(case, day):
                moved += 1
                publish_case_on_commit(case)
    return moved


# --- transitions ----------------------------------------------------------------------------


def steps(case: Case, code: str) -> list[CaseStep]:
    return [s for s in case.steps.all() if s.code == code]


def last_step(case: Case, code: str) -> CaseStep | None:
    found = steps(case, code)
    return found[-1] if found else None


Handler = Callable[[Any, Case, dict[str, Any], dt.date], dict[str, Any]]


def _officer_list(case: Case) -> list[Officer]:
    return [
        co.officer for co in case.officers.select_related("officer").prefetch_related("officer__certificates")
    ]


def _region(case: Case) -> Any:
    return case.agency.region


def _investigate(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    guards.check_officers(_officer_list(case), case.agency, case.power.domain_id, day, _region(case))
    return {}


def _acting_officers(case: Case, body: dict[str, Any], day: dt.date) -> list[Officer]:
    """The officers of the case who take part in an inspection or inquiry (`officer_ids`, default
    all of the case's): at least `min_officers`, each with a certificate valid on the day for the
    power's domain (Art. 42, 55)."""
    officers = _officer_list(case)
    ids = body.get("officer_ids") or []
    if ids:
        by_id = {o.pk: o for o in officers}
        for index, officer_id in enumerate(ids):
            if officer_id not in by_id:
                raise ActionError(
                    "officer_not_on_case", f"执法人员{officer_id}不是本案的办案人员", f"officer_ids.{index}"
                )
        officers = [by_id[i] for i in dict.fromkeys(ids)]
    guards.check_officers(officers, case.agency, case.power.domain_id, day, _region(case))
    return officers


def _record_inspection(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """现场检查笔录 (Art. 55): two certified officers, the time and place, what was found."""
    officers = _acting_officers(case, body, day)
    return {
        "time": optional_text(body.get("time"), "time", "检查时间", 50) or day.isoformat(),
        "place": require_text(body.get("place"), "place", "检查地点", 200),
        "present_person": optional_text(body.get("present_person"), "present_person", "在场人员", 200),
        "content": require_text(body.get("content"), "content", "检查情况", 10000),
        "officer_ids": [o.pk for o in officers],
        "officers": _officers_text(officers, case.power.domain_id, day),
    }


def _record_inquiry(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """询问笔录 (Art. 55): two certified officers question the interviewee; the record is theirs."""
    officers = _acting_officers(case, body, day)
    return {
        "interviewee": require_text(body.get("interviewee"), "interviewee", "被询问人", 120),
        "time": optional_text(body.get("time"), "time", "询问时间", 50) or day.isoformat(),
        "place": require_text(body.get("place"), "place", "询问地点", 200),
        "content": require_text(body.get("content"), "content", "询问内容", 10000),
        "officer_ids": [o.pk for o in officers],
        "officers": _officers_text(officers, case.power.domain_id, day),
    }


def _order_rectification(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """责令改正 (Art. 28): with a penalty the party is ordered to correct the violation, now or by
    a deadline, which cannot lie before the order itself."""
    facts = (body.get("facts") or "").strip() or case.facts.strip()
    if not facts:
        raise ActionError("required", "责令改正通知书须写明违法事实", "facts")
    requirement = require_text(body.get("requirement"), "requirement", "改正要求", 5000)
    if not body.get("deadline"):
        raise ActionError("required", f"须写明改正期限（{LAW}第二十八条：限期改正）", "deadline")
    deadline = _day(body.get("deadline"), "deadline")
    if deadline < day:
        raise ActionError(
            "invalid_date_order",
            f"改正期限（{deadline:%Y-%m-%d}）不能早于责令改正之日（{day:%Y-%m-%d}）（{LAW}第二十八条）",
            "deadline",
        )
    return {"facts": facts, "requirement": requirement, "deadline": deadline.isoformat()}


def _submit_review(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    facts = (body.get("facts") or "").strip()
    if facts:
        case.facts = facts
    if not case.facts.strip():
        raise ActionError("required", "提交审查前须写明调查认定的违法事实", "facts")
    return {}


def _proposed(case: Case, body: dict[str, Any]) -> tuple[list[str], Decimal | None, Decimal | None]:
    kinds = _penalty_kinds(body.get("proposed_kinds") or [])
    return (
        kinds,
        _decimal(body.get("proposed_fine"), "proposed_fine"),
        _decimal(body.get("proposed_confiscation"), "proposed_confiscation"),
    )


def _party_kinds(case: Case) -> list[str]:
    return list(case.parties.values_list("kind", flat=True))


def _serve_notice(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """Art. 44, 62, 63: the prior notice states the proposed penalty, facts, reasons, basis and the
    rights to state, defend and (where Art. 63 requires) to ask for a hearing. A written waiver by
    the party counts as served (Art. 62 …"当事人明确放弃陈述或者申辩权利的除外")."""
    kinds, fine, confiscation = _proposed(case, body)
    waived = bool(body.get("waived"))
    offered = bool(body.get("hearing_offered"))
    reason = guards.hearing_required(kinds, fine, confiscation, _party_kinds(case), _region(case), day)
    if reason and not offered and not waived:
        raise ActionError(
            "hearing_not_offered",
            f"依据{LAW}第六十三条，拟作出{reason}的，事先告知书须告知当事人有要求听证的权利",
            "hearing_offered",
        )
    return {
        "proposed_kinds": kinds,
        "proposed_fine": str(fine) if fine is not None else None,
        "proposed_confiscation": str(confiscation) if confiscation is not None else None,
        "hearing_offered": offered,
        "hearing_required": reason,
        "waived": waived,
        "hearing_request_deadline": clocks.hearing_request_deadline(day, _region(case)).isoformat(),
    }


def _receive_statement(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return {"text": require_text(body.get("text"), "text", "陈述申辩内容", 10000)}


def _answer_statement(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    open_statements = len(steps(case, "receive_statement")) - len(steps(case, "answer_statement"))
    if open_statements <= 0:
        raise ActionError("nothing_to_answer", "没有待复核的陈述申辩", None)
    return {
        "text": require_text(body.get("text"), "text", "复核意见", 10000),
        "adopted": bool(body.get("adopted")),
    }


def _notice_step(case: Case) -> CaseStep:
    notice = last_step(case, "serve_notice")
    if notice is None:
        raise ActionError("notice_not_served", f"依据{LAW}第四十四条，尚未送达行政处罚事先告知书", None)
    return notice


def _request_hearing(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    notice = _notice_step(case)
    if not notice.data.get("hearing_offered"):
        raise ActionError("hearing_not_offered", "事先告知书未告知听证权利，本案不适用听证程序", None)
    deadline = dt.date.fromisoformat(notice.data["hearing_request_deadline"])
    if day > deadline:
        raise ActionError(
            "hearing_request_late",
            f"依据{LAW}第六十四条第一项，当事人应在告知后五日内（{deadline:%Y-%m-%d}前）提出听证要求",
            "on",
        )
    return {}


def _notify_hearing(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    if not steps(case, "request_hearing"):
        raise ActionError("hearing_not_requested", "当事人未要求听证", None)
    hearing_on = _day(body.get("hearing_on"), "hearing_on")
    earliest = clocks.earliest_hearing_date(day, _region(case))
    if hearing_on < earliest:
        raise ActionError(
            "hearing_notice_too_late",
            f"依据{LAW}第六十四条第二项，应在举行听证的七日前通知当事人，最早可于{earliest:%Y-%m-%d}举行",
            "hearing_on",
        )
    chair = _hearing_chair(case, body.get("chair_officer_id"))
    return {
        "hearing_on": hearing_on.isoformat(),
        "place": (body.get("place") or "").strip() or "本机关听证室",
        "chair_officer_id": chair.pk,
        "chair": chair.name,
    }


def _hearing_chair(case: Case, officer_id: Any) -> Officer:
    chair = Officer.objects.filter(pk=officer_id).first() if officer_id else None
    if chair is None or chair.agency_id != case.agency_id:
        raise ActionError("unknown_officer", "听证主持人须为本机关人员", "chair_officer_id")
    if case.officers.filter(officer=chair).exists():
        raise ActionError(
            "hearing_chair_conflict",
            f"依据{LAW}第六十四条第四项，听证由行政机关指定的非本案调查人员主持",
            "chair_officer_id",
        )
    return chair


def _hold_hearing(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    notice = last_step(case, "notify_hearing")
    if notice is None:
        raise ActionError("hearing_not_notified", f"依据{LAW}第六十四条第二项，听证前须通知当事人", None)
    if day < dt.date.fromisoformat(notice.data["hearing_on"]):
        raise ActionError("hearing_not_due", "听证日期未到", "on")
    chair = _hearing_chair(case, body.get("chair_officer_id") or notice.data.get("chair_officer_id"))
    case.major = True  # Art. 58 para. 1 item 2: after a hearing the decision needs legal review
    return {"chair_officer_id": chair.pk, "chair": chair.name, "record": (body.get("record") or "").strip()}


def _submit_legal_review(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _notice_step(case)
    return {}


def _approve_legal_review(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    officer = getattr(actor, "officer", None)
    if not is_system(actor) and (officer is None or not officer.has_legal_qualification):
        raise ActionError(
            "reviewer_not_qualified",
            f"依据{LAW}第五十八条第二款，初次从事行政处罚决定法制审核的人员，应当通过国家统一法律职业资格考试取得法律职业资格",
            None,
            status=403,
        )
    if officer is not None and case.officers.filter(officer=officer).exists():
        raise ActionError("reviewer_not_qualified", "本案调查人员不得担任法制审核人员", None, status=403)
    return {
        "opinion": require_text(body.get("opinion"), "opinion", "审核意见", 10000),
        "reviewer": getattr(officer, "name", _actor_name(actor)),
    }


def _start_collective(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _notice_step(case)
    if case.major and not steps(case, "approve_legal_review"):
        raise ActionError("legal_review_required", f"依据{LAW}第五十八条，重大案件须先经法制审核", None)
    return {}


def _record_collective(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return {
        "conclusion": require_text(body.get("conclusion"), "conclusion", "讨论结论", 10000),
        "attendees": [str(a) for a in body.get("attendees") or []],
    }


def _extend_deadline(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    days = int(body.get("days") or 0)
    limit = guards.rule_int("decision_extension_days", _region(case), day)
    if days <= 0 or case.extensions + days > limit:
        raise ActionError(
            "extension_limit_exceeded",
            f"依据{LAW}第六十条及有关规定，经负责人批准可延长办案期限，合计不超过{limit}日",
            "days",
        )
    reason = require_text(body.get("reason"), "reason", "延期理由", 2000)
    case.extensions += days
    return {"days": days, "reason": reason}


def _check_hearing_before_decision(case: Case, day: dt.date) -> None:
    notice = _notice_step(case)
    if notice.data.get("waived"):
        return
    reason = guards.hearing_required(
        case.penalty_kinds, case.fine_amount, case.confiscation_value, _party_kinds(case), _region(case), day
    )
    if reason and not notice.data.get("hearing_offered"):
        raise ActionError(
            "hearing_not_offered",
            f"依据{LAW}第六十三条，作出{reason}的决定前须告知当事人有要求听证的权利",
            "penalty_kinds",
        )
    if not notice.data.get("hearing_offered"):
        return
    if steps(case, "request_hearing"):
        if not steps(case, "hold_hearing"):
            raise ActionError(
                "hearing_not_held", f"依据{LAW}第六十四条，当事人要求听证的，须举行听证后方可决定", None
            )
        return
    deadline = dt.date.fromisoformat(notice.data["hearing_request_deadline"])
    if day <= deadline:
        raise ActionError(
            "hearing_window_open",
            f"依据{LAW}第六十四条第一项，当事人可在告知后五日内（至{deadline:%Y-%m-%d}）要求听证，期满前不得作出决定",
            "on",
        )


def _check_discretion(case: Case, body: dict[str, Any]) -> None:
    """Art. 34: the fine lies inside the chosen tier of the power's current benchmark; outside it
    a written reason is required and the case is flagged for supervision."""
    if PenaltyKind.FINE not in case.penalty_kinds or case.fine_amount is None:
        return
    benchmark = case.power.benchmarks.order_by("-version").first()
    tier_id = body.get("benchmark_tier_id")
    if benchmark is None:
        return
    if not tier_id:
        raise ActionError("tier_required", f"依据{LAW}第三十四条，须选择适用的裁量阶次", "benchmark_tier_id")
    tier = BenchmarkTier.objects.filter(pk=tier_id, benchmark=benchmark).first()
    if tier is None:
        raise ActionError("invalid_tier", "裁量阶次不属于该职权现行的裁量基准", "benchmark_tier_id")
    case.benchmark_tier = tier
    inside, text = guards.amount_inside_tier(tier, case.fine_amount, case.base_amount)
    if inside:
        return
    if not case.outside_tier_reason:
        raise ActionError(
            "amount_outside_tier",
            f"依据{LAW}第三十四条，罚款{yuan(case.fine_amount)}元超出所选“{tier.get_tier_display()}”阶次的幅度"
            f"（{text}），须书面说明理由",
            "fine_amount",
        )
    case.flagged_for_supervision = True


def _decide(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    kind = require_choice(body.get("decision_kind"), DecisionKind, "decision_kind", "决定类型")
    case.decision_kind = kind
    case.penalty_kinds = (
        _penalty_kinds(body.get("penalty_kinds") or []) if kind == DecisionKind.PENALTY else []
    )
    case.fine_amount = (
        _decimal(body.get("fine_amount"), "fine_amount") if kind == DecisionKind.PENALTY else None
    )
    case.confiscation_value = _decimal(body.get("confiscation_value"), "confiscation_value")
    case.base_amount = _decimal(body.get("base_amount"), "base_amount")
    case.outside_tier_reason = optional_text(body.get("reason"), "reason", "理由", 5000)
    case.decision_basis = (body.get("decision_basis") or "").strip() or _basis_text(case.power)
    case.performance = (body.get("performance") or "").strip()
    case.remedies = (body.get("remedies") or "").strip()
    case.decided_on = day
    guards.check_power(case.power, case.agency, day, case.violation_ended_on)
    guards.check_officers(_officer_list(case), case.agency, case.power.domain_id, day, _region(case))
    evidence = (body.get("evidence") or "").strip()
    _check_contents(case, list(case.parties.all()), evidence)
    if kind == DecisionKind.PENALTY:
        _notice_step(case)
        if len(steps(case, "receive_statement")) > len(steps(case, "answer_statement")):
            raise ActionError(
                "statement_not_answered",
                f"依据{LAW}第四十五条，当事人的陈述、申辩须经复核并答复后方可作出决定",
                None,
            )
        _check_hearing_before_decision(case, day)
        if case.major and not steps(case, "approve_legal_review"):
            raise ActionError(
                "legal_review_required",
                f"依据{LAW}第五十八条，重大行政处罚案件未经法制审核或审核未通过的，不得作出决定",
                None,
            )
        if case.major and not steps(case, "record_collective_discussion"):
            raise ActionError(
                "collective_discussion_required",
                f"依据{LAW}第五十七条第二款，情节复杂或者重大违法行为给予行政处罚，行政机关负责人应当集体讨论决定",
                None,
            )
        facts = Facts(
            first_violation=bool(body.get("first_violation")),
            minor_harm=bool(body.get("minor_harm")),
            corrected=bool(body.get("corrected")),
        )
        rule = guards.no_penalty_applies(case.power, facts)
        if rule is not None:
            if not case.outside_tier_reason:
                raise ActionError(
                    "no_penalty_applies",
                    f"依据{LAW}第三十三条第一款及{rule.source}，本案属{rule.get_kind_display()}情形，应当不予行政处罚；"
                    "确需处罚的须书面说明理由",
                    "decision_kind",
                )
            case.flagged_for_supervision = True
        _check_discretion(case, body)
    return {
        "decision_kind": kind,
        "evidence": evidence,
        "penalty_kinds": case.penalty_kinds,
        "fine_amount": str(case.fine_amount) if case.fine_amount is not None else None,
        "flagged_for_supervision": case.flagged_for_supervision,
        # Art. 48: decisions with social impact are disclosed; the deciding lead may say no
        # (e.g. a minor's case) — the disclosure itself masks whatever it publishes.
        "disclose": kind == DecisionKind.PENALTY and body.get("disclose", True) is not False,
    }


def _serve(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    if case.decided_on and day < case.decided_on:
        raise ActionError("invalid_date_order", "送达日期不能早于决定日期", "on")
    method = (body.get("method") or "direct").strip()
    case.served_on = day
    return {
        "method": method,
        "service_deadline": clocks.service_deadline(case.decided_on or day, _region(case)).isoformat(),
        "disclosed": _disclose_decision(actor, case),
    }


def _step_evidence(case: Case, ids: Any) -> list[dict[str, Any]]:
    """The evidence files a step relies on, as (id, kind, title, SHA-256) in the step's record:
    each must be a current file of this case, so the timeline keeps the exact bytes relied on."""
    from zhifa.evidence.models import EvidenceFile, EvidenceStatus

    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ActionError("invalid", "证据应为证据编号的列表", "evidence_ids")
    found = {
        e.pk: e
        for e in EvidenceFile.objects.filter(
            pk__in=ids, case_ref=case.number, agency=case.agency, status=EvidenceStatus.CURRENT
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ActionError(
            "unknown_evidence",
            f"证据 {'、'.join(map(str, missing))} 不是本案的现行证据（可能属于他案或已被替换）",
            "evidence_ids",
        )
    return [
        {"id": e.pk, "kind": e.kind, "title": e.title, "sha256": e.sha256} for e in (found[i] for i in ids)
    ]


def _disclose_decision(actor: Any, case: Case) -> bool:
    """Publish a served penalty decision the lead marked for disclosure (Art. 48), once: the
    party learns of the decision before the public does. `zhifa.disclosure` keeps only its
    whitelisted fields, masked."""
    from zhifa.disclosure.actions import do_publish_decision
    from zhifa.disclosure.models import Disclosure

    decision = last_step(case, "decide")
    if (
        decision is None
        or not decision.data.get("disclose")
        or Disclosure.objects.filter(case_ref=case.number).exists()
    ):
        return False
    do_publish_decision(actor, case.number, case.agency, _disclosure_record(case))
    return True


def _disclosure_record(case: Case) -> dict[str, Any]:
    """The decision as `zhifa.disclosure` receives it (it keeps only its whitelisted fields)."""
    party = case.parties.order_by("pk").first()
    record: dict[str, Any] = {
        "facts": case.facts,
        "legal_basis": case.decision_basis,
        "penalty_kinds": case.penalty_kinds,
        "fine_amount": str(case.fine_amount) if case.fine_amount is not None else None,
        "confiscation": str(case.confiscation_value) if case.confiscation_value is not None else None,
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "decision_number": document[1] if (document := decision_document(case)) else case.number,
        "agency_name": case.agency.name,
        "region_code": case.region_id,
    }
    if party is not None:
        record |= {
            "party_kind": "person" if party.kind == PartyKind.PERSON else "organisation",
            "party_name": party.name,
            "party_credit_code": party.credit_code,
            "party_id_number": party.id_number,
            "party_address": party.address,
            "party_phone": party.phone,
            "party_is_minor": party.is_minor,
        }
    return record


def _check_decision_stands(case: Case) -> None:
    """A revoked or void decision is not executed any more (Art. 48 para. 2, Art. 75)."""
    if case.decision_status in (DecisionStatus.REVOKED, DecisionStatus.VOID):
        raise ActionError(
            "decision_revoked",
            f"该行政处罚决定已{DecisionStatus(case.decision_status).label}，不得再执行",
            None,
            status=409,
        )


def _collect(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _check_decision_stands(case)
    amount = _decimal(body.get("amount"), "amount") or case.fine_amount or Decimal(0)
    guards.check_collection(amount, _region(case), day)
    if case.fine_amount is None or amount > case.fine_amount:
        raise ActionError("invalid", "收缴金额不能超过罚款金额", "amount")
    case.paid_on, case.paid_amount = day, amount
    return {"amount": str(amount), "receipt": (body.get("receipt") or "").strip()}


def _start_execution(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    if case.decision_kind != DecisionKind.PENALTY:
        raise ActionError("invalid_transition", "非处罚决定无需执行，可直接结案", None, status=409)
    _check_decision_stands(case)
    return {}


def payment_due_on(case: Case) -> dt.date | None:
    if case.served_on is None or not case.fine_amount:
        return None
    return clocks.payment_deadline(case.served_on, _region(case))


def _record_payment(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    if not case.fine_amount:
        raise ActionError("invalid_transition", "本案没有罚款", None, status=409)
    _check_decision_stands(case)
    channel = (body.get("channel") or "bank").strip()
    if channel != "bank":
        raise ActionError(
            "payment_channel_invalid",
            f"依据{LAW}第六十七条，当事人应当到指定的银行或者通过电子支付系统缴纳罚款，作出决定的行政机关及执法人员不得自行收缴",
            "channel",
        )
    amount = _decimal(body.get("amount"), "amount") or Decimal(0)
    due_on = payment_due_on(case)
    surcharge = clocks.surcharge(case.fine_amount, due_on, day, _region(case)) if due_on else Decimal(0)
    if amount < case.fine_amount + surcharge:
        raise ActionError(
            "payment_insufficient",
            f"应缴{yuan(case.fine_amount + surcharge)}元（罚款{yuan(case.fine_amount)}元，"
            f"依{LAW}第七十二条加处罚款{yuan(surcharge)}元）",
            "amount",
        )
    case.paid_on, case.paid_amount = day, amount
    return {"amount": str(amount), "surcharge": str(surcharge), "channel": channel}


def _apply_enforcement(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    _check_decision_stands(case)
    due_on = payment_due_on(case)
    if case.paid_on or due_on is None or day <= due_on:
        raise ActionError("not_overdue", "罚款尚未逾期或已缴纳，不能申请强制执行", None)
    return {"court": (body.get("court") or "").strip()}


def _close(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    if case.decision_kind == DecisionKind.PENALTY and case.fine_amount and not case.paid_on:
        if not steps(case, "apply_enforcement"):
            raise ActionError(
                "not_executed", f"依据{LAW}第六十七条、第七十二条，罚款未缴纳且未申请强制执行，不能结案", None
            )
    case.closed_on = day
    return {"summary": (body.get("summary") or "").strip()}


def _archive(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    case.archived_on = day
    return {}


# --- revocation or change of a decision (Art. 48 para. 2) -----------------------------------

OUTCOME_VERBS = {
    DecisionStatus.REVOKED: "撤销",
    DecisionStatus.CHANGED: "变更",
    DecisionStatus.CONFIRMED_ILLEGAL: "确认违法",
    DecisionStatus.VOID: "确认无效",
}


def _revoke_decision(actor: Any, case: Case, body: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """撤销或变更行政处罚决定: after reconsideration, litigation or the agency's own correction.
    The decision's standing changes; a disclosed decision is taken off the feed with the reason
    (Art. 48 para. 2: 三日内撤回并公开说明理由). A change that states the new penalty
    (`penalty_kinds` / `fine_amount`) is published again as a new version instead."""
    if case.decision_status in (DecisionStatus.REVOKED, DecisionStatus.VOID):
        raise ActionError(
            "decision_already_revoked",
            f"该决定已{DecisionStatus(case.decision_status).label}，不能再撤销或变更",
            None,
            status=409,
        )
    ground = require_choice(body.get("ground"), RevocationGround, "ground", "撤销或变更的途径")
    outcome = body.get("outcome")
    if outcome not in OUTCOME_VERBS:
        allowed = "、".join(f"{k}（{v}）" for k, v in OUTCOME_VERBS.items())
        raise ActionError("invalid_choice", f"处理结果无效，可选：{allowed}", "outcome")
    reason = require_text(body.get("reason"), "reason", "撤销或变更的理由", 400)
    number = optional_text(
        body.get("document_number"), "document_number", "复议决定书、判决书或决定的文号", 100
    )
    data: dict[str, Any] = {
        "ground": ground,
        "outcome": outcome,
        "reason": reason,
        "document_number": number,
        "previous_status": case.decision_status,
    }
    case.decision_status = outcome
    changed = outcome == DecisionStatus.CHANGED and (body.get("penalty_kinds") or body.get("fine_amount"))
    if changed:
        data["previous_penalty"] = {"penalty_kinds": case.penalty_kinds, "fine_amount": _text_amount(case)}
        if body.get("penalty_kinds"):
            case.penalty_kinds = _penalty_kinds(body["penalty_kinds"])
        if body.get("fine_amount") not in (None, ""):
            case.fine_amount = _decimal(body["fine_amount"], "fine_amount")
        data["penalty"] = {"penalty_kinds": case.penalty_kinds, "fine_amount": _text_amount(case)}
    text = (
        f"经{RevocationGround(ground).label}，该行政处罚决定已被{OUTCOME_VERBS[outcome]}"
        f"（{LAW}第四十八条第二款）。理由：{reason}"
    )
    data |= _withdraw_disclosure(actor, case, text, day, republish=bool(changed))
    return data


def _text_amount(case: Case) -> str | None:
    return str(case.fine_amount) if case.fine_amount is not None else None


def _withdraw_disclosure(
    actor: Any, case: Case, reason: str, day: dt.date, republish: bool
) -> dict[str, Any]:
    """Take the case's published decision off the public feed through `zhifa.disclosure` (same
    transaction): the request records the deadline — `disclosure_withdrawal_days` (3 working
    days, Art. 48 para. 2 with Art. 85) from the day the decision was revoked or changed — and
    the withdrawal follows at once, so it is never late unless the step itself is recorded late
    (then `overdue_withdrawals()` shows it). A changed decision with its new penalty is
    republished (`do_republish`: new version, the old one withdrawn and superseded)."""
    from zhifa.disclosure.actions import do_republish, do_request_withdrawal, do_withdraw_disclosure
    from zhifa.disclosure.models import Disclosure, DisclosureStatus

    latest = Disclosure.objects.filter(case_ref=case.number).order_by("-version").first()
    if latest is None or latest.status != DisclosureStatus.PUBLISHED:
        return {"disclosure_withdrawn": False}
    due = clocks.period_end(day, "disclosure_withdrawal_days", _region(case))
    days = (due - day).days + 1  # to the end of the due day
    requested_at = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    do_request_withdrawal(actor, case.number, reason[:500], days)
    if republish:
        do_republish(actor, case.number, _disclosure_record(case), reason=reason[:500])
    else:
        do_withdraw_disclosure(actor, case.number, reason[:500], days, requested_at=requested_at)
    return {"disclosure_withdrawn": True, "withdraw_due_on": due.isoformat(), "republished": republish}


# --- documents (zhifa.documents): the prior notice and the decision are issued by the transition


def _party_context(case: Case) -> dict[str, str]:
    parties = list(case.parties.all())
    return {
        "party_name": "、".join(p.name for p in parties),
        "party_address": "；".join(p.address for p in parties if p.address) or "—",
        "party_id_code": "；".join(
            p.credit_code or p.id_number for p in parties if p.credit_code or p.id_number
        )
        or "—",
    }


SERVICE_METHODS = {
    "direct": "直接送达",
    "mail": "邮寄送达",
    "electronic": "电子送达",
    "lodged": "留置送达",
    "public": "公告送达",
}


def _kinds_text(kinds: Sequence[str]) -> str:
    return "、".join(str(PenaltyKind(k).label) for k in kinds)


def _issue(actor: Any, case: Case, kind: str, context: dict[str, Any]) -> str:
    from zhifa.documents.actions import do_issue_document

    document = do_issue_document(actor, case.agency, kind, case.number, {**_party_context(case), **context})
    return document.number


def decision_document(case: Case) -> tuple[str, str] | None:
    """(title, number) of the case's decision document: the 行政处罚决定书 of `decide`, or for the
    summary procedure the 当场行政处罚决定书 issued at filing; None when there is none."""
    if case.procedure == Procedure.SUMMARY:
        step, title = last_step(case, "file"), "当场行政处罚决定书"
    else:
        step, title = last_step(case, "decide"), "行政处罚决定书"
    number = step.data.get("document_number") if step else None
    return (title, number) if number else None


def issue_documents(actor: Any, case: Case, name: str, day: dt.date, data: dict[str, Any]) -> None:
    """Issue the document a transition produces; its number goes into the step's data."""
    basis = case.decision_basis or _basis_text(case.power)
    if name == "serve_notice" and not data.get("waived"):
        proposed = _kinds_text(data.get("proposed_kinds") or []) or "待定"
        fine = data.get("proposed_fine")
        data["document_number"] = _issue(
            actor,
            case,
            "prior_notice",
            {
                "facts": case.facts,
                "legal_basis": basis,
                "proposed_penalty": proposed + (f"，罚款{fine}元" if fine else ""),
                "fine_amount": fine or "",
                "rights": "你（单位）有权在收到本告知书之日起五日内进行陈述、申辩"
                + ("，并有权要求举行听证" if data.get("hearing_offered") else "")
                + "；逾期视为放弃上述权利（《行政处罚法》第四十四条、第四十五条、第六十三条）。",
                "document_date": day.isoformat(),
            },
        )
        if data.get("hearing_offered"):
            data["hearing_document_number"] = _issue(
                actor,
                case,
                "hearing_notice_of_right",
                {
                    "proposed_penalty": proposed,
                    "fine_amount": fine or "",
                    "legal_basis": basis,
                    "hearing_right": f"如要求听证，应在{data['hearing_request_deadline']}前提出（《行政处罚法》第六十四条）。",
                    "document_date": day.isoformat(),
                },
            )
    elif name == "record_inspection":
        data["document_number"] = _issue(
            actor,
            case,
            "inspection_record",
            {
                "inspection_time": data["time"],
                "inspection_place": data["place"],
                "officers": data["officers"],
                "present_person": data["present_person"],
                "inspection_content": data["content"],
                "document_date": day.isoformat(),
            },
        )
    elif name == "record_inquiry":
        data["document_number"] = _issue(
            actor,
            case,
            "inquiry_record",
            {
                "interviewee": data["interviewee"],
                "inquiry_time": data["time"],
                "inquiry_place": data["place"],
                "officers": data["officers"],
                "record_content": data["content"],
                "document_date": day.isoformat(),
            },
        )
    elif name == "order_rectification":
        data["document_number"] = _issue(
            actor,
            case,
            "rectification_order",
            {
                "facts": data["facts"],
                "legal_basis": f"{basis}；{LAW}第二十八条",
                "rectification_requirement": data["requirement"],
                "rectification_deadline": data["deadline"],
                "document_date": day.isoformat(),
                "seal_text": f"{case.agency.name}（印章）",
            },
        )
    elif name == "notify_hearing":
        data["document_number"] = _issue(
            actor,
            case,
            "hearing_notice",
            {
                "hearing_time": data["hearing_on"],
                "hearing_place": data["place"],
                "hearing_chair": data["chair"],
                "document_date": day.isoformat(),
            },
        )
    elif name == "serve" and (decision := decision_document(case)):
        parties = _party_context(case)
        data["document_number"] = _issue(
            actor,
            case,
            "service_receipt",
            {
                "served_document": f"{decision[0]} {decision[1]}",
                "recipient": parties["party_name"],
                "service_place": parties["party_address"],
                "service_method": SERVICE_METHODS.get(data["method"], data["method"]),
                "service_time": day.isoformat(),
                "server": _actor_name(actor),
                "document_date": day.isoformat(),
            },
        )
    elif name == "close" and case.procedure == Procedure.GENERAL:
        paid = f"已于{case.paid_on:%Y-%m-%d}缴纳{yuan(case.paid_amount)}元" if case.paid_on else ""
        enforced = "已申请人民法院强制执行" if steps(case, "apply_enforcement") else ""
        data["document_number"] = _issue(
            actor,
            case,
            "closing_report",
            {
                "case_summary": case.facts,
                "penalty_result": f"{DecisionKind(case.decision_kind).label}"
                + (f"：{_kinds_text(case.penalty_kinds)}" if case.penalty_kinds else ""),
                "fine_amount": str(case.fine_amount) if case.fine_amount is not None else "",
                "execution": paid or enforced or "无需执行",
                "closing_opinion": data.get("summary") or "案件办理完毕，建议结案",
                "document_date": day.isoformat(),
            },
        )
    elif name == "decide" and case.decision_kind == DecisionKind.PENALTY:
        data["document_number"] = _issue(
            actor,
            case,
            "penalty_decision",
            {
                "facts": case.facts,
                "evidence": data.get("evidence") or "—",
                "penalty_kinds": _kinds_text(case.penalty_kinds),
                "fine_amount": str(case.fine_amount) if case.fine_amount is not None else "",
                "legal_basis": basis,
                "performance_method": case.performance,
                "performance_deadline": "自收到本决定书之日起十五日内（《行政处罚法》第六十七条）",
                "remedies": case.remedies,
                "document_date": day.isoformat(),
                "seal_text": f"{case.agency.name}（印章）",
            },
        )


HANDLERS: dict[str, Handler] = {
    "record_inspection": _record_inspection,
    "record_inquiry": _record_inquiry,
    "order_rectification": _order_rectification,
    "revoke_decision": _revoke_decision,
    "investigate": _investigate,
    "submit_review": _submit_review,
    "serve_notice": _serve_notice,
    "receive_statement": _receive_statement,
    "answer_statement": _answer_statement,
    "request_hearing": _request_hearing,
    "notify_hearing": _notify_hearing,
    "hold_hearing": _hold_hearing,
    "submit_legal_review": _submit_legal_review,
    "approve_legal_review": _approve_legal_review,
    "start_collective_discussion": _start_collective,
    "record_collective_discussion": _record_collective,
    "extend_deadline": _extend_deadline,
    "decide": _decide,
    "serve": _serve,
    "collect_on_the_spot": _collect,
    "start_execution": _start_execution,
    "record_payment": _record_payment,
    "apply_enforcement": _apply_enforcement,
    "close": _close,
    "archive": _archive,
}


def _check_allowed(actor: Any, case: Case, transition: Transition | None, name: str) -> Transition:
    if transition is None:
        raise ActionError("invalid_transition", f"没有名为“{name}”的程序环节", "name", status=404)
    if case.procedure not in transition.procedures or case.state not in transition.sources:
        raise ActionError(
            "invalid_transition",
            f"案件处于“{State(case.state).label}”，{Procedure(case.procedure).label}不能进行“{transition.label}”",
            "name",
            status=409,
        )
    if not is_system(actor) and actor.role not in transition.roles:
        allowed = "、".join(sorted(transition.roles))
        raise PermissionDenied(f"“{transition.label}”须由以下角色办理：{allowed}")
    return transition


def do_transition(actor: Any, case_id: int, name: str, body: dict[str, Any] | None = None) -> Case:
    """Run one transition of the procedure table on a case (see module docstring)."""
    require_role_permission(actor, Case, roles.CHANGE)
    body = dict(body or {})
    day = _day(body.get("on"), "on")
    if day > _today():
        raise ActionError("invalid_date", "日期不能晚于今天", "on")
    with transaction.atomic():
        pending = Case.objects.select_for_update().select_related("power").filter(pk=case_id).first()
        if pending is not None:
            follow_transfer(pending, day)
        case = get_for_change(actor, Case, pk=case_id)
        transition = _check_allowed(actor, case, BY_NAME.get(name), name)
        last = case.steps.order_by("-done_on").values_list("done_on", flat=True).first() or case.filed_on
        if day < last:
            raise ActionError("invalid_date_order", f"日期不能早于上一环节（{last:%Y-%m-%d}）", "on")
        before = _snapshot(case)
        data = HANDLERS[name](actor, case, body, day)
        if body.get("evidence_ids"):
            data["evidence"] = _step_evidence(case, body["evidence_ids"])
        issue_documents(actor, case, name, day, data)
        if transition.target is not None:
            case.state = transition.target
        case.save()
        publish_case_on_commit(case)  # the store's copy follows once this transaction commits
        step = CaseStep.objects.create(case=case, code=name, done_on=day, by=_actor_name(actor), data=data)
        audit.record_many(
            [
                audit.Change(
                    f"cases.{name}", "cases.case", str(case.pk), before, _snapshot(case), actor=actor
                ),
                audit.Change(
                    "cases.step_add", "cases.casestep", str(step.pk), None, audit.snapshot(step), actor=actor
                ),
            ]
        )
    return case


# --- clocks ---------------------------------------------------------------------------------


def case_clocks(case: Case, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The statutory clocks of a case: decision (Art. 60), service (Art. 61), payment (Art. 67)
    with the surcharge (Art. 72), hearing request window (Art. 64)."""
    today = today or _today()
    region = _region(case)
    result: list[dict[str, Any]] = []

    def add(code: str, label: str, started: dt.date, due: dt.date, met: dt.date | None, **extra: Any) -> None:
        state = clocks.clock_state(due, met, today)
        result.append(
            {
                "code": code,
                "label": label,
                "started_on": started,
                "due_on": due,
                "met_on": met,
                "state": str(state),
                "days_left": (due - today).days if met is None else None,
                **extra,
            }
        )

    if case.procedure == Procedure.GENERAL:
        due = clocks.decision_deadline(case.filed_on, case.extensions, region)
        decided = case.decided_on if case.decision_kind else None
        add("decision", f"作出决定（{LAW}第六十条）", case.filed_on, due, decided, extensions=case.extensions)
        notice = last_step(case, "serve_notice")
        if notice and notice.data.get("hearing_offered"):
            request = last_step(case, "request_hearing")
            deadline = dt.date.fromisoformat(notice.data["hearing_request_deadline"])
            window_met = request.done_on if request else (deadline if today > deadline else None)
            add("hearing_request", f"听证申请期（{LAW}第六十四条）", notice.done_on, deadline, window_met)
    if case.decided_on:
        add(
            "service",
            f"送达决定书（{LAW}第六十一条）",
            case.decided_on,
            clocks.service_deadline(case.decided_on, region),
            case.served_on,
        )
    due_on = payment_due_on(case)
    if due_on and case.served_on:
        surcharge = clocks.surcharge(case.fine_amount, due_on, case.paid_on or today, region)
        add(
            "payment",
            f"缴纳罚款（{LAW}第六十七条）",
            case.served_on,
            due_on,
            case.paid_on,
            surcharge=surcharge,
        )
    return result


def is_overdue(case: Case, today: dt.date | None = None) -> bool:
    return any(c["state"] == "overdue" and c["met_on"] is None for c in case_clocks(case, today))
