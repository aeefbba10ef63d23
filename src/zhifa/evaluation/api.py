"""Efficiency evaluation endpoints (`/api/v1/evaluation`). Thin: parse, call the scoped query or
the action. Supervisors evaluate their region and read rankings, explanations and the PDF; agency
roles read their own agency's results (`GET /evaluation/results`); other roles get 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from zhifa.core.api_helpers import scoped, scoped_get
from zhifa.evaluation import actions, report
from zhifa.evaluation.models import Evaluation, EvaluationResult, Scheme

router = Router(tags=["效能评价"])


class EvaluateIn(Schema):
    period: str
    region_code: str
    scheme_id: int | None = None


def scheme_out(s: Scheme) -> dict[str, Any]:
    return {"id": s.pk, "code": s.code, "version": s.version, "name": s.name, "components": s.components}


def result_out(r: EvaluationResult, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "evaluation": r.evaluation_id,
        "agency_code": r.agency_code,
        "agency_name": r.agency_name,
        "score": float(r.score),
        "rank": r.rank,
    }
    if detail:
        out["components"] = r.components
        out["explanations"] = r.explanations
    return out


def evaluation_out(e: Evaluation, results: list[EvaluationResult]) -> dict[str, Any]:
    return {
        "id": e.pk,
        "period": e.period,
        "region_code": e.region_id,
        "scheme": {"id": e.scheme_id, "version": e.scheme.version, "name": e.scheme.name},
        "created_by": e.created_by,
        "created_at": e.created_at,
        "ranking": [result_out(r) for r in results],
    }


@router.get("/evaluation/schemes", response=list[dict[str, Any]])
def list_schemes(request: HttpRequest) -> list[dict[str, Any]]:
    return [scheme_out(s) for s in scoped(request, Scheme)]


@router.post("/evaluation/evaluations", response={201: dict[str, Any]})
def evaluate(request: HttpRequest, payload: EvaluateIn) -> Status:
    e = actions.do_evaluate(request.user, payload.scheme_id, payload.period, payload.region_code)
    return Status(201, evaluation_out(e, list(e.results.all())))


@router.get("/evaluation/evaluations", response=list[dict[str, Any]])
def list_evaluations(request: HttpRequest) -> list[dict[str, Any]]:
    return [evaluation_out(e, []) for e in scoped(request, Evaluation).select_related("scheme")]


@router.get("/evaluation/evaluations/{evaluation_id}", response=dict[str, Any])
def get_evaluation(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    e = scoped_get(request, Evaluation, pk=evaluation_id)
    return evaluation_out(e, list(e.results.all()))


@router.get("/evaluation/evaluations/{evaluation_id}/agencies/{agency_code}", response=dict[str, Any])
def get_result(request: HttpRequest, evaluation_id: int, agency_code: str) -> dict[str, Any]:
    r = scoped_get(request, EvaluationResult, evaluation_id=evaluation_id, agency_code=agency_code)
    return result_out(r, detail=True)


@router.get("/evaluation/results", response=list[dict[str, Any]])
def my_results(request: HttpRequest) -> list[dict[str, Any]]:
    return [result_out(r, detail=True) for r in scoped(request, EvaluationResult)]


@router.get("/evaluation/evaluations/{evaluation_id}/pdf")
def pdf(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    e = scoped_get(request, Evaluation, pk=evaluation_id)
    response = HttpResponse(report.render(e, list(e.results.all())), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{e.pk}.pdf"'
    return response
