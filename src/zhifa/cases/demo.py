"""Demo cases: a year of the platform's own penalty cases for the demo city (湖州市).

Every case is made through the real actions — `actions.do_file_case` and `actions.do_transition`
with the `on` day of each step — so every guard runs, every document is issued and stored,
every step is audited and every served decision is disclosed. Nothing is written to the models
directly. Cases are filed over the twelve months before today, each step dated in order and
never after today: a case whose next planned step would lie in the future simply stays open
where it is, so recent cases fill the workbench with running clocks.

Most cases are lawful: the summary procedure (当场处罚), general cases through notice,
statement, decision, service, payment, closing and archive, major cases with legal review and
collective discussion, a few hearings, no-penalty decisions for listed minor first violations
(Art. 33), court enforcement of unpaid fines. Some carry realistic problems the software allows
but supervision should notice later (`PLANTED`, with the case numbers they went to): decisions
later than 90 days without an extension, fines outside the benchmark tier (with the written
reason the law asks for, so flagged), decisions served late, fines unpaid past the due day with
no enforcement, a penalty on a listed minor first violation, one officer fining one party again
and again with small amounts, a case filed days before the limitation ran out, open cases past
their decision deadline.

Deterministic (`random.Random(SEED)`), run once per database through `zhifa.core.seeding`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from zhifa.cases import actions, guards
from zhifa.cases.models import Case
from zhifa.cases.procedure import BY_NAME, Procedure
from zhifa.cases.publish import publishing_batched
from zhifa.core import seeding
from zhifa.core.errors import ActionError
from zhifa.powers.models import BenchmarkTier, Power, PowerKind, PowerStatus, RangeKind, Tier
from zhifa.powers.seed import LEGACY_NOTE
from zhifa.registry.models import Agency, Entity, EntityKind, Officer, OfficerRole
from zhifa.rules import clocks
from zhifa.rules.catalogue import value

log = logging.getLogger(__name__)

SEED = 20261122
# ≈0.35 s a case on the 2-core machine (five documents each on average, PDF and DOCX): 150 keeps
# the seeder within about a minute of `make demo`; ZHIFA_DEMO_CASES asks for more.
DEFAULT_CASES = 150
SMALL_CASES = 40  # ZHIFA_DEMO_SIZE=small (tests, quick looks)
EVIDENCE = "现场检查笔录、询问笔录、现场照片、进货台账及销售记录、当事人营业执照复印件"
PERFORMANCE = "自收到本决定书之日起十五日内，将罚款缴至指定银行或通过电子支付系统缴纳"
REMEDIES = "如不服本决定，可在收到本决定书之日起六十日内向湖州市人民政府申请行政复议，或者在六个月内向人民法院提起行政诉讼"


# --- what went where -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedProblem:
    """A lawful-but-suspicious pattern put into the demo on purpose, for supervision's clue
    models to find: `code` names the pattern, `case_numbers` where it went."""

    code: str
    label: str
    case_numbers: tuple[str, ...]


PROBLEM_LABELS = {
    "late_decision": "立案后超过90日作出决定且未批准延期",
    "outside_tier": "罚款超出所选裁量阶次（附书面理由，已标记）",
    "late_service": "决定书超过7个工作日送达",
    "unpaid_no_enforcement": "罚款逾期未缴且未申请强制执行",
    "penalty_on_no_penalty_list": "首违不罚清单情形仍予处罚（附理由，已标记）",
    "repeated_low_fines": "同一执法人员对同一当事人多次小额罚款",
    "near_limitation": "立案时距追责时效届满不足10日",
    "decision_overdue_open": "未结案件超过办案期限且未延期",
}

PLANTED: list[PlantedProblem] = []  # filled by the last run of `seed_cases` in this process
REFUSED: list[str] = []  # cases a guard refused unexpectedly (a bug in this seeder; tests keep it empty)


def demo_case_count() -> int:
    """`ZHIFA_DEMO_CASES`, else `DEFAULT_CASES` (`SMALL_CASES` with `ZHIFA_DEMO_SIZE=small`)."""
    if raw := os.environ.get("ZHIFA_DEMO_CASES"):
        return max(0, int(raw))
    return SMALL_CASES if os.environ.get("ZHIFA_DEMO_SIZE") == "small" else DEFAULT_CASES


# --- who handles cases where ---------------------------------------------------------------


@dataclass
class Actors:
    """Who runs the steps of an agency's cases: the demo logins where the agency has them (so
    the market bureau's officer sees the work as their own), else the system."""

    officer: Any = None
    lead: Any = None
    reviewer: Any = None
    officer_record: Officer | None = None  # the officer login's own officer record


@dataclass
class PowerPlan:
    power: Power
    tiers: list[BenchmarkTier]  # the current benchmark's fine tiers
    no_penalty: bool  # an active 首违不罚 rule
    summary_fine: tuple[Decimal, Decimal] | None  # fine range usable on the spot (organisations)


@dataclass
class Desk:
    agency: Agency
    actors: Actors
    officers: dict[str, list[Officer]]  # domain -> field officers certified all year
    chairs: list[Officer]  # staff who never investigate: hearing chairs
    powers: list[PowerPlan]
    parties: list[Entity]
    weight: int = 1

    def officers_for(self, plan: PowerPlan) -> list[Officer]:
        return self.officers.get(plan.power.domain_id, [])


def _certified_all_year(start: dt.date, today: dt.date) -> dict[tuple[int, str], list[Officer]]:
    """Field officers (agency, domain) whose certificate for the domain is valid on every day
    of the demo year: the guards check each step's day."""
    found: dict[tuple[int, str], list[Officer]] = {}
    officers = Officer.objects.filter(role=OfficerRole.FIELD_OFFICER, status="active").prefetch_related(
        "certificates"
    )
    for officer in officers.order_by("pk"):
        for cert in officer.certificates.all():
            if cert.is_valid_on(start) and cert.is_valid_on(today):
                found.setdefault((officer.agency_id, cert.domain_id), []).append(officer)
    return found


def _summary_range(tiers: list[BenchmarkTier], limit: Decimal) -> tuple[Decimal, Decimal] | None:
    """A fixed-amount tier that reaches below the summary limit: the on-the-spot fine range."""
    for tier in sorted(tiers, key=lambda t: t.minimum or 0):
        if tier.range_kind == RangeKind.FIXED and (tier.minimum or 0) <= limit and tier.maximum:
            return max(tier.minimum or Decimal(0), Decimal(50)), min(tier.maximum, limit)
    return None


def _actors(agency: Agency) -> Actors:
    from zhifa.accounts.models import User
    from zhifa.core.roles import Role

    users = {u.role: u for u in User.objects.filter(agency=agency, is_active=True).select_related("officer")}
    officer = users.get(Role.OFFICER)
    return Actors(
        officer=officer,
        lead=users.get(Role.AGENCY_LEAD),
        reviewer=users.get(Role.LEGAL_REVIEWER),
        officer_record=getattr(officer, "officer", None),
    )


def build_desks(start: dt.date, today: dt.date, rng: random.Random) -> list[Desk]:
    """Agencies holding penalty powers with a current benchmark and at least two field officers
    certified all year for the power's domain; parties drawn from 3,000 registered entities."""
    certified = _certified_all_year(start, today)
    summary_limit = Decimal(value("summary_fine_limit_organisation", None, today))
    powers = (
        Power.objects.filter(kind=PowerKind.PENALTY, status=PowerStatus.ACTIVE, benchmarks__isnull=False)
        .distinct()
        .select_related("holder__region", "domain", "no_penalty_rule")
        .prefetch_related("benchmarks__tiers")
        .order_by("pk")
    )
    plans: dict[int, list[PowerPlan]] = {}
    for power in powers:
        if len(certified.get((power.holder_id, power.domain_id), [])) < 2:
            continue
        benchmark = max(power.benchmarks.all(), key=lambda b: b.version)
        if benchmark.note == LEGACY_NOTE:
            continue  # a migrated benchmark breaking the statute: an officer would be stopped
        tiers = [t for t in benchmark.tiers.all() if t.tier != Tier.NO_PENALTY and t.maximum]
        if not tiers:
            continue
        has_rule = hasattr(power, "no_penalty_rule") and power.no_penalty_rule.active
        plans.setdefault(power.holder_id, []).append(
            PowerPlan(power, tiers, has_rule, _summary_range(tiers, summary_limit))
        )
    ids = list(Entity.objects.exclude(address="").order_by("pk").values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, min(len(ids), 3000)))
    entities = list(
        Entity.objects.filter(pk__in=chosen)
        .only("kind", "name", "credit_code", "id_number", "address", "region")
        .order_by("pk")
    )
    desks = []
    for agency in Agency.objects.filter(pk__in=plans).select_related("region").order_by("pk"):
        area = agency.region_id[:4] if agency.region.level == "city" else agency.region_id[:6]
        parties = [e for e in entities if e.region_id.startswith(area)] or entities
        staff = Officer.objects.filter(agency=agency, status="active").exclude(role=OfficerRole.FIELD_OFFICER)
        domains = {p.power.domain_id for p in plans[agency.pk]}
        officers = {d: certified[(agency.pk, d)] for d in domains if (agency.pk, d) in certified}
        actors = _actors(agency)
        weight = 6 if actors.officer is not None else (2 if agency.region.level == "city" else 1)
        desks.append(
            Desk(agency, actors, officers, list(staff.order_by("pk")), plans[agency.pk], parties, weight)
        )
    return desks


# --- one case, step by step ----------------------------------------------------------------


class _Future(Exception):
    """The next step would lie after today: the case stays open where it is."""


class _Stalled(Exception):
    """The case was meant to stop here (an open case of the demo)."""


@dataclass
class Story:
    """What happens to one case. Problems are planted through the flags."""

    procedure: str = Procedure.GENERAL
    kind: str = "penalty"  # penalty / no_penalty
    major: bool = False
    hearing: bool = False
    statement: bool = False
    extension: bool = False
    late_payment: bool = False
    enforce: bool = False
    revoke: bool = False
    archive: bool = True
    stop_before: str = ""  # an open case: the step it waits at
    # planted problems
    late_decision: bool = False
    outside_tier: bool = False
    late_service: bool = False
    unpaid: bool = False
    override_no_penalty: bool = False
    near_limitation: bool = False
    fine: tuple[Decimal, Decimal] | None = None  # a fixed fine range (repeated low fines)
    problem: str = ""


@dataclass
class CaseRun:
    """Runs one story through the actions, keeping the day of the last step."""

    desk: Desk
    plan: PowerPlan
    story: Story
    rng: random.Random
    today: dt.date
    officers: list[Officer]
    party: Entity
    filed_on: dt.date
    case: Case | None = None
    day: dt.date = dt.date.min
    documents: int = 0

    @property
    def region(self) -> Any:
        return self.desk.agency.region

    def later(self, low: int, high: int) -> dt.date:
        return self.day + dt.timedelta(days=self.rng.randint(low, high))

    def step(self, name: str, day: dt.date, actor: Any = None, **body: Any) -> None:
        if self.story.stop_before == name:
            raise _Stalled
        if day > self.today:
            raise _Future
        day = max(day, self.day)
        assert self.case is not None
        self.case = actions.do_transition(actor, self.case.pk, name, {"on": day, **body})
        self.day = day

    def optional(self, name: str) -> bool:
        """The steps being added to the procedure (inspection and inquiry records, the order to
        correct, revocation): used once `procedure.TRANSITIONS` has them."""
        return name in BY_NAME


def _party_input(entity: Entity) -> actions.PartyInput:
    if entity.kind == EntityKind.ENTERPRISE:
        return actions.PartyInput(
            "organisation", entity.name, credit_code=entity.credit_code or "", address=entity.address
        )
    return actions.PartyInput("person", entity.name, id_number=entity.id_number or "", address=entity.address)


def _conduct(power: Power) -> str:
    text = (power.conduct or power.name).strip("。；")
    if text.startswith("对") and text.endswith("的行政处罚"):
        text = text[1 : -len("的行政处罚")]
    return text


def _facts(run: CaseRun, ended: dt.date, base: Decimal | None) -> str:
    plan, party = run.plan, run.party
    text = f"{ended:%Y年%m月%d日}，执法人员在{party.address}检查时发现，当事人{party.name}存在{_conduct(plan.power)}的行为"
    if base:
        text += f"，涉案货值金额{base}元"
    return text + "。"


def _file(run: CaseRun, fine: Decimal | None = None, warning: bool = False) -> None:
    story, plan = run.story, run.plan
    started = run.filed_on - dt.timedelta(days=run.rng.randint(10, 60))
    ended = run.filed_on - dt.timedelta(days=run.rng.randint(0, 8))
    if story.near_limitation:
        # filed a few days before the two-year limitation (Art. 36) ran out
        ended = clocks.add_years(run.filed_on, -2) + dt.timedelta(days=run.rng.randint(3, 9))
        started = ended - dt.timedelta(days=30)
    summary = story.procedure == Procedure.SUMMARY
    data = actions.CaseInput(
        power_code=plan.power.code,
        officer_ids=[o.pk for o in run.officers],
        parties=[_party_input(run.party)],
        violation_started_on=min(started, ended),
        violation_ended_on=ended,
        facts=_facts(run, ended, None),
        procedure=story.procedure,
        filed_on=run.filed_on,
        major=story.major,
        source=run.rng.choice(
            ("监督检查发现", "投诉举报", "12345热线转办", "双随机抽查发现", "其他机关移送")
        ),
    )
    if summary:
        data = dataclasses.replace(
            data,
            penalty_kinds=["warning"] if warning else ["fine"],
            fine_amount=None if warning else fine,
            performance="当场缴纳或自收到决定书之日起十五日内缴至指定银行" if not warning else "当场执行",
            remedies=REMEDIES,
        )
        if "place" in {f.name for f in dataclasses.fields(actions.CaseInput)}:
            data = dataclasses.replace(data, place=run.party.address)
    run.case = actions.do_file_case(run.desk.actors.officer, data)
    run.day = run.filed_on


def _round_into(low: Decimal, high: Decimal, rng: random.Random) -> Decimal:
    """A plausible amount in [low, high]: whole hundreds where the range allows."""
    quantum = Decimal(100) if high - low >= 200 else Decimal(1)
    first = (low / quantum).to_integral_value(ROUND_CEILING)
    last = (high / quantum).to_integral_value(ROUND_FLOOR)
    if last < first:
        return high.quantize(Decimal("0.01"))
    return Decimal(rng.randint(int(first), int(last))) * quantum or quantum


def _choose_fine(run: CaseRun) -> tuple[BenchmarkTier, Decimal, Decimal | None, str]:
    """(tier, fine, base amount, reason): inside the tier, or for `outside_tier` well above it."""
    rng, story = run.rng, run.story
    weights = {Tier.LENIENT: 4, Tier.GENERAL: 5, Tier.AGGRAVATED: 2}
    tiers = run.plan.tiers
    if story.override_no_penalty or story.fine:
        tiers = [t for t in tiers if t.tier == Tier.LENIENT] or tiers
    tier = rng.choices(tiers, [weights.get(t.tier, 1) for t in tiers])[0]
    base = None
    if tier.range_kind == RangeKind.MULTIPLE:
        base = Decimal(rng.randint(20, 600) * 100)
    low, high = guards.tier_range(tier, base)
    low = max(low or Decimal(0), Decimal(1))
    if story.fine:
        return tier, _round_into(max(low, story.fine[0]), max(low, min(high, story.fine[1])), rng), base, ""
    if story.outside_tier:
        fine = (high * Decimal("1.5")).quantize(Decimal(100), ROUND_CEILING)
        reason = "当事人拒不配合调查，违法行为持续时间长、社会影响较大，经负责人同意超出所选阶次从重处罚"
        return tier, fine, base, reason
    return tier, _round_into(low, high, rng), base, ""


def _decision_body(tier: BenchmarkTier, fine: Decimal, base: Decimal | None, reason: str) -> dict[str, Any]:
    return {
        "decision_kind": "penalty",
        "penalty_kinds": ["fine"],
        "fine_amount": fine,
        "base_amount": base,
        "benchmark_tier_id": tier.pk,
        "reason": reason,
        "evidence": EVIDENCE,
        "performance": PERFORMANCE,
        "remedies": REMEDIES,
    }


def _investigation(run: CaseRun) -> None:
    """Investigation with its records (and the order to correct where the procedure has it)."""
    officer, party = run.desk.actors.officer, run.party
    run.step("investigate", run.later(0, 2), officer)
    if run.optional("record_inspection"):
        run.step(
            "record_inspection",
            run.later(0, 2),
            officer,
            place=party.address,
            present_person=f"{party.name}负责人" if party.kind == EntityKind.ENTERPRISE else party.name,
            content=f"现场检查发现当事人存在{_conduct(run.plan.power)}的情况，已拍照取证并制作笔录。",
        )
    if run.optional("record_inquiry") and run.rng.random() < 0.7:
        run.step(
            "record_inquiry",
            run.later(1, 6),
            officer,
            interviewee=party.name if party.kind == EntityKind.PERSON else f"{party.name}法定代表人",
            place=f"{run.desk.agency.name}询问室",
            content="当事人对检查发现的事实予以确认，称系初次经营，对相关规定不了解。",
        )
    if run.optional("order_rectification") and (run.story.kind == "no_penalty" or run.rng.random() < 0.4):
        day = run.later(0, 2)
        run.step(
            "order_rectification",
            day,
            officer,
            requirement="立即停止违法行为，并在期限内整改到位，整改情况书面报告本机关",
            deadline=day + dt.timedelta(days=run.rng.choice((7, 10, 15))),
        )


def _decision_deadline(run: CaseRun) -> dt.date:
    assert run.case is not None
    return clocks.decision_deadline(run.filed_on, run.case.extensions, run.region)


def run_general(run: CaseRun) -> None:
    story, actors, rng = run.story, run.desk.actors, run.rng
    _file(run)
    _investigation(run)
    run.step("submit_review", run.later(7, 25), actors.officer)
    if story.extension:
        run.step(
            "extend_deadline", run.later(1, 5), actors.lead, days=30, reason="案情复杂，需进一步调查取证"
        )
    if story.kind == "no_penalty":
        run.step(
            "decide",
            run.later(3, 10),
            actors.lead,
            decision_kind="no_penalty",
            first_violation=True,
            minor_harm=True,
            corrected=True,
            evidence=EVIDENCE,
            remedies=REMEDIES,
        )
        _serve(run)
        _close(run)
        return
    tier, fine, base, reason = _choose_fine(run)
    assert run.case is not None
    kinds = [p.kind for p in run.case.parties.all()]
    notice_day = run.later(1, 5)
    required = guards.hearing_required(["fine"], fine, None, kinds, run.region, notice_day)
    offered = bool(required) or story.hearing
    run.step(
        "serve_notice",
        notice_day,
        actors.officer,
        proposed_kinds=["fine"],
        proposed_fine=fine,
        hearing_offered=offered,
    )
    if story.statement:
        run.step(
            "receive_statement",
            run.later(1, 3),
            actors.officer,
            text="当事人称系初次违法，已积极整改，请求从轻处罚。",
        )
        run.step(
            "answer_statement",
            run.later(1, 4),
            actors.officer,
            text="经复核，当事人陈述的整改情况属实，已在裁量中予以考虑。",
            adopted=rng.random() < 0.5,
        )
    if story.hearing:
        _hearing(run, notice_day)
    if story.major or story.hearing:
        _review_and_discussion(run)
    decide_on = run.later(1, 6)
    if offered and not story.hearing:
        decide_on = max(
            decide_on, clocks.hearing_request_deadline(notice_day, run.region) + dt.timedelta(days=1)
        )
    deadline = _decision_deadline(run)
    if story.late_decision:
        decide_on = max(decide_on, deadline + dt.timedelta(days=rng.randint(8, 30)))
    elif decide_on > deadline:
        decide_on = max(deadline, run.day)
    body = _decision_body(tier, fine, base, reason)
    if story.override_no_penalty:
        body |= {
            "first_violation": True,
            "minor_harm": True,
            "corrected": True,
            "reason": "当事人虽系初次违法并已改正，但同类问题在辖区内多发，经负责人同意仍予处罚",
        }
    run.step("decide", decide_on, actors.lead, **body)
    _serve(run)
    _payment(run)
    _close(run)


def _hearing(run: CaseRun, notice_day: dt.date) -> None:
    actors = run.desk.actors
    deadline = clocks.hearing_request_deadline(notice_day, run.region)
    run.step("request_hearing", min(run.later(1, 3), deadline), actors.officer)
    notify_on = run.later(1, 3)
    hearing_on = clocks.earliest_hearing_date(notify_on, run.region) + dt.timedelta(
        days=run.rng.randint(0, 3)
    )
    chair = run.rng.choice(run.desk.chairs)
    run.step(
        "notify_hearing",
        notify_on,
        actors.officer,
        hearing_on=hearing_on,
        place="本机关听证室",
        chair_officer_id=chair.pk,
    )
    run.step(
        "hold_hearing",
        hearing_on,
        actors.officer,
        record="当事人及其委托代理人到场陈述、申辩并质证，听证笔录经当事人签字确认。",
    )


def _review_and_discussion(run: CaseRun) -> None:
    """Art. 58 legal review, then the leads' collective discussion (Art. 57 para. 2)."""
    actors = run.desk.actors
    run.step("submit_legal_review", run.later(1, 3), actors.officer)
    run.step(
        "approve_legal_review",
        run.later(1, 5),
        actors.reviewer,
        opinion="经审核，本案事实清楚、证据确凿、适用依据正确、程序合法、处罚适当，同意作出处罚决定。",
    )
    run.step("start_collective_discussion", run.later(1, 3), actors.officer)
    run.step(
        "record_collective_discussion",
        run.later(0, 3),
        actors.lead,
        conclusion="经机关负责人集体讨论，同意承办机构意见，依法作出行政处罚决定。",
        attendees=["局长", "分管副局长", "法制机构负责人"],
    )


def _serve(run: CaseRun) -> None:
    assert run.case is not None and run.case.decided_on is not None
    decided = run.case.decided_on
    if run.story.late_service:
        day = clocks.service_deadline(decided, run.region) + dt.timedelta(days=run.rng.randint(4, 15))
    else:
        day = decided + dt.timedelta(days=run.rng.randint(0, 4))
    method = run.rng.choice(("direct", "direct", "direct", "mail", "electronic"))
    run.step("serve", day, run.desk.actors.officer, method=method)


def _payment(run: CaseRun) -> None:
    story, actors, case = run.story, run.desk.actors, run.case
    assert case is not None and case.fine_amount
    due = actions.payment_due_on(case)
    assert due is not None
    if story.unpaid:
        # past the due day nothing follows: no payment, no enforcement (sometimes the case was
        # moved to execution, and left there)
        if run.rng.random() < 0.5:
            run.step("start_execution", run.later(1, 5), actors.officer)
        if due + dt.timedelta(days=10) > run.today:
            raise _Future  # not yet a problem: the planted case must lie well past its due day
        raise _Stalled
    if story.enforce:
        run.step("start_execution", run.later(1, 5), actors.officer)
        run.step(
            "apply_enforcement",
            due + dt.timedelta(days=run.rng.randint(5, 40)),
            actors.officer,
            court="湖州市吴兴区人民法院",
        )
        return
    if story.late_payment:
        day = due + dt.timedelta(days=run.rng.randint(2, 20))
    else:
        day = min(run.later(2, 14), due)
    amount = case.fine_amount + clocks.surcharge(case.fine_amount, due, day, run.region)
    run.step("record_payment", day, actors.officer, amount=amount, channel="bank")


def _close(run: CaseRun) -> None:
    actors = run.desk.actors
    run.step(
        "close", run.later(1, 10), actors.officer, summary="案件办理完毕，处罚决定已执行完毕，建议结案。"
    )
    if run.story.archive:
        run.step("archive", run.later(3, 30), actors.officer)
    if run.story.revoke and run.optional("revoke_decision"):
        run.step(
            "revoke_decision",
            run.later(30, 70),
            actors.lead,
            ground="reconsideration",
            outcome="revoked",
            reason="复议机关认为认定事实的主要证据不足",
            document_number=f"湖政复〔{run.day.year}〕{run.rng.randint(10, 200)}号",
        )


def run_summary(run: CaseRun) -> None:
    """Art. 51: the on-the-spot decision, served at once, paid (bank, or on the spot for small
    amounts, Art. 68), closed and archived."""
    story, actors, rng, plan = run.story, run.desk.actors, run.rng, run.plan
    warning = plan.summary_fine is None
    low, high = story.fine or plan.summary_fine or (Decimal(0), Decimal(0))
    fine = None if warning else _round_into(low, high, rng)
    _file(run, fine, warning)
    run.step("serve", run.filed_on, actors.officer, method="direct")
    if fine is not None:
        if fine <= 100 and rng.random() < 0.5:
            run.step(
                "collect_on_the_spot",
                run.filed_on,
                actors.officer,
                amount=fine,
                receipt=f"浙财罚{rng.randint(10**7, 10**8 - 1)}",
            )
        else:
            run.step("record_payment", run.later(0, 10), actors.officer, amount=fine, channel="bank")
    run.step("close", run.later(0, 5), actors.officer)
    if story.archive:
        run.step("archive", run.later(3, 20), actors.officer)


# --- the year --------------------------------------------------------------------------------


@dataclass
class Year:
    """The cases of the demo year and what was planted where."""

    today: dt.date
    rng: random.Random
    desks: list[Desk]
    planted: dict[str, list[str]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    def filed_between(self, oldest: int, newest: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(newest, oldest))

    def run(
        self,
        story: Story,
        filed_on: dt.date,
        desk: Desk | None = None,
        plan: PowerPlan | None = None,
        officers: list[Officer] | None = None,
        party: Entity | None = None,
    ) -> Case | None:
        rng = self.rng
        if desk is None:
            desks = [d for d in self.desks if self._plans(d, story)]
            if not desks:
                return None
            desk = rng.choices(desks, [d.weight for d in desks])[0]
        plan = plan or rng.choice(self._plans(desk, story))
        pool = desk.officers_for(plan)
        if officers is None:
            own = desk.actors.officer_record
            first = own if own in pool and rng.random() < 0.5 else rng.choice(pool)
            officers = [first, rng.choice([o for o in pool if o != first])]
        if party is None:
            party = rng.choice(desk.parties)
            if story.procedure == Procedure.SUMMARY and plan.summary_fine and party.kind == EntityKind.PERSON:
                party = next((p for p in desk.parties if p.kind == EntityKind.ENTERPRISE), party)
        if story.hearing or story.major:
            if not desk.chairs:
                story = dataclasses.replace(story, hearing=False)
        run = CaseRun(desk, plan, story, rng, self.today, officers, party, filed_on)
        runner: Callable[[CaseRun], None] = (
            run_summary if story.procedure == Procedure.SUMMARY else run_general
        )
        as_planned = True
        try:
            runner(run)
        except _Stalled:
            pass
        except _Future:
            as_planned = False
        except ActionError as exc:
            as_planned = False
            self.refused.append(
                f"{run.case.number if run.case else plan.power.code}：{exc.code} {exc.message}"
            )
            log.warning("demo case refused: %s %s (%s)", exc.code, exc.message, exc.field)
        if run.case is None:
            return None
        self.cases.append(run.case)
        if not as_planned and story.problem:
            return None  # the case exists, but does not (yet) show its problem: plant it again
        if story.problem:
            self.planted.setdefault(story.problem, []).append(run.case.number)
        return run.case

    def plant(self, story: Story, oldest: int, newest: int, **fixed: Any) -> bool:
        """Run a planted story until one case shows the problem (a few tries: a guard may refuse
        a power whose basis was not in force at an old violation, e.g.)."""
        for _ in range(5):
            if self.run(story, self.filed_between(oldest, newest), **fixed) is not None:
                return True
        return False

    def _plans(self, desk: Desk, story: Story) -> list[PowerPlan]:
        """The desk's powers the story can use (a 首违不罚 rule, an on-the-spot fine range)."""
        plans = desk.powers
        if story.kind == "no_penalty" or story.override_no_penalty:
            plans = [p for p in plans if p.no_penalty]
        if story.procedure == Procedure.SUMMARY:
            plans = [p for p in plans if p.summary_fine]
        return plans

    def desk_with(self, wanted: Callable[[PowerPlan], bool]) -> tuple[Desk, PowerPlan] | None:
        options = [(d, p) for d in self.desks for p in d.powers if wanted(p)]
        return self.rng.choice(options) if options else None


def _plant(year: Year) -> int:
    """The planted problems, each in cases old enough for the problem to be visible today."""
    made = 0
    for _ in range(3):
        made += year.plant(Story(late_decision=True, problem="late_decision"), 330, 180)
        made += year.plant(Story(outside_tier=True, statement=True, problem="outside_tier"), 330, 120)
        made += year.plant(Story(late_service=True, problem="late_service"), 330, 120)
    for _ in range(2):
        made += year.plant(Story(unpaid=True, archive=False, problem="unpaid_no_enforcement"), 300, 150)
        waits_at = year.rng.choice(("submit_review", "serve_notice"))
        made += year.plant(Story(stop_before=waits_at, problem="decision_overdue_open"), 250, 120)
    made += year.plant(Story(override_no_penalty=True, problem="penalty_on_no_penalty_list"), 300, 120)
    made += year.plant(Story(near_limitation=True, problem="near_limitation"), 300, 150)
    made += _repeated_low_fines(year)
    return made


def _showcase(year: Year) -> None:
    """One finished case of each lawful path first, and open ones at different steps with their
    clocks running, so that even a small demo has them all. The open ones go to the agency of the
    demo logins (`officer`, `agency_lead`), whose workbench a newcomer opens first."""
    login_desk = next((d for d in year.desks if d.actors.officer is not None), None)
    for waits_at, oldest, newest in (
        ("investigate", 10, 0),
        ("submit_review", 30, 15),
        ("decide", 70, 50),
        ("start_execution", 45, 35),
        ("close", 90, 60),
    ):
        year.run(Story(stop_before=waits_at), year.filed_between(oldest, newest), desk=login_desk)
    for story in (
        Story(procedure=Procedure.SUMMARY),
        Story(statement=True),
        Story(kind="no_penalty"),
        Story(major=True, statement=True),
        Story(hearing=True, extension=True),
        Story(enforce=True),
        Story(late_payment=True),
        Story(revoke=True),
    ):
        year.run(story, year.filed_between(330, 200))


def _well_above(plan: PowerPlan) -> bool:
    """On-the-spot fines far below the power's general and aggravated tiers: four of them are
    'low' (under half the power's median) once ordinary cases of the power exist."""
    if plan.summary_fine is None:
        return False
    floors = [
        t.minimum or Decimal(0)
        for t in plan.tiers
        if t.tier != Tier.LENIENT and t.range_kind == RangeKind.FIXED
    ]
    return bool(floors) and min(floors) > 2 * (plan.summary_fine[0] + 300)


def _repeated_low_fines(year: Year) -> int:
    """One officer and one party, four small fines across the year; and half a dozen ordinary
    cases of the same power by others, so the power's median fine shows how low those four are
    (with the four alone the median would be theirs)."""
    found = year.desk_with(_well_above) or year.desk_with(lambda p: p.summary_fine is not None)
    summary = found is not None
    found = found or year.desk_with(lambda p: True)
    if found is None:
        return 0
    desk, plan = found
    pool = desk.officers_for(plan)
    officers = [pool[0], pool[1]]
    party = next((p for p in desk.parties if p.kind == EntityKind.ENTERPRISE), desk.parties[0])
    made = 0
    for days_ago in sorted(year.rng.sample(range(45, 340), 4), reverse=True):
        if summary:
            low, high = plan.summary_fine or (Decimal(50), Decimal(200))
            story = Story(
                procedure=Procedure.SUMMARY, fine=(low, min(high, low + 300)), problem="repeated_low_fines"
            )
        else:
            story = Story(fine=(Decimal(0), Decimal(0)), problem="repeated_low_fines")
        made += bool(year.run(story, year.today - dt.timedelta(days=days_ago), desk, plan, officers, party))
    for days_ago in sorted(year.rng.sample(range(60, 340), 6), reverse=True):
        year.run(Story(), year.today - dt.timedelta(days=days_ago), desk, plan)
    return made


def _ordinary_story(rng: random.Random) -> tuple[Story, int, int]:
    """(story, oldest, newest filing age in days) for the lawful bulk of the year."""
    roll = rng.random()
    if roll < 0.28:
        return Story(procedure=Procedure.SUMMARY, archive=rng.random() < 0.8), 365, 0
    if roll < 0.36:
        return Story(kind="no_penalty", archive=rng.random() < 0.7), 365, 0
    if roll < 0.45:
        return Story(major=True, statement=rng.random() < 0.5, extension=rng.random() < 0.3), 365, 0
    if roll < 0.49:
        return Story(hearing=True, extension=True), 365, 60
    if roll < 0.61:
        # open, clocks running (a decision waiting for service would soon be late: not here)
        stop = rng.choice(("investigate", "submit_review", "serve_notice", "decide", "close"))
        return Story(stop_before=stop), 75, 0
    story = Story(
        statement=rng.random() < 0.3,
        extension=rng.random() < 0.08,
        late_payment=rng.random() < 0.06,
        archive=rng.random() < 0.75,
        revoke=rng.random() < 0.02,
    )
    if rng.random() < 0.05:
        story = dataclasses.replace(story, enforce=True)
    return story, 365, 0


def seed_cases(count: int | None = None, today: dt.date | None = None) -> str:
    """Create about `count` cases (see `demo_case_count`) over the year before `today`; fills
    `PLANTED` and `REFUSED`. Runs inside the transaction `seeding.run_once` opens."""
    count = demo_case_count() if count is None else count
    today = today or dt.date.today()
    rng = random.Random(SEED)
    desks = build_desks(today - dt.timedelta(days=400), today, rng)
    PLANTED.clear()
    REFUSED.clear()
    if not desks or count <= 0:
        seeding.progress("平台案件：没有具备裁量基准和持证执法人员的处罚职权，跳过")
        return "平台案件：未生成"
    from zhifa.documents.models import IssuedDocument

    documents_before = IssuedDocument.objects.count()
    year = Year(today, rng, desks)
    with publishing_batched():
        _plant(year)
        _showcase(year)
        attempts = 0
        while len(year.cases) < count and attempts < 3 * count:
            attempts += 1
            story, oldest, newest = _ordinary_story(rng)
            year.run(story, year.filed_between(oldest, newest))
    PLANTED.extend(
        PlantedProblem(code, PROBLEM_LABELS[code], tuple(numbers)) for code, numbers in year.planted.items()
    )
    REFUSED.extend(year.refused)
    states = Counter(c.state for c in year.cases)
    procedures = Counter(c.procedure for c in year.cases)
    documents = IssuedDocument.objects.count() - documents_before
    open_cases = sum(n for s, n in states.items() if s not in ("closed", "archived"))
    seeding.progress(
        f"平台案件 {len(year.cases)} 件（{len(desks)} 个执法主体；简易程序 {procedures[Procedure.SUMMARY]}、"
        f"普通程序 {procedures[Procedure.GENERAL]}；未结 {open_cases}），文书 {documents} 份"
    )
    planted = sum(len(p.case_numbers) for p in PLANTED)
    seeding.progress(
        f"埋设问题 {len(PLANTED)} 类 {planted} 件："
        + "；".join(f"{p.label} {len(p.case_numbers)} 件" for p in PLANTED)
        + (f"；意外被拒 {len(REFUSED)} 件" if REFUSED else "")
    )
    return f"平台案件 {len(year.cases)} 件，文书 {documents} 份，埋设问题 {planted} 件"


@seeding.register("cases", order=70)
def seed_demo_cases() -> str:
    """After the city (registry 10, accounts 20), its powers and benchmarks (50) and the
    exchange imports (60)."""
    return seed_cases()
