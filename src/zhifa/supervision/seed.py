"""Demo: a few of the demo clues taken through the disposition centre with the real actions, so
it shows work in every state (order 78, after the clue run (75)):

* two clues triaged (general and simple procedure), waiting for the investigation;
* a notice issued, acknowledged, rectification in progress with its deadline ahead;
* a rectification report submitted, waiting for verification;
* a notice answered and accepted: closed as rectified;
* a notice left unanswered past its deadline, escalated, and a supervision decision issued;
* a warning issued and acknowledged by the agency.

Supervisor steps are done by the demo supervisor (湖州市司法局), agency steps by the agency's
demo lead where it has one (the market bureau's clues are preferred), else by the system. Every
step is dated in the past, in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhifa.core import seeding
from zhifa.supervision import actions

REQUIREMENT = "对照问题逐项自查，完善相关案卷材料和执法程序，建立防止同类问题再次发生的工作机制。"
REPORT = "已组织专项自查，补正相关材料，修订内部办案流程，对承办人员进行了约谈和培训。"


def _users() -> tuple[Any, dict[int, Any]]:
    from zhifa.accounts.models import User
    from zhifa.core.roles import Role

    supervisor = (
        User.objects.filter(role=Role.SUPERVISOR, is_active=True, region_id="330500").order_by("pk").first()
    )
    leads = {
        u.agency_id: u for u in User.objects.filter(role=Role.AGENCY_LEAD, is_active=True).order_by("pk")
    }
    return supervisor, leads


def _clues(count: int, leads: dict[int, Any]) -> list[Any]:
    """`count` clues of different models with an agency, those of agencies with a demo lead first."""
    from zhifa.clues.models import Clue

    picked: list[Any] = []
    models: set[str] = set()
    query = Clue.objects.filter(agency__isnull=False).order_by("pk")
    for preferred in (True, False):
        subset = (
            query.filter(agency_id__in=list(leads)) if preferred else query.exclude(agency_id__in=list(leads))
        )
        for clue in subset.iterator():
            if len(picked) >= count:
                return picked
            if clue.model_slug not in models:
                picked.append(clue)
                models.add(clue.model_slug)
    return picked


def seed_supervision(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    supervisor, leads = _users()
    clues = _clues(7, leads)
    if len(clues) < 7:
        seeding.progress("线索处置：线索不足，跳过")
        return "线索处置：未生成"
    assignee = {"assignee_id": supervisor.pk} if supervisor else {}

    def day(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()

    def run(clue: Any, steps: list[tuple[str, int, dict[str, Any]]]) -> Any:
        d = actions.do_open_disposition(supervisor, clue.pk)
        for name, ago, body in steps:
            agency_side = name in ("acknowledge_notice", "submit_report", "acknowledge_warning")
            actor = leads.get(clue.agency_id) if agency_side else supervisor
            d = actions.do_transition(actor, d.pk, name, {"on": day(ago), **body})
        return d

    notice = {"requirement": REQUIREMENT}
    made = [
        run(
            clues[0],
            [("triage", 3, {"procedure": "general", **assignee, "note": "线索较为具体，按一般程序核查"})],
        ),
        run(clues[1], [("triage", 2, {"procedure": "simple", **assignee})]),
        run(
            clues[2],
            [
                ("triage", 12, {"procedure": "simple", **assignee}),
                ("issue_notice", 10, notice),
                ("acknowledge_notice", 8, {"note": "已签收，正在整改"}),
            ],
        ),
        run(
            clues[3],
            [
                ("triage", 26, {"procedure": "simple", **assignee}),
                ("issue_notice", 24, notice),
                ("acknowledge_notice", 22, {}),
                ("submit_report", 6, {"text": REPORT}),
            ],
        ),
        run(
            clues[4],
            [
                ("triage", 75, {"procedure": "general", **assignee}),
                ("start_investigation", 72, {"note": "调取案卷核查"}),
                ("issue_notice", 68, notice),
                ("acknowledge_notice", 66, {}),
                ("submit_report", 50, {"text": REPORT}),
                ("accept_rectification", 45, {"opinion": "经核查，整改措施落实到位，验收通过。"}),
            ],
        ),
    ]
    # Overdue: the notice is left unanswered past its deadline, escalated, then decided.
    overdue = run(
        clues[5],
        [
            ("triage", 60, {"procedure": "simple", **assignee}),
            ("issue_notice", 58, notice),
            ("acknowledge_notice", 56, {}),
        ],
    )
    from zhifa.supervision.models import Disposition

    deadline = Disposition.objects.get(pk=overdue.pk).deadline
    escalate_on = min(today, deadline + dt.timedelta(days=3))
    actions.do_escalate_overdue(None, escalate_on)
    decided_on = min(today, escalate_on + dt.timedelta(days=1))
    overdue = actions.do_transition(
        supervisor,
        overdue.pk,
        "issue_decision",
        {"on": decided_on.isoformat(), "decision": "责令限期纠正，逾期未纠正的，依法追究相关人员责任。"},
    )
    made.append(overdue)
    made.append(
        run(
            clues[6],
            [
                ("triage", 20, {"procedure": "warning", **assignee}),
                ("issue_warning", 19, {}),
                ("acknowledge_warning", 15, {"text": "已收到预警，组织开展自查，未发现同类问题扩大。"}),
            ],
        )
    )
    states = "、".join(f"{d.number} {d.get_state_display()}" for d in made)
    seeding.progress(f"线索处置 {len(made)} 件：{states}")
    return f"线索处置 {len(made)} 件"


@seeding.register("supervision", order=78)
def seed_demo_supervision() -> str:
    return seed_supervision()
