"""Case pages (案件工作台). Thin: read through `restrict`, write through `zhifa.cases.actions`
(the same functions the API calls), so a refused step shows the action's Chinese message.

- workbench: the open cases the user may see, their statutory clocks (overdue first) and the
  next steps the user's role may take;
- case detail: parties, power, officers, state, clocks, the allowed transitions as buttons that
  open a small form (HTMX; without JavaScript the same form as a page), the timeline from the
  audit trail (Art. 47) and the documents issued for the case;
- filing form; the lead's approvals; the legal reviewer's queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhifa.cases import actions
from zhifa.cases.forms import FILING_FIELDS, FileCaseForm, StepForm, step_form
from zhifa.cases.models import Case, CaseStep
from zhifa.cases.procedure import BEFORE_DECISION, BY_NAME, OPEN_STATES, State, Transition, available
from zhifa.cases.queries import timeline_entries
from zhifa.core import roles
from zhifa.core.errors import ActionError
from zhifa.core.roles import Role
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
from zhifa.documents.models import IssuedDocument

WORKBENCH_LIMIT = 300
EXTENSION_WARNING_DAYS = 15


def _today() -> dt.date:
    return dt.date.today()


def _cases(request: HttpRequest) -> QuerySet[Case]:
    return (
        visible(request, Case)
        .select_related("agency__region", "power__domain")
        .prefetch_related("parties", "officers__officer")
    )


def _own_transitions(user: Any, case: Case, can_change: bool) -> list[Transition]:
    """The transitions of the table the user's role may run from the case's state."""
    if not can_change:
        return []
    return [t for t in available(case.procedure, case.state) if user.role in t.roles]


def _row(user: Any, case: Case, today: dt.date, can_change: bool) -> dict[str, Any]:
    clocks = actions.case_clocks(case, today)
    open_clocks = [c for c in clocks if c["met_on"] is None]
    overdue = any(c["state"] == "overdue" for c in open_clocks)
    next_due = min((c["due_on"] for c in open_clocks), default=None)
    officer = getattr(user, "officer", None)
    return {
        "case": case,
        "clocks": clocks,
        "overdue": overdue,
        "next_due": next_due,
        "mine": officer is not None and any(co.officer_id == officer.pk for co in case.officers.all()),
        "next_steps": _own_transitions(user, case, can_change),
    }


def _rows(request: HttpRequest, cases: QuerySet[Case]) -> list[dict[str, Any]]:
    today = _today()
    changeable = set(
        Case.objects.restrict(request.user, roles.CHANGE)
        .filter(pk__in=cases.values("pk"))
        .values_list("pk", flat=True)
        if can(request.user, Case, roles.CHANGE)
        else []
    )
    rows = [_row(request.user, c, today, c.pk in changeable) for c in cases[:WORKBENCH_LIMIT]]
    rows.sort(key=lambda r: (not r["overdue"], r["next_due"] or dt.date.max, r["case"].pk))
    return rows


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """案件工作台: open cases with their clocks; "mine" narrows to cases the user handles."""
    cases = _cases(request).filter(state__in=OPEN_STATES)
    state = request.GET.get("state", "")
    if state in State.values:
        cases = cases.filter(state=state)
    rows = _rows(request, cases)
    only_mine = request.GET.get("mine") == "1"
    if only_mine:
        rows = [r for r in rows if r["mine"]]
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    role = request.user.role
    context = {
        "page": page,
        "overdue_count": sum(1 for r in rows if r["overdue"]),
        "my_steps": [r for r in rows if r["mine"] and r["next_steps"]][:10],
        "state": state,
        "states": [(s, label) for s, label in State.choices if s in OPEN_STATES],
        "only_mine": only_mine,
        "can_add": can(request.user, Case, roles.ADD) and request.user.agency_id is not None,
        "is_lead": role == Role.AGENCY_LEAD,
        "is_reviewer": role == Role.LEGAL_REVIEWER,
    }
    return render(request, "cases/workbench.html", context)


# --- the case page --------------------------------------------------------------------------


def _timeline(case: Case) -> list[dict[str, Any]]:
    """The audit entries of the case and its steps, in chain order (Art. 47), with Chinese
    labels and the step's document number."""
    steps = {str(s.pk): s for s in CaseStep.objects.filter(case=case)}
    result = []
    for entry in timeline_entries(case):
        if entry.object_type == "cases.casestep":
            step = steps.get(entry.object_id)
            if step is None or step.code != "file":
                continue  # the step row repeats its transition's entry; keep only the filing step
            label, detail = _("立案"), step.data.get("document_number", "")
        else:
            name = entry.action.removeprefix("cases.")
            transition = BY_NAME.get(name)
            label = (
                transition.label
                if transition
                else {"case_file": _("立案"), "case_follow_transfer": _("随职权划转")}.get(name, entry.action)
            )
            detail = ""
        result.append({"entry": entry, "label": label, "detail": detail})
    return result


def _documents(request: HttpRequest, case: Case) -> list[Any]:
    if not can(request.user, IssuedDocument, roles.VIEW):
        return []
    return list(
        IssuedDocument.objects.restrict(request.user)
        .filter(case_ref=case.number)
        .order_by("created_at", "id")
    )


def _case_page(
    request: HttpRequest,
    case: Case,
    open_form: StepForm | None = None,
    open_name: str = "",
    status: int = 200,
) -> HttpResponse:
    can_change = may_change(request.user, case)
    transitions = _own_transitions(request.user, case, can_change)
    others = [t for t in available(case.procedure, case.state) if t not in transitions]
    steps = list(case.steps.all())
    context = {
        "case": case,
        "parties": list(case.parties.all()),
        "officers": list(case.officers.select_related("officer")),
        "clocks": actions.case_clocks(case, _today()),
        "transitions": transitions,
        "others": others,
        "open_form": open_form,
        "open_name": open_name,
        "open_transition": BY_NAME.get(open_name),
        "steps": [(s, BY_NAME[s.code].label if s.code in BY_NAME else _("立案")) for s in steps],
        "timeline": _timeline(case),
        "documents": _documents(request, case),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, visible_get(_cases(request), pk=pk))


def _step_response(
    request: HttpRequest, case: Case, name: str, form: StepForm, status: int = 200
) -> HttpResponse:
    if is_htmx(request):
        # HTMX swaps only 2xx answers: a refused step comes back as 200 with the form and its message.
        return render(
            request,
            "cases/_step_form.html",
            {"case": case, "form": form, "transition": BY_NAME[name], "refused": status != 200},
        )
    return _case_page(request, case, open_form=form, open_name=name, status=status)


@login_required
def case_step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """GET: the form of one transition; POST: run it through `actions.do_transition`."""
    case = visible_get(_cases(request), pk=pk)
    transition = BY_NAME.get(name)
    if transition is None:
        raise Http404
    if not may_change(request.user, case) or request.user.role not in transition.roles:
        raise PermissionDenied
    if request.method != "POST":
        return _step_response(request, case, name, step_form(name, case))
    form = step_form(name, case, request.POST)
    if not form.is_valid():
        return _step_response(request, case, name, form, status=422)
    try:
        actions.do_transition(request.user, case.pk, name, form.body())
    except ActionError as error:
        apply_action_error(form, error)
        case = visible_get(_cases(request), pk=pk)
        return _step_response(request, case, name, form, status=422)
    case = Case.objects.get(pk=case.pk)
    messages.success(
        request,
        _("已办理“%(step)s”，案件状态：%(state)s")
        % {"step": transition.label, "state": case.get_state_display()},
    )
    return redirect_after_step(request, reverse("cases:case_detail", args=[case.pk]))


# --- filing ---------------------------------------------------------------------------------


def _filing_field(field: str | None, form: FileCaseForm) -> str | None:
    if not field:
        return None
    if field in form.fields:
        return field
    if field in FILING_FIELDS:
        return FILING_FIELDS[field]
    head = field.split(".")[0]
    return FILING_FIELDS.get(head)


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Case, roles.ADD) or request.user.agency_id is None:
        raise PermissionDenied
    form = FileCaseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_file_case(request.user, form.to_input())
        except ActionError as error:
            raise_http(error)
            form.add_error(_filing_field(error.field, form), error.message)
        else:
            messages.success(request, _("已立案：%(number)s") % {"number": case.number})
            return redirect("cases:case_detail", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "cases/case_form.html", {"form": form}, status=status)


# --- the lead's approvals and the legal reviewer's queue ------------------------------------


def _require_role(request: HttpRequest, role: str) -> None:
    visible(request, Case)  # 403 for roles without case access
    if request.user.role != role:
        raise PermissionDenied


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """负责人审批: cases waiting for the lead — collective discussions to record, decisions to
    make, and running decision clocks close to their end (extensions, Art. 60)."""
    _require_role(request, Role.AGENCY_LEAD)
    rows = _rows(request, _cases(request).filter(state__in=OPEN_STATES))
    discussion, decisions, extensions = [], [], []
    for row in rows:
        case = row["case"]
        names = {t.name for t in row["next_steps"]}
        if "record_collective_discussion" in names and not actions.steps(
            case, "record_collective_discussion"
        ):
            discussion.append(row)
        elif "decide" in names and case.state != State.REVIEWING:
            decisions.append(row)
        decision_clock = next((c for c in row["clocks"] if c["code"] == "decision"), None)
        if (
            case.state in BEFORE_DECISION
            and decision_clock
            and decision_clock["met_on"] is None
            and decision_clock["days_left"] is not None
            and decision_clock["days_left"] <= EXTENSION_WARNING_DAYS
        ):
            extensions.append(row)
    return render(
        request,
        "cases/approvals.html",
        {"discussion": discussion, "decisions": decisions, "extensions": extensions},
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """法制审核: cases in legal review (Art. 58), those not yet approved first."""
    _require_role(request, Role.LEGAL_REVIEWER)
    rows = _rows(request, _cases(request).filter(state=State.LEGAL_REVIEW))
    for row in rows:
        row["approved"] = bool(actions.steps(row["case"], "approve_legal_review"))
    rows.sort(key=lambda r: r["approved"])
    return render(request, "cases/review_queue.html", {"rows": rows})
