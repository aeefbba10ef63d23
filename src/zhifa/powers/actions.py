"""Powers-list state changes. Each checks the rules, writes the change and exactly one audit entry
per changed record, all in one transaction. A change to a power also appends a `PowerVersion`
with the power's full state (its history, shown as diffs in the UI). `actor=None` is the system."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max

from zhifa.core import audit, roles
from zhifa.core.actions import (
    get_for_change,
    is_system,
    optional_text,
    require_choice,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError, Conflict, NotFound
from zhifa.laws.models import Article, Law, PenaltyProvision
from zhifa.powers import discretion
from zhifa.powers.citations import article_citation, resolve_article
from zhifa.powers.domain_laws import DOMAIN_LAWS, department_matches
from zhifa.powers.models import (
    KIND_PREFIX,
    BenchmarkTier,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    DiscretionBenchmark,
    NoPenaltyKind,
    NoPenaltyRule,
    Power,
    PowerBasis,
    PowerKind,
    PowerStatus,
    PowerTransfer,
    PowerVersion,
    RangeKind,
)
from zhifa.registry.models import Agency, Domain

# --- helpers --------------------------------------------------------------------------------


def _actor_name(actor: Any) -> str:
    return getattr(actor, "username", None) or "system"


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None)


def power_snapshot(power: Power) -> dict[str, Any]:
    """The full state of a power as kept in its versions (codes and citations, not ids only).
    Reads `bases` and `provisions` through `.all()`, so a caller that prefetched them
    (`_bulk_versions`) pays no query per power."""
    bases = sorted(power.bases.all(), key=lambda b: (b.sort_order, b.pk))
    provisions = sorted(power.provisions.all(), key=lambda p: p.pk)
    return {
        "code": power.code,
        "name": power.name,
        "kind": power.kind,
        "holder_code": power.holder.code,
        "holder_name": power.holder.name,
        "domain_code": power.domain_id,
        "status": power.status,
        "version": power.version,
        "effective_from": power.effective_from.isoformat() if power.effective_from else None,
        "conduct": power.conduct,
        "basis": [
            {
                "article_id": b.article_id,
                "paragraph_number": b.paragraph_number,
                "item_number": b.item_number,
                "citation": b.citation,
            }
            for b in bases
        ],
        "provisions": [
            {"id": p.pk, "citation": article_citation(p.article, p.paragraph_number, p.item_number)}
            for p in provisions
        ],
    }


def _record_version(actor: Any, power: Power, action: str, reason: str) -> PowerVersion:
    return PowerVersion.objects.create(
        power=power,
        version=power.version,
        action=action,
        snapshot=power_snapshot(power),
        reason=reason,
        changed_by=_actor_name(actor),
        changed_by_id=_actor_id(actor),
    )


def _agency_in_scope(actor: Any, code: str | None, field_name: str = "holder_code") -> Agency:
    """An agency the actor may place powers at (own agency for agency roles, region for supervisors)."""
    queryset = Agency.objects.all() if is_system(actor) else Agency.objects.restrict(actor, roles.VIEW)
    agency = queryset.filter(code=(code or "").strip()).first()
    if agency is None:
        raise ActionError("unknown_agency", f"执法主体不存在或不在管辖范围内：{code}", field_name)
    return agency


def _power_for_change(actor: Any, code: str) -> Power:
    return get_for_change(actor, Power, code=code)


def next_power_code(agency: Agency, kind: str, taken: set[str] | None = None) -> str:
    """`{agency credit code}-{CF|XK|JC…}-{nnnn}`, the next free number for this agency and kind."""
    prefix = f"{agency.code}-{KIND_PREFIX[PowerKind(kind)]}-"
    existing = Power.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    used = {int(c.rsplit("-", 1)[1]) for c in existing if c.rsplit("-", 1)[1].isdigit()}
    used |= {int(c.rsplit("-", 1)[1]) for c in (taken or set()) if c.startswith(prefix)}
    number = max(used, default=0) + 1
    return f"{prefix}{number:04d}"


# --- powers ---------------------------------------------------------------------------------


@dataclass
class BasisInput:
    article_id: int | None = None
    paragraph_number: int | None = None
    item_number: int | None = None
    citation: str = ""  # alternatively a citation text: 食品安全法第一百二十二条第一款


@dataclass
class PowerInput:
    name: str
    kind: str
    holder_code: str
    domain_code: str
    code: str = ""  # generated when empty
    conduct: str = ""
    effective_from: dt.date | None = None
    basis: Sequence[BasisInput] = ()
    provision_ids: Sequence[int] = ()
    status: str = PowerStatus.ACTIVE


def _clean_basis(items: Sequence[BasisInput], day: dt.date | None) -> list[PowerBasis]:
    rows: list[PowerBasis] = []
    for index, item in enumerate(items):
        field_name = f"basis.{index}"
        paragraph, number = item.paragraph_number, item.item_number
        if item.article_id:
            article = Article.objects.select_related("version__law").filter(pk=item.article_id).first()
        else:
            article, cited_paragraph, cited_item = resolve_article(item.citation, day)
            paragraph = paragraph or cited_paragraph
            number = number or cited_item
        if article is None:
            raise ActionError(
                "unknown_article", f"法律依据无法对应到条文：{item.citation or item.article_id}", field_name
            )
        if (
            paragraph
            and not article.paragraphs.filter(number=paragraph).exists()
            and article.paragraphs.exists()
        ):
            raise ActionError(
                "unknown_paragraph", f"{article_citation(article)}没有第{paragraph}款", field_name
            )
        rows.append(
            PowerBasis(
                article=article,
                paragraph_number=paragraph,
                item_number=number,
                citation=article_citation(article, paragraph, number),
                sort_order=index,
            )
        )
    return rows


def _clean_power(
    actor: Any, data: PowerInput, power: Power | None
) -> tuple[dict[str, Any], list[PowerBasis], list]:
    holder = power.holder if power is not None else _agency_in_scope(actor, data.holder_code)
    domain = Domain.objects.filter(code=data.domain_code).first()
    if domain is None:
        raise ActionError("unknown_domain", f"执法领域代码不存在：{data.domain_code}", "domain_code")
    if not holder.domains.filter(code=domain.code).exists():
        raise ActionError("domain_not_held", f"{holder.name}不承担{domain.name}领域的执法职责", "domain_code")
    kind = require_choice(data.kind, PowerKind, "kind", "职权类别")
    status = require_choice(data.status, PowerStatus, "status", "状态")
    if status == PowerStatus.REVOKED:
        raise ActionError("invalid_choice", "取消职权请使用“取消”操作，并写明原因", "status")
    values = {
        "name": require_text(data.name, "name", "职权名称", 300),
        "kind": kind,
        "holder": holder,
        "domain": domain,
        "status": status,
        "conduct": optional_text(data.conduct, "conduct", "针对的违法行为/事项", 2000),
        "effective_from": data.effective_from,
    }
    bases = _clean_basis(data.basis, data.effective_from)
    if not bases and status == PowerStatus.ACTIVE:
        raise ActionError("required", "有效职权须至少有一条法律依据", "basis")
    provision_ids = list(dict.fromkeys(data.provision_ids))
    provisions = list(PenaltyProvision.objects.filter(pk__in=provision_ids))
    if len(provisions) != len(provision_ids):
        raise ActionError("unknown_provision", "法定罚则不存在", "provision_ids")
    if provisions and kind != PowerKind.PENALTY:
        raise ActionError("invalid_reference", "只有行政处罚类职权可关联法定罚则", "provision_ids")
    if data.code:
        code = data.code.strip()
        if len(code) > 40:
            raise ActionError("too_long", "职权编码不能超过40个字符", "code")
        others = Power.objects.exclude(pk=power.pk) if power else Power.objects.all()
        if others.filter(code=code).exists():
            raise Conflict("duplicate", f"职权编码已存在：{code}", "code")
        values["code"] = code
    return values, bases, provisions


def do_add_power(actor: Any, data: PowerInput) -> Power:
    require_role_permission(actor, Power, roles.ADD)
    values, bases, provisions = _clean_power(actor, data, None)
    with transaction.atomic():
        values.setdefault("code", next_power_code(values["holder"], values["kind"]))
        power = Power.objects.create(version=1, **values)
        for basis in bases:
            basis.power = power
        PowerBasis.objects.bulk_create(bases)
        power.provisions.set(provisions)
        _record_version(actor, power, "create", "新增职权")
        audit.record_change(actor, "powers.power_create", power, None)
    return power


def do_change_power(actor: Any, code: str, data: PowerInput, reason: str) -> Power:
    """A new version of the power; the previous one stays in its versions."""
    reason = require_text(reason, "reason", "变更原因", 500)
    with transaction.atomic():
        power = _power_for_change(actor, code)
        if power.status == PowerStatus.REVOKED:
            raise ActionError("revoked", "已取消的职权不能再修改", "status")
        before = audit.snapshot(power)
        values, bases, provisions = _clean_power(actor, data, power)
        values.pop("holder")  # moves only by transfer
        for name, value in values.items():
            setattr(power, name, value)
        power.version += 1
        power.save()
        power.bases.all().delete()
        for basis in bases:
            basis.power = power
        PowerBasis.objects.bulk_create(bases)
        power.provisions.set(provisions)
        _record_version(actor, power, "change", reason)
        audit.record_change(actor, "powers.power_change", power, before)
    return power


def do_revoke_power(actor: Any, code: str, reason: str, effective_date: dt.date | None = None) -> Power:
    reason = require_text(reason, "reason", "取消原因", 500)
    with transaction.atomic():
        power = _power_for_change(actor, code)
        if power.status == PowerStatus.REVOKED:
            raise Conflict("already_revoked", "该职权已取消", "status")
        before = audit.snapshot(power)
        power.status = PowerStatus.REVOKED
        power.version += 1
        power.save()
        _record_version(
            actor, power, "revoke", reason + (f"（{effective_date:%Y-%m-%d}起）" if effective_date else "")
        )
        audit.record_change(actor, "powers.power_revoke", power, before)
    return power


def do_transfer_powers(
    actor: Any, codes: Sequence[str], to_agency_code: str, reason: str, effective_date: dt.date | None
) -> PowerTransfer:
    """Move a set of powers (all of one agency) to another agency. Each power gets a new version;
    its basis, benchmarks, rules and history move with it. Open cases follow the power: the
    case module finds the holder on a date through `PowerTransfer` (`power.transfers`)."""
    require_role_permission(actor, PowerTransfer, roles.ADD)
    reason = require_text(reason, "reason", "划转原因", 1000)
    if effective_date is None:
        raise ActionError("required", "生效日期不能为空", "effective_date")
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not codes:
        raise ActionError("required", "请选择要划转的职权", "power_codes")
    to_agency = _agency_in_scope(actor, to_agency_code, "to_agency_code")
    with transaction.atomic():
        powers = [_power_for_change(actor, code) for code in codes]
        holders = {p.holder_id for p in powers}
        if len(holders) != 1:
            raise ActionError("mixed_holders", "一次划转的职权须属于同一执法主体", "power_codes")
        from_agency = powers[0].holder
        if from_agency.pk == to_agency.pk:
            raise ActionError("same_agency", "划入单位不能与划出单位相同", "to_agency_code")
        revoked = [p.code for p in powers if p.status == PowerStatus.REVOKED]
        if revoked:
            raise ActionError("revoked", f"已取消的职权不能划转：{'、'.join(revoked)}", "power_codes")
        missing_domains = {p.domain.name for p in powers} - set(
            to_agency.domains.values_list("name", flat=True)
        )
        if missing_domains:
            raise ActionError(
                "domain_not_held",
                f"{to_agency.name}不承担{'、'.join(sorted(missing_domains))}领域的执法职责",
                "to_agency_code",
            )
        transfer = PowerTransfer.objects.create(
            from_agency=from_agency,
            to_agency=to_agency,
            reason=reason,
            effective_date=effective_date,
            created_by=_actor_name(actor),
        )
        transfer.powers.set(powers)
        changes: list[audit.Change] = []
        for power in powers:
            before = audit.snapshot(power)
            power.holder = to_agency
            power.version += 1
            power.save()
            Checklist.objects.filter(power=power).update(agency=to_agency)
            _record_version(
                actor,
                power,
                "transfer",
                f"由{from_agency.name}划转至{to_agency.name}（{effective_date:%Y-%m-%d}起）：{reason}",
            )
            changes.append(
                audit.Change(
                    "powers.power_transfer",
                    "powers.power",
                    str(power.pk),
                    before,
                    audit.snapshot(power),
                    actor=actor,
                )
            )
        changes.append(
            audit.Change(
                "powers.transfer_create",
                "powers.powertransfer",
                str(transfer.pk),
                None,
                audit.snapshot(transfer),
                actor=actor,
            )
        )
        audit.record_many(changes)
    return transfer


def holder_on(power: Power, day: dt.date) -> Agency:
    """The agency holding the power on `day`, following its transfers (for cases, issue 5)."""
    later = power.transfers.filter(effective_date__gt=day).order_by("effective_date", "pk").first()
    return later.from_agency if later is not None else power.holder


# --- draft powers lists ---------------------------------------------------------------------


PENALTY_KIND_WORDS = {"fine": "罚款", "warning": "警告", "revoke_licence": "吊销许可"}
LICENCE_WORDS = ("许可证", "取得许可", "经批准", "审批", "许可")
INSPECTION_WORDS = ("监督检查", "进行检查", "现场检查", "抽查")
COERCION_WORDS = ("查封", "扣押", "强制执行")


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _current_versions(domain_code: str) -> dict[str, Any]:
    entry = DOMAIN_LAWS.get(domain_code)
    if entry is None:
        return {}
    today = dt.date.today()
    versions = {}
    for law in Law.objects.filter(name__in=entry.laws):
        version = law.version_on(today)
        if version is not None:
            versions[law.name] = version
    return versions


def _article_kind(text: str) -> str | None:
    if any(w in text for w in COERCION_WORDS) and ("有权" in text or "可以" in text):
        return PowerKind.COERCION
    if any(w in text for w in INSPECTION_WORDS) and ("有权" in text or "应当" in text or "可以" in text):
        return PowerKind.INSPECTION
    if (
        any(w in text for w in LICENCE_WORDS)
        and ("应当" in text or "取得" in text)
        and "法律责任" not in text
    ):
        return PowerKind.LICENCE
    return None


_ARTICLE_POWER_NAMES = {
    PowerKind.LICENCE: "{law}规定的行政许可（{label}）",
    PowerKind.INSPECTION: "依据{law}{label}实施的监督检查",
    PowerKind.COERCION: "依据{law}{label}采取的行政强制措施",
}


@dataclass
class DraftPower:
    name: str
    kind: str
    domain: Domain
    conduct: str
    articles: list[tuple[Article, int | None, int | None]]
    provisions: list[PenaltyProvision] = field(default_factory=list)


def draft_candidates(agency: Agency, include_articles: bool = True) -> list[DraftPower]:
    """What a draft powers list for the agency's domains holds: one penalty power per penalty
    provision of the domain's laws whose department is the domain's, plus (optionally) licence,
    inspection and coercion powers read from the other articles of those laws."""
    drafts: list[DraftPower] = []
    for domain in agency.domains.all():
        versions = _current_versions(domain.code)
        if not versions:
            continue
        provisions = (
            PenaltyProvision.objects.filter(article__version__in=list(versions.values()))
            .select_related("article__version__law", "article__chapter")
            .order_by("article__version__law__name", "article__sort_order", "sort_order")
        )
        for provision in provisions:
            law_name = provision.article.version.law.name
            if not department_matches(domain.code, law_name, provision.department):
                continue
            conduct = _short(provision.conduct, 120) or _short(provision.text, 120)
            name = (
                f"对{_short(provision.conduct, 60).rstrip('的')}的行政处罚"
                if provision.conduct
                else (f"{law_name}{provision.article.label}规定的行政处罚")
            )
            drafts.append(
                DraftPower(
                    name=name,
                    kind=PowerKind.PENALTY,
                    domain=domain,
                    conduct=conduct,
                    articles=[(provision.article, provision.paragraph_number, provision.item_number)],
                    provisions=[provision],
                )
            )
        if not include_articles:
            continue
        for law_name, version in sorted(versions.items()):
            entry = DOMAIN_LAWS[domain.code]
            if law_name not in entry.primary:  # only laws the domain administers as a whole
                continue
            articles = version.articles.select_related("chapter", "version__law").order_by("sort_order")
            for article in articles:
                if article.chapter and "法律责任" in article.chapter.title:
                    continue
                kind = _article_kind(article.text)
                if kind is None:
                    continue
                name = _ARTICLE_POWER_NAMES[kind].format(law=f"《{law_name}》", label=article.label)
                drafts.append(
                    DraftPower(
                        name=name,
                        kind=kind,
                        domain=domain,
                        conduct=_short(article.text, 200),
                        articles=[(article, None, None)],
                    )
                )
    return drafts


def _first_of_each_kind(drafts: list[Any], limits: dict[str, int]) -> list[Any]:
    taken: dict[str, int] = {}
    kept = []
    for draft in drafts:
        if taken.get(draft.kind, 0) < limits.get(draft.kind, 0):
            taken[draft.kind] = taken.get(draft.kind, 0) + 1
            kept.append(draft)
    return kept


def do_generate_draft_powers(
    actor: Any, agency_code: str, include_articles: bool = True, per_kind_limit: dict[str, int] | None = None
) -> list[Power]:
    """Create DRAFT powers for the agency from its domains' laws; skips provisions and articles
    an existing (not revoked) power of the agency already covers. One audit entry per power.
    `per_kind_limit` keeps at most that many new drafts of each kind (the demo uses it)."""
    require_role_permission(actor, Power, roles.ADD)
    agency = _agency_in_scope(actor, agency_code, "agency_code")
    if not is_system(actor) and not Agency.objects.restrict(actor, roles.VIEW).filter(pk=agency.pk).exists():
        raise NotFound()
    existing = Power.objects.filter(holder=agency).exclude(status=PowerStatus.REVOKED)
    covered_provisions = set(existing.values_list("provisions", flat=True))
    covered_articles = set(
        PowerBasis.objects.filter(power__in=existing).values_list("power__kind", "article_id")
    )
    drafts = [
        d
        for d in draft_candidates(agency, include_articles)
        if not (d.provisions and d.provisions[0].pk in covered_provisions)
        and not (not d.provisions and (d.kind, d.articles[0][0].pk) in covered_articles)
    ]
    if per_kind_limit is not None:
        drafts = _first_of_each_kind(drafts, per_kind_limit)
    if not drafts:
        return []
    with transaction.atomic():
        codes = _assign_codes(agency, [d.kind for d in drafts])
        Power.objects.bulk_create(
            [
                Power(
                    code=code,
                    name=_short(draft.name, 300),
                    kind=draft.kind,
                    holder=agency,
                    domain=draft.domain,
                    status=PowerStatus.DRAFT,
                    version=1,
                    conduct=draft.conduct,
                )
                for draft, code in zip(drafts, codes, strict=True)
            ],
            batch_size=1000,
        )
        by_code = {p.code: p for p in Power.objects.filter(code__in=codes).select_related("holder")}
        powers = [by_code[code] for code in codes]
        bases, links = [], []
        through = Power.provisions.through
        for draft, power in zip(drafts, powers, strict=True):
            for index, (article, paragraph, item) in enumerate(draft.articles):
                bases.append(
                    PowerBasis(
                        power=power,
                        article=article,
                        paragraph_number=paragraph,
                        item_number=item,
                        citation=article_citation(article, paragraph, item),
                        sort_order=index,
                    )
                )
            links += [through(power_id=power.pk, penaltyprovision_id=p.pk) for p in draft.provisions]
        PowerBasis.objects.bulk_create(bases, batch_size=2000)
        through.objects.bulk_create(links, batch_size=2000)
        _bulk_versions(actor, powers, "create", "根据领域法律罚则生成草稿")
        audit.record_many(
            audit.Change(
                "powers.power_generate_draft", "powers.power", str(p.pk), None, audit.snapshot(p), actor=actor
            )
            for p in powers
        )
    return powers


def _assign_codes(agency: Agency, kinds: Sequence[str]) -> list[str]:
    """Consecutive free codes for new powers of the agency, one per kind in `kinds`."""
    next_number: dict[str, int] = {}
    codes = []
    for kind in kinds:
        if kind not in next_number:
            first = next_power_code(agency, kind)
            next_number[kind] = int(first.rsplit("-", 1)[1])
        prefix = f"{agency.code}-{KIND_PREFIX[PowerKind(kind)]}-"
        codes.append(f"{prefix}{next_number[kind]:04d}")
        next_number[kind] += 1
    return codes


def _bulk_versions(actor: Any, powers: Sequence[Power], action: str, reason: str) -> None:
    powers = list(
        Power.objects.filter(pk__in=[p.pk for p in powers])
        .select_related("holder")
        .prefetch_related("bases__article__version__law", "provisions__article__version__law")
    )
    rows = []
    for power in powers:
        snap = power_snapshot(power)
        rows.append(
            PowerVersion(
                power=power,
                version=power.version,
                action=action,
                snapshot=snap,
                reason=reason,
                changed_by=_actor_name(actor),
                changed_by_id=_actor_id(actor),
            )
        )
    PowerVersion.objects.bulk_create(rows, batch_size=1000)


def do_confirm_draft_powers(
    actor: Any, agency_code: str, codes: Sequence[str] | None = None, effective_from: dt.date | None = None
) -> int:
    """The agency admin (or the justice bureau) confirms draft powers: they become active, with a
    new version each. `codes` None confirms every draft of the agency."""
    require_role_permission(actor, Power, roles.CHANGE)
    agency = _agency_in_scope(actor, agency_code, "agency_code")
    queryset = Power.objects.filter(holder=agency, status=PowerStatus.DRAFT)
    if not is_system(actor):
        queryset = queryset.filter(pk__in=Power.objects.restrict(actor, roles.CHANGE).values("pk"))
    if codes is not None:
        queryset = queryset.filter(code__in=list(codes))
    with transaction.atomic():
        powers = list(queryset.select_for_update(of=("self",)).order_by("pk"))
        if not powers:
            raise ActionError("nothing_to_confirm", "没有待确认的草稿职权", "power_codes")
        without_basis = set(
            Power.objects.filter(pk__in=[p.pk for p in powers], bases__isnull=True).values_list(
                "code", flat=True
            )
        )
        if without_basis:
            raise ActionError(
                "required",
                f"以下职权缺少法律依据，不能确认：{'、'.join(sorted(without_basis)[:5])}",
                "power_codes",
            )
        day = effective_from or dt.date.today()
        befores = {p.pk: audit.snapshot(p) for p in powers}
        for power in powers:
            power.status = PowerStatus.ACTIVE
            power.version += 1
            power.effective_from = power.effective_from or day
        Power.objects.bulk_update(
            powers, ["status", "version", "effective_from", "updated_at"], batch_size=1000
        )
        _bulk_versions(actor, powers, "confirm", "单位管理员审核确认")
        audit.record_many(
            audit.Change(
                "powers.power_confirm",
                "powers.power",
                str(p.pk),
                befores[p.pk],
                audit.snapshot(p),
                actor=actor,
            )
            for p in powers
        )
    return len(powers)


# --- discretion benchmarks ------------------------------------------------------------------


def _decimal(value: Any, field_name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ActionError("invalid_number", "应为数字", field_name) from None


def statutory_ranges(power: Power) -> list[discretion.StatutoryRange]:
    ranges = []
    for provision in power.provisions.select_related("article__version__law").prefetch_related("fine_ranges"):
        citation = article_citation(provision.article, provision.paragraph_number, provision.item_number)
        for r in provision.fine_ranges.all():
            ranges.append(
                discretion.StatutoryRange(
                    kind=r.kind,
                    minimum=r.minimum,
                    maximum=r.maximum,
                    citation=citation,
                    base=r.base,
                    condition=r.condition,
                    aggravated=r.aggravated,
                    party_kind=r.party_kind,
                    text=r.text,
                )
            )
    return ranges


@dataclass
class TierInput:
    tier: str
    range_kind: str = RangeKind.FIXED
    minimum: Any = None
    maximum: Any = None
    base: str = ""
    base_from: Any = None
    base_below: Any = None
    circumstances: str = ""
    penalty_kinds: Sequence[str] = ()


def _tier_data(index: int, item: TierInput) -> discretion.TierData:
    prefix = f"tiers.{index}"
    return discretion.TierData(
        tier=item.tier,
        range_kind=item.range_kind or RangeKind.FIXED,
        minimum=_decimal(item.minimum, f"{prefix}.minimum"),
        maximum=_decimal(item.maximum, f"{prefix}.maximum"),
        base=(item.base or "").strip(),
        base_from=_decimal(item.base_from, f"{prefix}.base_from"),
        base_below=_decimal(item.base_below, f"{prefix}.base_below"),
        circumstances=optional_text(item.circumstances, f"{prefix}.circumstances", "适用情形", 2000),
        penalty_kinds=list(item.penalty_kinds),
    )


def do_set_benchmark(
    actor: Any, code: str, tiers: Sequence[TierInput], effective_from: dt.date | None = None, note: str = ""
) -> DiscretionBenchmark:
    """A new benchmark version for a penalty power. Each tier is checked against the statutory
    ranges of the provisions the power enforces (`tier_outside_statutory_range` cites the article)."""
    require_role_permission(actor, DiscretionBenchmark, roles.ADD)
    with transaction.atomic():
        power = _power_for_change(actor, code)
        if not is_system(actor) and not roles.allowed(actor.role, "powers.discretionbenchmark", roles.ADD):
            raise ActionError("permission_denied", "无权制定裁量基准", None, status=403)
        if power.kind != PowerKind.PENALTY:
            raise ActionError("not_penalty", "只有行政处罚类职权需要裁量基准", "code")
        if power.status == PowerStatus.REVOKED:
            raise ActionError("revoked", "已取消的职权不能制定裁量基准", "code")
        data = [_tier_data(i, t) for i, t in enumerate(tiers)]
        discretion.check_tiers(data, statutory_ranges(power))
        version = (power.benchmarks.aggregate(v=Max("version"))["v"] or 0) + 1
        benchmark = DiscretionBenchmark.objects.create(
            power=power,
            version=version,
            effective_from=effective_from,
            note=optional_text(note, "note", "说明", 2000),
            created_by=_actor_name(actor),
        )
        BenchmarkTier.objects.bulk_create(
            BenchmarkTier(
                benchmark=benchmark,
                tier=t.tier,
                circumstances=t.circumstances,
                range_kind=t.range_kind,
                minimum=t.minimum,
                maximum=t.maximum,
                base=t.base,
                base_from=t.base_from,
                base_below=t.base_below,
                penalty_kinds=t.penalty_kinds,
                sort_order=i,
            )
            for i, t in enumerate(data)
        )
        audit.record(
            audit.Change(
                "powers.benchmark_set",
                "powers.discretionbenchmark",
                str(benchmark.pk),
                None,
                audit.snapshot(benchmark, {"power_code": power.code, "tiers": [tier_dict(t) for t in data]}),
                actor=actor,
            )
        )
    return benchmark


def tier_dict(t: discretion.TierData | BenchmarkTier) -> dict[str, Any]:
    return {
        "tier": t.tier,
        "range_kind": t.range_kind,
        "minimum": t.minimum,
        "maximum": t.maximum,
        "base": t.base,
        "base_from": t.base_from,
        "base_below": t.base_below,
        "circumstances": t.circumstances,
        "penalty_kinds": list(t.penalty_kinds),
    }


def current_benchmark(power: Power) -> DiscretionBenchmark | None:
    return power.benchmarks.order_by("-version").prefetch_related("tiers").first()


def no_penalty_data(rule: NoPenaltyRule) -> discretion.NoPenaltyData:
    """A stored no-penalty rule as the discretion engine's plain data."""
    return discretion.NoPenaltyData(
        kind=rule.kind,
        requires_first_violation=rule.requires_first_violation,
        requires_minor_harm=rule.requires_minor_harm,
        correction_days=rule.correction_days,
        conditions=rule.conditions,
        source=rule.source,
        active=rule.active,
    )


def evaluate_power(power: Power, facts: discretion.Facts) -> dict[str, Any]:
    """Evaluate facts against the power's current benchmark, statutory ranges and no-penalty rule."""
    benchmark = current_benchmark(power)
    tiers = [discretion.TierData(**tier_dict(t)) for t in benchmark.tiers.all()] if benchmark else []
    rule = NoPenaltyRule.objects.filter(power=power).first()
    rule_data = no_penalty_data(rule) if rule else None
    basis = list(power.bases.order_by("sort_order", "id").values_list("citation", flat=True))
    result = discretion.evaluate(facts, tiers, statutory_ranges(power), rule_data, basis)
    result["benchmark_version"] = benchmark.version if benchmark else None
    return result


# --- no-penalty rules -----------------------------------------------------------------------


@dataclass
class NoPenaltyInput:
    kind: str = NoPenaltyKind.FIRST
    requires_first_violation: bool = True
    requires_minor_harm: bool = True
    correction_days: int | None = None
    conditions: str = ""
    source: str = ""
    active: bool = True


def do_set_no_penalty_rule(actor: Any, code: str, data: NoPenaltyInput) -> NoPenaltyRule:
    require_role_permission(actor, NoPenaltyRule, roles.ADD)
    kind = require_choice(data.kind, NoPenaltyKind, "kind", "类型")
    source = require_text(data.source, "source", "依据/来源", 300)
    if data.correction_days is not None and not (0 < data.correction_days <= 365):
        raise ActionError("invalid_range", "改正期限应为1至365日", "correction_days")
    with transaction.atomic():
        power = _power_for_change(actor, code)
        if power.kind != PowerKind.PENALTY:
            raise ActionError("not_penalty", "不予处罚规则只适用于行政处罚类职权", "code")
        rule = NoPenaltyRule.objects.filter(power=power).first()
        before = audit.snapshot(rule)
        rule = rule or NoPenaltyRule(power=power)
        rule.kind = kind
        rule.requires_first_violation = bool(data.requires_first_violation) or kind == NoPenaltyKind.FIRST
        rule.requires_minor_harm = bool(data.requires_minor_harm)
        rule.correction_days = data.correction_days
        rule.conditions = optional_text(data.conditions, "conditions", "适用条件", 2000)
        rule.source = source
        rule.active = bool(data.active)
        rule.save()
        audit.record_change(actor, "powers.no_penalty_rule_set", rule, before)
    return rule


# --- checklists -----------------------------------------------------------------------------


@dataclass
class ChecklistItemInput:
    text: str
    article_id: int | None = None
    citation: str = ""


@dataclass
class ChecklistInput:
    name: str
    agency_code: str = ""
    power_code: str = ""
    scene: str = ""
    items: Sequence[ChecklistItemInput] = ()
    reason: str = ""


def do_save_checklist(actor: Any, data: ChecklistInput, checklist_id: int | None = None) -> Checklist:
    """Create a checklist or save a new version of it (the previous versions stay)."""
    name = require_text(data.name, "name", "清单名称", 200)
    scene = optional_text(data.scene, "scene", "场景", 100)
    if not data.items:
        raise ActionError("required", "检查清单至少需要一个检查项", "items")
    items: list[ChecklistItem] = []
    for index, item in enumerate(data.items, start=1):
        text = require_text(item.text, f"items.{index - 1}.text", f"第{index}项检查内容", 1000)
        article, paragraph, number = None, None, None
        if item.article_id:
            article = Article.objects.select_related("version__law").filter(pk=item.article_id).first()
        elif item.citation.strip():
            article, paragraph, number = resolve_article(item.citation)
        if (item.article_id or item.citation.strip()) and article is None:
            raise ActionError(
                "unknown_article",
                f"第{index}项的法律依据无法对应到条文：{item.citation or item.article_id}",
                f"items.{index - 1}.citation",
            )
        citation = article_citation(article, paragraph, number) if article else ""
        items.append(ChecklistItem(order=index, text=text, article=article, citation=citation))
    with transaction.atomic():
        if checklist_id is None:
            require_role_permission(actor, Checklist, roles.ADD)
            power = None
            if data.power_code:
                power = (
                    Power.objects.all() if is_system(actor) else Power.objects.restrict(actor, roles.CHANGE)
                )
                power = power.filter(code=data.power_code).select_related("holder").first()
                if power is None:
                    raise ActionError(
                        "unknown_power", f"职权不存在或不在管辖范围内：{data.power_code}", "power_code"
                    )
                agency = power.holder
            else:
                agency = _agency_in_scope(actor, data.agency_code, "agency_code")
            if power is None and not scene:
                raise ActionError("required", "请选择职权或填写场景", "scene")
            checklist = Checklist.objects.create(
                agency=agency, name=name, power=power, scene=scene, version=1
            )
            before = None
        else:
            checklist = get_for_change(actor, Checklist, pk=checklist_id)
            before = audit.snapshot(checklist)
            checklist.name, checklist.scene = name, scene or checklist.scene
            checklist.version += 1
            checklist.save()
        version = ChecklistVersion.objects.create(
            checklist=checklist,
            version=checklist.version,
            reason=optional_text(data.reason, "reason", "修订说明", 500),
            saved_by=_actor_name(actor),
        )
        for item in items:
            item.checklist_version = version
        ChecklistItem.objects.bulk_create(items)
        audit.record(
            audit.Change(
                "powers.checklist_save",
                "powers.checklist",
                str(checklist.pk),
                before,
                audit.snapshot(
                    checklist,
                    {"items": [{"order": i.order, "text": i.text, "citation": i.citation} for i in items]},
                ),
                actor=actor,
            )
        )
    return checklist
