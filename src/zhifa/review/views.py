"""Case-file review pages (案卷评查). Thin: reads through `restrict`, writes through
`zhifa.review.actions`, so a refused step shows the action's Chinese message.

- index: supervisors see their region's rounds and a form for a new one; agency roles see their
  own cases' results of closed rounds;
- round: parameters, the steps (draw, pre-score, second reviewer, close), the sample with totals,
  per-agency averages, deductions by group and the inter-rater agreement;
- case: the record's fields, links to the platform case's documents, the rubric items grouped,
  each with a deduction input and a note saved on its own (HTMX; without JavaScript a normal post).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhifa.accounts.models import User
from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.scope import can
from zhifa.core.web import is_htmx, login_required, raise_http, visible, visible_get
from zhifa.review import actions, queries
from zhifa.review.models import ReviewCase, ReviewRound, RoundState, Slot, Strata
from zhifa.review.rubric import Group

RECORD_LABELS = {
    "case_number": "案号",
    "agency_code": "执法主体代码",
    "power_code": "职权编码",
    "entity_name": "当事人",
    "procedure": "程序",
    "major_case": "重大案件",
    "violation_on": "违法行为日期",
    "filed_on": "立案日期",
    "notice_served_on": "告知书送达日期",
    "hearing_offered": "告知听证权利",
    "legal_review_on": "法制审核日期",
    "extension_approved_on": "延期批准日期",
    "decided_on": "决定日期",
    "served_on": "送达日期",
    "paid_on": "缴款日期",
    "closed_on": "结案日期",
    "decision_kind": "处理决定",
    "penalty_kinds": "处罚种类",
    "fine_amount": "罚款金额（元）",
    "benchmark_tier": "裁量阶次",
    "legal_basis": "法律依据",
    "officer_certificates": "执法证号",
}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can(user, ReviewCase, roles.VIEW):
        raise PermissionDenied
    if user.role in roles.AGENCY_ROLES:
        cases = queries.visible_cases(user).select_related("round").order_by("-round__closed_at", "position")
        return render(request, "review/results.html", {"cases": cases})
    rounds = visible(request, ReviewRound).select_related("rubric", "region")
    context = {"rounds": rounds, "strata": Strata.choices, "can_add": can(user, ReviewRound, roles.ADD)}
    if request.method == "POST" and context["can_add"]:
        try:
            rnd = actions.do_create_round(user, _round_input(request.POST))
        except ActionError as error:
            raise_http(error)
            context.update(error=error.message, form=request.POST)
            return render(request, "review/index.html", context, status=422)
        messages.success(request, "已创建评查活动")
        return redirect("review:round", pk=rnd.pk)
    return render(request, "review/index.html", context)


def _round_input(data: Any) -> actions.RoundInput:
    def number(name: str, default: int | None) -> int | None:
        raw = (data.get(name) or "").strip()
        if not raw:
            return default
        if not raw.isdigit():
            raise ActionError("invalid", "应为整数", name)
        return int(raw)

    return actions.RoundInput(
        name=data.get("name", ""),
        period=data.get("period", ""),
        region_code=data.get("region_code", ""),
        sample_size=number("sample_size", 0) or 0,
        strata=data.get("strata", Strata.RANDOM),
        seed=number("seed", None),
        second_share=data.get("second_share") or "0",
        supervising_body=data.get("supervising_body", ""),
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = visible_get(
        visible(request, ReviewRound).select_related("rubric", "region", "second_reviewer"), pk=pk
    )
    report = queries.report(rnd)
    reviewers = User.objects.filter(role=roles.Role.SUPERVISOR, is_active=True).exclude(pk=request.user.pk)
    context = {
        "round": rnd,
        "report": report,
        "open": rnd.state in (RoundState.SAMPLED, RoundState.SCORING),
        "can_change": can(request.user, ReviewRound, roles.CHANGE),
        "reviewers": reviewers[:50],
    }
    return render(request, "review/round.html", context)


@login_required
@require_POST
def round_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    steps = {
        "draw": (actions.do_draw_sample, "已抽取样本"),
        "prescore": (actions.do_prescore, "已完成自动预评"),
        "close": (actions.do_close_round, "评查活动已结束，结果已向被评查单位公开"),
    }
    try:
        if name == "second":
            raw = request.POST.get("user_id", "")
            actions.do_assign_second_reviewer(request.user, pk, int(raw) if raw.isdigit() else 0)
            messages.success(request, "已指定交叉评查人")
        elif name in steps:
            action, done = steps[name]
            action(request.user, pk)
            messages.success(request, done)
        else:
            raise PermissionDenied
    except ActionError as error:
        raise_http(error)
        messages.error(request, error.message)
    return redirect("review:round", pk=pk)


def _case_for(request: HttpRequest, pk: int) -> ReviewCase:
    if not can(request.user, ReviewCase, roles.VIEW):
        raise PermissionDenied
    return visible_get(queries.visible_cases(request.user).select_related("round__rubric", "agency"), pk=pk)


def _documents(case: ReviewCase) -> list[Any]:
    if not case.is_platform_case:
        return []
    from zhifa.documents.models import IssuedDocument

    return list(IssuedDocument.objects.filter(case_ref=case.case_number).order_by("id"))


def _item_rows(case: ReviewCase, slot: str) -> dict[str, list[dict[str, Any]]]:
    scores = {s.item_id: s for s in case.scores.filter(slot=slot)}
    first = {s.item_id: s for s in case.scores.filter(slot=Slot.FIRST)} if slot == Slot.SECOND else scores
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in case.round.rubric.items.all():
        shown = first.get(item.pk) if item.structural else scores.get(item.pk)
        groups[str(Group(item.group).label)].append(
            {"item": item, "score": shown, "finding": case.findings.get(item.code)}
        )
    return dict(groups)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    user = request.user
    slot = Slot.SECOND if case.round.second_reviewer_id == user.pk and case.double else Slot.FIRST
    first, second = queries.case_totals(case)
    context = {
        "case": case,
        "record": [
            (label, case.record.get(key)) for key, label in RECORD_LABELS.items() if key in case.record
        ],
        "documents": _documents(case),
        "groups": _item_rows(case, slot),
        "slot": slot,
        "editable": case.round.state in (RoundState.SAMPLED, RoundState.SCORING)
        and can(user, ReviewCase, roles.CHANGE),
        "total": first,
        "total_second": second if user.role not in roles.AGENCY_ROLES else None,
    }
    return render(request, "review/case.html", context)


@login_required
@require_POST
def score_item(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    case = _case_for(request, pk)
    error, saved = "", None
    try:
        saved = actions.do_score_item(
            request.user,
            case.pk,
            code,
            request.POST.get("deduction", "0") or "0",
            request.POST.get("note", ""),
        )
    except ActionError as exc:
        raise_http(exc)
        error = exc.message
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("review:case", pk=pk)
    item = case.round.rubric.items.get(code=code)
    context = {
        "case": case,
        "row": {"item": item, "score": saved, "finding": case.findings.get(code)},
        "editable": True,
        "error": error,
        "saved": saved is not None,
        "posted": request.POST,
    }
    return render(request, "review/_item.html", context, status=200)
