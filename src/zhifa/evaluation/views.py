"""Efficiency evaluation pages (效能评价): the evaluations and a form (supervisors), the ranking
with a drill into an agency's explanation, the PDF. Agency roles see their own results."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.scope import can
from zhifa.core.web import login_required, raise_http, visible, visible_get
from zhifa.evaluation import actions, report
from zhifa.evaluation.models import Evaluation, EvaluationResult, Scheme


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can(user, Evaluation, roles.VIEW):
        results = visible(request, EvaluationResult).select_related("evaluation")
        return render(request, "evaluation/results.html", {"results": results})
    context = {
        "evaluations": visible(request, Evaluation).select_related("scheme", "region"),
        "schemes": Scheme.objects.all(),
        "can_add": can(user, Evaluation, roles.ADD),
    }
    if request.method == "POST":
        if not context["can_add"]:
            raise PermissionDenied
        raw = request.POST.get("scheme_id", "")
        try:
            e = actions.do_evaluate(
                user,
                int(raw) if raw.isdigit() else None,
                request.POST.get("period", ""),
                request.POST.get("region_code", ""),
            )
        except ActionError as error:
            raise_http(error)
            context.update(error=error.message, form=request.POST)
            return render(request, "evaluation/index.html", context, status=422)
        messages.success(request, "已完成效能评价")
        return redirect("evaluation:detail", pk=e.pk)
    return render(request, "evaluation/index.html", context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    e = visible_get(visible(request, Evaluation).select_related("scheme", "region"), pk=pk)
    return render(request, "evaluation/detail.html", {"evaluation": e, "results": list(e.results.all())})


@login_required
def agency(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    r = visible_get(
        visible(request, EvaluationResult).select_related("evaluation__region"),
        evaluation_id=pk,
        agency_code=code,
    )
    return render(request, "evaluation/agency.html", {"result": r, "evaluation": r.evaluation})


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    e = visible_get(visible(request, Evaluation).select_related("scheme", "region"), pk=pk)
    response = HttpResponse(report.render(e, list(e.results.all())), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{e.pk}.pdf"'
    return response
