"""Publishing, withdrawing and republishing penalty decisions (Administrative Penalty Law Art. 39, 48).

Default deny: `public_fields` copies into the published record only the fields named here, each
masked or scrubbed; any other key of the decision (ID number, phone, address, …) is dropped.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from zhifa.core import audit, roles
from zhifa.core.actions import get_for_change, is_system, require_role_permission
from zhifa.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from zhifa.core.models import Region
from zhifa.disclosure.masking import mask_person_name, scrub_text
from zhifa.disclosure.models import Disclosure, DisclosureStatus
from zhifa.registry.models import Agency

PARTY_WITHHELD = "当事人信息依法不予公开"
MINOR_PARTY = "当事人"
TEXT_LIMIT = 5000
MAX_DEADLINE_DAYS = 365


def _text(value: Any, limit: int = TEXT_LIMIT) -> str:
    if value is None:
        return ""
    return str(value).strip()[:limit]


def _amount(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        amount = decimal.Decimal(str(value).replace(",", "").strip())
    except decimal.InvalidOperation as exc:
        raise ActionError("invalid", "金额应为数字", field) from exc
    if not amount.is_finite() or amount < 0:
        raise ActionError("invalid", "金额应为非负数", field)
    return str(amount.quantize(decimal.Decimal("0.01")))


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ActionError("invalid", "日期格式应为 YYYY-MM-DD", field) from exc


def public_fields(decision: dict[str, Any], agency: Agency) -> dict[str, Any]:
    """The whitelisted, masked fields of a decision as they may be published.

    organisation → name and 统一社会信用代码; person → masked name only; minor → nothing about
    the party, and the party's name (full and masked) replaced by 当事人 in every text. Every
    free-text field is scrubbed (ID numbers, phones, bank cards, e-mail, home addresses, names)."""
    kind = decision.get("party_kind")
    if kind not in ("person", "organisation"):
        raise ActionError(
            "invalid_choice",
            "当事人类别无效，可选：person（自然人）、organisation（法人或其他组织）",
            "party_kind",
        )
    name = _text(decision.get("party_name"), 200)
    is_minor = kind == "person" and bool(decision.get("party_is_minor"))
    fields: dict[str, Any] = {"party_kind": kind}
    # Other natural persons named in the texts (legal representative, witnesses): input only,
    # never published, their full names masked wherever they occur.
    others = [_text(decision.get("legal_representative"), 100)]
    extra = decision.get("other_person_names") or []
    others += [_text(n, 100) for n in ([extra] if isinstance(extra, str) else extra)]
    others = [n for n in others if n]
    party_names: list[str] = []  # the party's own names, replaced by `replacement` (masked name if None)
    replacement: str | None = None
    if kind == "organisation":
        fields["party_name"] = scrub_text(name, others)
        credit_code = _text(decision.get("party_credit_code"), 18).upper()
        if credit_code:
            fields["party_credit_code"] = credit_code
    elif is_minor:
        party_names = [name, mask_person_name(name)] if name else []
        replacement = MINOR_PARTY
        fields["party_name"] = PARTY_WITHHELD
    else:
        party_names = [name] if name else []
        fields["party_name"] = mask_person_name(name)

    def clean(value: Any, limit: int = TEXT_LIMIT) -> str:
        return scrub_text(scrub_text(_text(value, limit), party_names, replacement), others)

    fields["facts"] = clean(decision.get("facts"))
    fields["legal_basis"] = clean(decision.get("legal_basis"))
    kinds = decision.get("penalty_kinds") or []
    if isinstance(kinds, str):
        kinds = [kinds]
    fields["penalty_kinds"] = [clean(k, 50) for k in kinds if isinstance(k, str) and k.strip()][:20]
    fields["fine_amount"] = _amount(decision.get("fine_amount"), "fine_amount")
    confiscation = decision.get("confiscation")
    fields["confiscation"] = clean(confiscation, 1000) if confiscation not in (None, "") else ""
    decided_on = _date(decision.get("decided_on"), "decided_on")
    fields["decided_on"] = decided_on.isoformat() if decided_on else None
    fields["decision_number"] = clean(decision.get("decision_number"), 100)
    fields["agency_name"] = agency.name
    fields["agency_code"] = agency.code
    fields["region_code"] = _text(decision.get("region_code"), 12) or agency.region_id
    return fields


def _check_agency(actor: Any, agency: Agency) -> None:
    if is_system(actor):
        return
    if not Agency.objects.restrict(actor).filter(pk=agency.pk).exists():
        raise NotFound("执法机关不存在")
    if actor.role in roles.AGENCY_ROLES and actor.agency_id != agency.pk:
        raise PermissionDenied("只能公示本机关作出的处罚决定")


def _region(code: str, agency: Agency) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ActionError("unknown_region", f"行政区划代码不存在：{code}", "region_code")
    return region


def _create(agency: Agency, case_ref: str, version: int, fields: dict[str, Any]) -> Disclosure:
    return Disclosure.objects.create(
        case_ref=case_ref,
        version=version,
        agency=agency,
        region=_region(fields["region_code"], agency),
        decision_number=fields["decision_number"],
        decided_on=dt.date.fromisoformat(fields["decided_on"]) if fields["decided_on"] else None,
        published_fields=fields,
        published_at=timezone.now(),
    )


def _case_ref(value: str | None) -> str:
    ref = (value or "").strip()
    if not ref:
        raise ActionError("required", "案件编号不能为空", "case_ref")
    if len(ref) > 64:
        raise ActionError("too_long", "案件编号不能超过64个字", "case_ref")
    return ref


def do_publish_decision(actor: Any, case_ref: str, agency: Agency, decision: dict[str, Any]) -> Disclosure:
    """Publish a penalty decision (first version). Only whitelisted, masked fields are kept."""
    require_role_permission(actor, Disclosure, roles.ADD)
    ref = _case_ref(case_ref)
    _check_agency(actor, agency)
    fields = public_fields(decision, agency)
    duplicate = Conflict("already_published", "该案件的处罚决定已公示；决定变更后请重新公示", "case_ref")
    try:
        with transaction.atomic():
            if Disclosure.objects.filter(case_ref=ref).exists():
                raise duplicate
            disclosure = _create(agency, ref, 1, fields)
            audit.record_change(actor, "disclosure.publish", disclosure, None)
    except IntegrityError as exc:  # a concurrent publication of the same case won the race
        raise duplicate from exc
    return disclosure


def _latest_for_change(actor: Any, case_ref: str) -> Disclosure:
    latest = Disclosure.objects.filter(case_ref=case_ref).aggregate(v=Max("version"))["v"]
    if latest is None:
        raise NotFound("该案件没有公示记录")
    return get_for_change(actor, Disclosure, case_ref=case_ref, version=latest)


def _deadline(days: int) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DEADLINE_DAYS:
        raise ActionError("invalid", f"撤下期限应为0至{MAX_DEADLINE_DAYS}天", "deadline_days")
    return days


def do_withdraw_disclosure(
    actor: Any, case_ref: str, reason: str, deadline_days: int, requested_at: dt.datetime | None = None
) -> Disclosure:
    """Take a published decision off the feed because it was changed or revoked.

    `withdraw_due_at` = request time (`requested_at`, default now — the moment the decision was
    changed or revoked) + `deadline_days`; a withdrawal made after that moment shows up in
    `overdue_withdrawals()` as late."""
    require_role_permission(actor, Disclosure, roles.CHANGE)
    ref = _case_ref(case_ref)
    text = (reason or "").strip()
    if not text:
        raise ActionError("required", "撤下原因不能为空", "reason")
    if len(text) > 500:
        raise ActionError("too_long", "撤下原因不能超过500个字", "reason")
    days = _deadline(deadline_days)
    now = timezone.now()
    with transaction.atomic():
        disclosure = _latest_for_change(actor, ref)
        if disclosure.status == DisclosureStatus.WITHDRAWN:
            raise Conflict("already_withdrawn", "该公示已撤下", "case_ref")
        before = audit.snapshot(disclosure)
        disclosure.status = DisclosureStatus.WITHDRAWN
        disclosure.withdrawn_at = now
        disclosure.withdraw_reason = text
        if requested_at is not None:
            disclosure.withdraw_due_at = requested_at + dt.timedelta(days=days)
        elif disclosure.withdraw_due_at is None:  # no earlier request: the clock starts now
            disclosure.withdraw_due_at = now + dt.timedelta(days=days)
        disclosure.save()
        audit.record_change(actor, "disclosure.withdraw", disclosure, before)
    return disclosure


def do_request_withdrawal(actor: Any, case_ref: str, reason: str, deadline_days: int) -> Disclosure:
    """Record that a published decision must come off the feed within `deadline_days` (the
    decision was changed or revoked elsewhere); it stays published until `do_withdraw_disclosure`,
    and is listed by `overdue_withdrawals()` once the deadline passes."""
    require_role_permission(actor, Disclosure, roles.CHANGE)
    ref = _case_ref(case_ref)
    text = (reason or "").strip()
    if not text:
        raise ActionError("required", "撤下原因不能为空", "reason")
    days = _deadline(deadline_days)
    with transaction.atomic():
        disclosure = _latest_for_change(actor, ref)
        if disclosure.status == DisclosureStatus.WITHDRAWN:
            raise Conflict("already_withdrawn", "该公示已撤下", "case_ref")
        before = audit.snapshot(disclosure)
        disclosure.withdraw_due_at = timezone.now() + dt.timedelta(days=days)
        disclosure.withdraw_reason = text[:500]
        disclosure.save(update_fields=["withdraw_due_at", "withdraw_reason"])
        audit.record_change(actor, "disclosure.request_withdrawal", disclosure, before)
    return disclosure


def do_republish(
    actor: Any, case_ref: str, decision: dict[str, Any], reason: str = "处罚决定已变更"
) -> Disclosure:
    """Publish the changed decision as a new version; the previous version is withdrawn (if it
    was still published) and points at its successor."""
    require_role_permission(actor, Disclosure, roles.ADD)
    ref = _case_ref(case_ref)
    with transaction.atomic():
        old = _latest_for_change(actor, ref)
        agency = old.agency
        _check_agency(actor, agency)
        fields = public_fields(decision, agency)
        new = _create(agency, ref, old.version + 1, fields)
        before = audit.snapshot(old)
        if old.status == DisclosureStatus.PUBLISHED:
            now = timezone.now()
            old.status = DisclosureStatus.WITHDRAWN
            old.withdrawn_at = now
            old.withdraw_due_at = old.withdraw_due_at or now
            old.withdraw_reason = (reason or "处罚决定已变更").strip()[:500]
        old.superseded_by = new
        old.save()
        audit.record_change(actor, "disclosure.republish", new, None)
        audit.record_change(actor, "disclosure.supersede", old, before)
    return new


def published() -> QuerySet[Disclosure]:
    """What the public feed shows: published versions only."""
    return Disclosure.objects.filter(status=DisclosureStatus.PUBLISHED).select_related("agency")


def overdue_withdrawals(now: dt.datetime | None = None) -> QuerySet[Disclosure]:
    """Withdrawals past their deadline: still published after `withdraw_due_at`, or withdrawn
    later than it."""
    moment = now or timezone.now()
    return (
        Disclosure.objects.filter(withdraw_due_at__isnull=False)
        .filter(
            Q(status=DisclosureStatus.PUBLISHED, withdraw_due_at__lt=moment)
            | Q(withdrawn_at__isnull=False, withdrawn_at__gt=F("withdraw_due_at"))
        )
        .select_related("agency")
        .order_by("withdraw_due_at")
    )


WITHDRAWAL_STATEMENT = "该行政处罚决定已被依法变更、撤销、确认违法或者确认无效，原公示信息已撤回。"


def withdrawn() -> QuerySet[Disclosure]:
    """Withdrawn versions, for the public withdrawal notices (Art. 48 para. 2: 撤回并公开说明理由)."""
    return Disclosure.objects.filter(status=DisclosureStatus.WITHDRAWN).select_related("agency")


def withdrawal_notice(disclosure: Disclosure) -> dict[str, Any]:
    """What the public learns about a withdrawal: which decision, which agency, when, and why —
    the reason scrubbed; for a minor's decision not even the reason (it may name the child)."""
    fields = disclosure.published_fields
    minor = fields.get("party_name") == PARTY_WITHHELD and fields.get("party_kind") == "person"
    return {
        "id": disclosure.pk,
        "version": disclosure.version,
        "decision_number": disclosure.decision_number,
        "agency_code": fields.get("agency_code", ""),
        "agency_name": fields.get("agency_name", ""),
        "withdrawn_at": disclosure.withdrawn_at,
        "superseded": disclosure.superseded_by_id is not None,
        "statement": WITHDRAWAL_STATEMENT,
        "reason": "" if minor else scrub_text(disclosure.withdraw_reason),
    }
