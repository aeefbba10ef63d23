"""The disposition of a supervision clue (线索处置) as a declarative table of states and transitions.

`TRANSITIONS` is the single source, like `zhifa.cases.procedure`: the actions look a transition up
here (the states it may start from under each procedure, its target, the roles that may run it),
the API and the pages list the allowed next transitions from it, and docs/supervision.md lists it
(`markdown_table`, checked by a test). The guards live in `zhifa.supervision.actions`.

A transition's sources are given per procedure: before triage a disposition has no procedure
(`""`); the simple procedure may issue its notice without a separate investigation; only the
general procedure may go from the investigation straight to a binding decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Procedure(models.TextChoices):
    GENERAL = "general", _("一般程序")
    SIMPLE = "simple", _("简易程序")
    WARNING = "warning", _("预警")


class State(models.TextChoices):
    NEW = "new", _("待分拣")
    TRIAGED = "triaged", _("已分拣")
    INVESTIGATING = "investigating", _("核查中")
    WARNING_ISSUED = "warning_issued", _("已预警")
    NOTICE_ISSUED = "notice_issued", _("已发监督通知")
    RECTIFYING = "rectifying", _("整改中")
    VERIFYING = "verifying", _("待验收")
    DECISION_ISSUED = "decision_issued", _("已作出监督决定")
    CLOSED = "closed", _("已办结")


class Outcome(models.TextChoices):
    CONFIRMED_RECTIFIED = "confirmed_rectified", _("整改到位")
    UNFOUNDED = "unfounded", _("线索不实")
    DECISION_ISSUED = "decision_issued", _("已作出监督决定")
    WARNING_ACKNOWLEDGED = "warning_acknowledged", _("预警已确认")


class Side(models.TextChoices):
    SUPERVISOR = "supervisor", _("监督机关")
    AGENCY = "agency", _("被监督单位")


OPEN_STATES = frozenset(set(State.values) - {State.CLOSED})
# A notice is out and its rectification deadline runs (the escalation looks at these).
RECTIFICATION_STATES = frozenset({State.NOTICE_ISSUED, State.RECTIFYING})
UNTRIAGED = ""  # the procedure of a disposition not yet triaged

SUPERVISOR_ROLES = frozenset({"supervisor"})
AGENCY_ANSWER_ROLES = frozenset({"agency_lead", "agency_admin"})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: Mapping[str, frozenset[str]]  # procedure ("" before triage) → states it starts from
    target: str
    roles: frozenset[str]
    side: str
    note: str = field(default="")

    def allowed_from(self, procedure: str, state: str) -> bool:
        return state in self.sources.get(procedure, frozenset())

    @property
    def procedures(self) -> list[str]:
        return [p for p in (UNTRIAGED, *Procedure.values) if p in self.sources]


S = State
P = Procedure


def _in(*states: str) -> frozenset[str]:
    return frozenset(states)


def _for(procedures: tuple[str, ...], *states: str) -> dict[str, frozenset[str]]:
    return dict.fromkeys(procedures, _in(*states))


NOTICE_PROCEDURES = (P.GENERAL, P.SIMPLE)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "triage",
        "分拣（确定程序、指派承办人）",
        {UNTRIAGED: _in(S.NEW)},
        S.TRIAGED,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
    ),
    Transition(
        "start_investigation",
        "开始核查",
        _for(NOTICE_PROCEDURES, S.TRIAGED),
        S.INVESTIGATING,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
    ),
    Transition(
        "issue_warning",
        "发出预警提示",
        {P.WARNING: _in(S.TRIAGED)},
        S.WARNING_ISSUED,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
    ),
    Transition(
        "acknowledge_warning",
        "确认收到预警并自查",
        {P.WARNING: _in(S.WARNING_ISSUED)},
        S.CLOSED,
        AGENCY_ANSWER_ROLES,
        Side.AGENCY,
        "办结结果：warning_acknowledged",
    ),
    Transition(
        "issue_notice",
        "制发监督通知书/意见书",
        {P.GENERAL: _in(S.INVESTIGATING), P.SIMPLE: _in(S.TRIAGED, S.INVESTIGATING)},
        S.NOTICE_ISSUED,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
    ),
    Transition(
        "acknowledge_notice",
        "签收通知、开始整改",
        _for(NOTICE_PROCEDURES, S.NOTICE_ISSUED),
        S.RECTIFYING,
        AGENCY_ANSWER_ROLES,
        Side.AGENCY,
    ),
    Transition(
        "submit_report",
        "提交整改报告",
        _for(NOTICE_PROCEDURES, S.NOTICE_ISSUED, S.RECTIFYING),
        S.VERIFYING,
        AGENCY_ANSWER_ROLES,
        Side.AGENCY,
    ),
    Transition(
        "accept_rectification",
        "验收通过、办结",
        _for(NOTICE_PROCEDURES, S.VERIFYING),
        S.CLOSED,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
        "办结结果：confirmed_rectified",
    ),
    Transition(
        "reject_rectification",
        "验收不通过、重新整改",
        _for(NOTICE_PROCEDURES, S.VERIFYING),
        S.RECTIFYING,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
        "须定新的整改期限",
    ),
    Transition(
        "issue_decision",
        "制发监督决定书",
        {
            P.GENERAL: _in(S.INVESTIGATING, S.NOTICE_ISSUED, S.RECTIFYING, S.VERIFYING),
            P.SIMPLE: _in(S.NOTICE_ISSUED, S.RECTIFYING, S.VERIFYING),
        },
        S.DECISION_ISSUED,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
        "整改逾期或验收不通过时；一般程序核查后也可直接作出",
    ),
    Transition(
        "close",
        "办结",
        {
            P.GENERAL: _in(S.TRIAGED, S.INVESTIGATING, S.DECISION_ISSUED),
            P.SIMPLE: _in(S.TRIAGED, S.INVESTIGATING, S.DECISION_ISSUED),
            P.WARNING: _in(S.TRIAGED),
        },
        S.CLOSED,
        SUPERVISOR_ROLES,
        Side.SUPERVISOR,
        "核查不实：unfounded；监督决定后：decision_issued",
    ),
)

BY_NAME = {t.name: t for t in TRANSITIONS}

_STATE_ORDER = {state: index for index, state in enumerate(State.values)}
_PROCEDURE_NAMES = {UNTRIAGED: "(untriaged)", **{p: p for p in Procedure.values}}


def _sources_text(t: Transition) -> str:
    parts = []
    for procedure in t.procedures:
        states = ", ".join(sorted(t.sources[procedure], key=_STATE_ORDER.__getitem__))
        parts.append(f"{_PROCEDURE_NAMES[procedure]}: {states}")
    return "; ".join(parts)


def markdown_table() -> str:
    """The transition table of docs/supervision.md, generated from `TRANSITIONS`
    (`tests/test_supervision_api.py::test_docs_list_every_transition` keeps them in sync)."""
    lines = [
        "| transition | 环节 | from (procedure: states) | to | side | roles | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS:
        roles = ", ".join(sorted(t.roles))
        lines.append(
            f"| `{t.name}` | {t.label} | {_sources_text(t)} | {t.target} | {t.side} | {roles} | {t.note} |"
        )
    return "\n".join(lines) + "\n"


def available(procedure: str, state: str) -> list[Transition]:
    """The transitions that may be attempted from `state` (guards may still refuse them)."""
    return [t for t in TRANSITIONS if t.allowed_from(procedure, state)]
