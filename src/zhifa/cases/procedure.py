"""The procedure of the Administrative Penalty Law as a declarative table of states and transitions.

`TRANSITIONS` is the single source: the actions look a transition up here (its source states and
target), the API lists the allowed next transitions from it, and docs/cases.md lists it. A
transition whose target equals its source records a step (statement, hearing, review …) without
moving the case. The guards themselves live in `zhifa.cases.guards`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Procedure(models.TextChoices):
    GENERAL = "general", _("普通程序")
    SUMMARY = "summary", _("简易程序")


class State(models.TextChoices):
    FILED = "filed", _("立案")
    INVESTIGATING = "investigating", _("调查取证")
    REVIEWING = "reviewing", _("案件审查")
    NOTIFIED = "notified", _("事先告知")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    COLLECTIVE_DISCUSSION = "collective_discussion", _("集体讨论")
    DECIDED = "decided", _("决定")
    SERVED = "served", _("送达")
    EXECUTING = "executing", _("执行")
    CLOSED = "closed", _("结案")
    ARCHIVED = "archived", _("归档")


OPEN_STATES = frozenset(set(State.values) - {State.CLOSED, State.ARCHIVED})
BEFORE_DECISION = frozenset(
    {
        State.FILED,
        State.INVESTIGATING,
        State.REVIEWING,
        State.NOTIFIED,
        State.LEGAL_REVIEW,
        State.COLLECTIVE_DISCUSSION,
    }
)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: stays in the current state (a recorded step)
    procedures: frozenset[str]
    article: str  # 《行政处罚法》article the transition implements
    roles: frozenset[str] = frozenset({"officer", "agency_lead"})


GENERAL = frozenset({Procedure.GENERAL})
SUMMARY = frozenset({Procedure.SUMMARY})
BOTH = GENERAL | SUMMARY
S = State
_NOTICE_OPEN = frozenset({S.NOTIFIED, S.LEGAL_REVIEW, S.COLLECTIVE_DISCUSSION})
# Art. 55: inspections and inquiries belong to the investigation (filing included: an inspection
# often comes right after the case is opened).
_INVESTIGATION = frozenset({S.FILED, S.INVESTIGATING})
# Art. 28: the order to correct goes with the penalty, from the investigation until the decision
# was served (the summary procedure's on-the-spot decision is `decided`/`served` from the start).
_RECTIFICATION = frozenset({S.INVESTIGATING} | _NOTICE_OPEN | {S.REVIEWING, S.DECIDED, S.SERVED})
# Art. 48 para. 2, Art. 75: a decision may be revoked, changed, confirmed illegal or void after it
# was made, also after the case was closed or archived (reconsideration, litigation, self-correction).
_DECIDED_ON = frozenset({S.DECIDED, S.SERVED, S.EXECUTING, S.CLOSED, S.ARCHIVED})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "investigate",
        "开始调查取证",
        frozenset({S.FILED}),
        S.INVESTIGATING,
        GENERAL,
        "第五十四条、第五十五条",
    ),
    Transition(
        "record_inspection", "制作现场检查笔录", _INVESTIGATION, None, GENERAL, "第四十二条、第五十五条"
    ),
    Transition("record_inquiry", "制作询问笔录", _INVESTIGATION, None, GENERAL, "第四十二条、第五十五条"),
    Transition(
        "submit_review", "提交案件审查", frozenset({S.INVESTIGATING}), S.REVIEWING, GENERAL, "第五十七条"
    ),
    Transition(
        "serve_notice",
        "送达事先告知书（或当事人书面放弃）",
        frozenset({S.REVIEWING}),
        S.NOTIFIED,
        GENERAL,
        "第四十四条、第六十二条、第六十三条",
    ),
    Transition("receive_statement", "记录陈述申辩", _NOTICE_OPEN, None, GENERAL, "第四十五条"),
    Transition("answer_statement", "复核并答复陈述申辩", _NOTICE_OPEN, None, GENERAL, "第四十五条"),
    Transition(
        "request_hearing", "当事人申请听证", frozenset({S.NOTIFIED}), None, GENERAL, "第六十四条第一项"
    ),
    Transition(
        "notify_hearing", "通知听证时间地点", frozenset({S.NOTIFIED}), None, GENERAL, "第六十四条第二项"
    ),
    Transition(
        "hold_hearing", "举行听证", frozenset({S.NOTIFIED}), None, GENERAL, "第六十四条第四项、第六十五条"
    ),
    Transition(
        "submit_legal_review", "提交法制审核", frozenset({S.NOTIFIED}), S.LEGAL_REVIEW, GENERAL, "第五十八条"
    ),
    Transition(
        "approve_legal_review",
        "法制审核通过",
        frozenset({S.LEGAL_REVIEW}),
        None,
        GENERAL,
        "第五十八条",
        frozenset({"legal_reviewer"}),
    ),
    Transition(
        "start_collective_discussion",
        "提交负责人集体讨论",
        frozenset({S.NOTIFIED, S.LEGAL_REVIEW}),
        S.COLLECTIVE_DISCUSSION,
        GENERAL,
        "第五十七条第二款",
    ),
    Transition(
        "record_collective_discussion",
        "记录集体讨论决定",
        frozenset({S.COLLECTIVE_DISCUSSION}),
        None,
        GENERAL,
        "第五十七条第二款",
        frozenset({"agency_lead"}),
    ),
    Transition(
        "extend_deadline",
        "批准延长办案期限",
        BEFORE_DECISION,
        None,
        GENERAL,
        "第六十条",
        frozenset({"agency_lead"}),
    ),
    Transition(
        "decide",
        "作出决定",
        _NOTICE_OPEN | {S.REVIEWING},
        S.DECIDED,
        GENERAL,
        "第五十七条、第五十九条",
        frozenset({"agency_lead"}),
    ),
    Transition("serve", "送达决定书", frozenset({S.DECIDED}), S.SERVED, BOTH, "第六十一条"),
    Transition(
        "collect_on_the_spot", "当场收缴罚款", frozenset({S.DECIDED, S.SERVED}), None, SUMMARY, "第六十八条"
    ),
    Transition("start_execution", "进入执行", frozenset({S.SERVED}), S.EXECUTING, GENERAL, "第六十七条"),
    Transition(
        "record_payment",
        "记录缴纳罚款",
        frozenset({S.SERVED, S.EXECUTING}),
        None,
        BOTH,
        "第六十七条、第七十二条",
    ),
    Transition(
        "apply_enforcement", "申请人民法院强制执行", frozenset({S.EXECUTING}), None, GENERAL, "第七十二条"
    ),
    Transition("close", "结案", frozenset({S.SERVED, S.EXECUTING}), S.CLOSED, BOTH, "第四十七条"),
    Transition("archive", "归档", frozenset({S.CLOSED}), S.ARCHIVED, BOTH, "第四十七条"),
    Transition("order_rectification", "责令改正", _RECTIFICATION, None, BOTH, "第二十八条"),
    Transition(
        "revoke_decision",
        "撤销或变更行政处罚决定",
        _DECIDED_ON,
        None,
        BOTH,
        "第四十八条第二款",
        frozenset({"agency_lead"}),
    ),
)

BY_NAME = {t.name: t for t in TRANSITIONS}


_STATE_ORDER = {state: index for index, state in enumerate(State.values)}


def markdown_table() -> str:
    """The transition table of docs/cases.md, generated from `TRANSITIONS` (a test keeps the
    document in sync: `tests/test_cases_procedure.py::test_docs_list_every_transition`)."""
    lines = [
        "| transition | 环节 | from | to | procedure | 《行政处罚法》 | roles |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS:
        sources = ", ".join(sorted(t.sources, key=_STATE_ORDER.__getitem__))
        procedures = ", ".join(p for p in Procedure.values if p in t.procedures)
        target = t.target or "(step, stays)"
        roles = ", ".join(sorted(t.roles))
        lines.append(
            f"| `{t.name}` | {t.label} | {sources} | {target} | {procedures} | {t.article} | {roles} |"
        )
    return "\n".join(lines) + "\n"


def available(procedure: str, state: str) -> list[Transition]:
    """The transitions that may be attempted from `state` (guards may still refuse them)."""
    return [t for t in TRANSITIONS if procedure in t.procedures and state in t.sources]
