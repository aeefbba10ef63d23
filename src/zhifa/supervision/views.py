"""Supervision pages. Thin: read through `restrict`, write through `zhifa.supervision.actions`
(the functions the API calls), so a refused step shows the action's Chinese message.

- 处置中心 (center): the dispositions the user may see by state, overdue rectifications first and
  highlighted; for supervisors also the clues not yet taken up, with a button to open one;
- disposition page: the clue, state, deadline, documents, the allowed transitions as buttons that
  open a small form (HTMX; without JavaScript the same form as a page), the timeline from the
  audit trail;
- 整改收件箱 (inbox, agency roles): the agency's notices with their deadlines, warnings to
  acknowledge, reports waiting for verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhifa.clues.models import Clue, Verdict
from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.roles import AGENCY_ROLES
from zhifa.core.scope import can
from zhifa.core.web import (
    apply_action_error,
    is_htmx,
    login_required,
    may_change,
    raise_http,
    redirect_after_step,
    visible,
    visible_get,
)
from zhifa.supervision import actions, queries
from zhifa.supervision.forms import StepForm, step_form
from zhifa.supervision.models import Disposition
from zhifa.supervision.procedure import BY_NAME, OPEN_STATES, State, Transition, available

LIST_LIMIT = 300


def _dispositions(request: HttpRequest) -> QuerySet[Disposition]:
    return visible(request, Disposition).select_related("clue", "agency", "assignee", "region")


def _own_transitions(user: Any, d: Disposition, can_change: bool) -> list[Transition]:
    if not can_change:
        return []
    return [t for t in available(d.procedure, d.state) if user.role in t.roles]


def _row(d: Disposition, today: dt.date) -> dict[str, Any]:
    overdue = (
        d.state in (State.NOTICE_ISSUED, State.RECTIFYING) and d.deadline is not None and d.deadline < today
    )
    return {"d": d, "overdue": overdue, "days_left": (d.deadline - today).days if d.deadline else None}


def _rows(queryset: QuerySet[Disposition]) -> list[dict[str, Any]]:
    today = actions._today()
    rows = [_row(d, today) for d in queryset[:LIST_LIMIT]]
    rows.sort(key=lambda r: (not r["overdue"], r["d"].state == State.CLOSED, r["d"].deadline or dt.date.max))
    return rows


@login_required
def center(request: HttpRequest) -> HttpResponse:
    """处置中心: dispositions by state, overdue rectifications highlighted."""
    items = _dispositions(request)
    counts = {s: 0 for s in State.values}
    for state in items.values_list("state", flat=True):
        counts[state] += 1
    state = request.GET.get("state", "")
    if state in State.values:
        items = items.filter(state=state)
    elif state != "all":
        items = items.filter(state__in=OPEN_STATES)
    rows = _rows(items)
    pending: list[Clue] = []
    if can(request.user, Disposition, roles.ADD):
        pending = list(
            Clue.objects.restrict(request.user)
            .filter(disposition__isnull=True)
            .exclude(verdict=Verdict.FALSE_POSITIVE)
            .select_related("agency")[:50]
        )
    context = {
        "rows": rows,
        "state": state,
        "tabs": [(s, label, counts[s]) for s, label in State.choices],
        "overdue_count": sum(1 for r in rows if r["overdue"]),
        "pending": pending,
        "is_agency": request.user.role in AGENCY_ROLES,
    }
    return render(request, "supervision/center.html", context)


@login_required
@require_POST
def open_clue(request: HttpRequest, clue_id: int) -> HttpResponse:
    try:
        d = actions.do_open_disposition(request.user, clue_id)
    except ActionError as error:
        raise_http(error)
        messages.error(request, error.message)
        return redirect("supervision:center")
    messages.success(request, _("已受理线索，处置编号 %(number)s") % {"number": d.number})
    return redirect("supervision:detail", pk=d.pk)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """整改收件箱: what the agency has to answer, with deadlines."""
    if request.user.role not in AGENCY_ROLES:
        raise PermissionDenied
    items = _dispositions(request)
    today = actions._today()
    rectifying = [
        _row(d, today)
        for d in items.filter(state__in=[State.NOTICE_ISSUED, State.RECTIFYING]).order_by("deadline", "pk")
    ]
    context = {
        "rectifying": rectifying,
        "warnings": list(items.filter(state=State.WARNING_ISSUED).order_by("pk")),
        "verifying": list(items.filter(state=State.VERIFYING).order_by("pk")),
        "decisions": list(items.filter(state=State.DECISION_ISSUED).order_by("deadline", "pk")),
        "closed": list(items.filter(state=State.CLOSED).order_by("-closed_on", "-pk")[:20]),
        "can_answer": can(request.user, Disposition, roles.CHANGE),
    }
    return render(request, "supervision/inbox.html", context)


SUMMARY_KEYS = ("text", "reason", "opinion", "decision", "requirement", "note")


def _summary(data: dict[str, Any]) -> str:
    """The step's main text for the table (the first of the usual keys it has)."""
    return next((str(data[k]) for k in SUMMARY_KEYS if data.get(k)), "")


def _page(
    request: HttpRequest,
    d: Disposition,
    open_form: StepForm | None = None,
    open_name: str = "",
    status: int = 200,
) -> HttpResponse:
    can_change = may_change(request.user, d)
    transitions = _own_transitions(request.user, d, can_change)
    others = [t for t in available(d.procedure, d.state) if t not in transitions]
    steps = list(d.steps.order_by("done_on", "id"))
    context = {
        "d": d,
        "clock": actions.deadline_clock(d, actions._today()),
        "transitions": transitions,
        "others": others,
        "open_form": open_form,
        "open_transition": BY_NAME.get(open_name),
        "steps": [
            (s, BY_NAME[s.code].label if s.code in BY_NAME else _("整改逾期升级"), _summary(s.data))
            for s in steps
        ],
        "documents": queries.documents(d),
        "timeline": queries.timeline(d),
    }
    return render(request, "supervision/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, visible_get(_dispositions(request), pk=pk))


def _step_response(
    request: HttpRequest, d: Disposition, name: str, form: StepForm, status: int = 200
) -> HttpResponse:
    if is_htmx(request):
        # HTMX swaps only 2xx answers: a refused step comes back as 200 with the form and its message.
        return render(
            request,
            "supervision/_step_form.html",
            {"d": d, "form": form, "transition": BY_NAME[name], "refused": status != 200},
        )
    return _page(request, d, open_form=form, open_name=name, status=status)


@login_required
def step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """GET: the form of one transition; POST: run it through `actions.do_transition`."""
    d = visible_get(_dispositions(request), pk=pk)
    transition = BY_NAME.get(name)
    if transition is None:
        raise Http404
    if not may_change(request.user, d) or request.user.role not in transition.roles:
        raise PermissionDenied
    if request.method != "POST":
        return _step_response(request, d, name, step_form(name, d))
    form = step_form(name, d, request.POST, request.FILES)
    if not form.is_valid():
        return _step_response(request, d, name, form, status=422)
    try:
        actions.do_transition(request.user, d.pk, name, form.body())  # evidence uploads included
    except ActionError as error:
        if error.field and error.field.startswith("evidence") and "files" in form.fields:
            error.field = "files"  # the action names the evidence it refused; the form has the upload
        apply_action_error(form, error)
        d = visible_get(_dispositions(request), pk=pk)
        return _step_response(request, d, name, form, status=422)
    d = Disposition.objects.get(pk=d.pk)
    messages.success(
        request,
        _("已办理“%(step)s”，处置状态：%(state)s")
        % {"step": transition.label, "state": d.get_state_display()},
    )
    return redirect_after_step(request, reverse("supervision:detail", args=[d.pk]))
