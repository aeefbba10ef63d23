"""Powers-list endpoints. Thin: parse, call the scoped query or the action, shape the answer.
Representations use codes (power code, agency_code, domain_code) and citations as text."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.core import roles
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import ActionError, NotFound
from zhifa.powers import actions
from zhifa.powers.discretion import Facts
from zhifa.powers.models import Checklist, NoPenaltyRule, Power, PowerTransfer
from zhifa.powers.versions import diff_snapshots

router = Router(tags=["权责清单"])


# --- schemas --------------------------------------------------------------------------------


class BasisOut(Schema):
    citation: str
    article_id: int
    paragraph_number: int | None
    item_number: int | None
    law: str = Field(..., alias="article.version.law.name")
    version_date: dt.date = Field(..., alias="article.version.effective_date")
    text: str = Field(..., alias="article.text")


class PowerOut(Schema):
    code: str
    name: str
    kind: str
    kind_display: str = Field(..., alias="get_kind_display")
    agency_code: str = Field(..., alias="holder.code")
    agency_name: str = Field(..., alias="holder.name")
    domain_code: str = Field(..., alias="domain_id")
    status: str
    version: int
    effective_from: dt.date | None
    conduct: str
    basis: list[str]

    @staticmethod
    def resolve_basis(obj: Power) -> list[str]:
        bases = obj.bases
        return [b.citation for b in (bases if isinstance(bases, list) else bases.all())]


class StatutoryRangeOut(Schema):
    kind: str
    minimum: Decimal | None
    maximum: Decimal | None
    base: str
    condition: str
    aggravated: bool
    citation: str
    text: str


class TierIO(Schema):
    tier: str
    range_kind: str = "fixed"
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    base: str = ""
    base_from: Decimal | None = None
    base_below: Decimal | None = None
    circumstances: str = ""
    penalty_kinds: list[str] = []


class BenchmarkOut(Schema):
    version: int
    effective_from: dt.date | None
    note: str
    created_by: str
    tiers: list[TierIO]


class NoPenaltyIO(Schema):
    kind: str = "first"
    requires_first_violation: bool = True
    requires_minor_harm: bool = True
    correction_days: int | None = None
    conditions: str = ""
    source: str = ""
    active: bool = True


class ChecklistItemIO(Schema):
    text: str
    citation: str = ""
    article_id: int | None = None


class ChecklistOut(Schema):
    id: int
    name: str
    agency_code: str
    power_code: str | None
    scene: str
    version: int
    items: list[ChecklistItemIO]


class PowerDetailOut(PowerOut):
    bases: list[BasisOut]
    statutory_ranges: list[StatutoryRangeOut]
    benchmark: BenchmarkOut | None
    no_penalty_rule: NoPenaltyIO | None
    checklists: list[ChecklistOut]


class PowerIn(Schema):
    name: str
    kind: str
    agency_code: str
    domain_code: str
    code: str = ""
    conduct: str = ""
    effective_from: dt.date | None = None
    basis: list[str] = Field(default_factory=list, description="引用文字，如 食品安全法第一百二十二条第一款")
    provision_ids: list[int] = Field(default_factory=list)
    status: str = "active"


class PowerChangeIn(Schema):
    name: str | None = None
    kind: str | None = None
    domain_code: str | None = None
    conduct: str | None = None
    effective_from: dt.date | None = None
    basis: list[str] | None = None
    provision_ids: list[int] | None = None
    status: str | None = None
    reason: str


class ReasonIn(Schema):
    reason: str
    effective_date: dt.date | None = None


class TransferIn(Schema):
    power_codes: list[str]
    to_agency_code: str
    reason: str
    effective_date: dt.date


class TransferOut(Schema):
    id: int
    from_agency_code: str = Field(..., alias="from_agency.code")
    to_agency_code: str = Field(..., alias="to_agency.code")
    reason: str
    effective_date: dt.date
    power_codes: list[str]

    @staticmethod
    def resolve_power_codes(obj: PowerTransfer) -> list[str]:
        return [p.code for p in obj.powers.all()]


class AgencyCodeIn(Schema):
    agency_code: str
    power_codes: list[str] | None = None


class CountOut(Schema):
    count: int
    power_codes: list[str] = []


class BenchmarkIn(Schema):
    tiers: list[TierIO]
    effective_from: dt.date | None = None
    note: str = ""


class ChecklistIn(Schema):
    name: str
    agency_code: str = ""
    power_code: str = ""
    scene: str = ""
    items: list[ChecklistItemIO]
    reason: str = ""


class FactsIn(Schema):
    circumstance: str = ""
    base_amount: Decimal | None = None
    party_kind: str = "organisation"
    first_violation: bool = False
    minor_harm: bool = False
    corrected: bool = False


class EvaluationOut(Schema):
    no_penalty: bool
    no_penalty_rule: dict[str, Any] | None
    tier: str | None
    tier_label: str
    range_kind: str
    minimum: Decimal | None
    maximum: Decimal | None
    base: str
    base_amount: Decimal | None
    penalty_kinds: list[str]
    circumstances: str
    basis: list[str]
    notes: list[str]
    benchmark_version: int | None


class VersionOut(Schema):
    version: int
    action: str
    reason: str
    changed_by: str
    changed_at: dt.datetime
    snapshot: dict[str, Any]


class DiffRow(Schema):
    field: str
    label: str
    old: str
    new: str
    changed: bool


class PowerFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__contains", "code", "conduct__contains"])] = None
    agency_code: Annotated[str | None, FilterLookup("holder__code")] = None
    kind: str | None = None
    status: str | None = None
    domain: Annotated[str | None, FilterLookup("domain_id")] = None


# --- helpers --------------------------------------------------------------------------------


def _powers(request: HttpRequest):
    return scoped(request, Power).select_related("holder", "domain").prefetch_related("bases")


def _power(request: HttpRequest, code: str) -> Power:
    return scoped_get(request, Power, _powers(request), code=code)


def _benchmark_out(power: Power) -> dict[str, Any] | None:
    benchmark = actions.current_benchmark(power)
    if benchmark is None:
        return None
    return {
        "version": benchmark.version,
        "effective_from": benchmark.effective_from,
        "note": benchmark.note,
        "created_by": benchmark.created_by,
        "tiers": [actions.tier_dict(t) for t in benchmark.tiers.all()],
    }


def _checklist_out(checklist: Checklist) -> dict[str, Any]:
    version = checklist.versions.filter(version=checklist.version).first()
    items = list(version.items.all()) if version else []
    return {
        "id": checklist.pk,
        "name": checklist.name,
        "agency_code": checklist.agency.code,
        "power_code": checklist.power.code if checklist.power else None,
        "scene": checklist.scene,
        "version": checklist.version,
        "items": [{"text": i.text, "citation": i.citation, "article_id": i.article_id} for i in items],
    }


class _Detail:
    """A power with the detail view's extra parts (read by PowerDetailOut)."""

    def __init__(self, power: Power, **extra: Any):
        self._power = power
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._power, name)


def _detail(request: HttpRequest, power: Power) -> _Detail:
    user = request.user
    rule = (
        NoPenaltyRule.objects.restrict(user).filter(power=power).first()
        if roles.allowed(user.role, "powers.nopenaltyrule", roles.VIEW)
        else None
    )
    checklists = (
        Checklist.objects.restrict(user).filter(power=power).select_related("agency", "power")
        if roles.allowed(user.role, "powers.checklist", roles.VIEW)
        else []
    )
    sees_benchmark = roles.allowed(user.role, "powers.discretionbenchmark", roles.VIEW)
    return _Detail(
        power,
        bases=list(power.bases.select_related("article__version__law")),
        statutory_ranges=[r.__dict__ for r in actions.statutory_ranges(power)],
        benchmark=_benchmark_out(power) if sees_benchmark else None,
        no_penalty_rule=rule,
        checklists=[_checklist_out(c) for c in checklists],
    )


def _input_from(power: Power, payload: dict[str, Any]) -> actions.PowerInput:
    basis = payload.get("basis")
    if basis is None:
        bases = [
            actions.BasisInput(b.article_id, b.paragraph_number, b.item_number) for b in power.bases.all()
        ]
    else:
        bases = [actions.BasisInput(citation=c) for c in basis]
    provisions = payload.get("provision_ids")
    return actions.PowerInput(
        name=payload.get("name") or power.name,
        kind=payload.get("kind") or power.kind,
        holder_code=power.holder.code,
        domain_code=payload.get("domain_code") or power.domain_id,
        code=power.code,
        conduct=payload["conduct"] if payload.get("conduct") is not None else power.conduct,
        effective_from=payload.get("effective_from") or power.effective_from,
        basis=bases,
        provision_ids=list(power.provisions.values_list("pk", flat=True))
        if provisions is None
        else provisions,
        status=payload.get("status") or power.status,
    )


# --- powers ---------------------------------------------------------------------------------


@router.get("/powers", response=list[PowerOut])
@paginate(LimitOffsetPagination)
def list_powers(request: HttpRequest, filters: Query[PowerFilter]):
    return filters.filter(_powers(request)).order_by("holder_id", "code")


@router.post("/powers", response={201: PowerDetailOut})
def create_power(request: HttpRequest, payload: PowerIn):
    data = payload.dict()
    power = actions.do_add_power(
        request.user,
        actions.PowerInput(
            name=data["name"],
            kind=data["kind"],
            holder_code=data["agency_code"],
            domain_code=data["domain_code"],
            code=data["code"],
            conduct=data["conduct"],
            effective_from=data["effective_from"],
            basis=[actions.BasisInput(citation=c) for c in data["basis"]],
            provision_ids=data["provision_ids"],
            status=data["status"],
        ),
    )
    return Status(201, _detail(request, _power(request, power.code)))


@router.get("/powers/transfers", response=list[TransferOut])
@paginate(LimitOffsetPagination)
def list_transfers(request: HttpRequest, power_code: str | None = None):
    queryset = (
        scoped(request, PowerTransfer).select_related("from_agency", "to_agency").prefetch_related("powers")
    )
    return queryset.filter(powers__code=power_code) if power_code else queryset


@router.post("/powers/transfers", response={201: TransferOut})
def transfer_powers(request: HttpRequest, payload: TransferIn):
    transfer = actions.do_transfer_powers(
        request.user, payload.power_codes, payload.to_agency_code, payload.reason, payload.effective_date
    )
    return Status(201, transfer)


@router.post("/powers/drafts/generate", response={201: CountOut})
def generate_drafts(request: HttpRequest, payload: AgencyCodeIn):
    powers = actions.do_generate_draft_powers(request.user, payload.agency_code)
    return Status(201, {"count": len(powers), "power_codes": [p.code for p in powers]})


@router.post("/powers/drafts/confirm", response=CountOut)
def confirm_drafts(request: HttpRequest, payload: AgencyCodeIn):
    return {"count": actions.do_confirm_draft_powers(request.user, payload.agency_code, payload.power_codes)}


@router.get("/powers/checklists", response=list[ChecklistOut])
@paginate(LimitOffsetPagination)
def list_checklists(request: HttpRequest, agency_code: str | None = None, power_code: str | None = None):
    queryset = scoped(request, Checklist).select_related("agency", "power")
    if agency_code:
        queryset = queryset.filter(agency__code=agency_code)
    if power_code:
        queryset = queryset.filter(power__code=power_code)
    return [_checklist_out(c) for c in queryset]


def _checklist_input(payload: ChecklistIn) -> actions.ChecklistInput:
    return actions.ChecklistInput(
        name=payload.name,
        agency_code=payload.agency_code,
        power_code=payload.power_code,
        scene=payload.scene,
        items=[actions.ChecklistItemInput(i.text, i.article_id, i.citation) for i in payload.items],
        reason=payload.reason,
    )


@router.post("/powers/checklists", response={201: ChecklistOut})
def create_checklist(request: HttpRequest, payload: ChecklistIn):
    checklist = actions.do_save_checklist(request.user, _checklist_input(payload))
    return Status(201, _checklist_out(checklist))


@router.get("/powers/checklists/{checklist_id}", response=ChecklistOut)
def get_checklist(request: HttpRequest, checklist_id: int):
    return _checklist_out(scoped_get(request, Checklist, id=checklist_id))


@router.put("/powers/checklists/{checklist_id}", response=ChecklistOut)
def save_checklist(request: HttpRequest, checklist_id: int, payload: ChecklistIn):
    checklist = actions.do_save_checklist(request.user, _checklist_input(payload), checklist_id)
    return _checklist_out(checklist)


@router.get("/powers/{code}", response=PowerDetailOut)
def get_power(request: HttpRequest, code: str):
    return _detail(request, _power(request, code))


@router.patch("/powers/{code}", response=PowerDetailOut)
def change_power(request: HttpRequest, code: str, payload: PowerChangeIn):
    power = _power(request, code)
    data = payload.dict(exclude_unset=True)
    actions.do_change_power(request.user, code, _input_from(power, data), data.get("reason", ""))
    return _detail(request, _power(request, code))


@router.post("/powers/{code}/revoke", response=PowerOut)
def revoke_power(request: HttpRequest, code: str, payload: ReasonIn):
    actions.do_revoke_power(request.user, code, payload.reason, payload.effective_date)
    return _power(request, code)


@router.get("/powers/{code}/versions", response=list[VersionOut])
def list_versions(request: HttpRequest, code: str):
    return list(_power(request, code).versions.order_by("version"))


@router.get("/powers/{code}/diff", response=list[DiffRow])
def diff_versions(request: HttpRequest, code: str, a: int, b: int):
    power = _power(request, code)
    versions = {v.version: v.snapshot for v in power.versions.filter(version__in=[a, b])}
    if a not in versions or b not in versions:
        raise NotFound("版本不存在")
    return diff_snapshots(versions[a], versions[b])


@router.get("/powers/{code}/benchmark", response=BenchmarkOut)
def get_benchmark(request: HttpRequest, code: str):
    power = _power(request, code)
    if not roles.allowed(request.user.role, "powers.discretionbenchmark", roles.VIEW):
        raise NotFound()
    benchmark = _benchmark_out(power)
    if benchmark is None:
        raise NotFound("该职权尚未制定裁量基准")
    return benchmark


@router.put("/powers/{code}/benchmark", response=BenchmarkOut)
def set_benchmark(request: HttpRequest, code: str, payload: BenchmarkIn):
    _power(request, code)
    tiers = [actions.TierInput(**t.dict()) for t in payload.tiers]
    actions.do_set_benchmark(request.user, code, tiers, payload.effective_from, payload.note)
    return _benchmark_out(_power(request, code))


@router.put("/powers/{code}/no-penalty-rule", response=NoPenaltyIO)
def set_no_penalty_rule(request: HttpRequest, code: str, payload: NoPenaltyIO):
    _power(request, code)
    return actions.do_set_no_penalty_rule(request.user, code, actions.NoPenaltyInput(**payload.dict()))


@router.post("/powers/{code}/discretion/evaluate", response=EvaluationOut)
def evaluate(request: HttpRequest, code: str, payload: FactsIn):
    power = _power(request, code)
    if power.kind != "penalty":
        raise ActionError("not_penalty", "只有行政处罚类职权可以进行裁量", "code")
    if payload.party_kind not in ("person", "organisation"):
        raise ActionError(
            "invalid_choice", "当事人类型应为 person（个人）或 organisation（单位）", "party_kind"
        )
    return actions.evaluate_power(power, Facts(**payload.dict()))
