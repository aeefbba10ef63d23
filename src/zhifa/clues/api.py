"""Clue endpoints. Thin: scope, call the actions, shape the answer.

* `GET /clues?model=&agency=&severity=&verdict=&run=&limit=&offset=` — the caller's clues
  (agency roles: their agency's; supervisors: their region's), newest first;
* `GET /clues/{id}` — one clue with its evidence records;
* `POST /clues/{id}/verdict` `{"verdict": "true_positive"|"false_positive"|"", "note"}` — supervisors;
* `GET /clues/models` — the catalogue with each model's precision over the caller's clues;
* `POST /clues/runs` `{"models": [...]|null, "on": "YYYY-MM-DD"|null}` — supervisors and sysadmins;
* `POST /clues/backtest` `{"model", "params": {k: v}, "on"}` — the same roles; raises nothing.

A run covers every agency of the installation; its report lists only the clues the caller may
see (none for the sysadmin, who manages the system but does not read clues — 三员分立), while
its counts are the run's totals.
"""

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from zhifa.clues import actions
from zhifa.clues.catalogue import MODELS, SEVERITY_LABELS
from zhifa.clues.models import Clue, ClueRun
from zhifa.core import roles
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.core.scope import can
from zhifa.registry.models import Agency

router = Router(tags=["监督线索"])
REPORT_CLUES = 200  # clues listed per model in an API run report (the counts are complete)


class EvidenceOut(Schema):
    family: str
    source_system: str | None
    source_id: str | None
    number: str | None


class ClueOut(Schema):
    id: int
    model_slug: str
    model_version: int
    agency_code: str
    region_code: str | None = Field(None, alias="region_id")
    severity: str
    title: str
    detail: str
    evidence: list[EvidenceOut]
    fingerprint: str
    parameters: dict[str, str]
    raised_at: dt.datetime
    run_id: int
    verdict: str
    verdict_by: str
    verdict_at: dt.datetime | None
    verdict_note: str


class ClueFilter(FilterSchema):
    model: Annotated[str | None, FilterLookup("model_slug")] = None
    agency: Annotated[str | None, FilterLookup("agency_code")] = None
    severity: str | None = None
    verdict: str | None = Field(None, description="true_positive、false_positive 或 unset")
    run: Annotated[int | None, FilterLookup("run_id")] = None

    def filter_verdict(self, value: str | None) -> Q:
        if value is None:
            return Q()
        return Q(verdict="" if value == "unset" else value)


class VerdictIn(Schema):
    verdict: str
    note: str = ""


class ParamOut(Schema):
    name: str
    label: str
    default: str
    unit: str
    rule: str | None


class ModelOut(Schema):
    slug: str
    name: str
    version: int
    severity: str
    severity_label: str
    group: str
    rule: str
    basis: str
    params: list[ParamOut]
    raised: int
    true_positive: int
    false_positive: int
    precision: float | None


class RunIn(Schema):
    models: list[str] | None = None
    on: dt.date | None = None


class BacktestIn(Schema):
    model: str
    params: dict[str, str] = {}
    on: dt.date | None = None


def _clues(request: HttpRequest) -> Any:
    return scoped(request, Clue).select_related("region")


@router.get("/clues", response=list[ClueOut])
@paginate(LimitOffsetPagination)
def list_clues(request: HttpRequest, filters: Query[ClueFilter]):
    return filters.filter(_clues(request)).order_by("-raised_at", "-id")


@router.get("/clues/models", response=list[ModelOut])
def list_models(request: HttpRequest) -> list[dict[str, Any]]:
    found = actions.precision(_clues(request))
    empty = {"raised": 0, "true_positive": 0, "false_positive": 0, "precision": None}
    return [
        {
            "slug": m.slug,
            "name": m.name,
            "version": m.version,
            "severity": m.severity,
            "severity_label": SEVERITY_LABELS[m.severity],
            "group": m.group,
            "rule": m.rule,
            "basis": m.basis,
            "params": [
                {"name": p.name, "label": p.label, "default": str(p.default), "unit": p.unit, "rule": p.rule}
                for p in m.params
            ],
            **found.get(m.slug, empty),
        }
        for m in MODELS
    ]


@router.get("/clues/{int:clue_id}", response=ClueOut)
def get_clue(request: HttpRequest, clue_id: int):
    return scoped_get(request, Clue, _clues(request), pk=clue_id)


@router.post("/clues/{int:clue_id}/verdict", response=ClueOut)
def mark_clue(request: HttpRequest, clue_id: int, payload: VerdictIn):
    clue = actions.do_mark_clue(request.user, clue_id, payload.verdict, payload.note)
    return _clues(request).get(pk=clue.pk)


def _visible_report(request: HttpRequest, report: dict[str, Any]) -> dict[str, Any]:
    """The run's report with only the clues the caller may see (the counts stay the run's)."""
    user = request.user
    if not can(user, Clue, roles.VIEW):
        visible: set[str] = set()
    elif user.role in roles.AGENCY_ROLES:
        visible = {user.agency.code} if user.agency_id else set()
    else:
        visible = set(Agency.objects.restrict(user, roles.VIEW).values_list("code", flat=True))
    for entry in report["models"]:
        shown = [c for c in entry["clues"] if c["agency_code"] in visible]
        entry["clues"] = shown[:REPORT_CLUES]
        entry["clues_shown"] = len(entry["clues"])
    return report


def _require_runner(request: HttpRequest) -> None:
    if not can(request.user, ClueRun, roles.ADD):
        raise PermissionDenied("您的角色无权运行线索模型")


@router.post("/clues/runs", response=dict[str, Any])
def run_models(request: HttpRequest, payload: RunIn) -> dict[str, Any]:
    _require_runner(request)
    report = actions.do_run_clues(request.user, payload.models, on=payload.on)
    return _visible_report(request, report)


@router.post("/clues/backtest", response=dict[str, Any])
def backtest(request: HttpRequest, payload: BacktestIn) -> dict[str, Any]:
    _require_runner(request)
    if not payload.model:
        raise ActionError("required", "请选择要回测的模型", "model")
    report = actions.do_run_clues(
        request.user,
        [payload.model],
        backtest=True,
        on=payload.on,
        params={payload.model: payload.params} if payload.params else None,
    )
    return _visible_report(request, report)
