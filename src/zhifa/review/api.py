"""Case-file review endpoints (`/api/v1/review`). Thin: parse, call the scoped query or the action.

Supervisors create rounds in their region, draw, pre-score, score items, name the second
reviewer and close; agency roles read their own cases' results (`GET /review/results`,
`GET /review/cases/{id}`) once the round is closed; other roles get 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from zhifa.core import roles
from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.core.errors import NotFound, PermissionDenied
from zhifa.core.scope import can
from zhifa.review import actions, queries
from zhifa.review.models import ItemScore, ReviewCase, ReviewRound, Rubric, Slot

router = Router(tags=["案卷评查"])


class RoundIn(Schema):
    name: str
    period: str
    region_code: str
    sample_size: int
    strata: str = "random"
    seed: int | None = None
    second_share: Decimal = Decimal("0.2")
    rubric_version: int | None = None
    supervising_body: str = ""


class ScoreIn(Schema):
    item: str
    deduction: Decimal
    note: str = ""


class ReviewerIn(Schema):
    user_id: int


def rubric_out(rubric: Rubric) -> dict[str, Any]:
    return {
        "version": rubric.version,
        "name": rubric.name,
        "published_at": rubric.published_at,
        "items": [
            {
                "code": i.code,
                "group": i.group,
                "group_display": i.get_group_display(),
                "title": i.title,
                "description": i.description,
                "max_deduction": float(i.max_deduction),
                "structural": i.structural,
                "check": i.check_code,
            }
            for i in rubric.items.all()
        ],
    }


def round_out(rnd: ReviewRound) -> dict[str, Any]:
    return {
        "id": rnd.pk,
        "name": rnd.name,
        "period": rnd.period,
        "period_start": rnd.period_start,
        "period_end": rnd.period_end - dt.timedelta(days=1),
        "region_code": rnd.region_id,
        "supervising_body": rnd.supervising_body,
        "rubric_version": rnd.rubric.version,
        "seed": rnd.seed,
        "sample_size": rnd.sample_size,
        "strata": rnd.strata,
        "second_share": float(rnd.second_share),
        "state": rnd.state,
        "state_display": rnd.get_state_display(),
        "population": rnd.population,
        "second_reviewer": rnd.second_reviewer.username if rnd.second_reviewer else None,
        "cases": rnd.cases.count(),
    }


def score_out(s: ItemScore) -> dict[str, Any]:
    return {
        "item": s.item.code,
        "slot": s.slot,
        "deduction": float(s.deduction),
        "note": s.note,
        "evidence": s.evidence,
        "source": s.source,
        "reviewer": s.reviewer_name,
    }


def case_out(case: ReviewCase, user: Any) -> dict[str, Any]:
    scores = list(case.scores.select_related("item"))
    first, second = queries.case_totals(case, scores)
    own = user.role in roles.AGENCY_ROLES
    return {
        "id": case.pk,
        "round": case.round_id,
        "position": case.position,
        "source_system": case.source_system,
        "source_id": case.source_id,
        "case_number": case.case_number,
        "agency_code": case.agency_code,
        "power_code": case.power_code,
        "stratum": case.stratum,
        "double": case.double,
        "record": case.record,
        "findings": case.findings,
        "total": float(first),
        "total_second": None if second is None or own else float(second),
        # an agency reads the reviewed result (first slot); the second reviewer's scores are
        # the supervisor's quality check
        "scores": [score_out(s) for s in scores if not own or s.slot == Slot.FIRST],
    }


@router.get("/review/rubrics", response=list[dict[str, Any]])
def list_rubrics(request: HttpRequest) -> list[dict[str, Any]]:
    return [rubric_out(r) for r in scoped(request, Rubric).prefetch_related("items")]


@router.get("/review/rubrics/{version}", response=dict[str, Any])
def get_rubric(request: HttpRequest, version: int) -> dict[str, Any]:
    return rubric_out(scoped_get(request, Rubric, version=version))


@router.get("/review/rounds", response=list[dict[str, Any]])
def list_rounds(request: HttpRequest) -> list[dict[str, Any]]:
    return [round_out(r) for r in scoped(request, ReviewRound).select_related("rubric", "second_reviewer")]


@router.post("/review/rounds", response={201: dict[str, Any]})
def create_round(request: HttpRequest, payload: RoundIn) -> Status:
    rnd = actions.do_create_round(request.user, actions.RoundInput(**payload.dict()))
    return Status(201, round_out(rnd))


@router.get("/review/rounds/{round_id}", response=dict[str, Any])
def get_round(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return round_out(scoped_get(request, ReviewRound, pk=round_id))


@router.post("/review/rounds/{round_id}/draw", response=dict[str, Any])
def draw(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return round_out(actions.do_draw_sample(request.user, round_id))


@router.post("/review/rounds/{round_id}/prescore", response=dict[str, Any])
def prescore(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return round_out(actions.do_prescore(request.user, round_id))


@router.post("/review/rounds/{round_id}/second-reviewer", response=dict[str, Any])
def second_reviewer(request: HttpRequest, round_id: int, payload: ReviewerIn) -> dict[str, Any]:
    return round_out(actions.do_assign_second_reviewer(request.user, round_id, payload.user_id))


@router.post("/review/rounds/{round_id}/close", response=dict[str, Any])
def close(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return round_out(actions.do_close_round(request.user, round_id))


@router.get("/review/rounds/{round_id}/cases", response=list[dict[str, Any]])
def round_cases(request: HttpRequest, round_id: int) -> list[dict[str, Any]]:
    rnd = scoped_get(request, ReviewRound, pk=round_id)
    return [
        {
            "id": c.pk,
            "position": c.position,
            "case_number": c.case_number,
            "source_system": c.source_system,
            "source_id": c.source_id,
            "agency_code": c.agency_code,
            "power_code": c.power_code,
            "stratum": c.stratum,
            "double": c.double,
        }
        for c in rnd.cases.all()
    ]


@router.get("/review/rounds/{round_id}/report", response=dict[str, Any])
def round_report(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return queries.report(scoped_get(request, ReviewRound, pk=round_id))


@router.get("/review/results", response=list[dict[str, Any]])
def results(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's visible sampled cases of closed rounds with their totals."""
    if not can(request.user, ReviewCase, roles.VIEW):
        raise PermissionDenied("您的角色无权查看此类记录")
    qs = queries.visible_cases(request.user).filter(round__state="closed").select_related("round")
    return [
        {
            "id": c.pk,
            "round": c.round_id,
            "round_name": c.round.name,
            "period": c.round.period,
            "case_number": c.case_number,
            "agency_code": c.agency_code,
            "total": None if c.total_first is None else float(c.total_first),
        }
        for c in qs
    ]


@router.get("/review/cases/{case_id}", response=dict[str, Any])
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    if not can(request.user, ReviewCase, roles.VIEW):
        raise PermissionDenied("您的角色无权查看此类记录")
    case = queries.visible_cases(request.user).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case_out(case, request.user)


@router.post("/review/cases/{case_id}/scores", response=dict[str, Any])
def score(request: HttpRequest, case_id: int, payload: ScoreIn) -> dict[str, Any]:
    s = actions.do_score_item(request.user, case_id, payload.item, payload.deduction, payload.note)
    return score_out(s)
