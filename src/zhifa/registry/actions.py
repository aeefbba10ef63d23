"""Registry state changes. Each function checks the rules, writes the change and exactly one
audit entry per changed record, all in one transaction. `actor=None` is the system."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from zhifa.core import audit, roles
from zhifa.core.actions import (
    get_for_change,
    is_system,
    optional_text,
    require_choice,
    require_credit_code,
    require_date_order,
    require_id_number,
    require_region,
    require_region_in_scope,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError, Conflict
from zhifa.core.models import Region
from zhifa.registry.models import (
    INDUSTRY_SECTIONS,
    Agency,
    AgencyKind,
    AgencyStatus,
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateStatus,
    Domain,
    Entity,
    EntityKind,
    Officer,
    OfficerRole,
    OfficerStatus,
)

# --- agencies -------------------------------------------------------------------------------


@dataclass
class AgencyInput:
    code: str
    name: str
    kind: str
    region_code: str
    domain_codes: Sequence[str] = ()
    short_name: str = ""
    supervising_agency_code: str | None = None
    status: str = AgencyStatus.ACTIVE
    address: str = ""
    phone: str = ""


def _resolve_domains(codes: Sequence[str]) -> list[Domain]:
    if not codes:
        raise ActionError("required", "至少选择一个执法领域", "domain_codes")
    found = {d.code: d for d in Domain.objects.filter(code__in=list(codes))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ActionError("unknown_domain", f"执法领域代码不存在：{'、'.join(missing)}", "domain_codes")
    return [found[c] for c in dict.fromkeys(codes)]


def _clean_agency(
    actor: Any, data: AgencyInput, agency: Agency | None
) -> tuple[dict[str, Any], list[Domain]]:
    region = require_region(data.region_code)
    require_region_in_scope(actor, region)
    supervising = None
    if data.supervising_agency_code:
        supervising = Agency.objects.filter(code=data.supervising_agency_code).first()
        if supervising is None:
            raise ActionError(
                "unknown_agency",
                f"上级/委托机关不存在：{data.supervising_agency_code}",
                "supervising_agency_code",
            )
        if agency is not None and supervising.pk == agency.pk:
            raise ActionError("invalid_reference", "上级机关不能是本单位", "supervising_agency_code")
    kind = require_choice(data.kind, AgencyKind, "kind", "主体类别")
    if kind == AgencyKind.ENTRUSTED and supervising is None:
        raise ActionError("required", "受委托组织必须填写委托机关", "supervising_agency_code")
    values = {
        "code": require_credit_code(data.code, "code"),
        "name": require_text(data.name, "name", "名称", 100),
        "short_name": optional_text(data.short_name, "short_name", "简称", 20),
        "kind": kind,
        "region": region,
        "supervising_agency": supervising,
        "status": require_choice(data.status, AgencyStatus, "status", "状态"),
        "address": optional_text(data.address, "address", "地址", 200),
        "phone": optional_text(data.phone, "phone", "联系电话", 30),
    }
    others = Agency.objects.exclude(pk=agency.pk) if agency else Agency.objects.all()
    if others.filter(code=values["code"]).exists():
        raise Conflict("duplicate", "该统一社会信用代码已登记为其他执法主体", "code")
    if others.filter(name=values["name"]).exists():
        raise Conflict("duplicate", "同名执法主体已存在", "name")
    return values, _resolve_domains(data.domain_codes)


def do_create_agency(actor: Any, data: AgencyInput) -> Agency:
    require_role_permission(actor, Agency, roles.ADD)
    values, domains = _clean_agency(actor, data, None)
    with transaction.atomic():
        agency = Agency.objects.create(**values)
        agency.domains.set(domains)
        audit.record_change(actor, "registry.agency_create", agency, None)
    return agency


# What an agency's own staff may change on its record; the rest is kept as it was.
AGENCY_ROLE_EDITABLE_FIELDS = frozenset({"short_name", "address", "phone"})


def do_update_agency(actor: Any, code: str, data: AgencyInput) -> Agency:
    with transaction.atomic():
        agency = get_for_change(actor, Agency, code=code)
        before = audit.snapshot(agency)
        values, domains = _clean_agency(actor, data, agency)
        if not is_system(actor) and actor.role in roles.AGENCY_ROLES:
            # An agency's own admin keeps contact details; identity and placement are the justice bureau's.
            for locked in set(values) - AGENCY_ROLE_EDITABLE_FIELDS:
                values[locked] = getattr(agency, locked)
            domains = list(agency.domains.all())
        for name, value in values.items():
            setattr(agency, name, value)
        agency.save()
        agency.domains.set(domains)
        audit.record_change(actor, "registry.agency_update", agency, before)
    return agency


# --- officers -------------------------------------------------------------------------------


@dataclass
class OfficerInput:
    name: str
    id_number: str
    agency_code: str
    role: str = OfficerRole.FIELD_OFFICER
    gender: str = ""
    phone: str = ""
    has_legal_qualification: bool = False
    status: str = OfficerStatus.ACTIVE


def _agency_for_staff(actor: Any, code: str) -> Agency:
    """The agency a new or moved officer belongs to, which must be one the actor manages."""
    queryset = Agency.objects.all() if is_system(actor) else Agency.objects.restrict(actor, roles.VIEW)
    agency = queryset.filter(code=code).first()
    if agency is None:
        raise ActionError("unknown_agency", f"执法主体不存在或不在管辖范围内：{code}", "agency_code")
    return agency


def _clean_officer(actor: Any, data: OfficerInput, officer: Officer | None) -> dict[str, Any]:
    values = {
        "name": require_text(data.name, "name", "姓名", 40),
        "id_number": require_id_number(data.id_number),
        "agency": _agency_for_staff(actor, data.agency_code),
        "role": require_choice(data.role, OfficerRole, "role", "岗位"),
        "gender": data.gender if data.gender in ("M", "F") else "",
        "phone": optional_text(data.phone, "phone", "手机号", 20),
        "has_legal_qualification": bool(data.has_legal_qualification),
        "status": require_choice(data.status, OfficerStatus, "status", "状态"),
    }
    if values["gender"] == "":
        values["gender"] = "M" if int(values["id_number"][16]) % 2 else "F"
    if values["role"] == OfficerRole.LEGAL_REVIEWER and not values["has_legal_qualification"]:
        raise ActionError(
            "qualification_required",
            "法制审核人员须具有法律职业资格（《行政处罚法》第五十八条）",
            "has_legal_qualification",
        )
    others = Officer.objects.exclude(pk=officer.pk) if officer else Officer.objects.all()
    if others.filter(id_number=values["id_number"]).exists():
        raise Conflict("duplicate", "该身份证号已登记为其他执法人员", "id_number")
    return values


def do_create_officer(actor: Any, data: OfficerInput) -> Officer:
    require_role_permission(actor, Officer, roles.ADD)
    values = _clean_officer(actor, data, None)
    with transaction.atomic():
        officer = Officer.objects.create(**values)
        audit.record_change(actor, "registry.officer_create", officer, None)
    return officer


def do_update_officer(actor: Any, officer_id: int, data: OfficerInput) -> Officer:
    with transaction.atomic():
        officer = get_for_change(actor, Officer, pk=officer_id)
        before = audit.snapshot(officer)
        for name, value in _clean_officer(actor, data, officer).items():
            setattr(officer, name, value)
        officer.save()
        audit.record_change(actor, "registry.officer_update", officer, before)
    return officer


# --- certificates ---------------------------------------------------------------------------


@dataclass
class CertificateInput:
    number: str
    officer_id: int
    domain_code: str
    issued_on: dt.date
    expires_on: dt.date
    issuing_authority: str = ""


def _record_event(cert: Certificate, kind: str, effective_on: dt.date, reason: str, actor: Any) -> None:
    CertificateEvent.objects.create(
        certificate=cert,
        kind=kind,
        effective_on=effective_on,
        reason=reason,
        status_after=cert.status,
        expires_on_after=cert.expires_on,
        actor_username=getattr(actor, "username", None) or "system",
    )


def do_issue_certificate(actor: Any, data: CertificateInput) -> Certificate:
    require_role_permission(actor, Certificate, roles.ADD)
    number = require_text(data.number, "number", "证件号", 32)
    officer_qs = Officer.objects.all() if is_system(actor) else Officer.objects.restrict(actor, roles.VIEW)
    officer = officer_qs.filter(pk=data.officer_id).first()
    if officer is None:
        raise ActionError("unknown_officer", "执法人员不存在或不在管辖范围内", "officer_id")
    domain = Domain.objects.filter(code=data.domain_code).first()
    if domain is None:
        raise ActionError("unknown_domain", f"执法领域代码不存在：{data.domain_code}", "domain_code")
    require_date_order(data.issued_on, data.expires_on, "expires_on", "有效期至不能早于发证日期")
    if Certificate.objects.filter(number=number).exists():
        raise Conflict("duplicate", "证件号已存在", "number")
    with transaction.atomic():
        cert = Certificate.objects.create(
            number=number,
            officer=officer,
            domain=domain,
            issued_on=data.issued_on,
            expires_on=data.expires_on,
            issuing_authority=optional_text(data.issuing_authority, "issuing_authority", "发证机关", 100),
        )
        _record_event(cert, CertificateEventKind.ISSUED, data.issued_on, "", actor)
        audit.record_change(actor, "registry.certificate_issue", cert, None)
    return cert


STATUS_TRANSITIONS = {
    # event kind: (allowed current statuses, resulting status)
    CertificateEventKind.SUSPENDED: ({CertificateStatus.VALID}, CertificateStatus.SUSPENDED),
    CertificateEventKind.REINSTATED: ({CertificateStatus.SUSPENDED}, CertificateStatus.VALID),
    CertificateEventKind.REVOKED: (
        {CertificateStatus.VALID, CertificateStatus.SUSPENDED},
        CertificateStatus.REVOKED,
    ),
}


def do_change_certificate_status(
    actor: Any, number: str, kind: str, effective_on: dt.date, reason: str
) -> Certificate:
    """Suspend, reinstate or revoke a certificate; a reason is required."""
    if kind not in STATUS_TRANSITIONS:
        raise ActionError("invalid_choice", "变更事项无效，可选：suspended、reinstated、revoked", "kind")
    reason = require_text(reason, "reason", "原因", 200)
    with transaction.atomic():
        cert = get_for_change(actor, Certificate, number=number)
        allowed_from, status_after = STATUS_TRANSITIONS[kind]
        if cert.status not in allowed_from:
            raise Conflict(
                "invalid_transition", f"证件当前状态为“{cert.get_status_display()}”，不能执行该变更", "kind"
            )
        before = audit.snapshot(cert)
        cert.status = status_after
        cert.save()
        _record_event(cert, kind, effective_on, reason, actor)
        audit.record_change(actor, f"registry.certificate_{kind}", cert, before)
    return cert


def do_renew_certificate(actor: Any, number: str, expires_on: dt.date, reason: str = "") -> Certificate:
    with transaction.atomic():
        cert = get_for_change(actor, Certificate, number=number)
        if cert.status == CertificateStatus.REVOKED:
            raise Conflict("invalid_transition", "已吊销/注销的证件不能延期", "expires_on")
        require_date_order(cert.expires_on, expires_on, "expires_on", "新的有效期不能早于原有效期")
        before = audit.snapshot(cert)
        cert.expires_on = expires_on
        cert.save()
        _record_event(cert, CertificateEventKind.RENEWED, dt.date.today(), reason, actor)
        audit.record_change(actor, "registry.certificate_renew", cert, before)
    return cert


# --- entities -------------------------------------------------------------------------------


@dataclass
class EntityInput:
    kind: str
    name: str
    region_code: str
    credit_code: str | None = None
    id_number: str | None = None
    legal_representative: str = ""
    address: str = ""
    industry: str = ""
    phone: str = ""
    latitude: Decimal | float | str | None = None
    longitude: Decimal | float | str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _coordinate(value: Any, field_name: str, label: str, limit: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError("invalid_number", f"{label}应为数字", field_name) from exc
    if not -limit <= number <= limit:
        raise ActionError("out_of_range", f"{label}应在 -{limit} 到 {limit} 之间", field_name)
    return number


def _clean_entity(
    actor: Any,
    data: EntityInput,
    entity: Entity | None,
    regions: dict[str, Region] | None = None,
    check_duplicates: bool = True,
) -> dict[str, Any]:
    kind = require_choice(data.kind, EntityKind, "kind", "类别")
    credit_code = require_credit_code(data.credit_code) if data.credit_code else None
    id_number = require_id_number(data.id_number) if data.id_number else None
    if kind == EntityKind.ENTERPRISE and not credit_code:
        raise ActionError("required", "单位须填写统一社会信用代码", "credit_code")
    if kind == EntityKind.PERSON and not id_number:
        raise ActionError("required", "个人须填写身份证号", "id_number")
    region = regions.get(data.region_code) if regions is not None else None
    region = region or require_region(data.region_code)
    require_region_in_scope(actor, region)
    if data.industry and data.industry not in dict(INDUSTRY_SECTIONS):
        raise ActionError("invalid_choice", "行业门类应为 GB/T 4754 门类字母 A–T", "industry")
    others = Entity.objects.exclude(pk=entity.pk) if entity else Entity.objects.all()
    if not check_duplicates:
        others = Entity.objects.none()
    if credit_code and others.filter(credit_code=credit_code).exists():
        raise Conflict("duplicate", "该统一社会信用代码已登记", "credit_code")
    if id_number and others.filter(id_number=id_number).exists():
        raise Conflict("duplicate", "该身份证号已登记", "id_number")
    return {
        "kind": kind,
        "name": require_text(data.name, "name", "名称/姓名", 120),
        "credit_code": credit_code,
        "id_number": id_number,
        "region": region,
        "legal_representative": optional_text(
            data.legal_representative, "legal_representative", "法定代表人", 40
        ),
        "address": optional_text(data.address, "address", "地址", 200),
        "industry": data.industry or "",
        "phone": optional_text(data.phone, "phone", "联系电话", 20),
        "latitude": _coordinate(data.latitude, "latitude", "纬度", 90),
        "longitude": _coordinate(data.longitude, "longitude", "经度", 180),
    }


def do_create_entity(actor: Any, data: EntityInput) -> Entity:
    require_role_permission(actor, Entity, roles.ADD)
    values = _clean_entity(actor, data, None)
    with transaction.atomic():
        entity = Entity.objects.create(**values)
        audit.record_change(actor, "registry.entity_create", entity, None)
    return entity


def do_update_entity(actor: Any, entity_id: int, data: EntityInput) -> Entity:
    with transaction.atomic():
        entity = get_for_change(actor, Entity, pk=entity_id)
        before = audit.snapshot(entity)
        for name, value in _clean_entity(actor, data, entity).items():
            setattr(entity, name, value)
        entity.save()
        audit.record_change(actor, "registry.entity_update", entity, before)
    return entity


def do_bulk_create_entities(actor: Any, rows: Sequence[EntityInput]) -> list[Entity]:
    """Create many entities (seeding, imports) with one audit entry per entity, chained in one
    go. Rows are validated as `do_create_entity` validates them; duplicates are looked up once
    for the whole batch instead of once per row."""
    require_role_permission(actor, Entity, roles.ADD)
    regions = {r.code: r for r in Region.objects.filter(code__in={row.region_code for row in rows})}
    values = [_clean_entity(actor, row, None, regions=regions, check_duplicates=False) for row in rows]
    _refuse_batch_duplicates(values)
    with transaction.atomic():
        created = Entity.objects.bulk_create([Entity(**v) for v in values], batch_size=2000)
        audit.record_many(
            audit.Change(
                "registry.entity_create", "registry.entity", str(e.pk), after=audit.snapshot(e), actor=actor
            )
            for e in created
        )
    return created


def _refuse_batch_duplicates(values: list[dict[str, Any]]) -> None:
    for key, label in (("credit_code", "统一社会信用代码"), ("id_number", "身份证号")):
        codes = [v[key] for v in values if v[key]]
        if len(codes) != len(set(codes)):
            raise Conflict("duplicate", f"批量数据中{label}重复", key)
        for chunk_start in range(0, len(codes), 500):
            chunk = codes[chunk_start : chunk_start + 500]
            taken = Entity.objects.filter(**{f"{key}__in": chunk}).values_list(key, flat=True).first()
            if taken:
                raise Conflict("duplicate", f"该{label}已登记：{taken}", key)


# --- bulk helpers (seeding, imports) ----------------------------------------------------------


def do_bulk_create_officers(actor: Any, rows: Sequence[OfficerInput]) -> list[Officer]:
    """Create many officers with one audit entry each, chained in one go. Every row is checked
    by the same `_clean_officer` as `do_create_officer`; that check only sees officers already
    stored, so duplicate ID numbers inside the batch are refused here as well."""
    require_role_permission(actor, Officer, roles.ADD)
    values = [_clean_officer(actor, row, None) for row in rows]
    numbers = [v["id_number"] for v in values]
    if len(numbers) != len(set(numbers)):
        raise Conflict("duplicate", "批量数据中身份证号重复", "id_number")
    with transaction.atomic():
        created = Officer.objects.bulk_create([Officer(**v) for v in values], batch_size=1000)
        audit.record_many(
            audit.Change(
                "registry.officer_create", "registry.officer", str(o.pk), after=audit.snapshot(o), actor=actor
            )
            for o in created
        )
    return created


def _clean_certificate_rows(actor: Any, rows: Sequence[CertificateInput]) -> list[dict[str, Any]]:
    """`do_issue_certificate`'s checks for a whole batch, with one lookup per kind of record."""
    officer_qs = Officer.objects.all() if is_system(actor) else Officer.objects.restrict(actor, roles.VIEW)
    officers = officer_qs.in_bulk({row.officer_id for row in rows})
    domains = {d.code: d for d in Domain.objects.all()}
    values = []
    for row in rows:
        number = require_text(row.number, "number", "证件号", 32)
        officer = officers.get(row.officer_id)
        if officer is None:
            raise ActionError("unknown_officer", "执法人员不存在或不在管辖范围内", "officer_id")
        domain = domains.get(row.domain_code)
        if domain is None:
            raise ActionError("unknown_domain", f"执法领域代码不存在：{row.domain_code}", "domain_code")
        require_date_order(row.issued_on, row.expires_on, "expires_on", "有效期至不能早于发证日期")
        authority = optional_text(row.issuing_authority, "issuing_authority", "发证机关", 100)
        values.append(
            {
                "number": number,
                "officer": officer,
                "domain": domain,
                "issued_on": row.issued_on,
                "expires_on": row.expires_on,
                "issuing_authority": authority,
            }
        )
    numbers = [v["number"] for v in values]
    if len(numbers) != len(set(numbers)):
        raise Conflict("duplicate", "批量数据中证件号重复", "number")
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        taken = Certificate.objects.filter(number__in=chunk).values_list("number", flat=True).first()
        if taken:
            raise Conflict("duplicate", f"证件号已存在：{taken}", "number")
    return values


def do_bulk_issue_certificates(actor: Any, rows: Sequence[CertificateInput]) -> list[Certificate]:
    """Issue many certificates (seeding, imports): each gets its 发证 event and one audit entry,
    exactly as `do_issue_certificate` writes them, in one transaction."""
    require_role_permission(actor, Certificate, roles.ADD)
    values = _clean_certificate_rows(actor, rows)
    username = getattr(actor, "username", None) or "system"
    with transaction.atomic():
        created = Certificate.objects.bulk_create([Certificate(**v) for v in values], batch_size=1000)
        CertificateEvent.objects.bulk_create(
            [
                CertificateEvent(
                    certificate=c,
                    kind=CertificateEventKind.ISSUED,
                    effective_on=c.issued_on,
                    reason="",
                    status_after=c.status,
                    expires_on_after=c.expires_on,
                    actor_username=username,
                )
                for c in created
            ],
            batch_size=1000,
        )
        audit.record_many(
            audit.Change(
                "registry.certificate_issue",
                "registry.certificate",
                str(c.pk),
                after=audit.snapshot(c),
                actor=actor,
            )
            for c in created
        )
    return created
