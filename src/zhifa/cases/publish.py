"""Publish the platform's own penalty cases into the analytical store as exchange records.

The platform is one more source system (``source_system = "zhifa"``): each `Case` becomes a
``case`` record and, once a penalty is decided, a ``decision`` record, shaped exactly as an
outside agency's export would be (`docs/exchange.md`). They are checked by the import's own
validation (`exchange.validation.validate_batch`) and stored with `analytics.store.upsert`, so
indicators and clues count them like any source's. The store versions records by natural key
``(source_system, source_id)`` and a content hash: re-publishing an unchanged case writes
nothing, a changed one adds a version.

A record the validation refuses is never dropped silently: it is logged (error) and returned in
the report with all its reasons. For the platform's own data such a record means a gap in the
case (a person party without an ID number, a party not registered as an entity) or a bug here.

`publish_case_on_commit(case)` defers the publication of one case until the surrounding
transaction commits; a failure is logged and never reaches the user's action.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db import transaction
from django.utils import timezone

from zhifa.analytics import store
from zhifa.cases.models import Case, CaseStep, DecisionKind, DecisionStatus, PartyKind
from zhifa.cases.procedure import State
from zhifa.exchange import validation
from zhifa.exchange.mapping import PROBLEM_SCHEMA, MappedBatch
from zhifa.exchange.readers import ROW

logger = logging.getLogger(__name__)

SOURCE_SYSTEM = "zhifa"
FAMILIES = ("case", "decision")
CHUNK = 5000  # cases per store batch (one Delta commit per family and chunk)

# case state → exchange case status (before the decision kind is considered)
_OPEN_STATES = {
    State.INVESTIGATING,
    State.REVIEWING,
    State.NOTIFIED,
    State.LEGAL_REVIEW,
    State.COLLECTIVE_DISCUSSION,
}
_DECISION_KINDS = {
    DecisionKind.PENALTY: "penalty",
    DecisionKind.NO_PENALTY: "no_penalty",
    DecisionKind.REVOKE_FILING: "terminated",
    DecisionKind.TRANSFER_JUDICIAL: "transferred",
}
# cases.actions.SERVICE_METHODS → the exchange's service_method code set
_SERVICE_METHODS = {
    "direct": "direct",
    "mail": "mail",
    "electronic": "electronic",
    "lodged": "retained",
    "public": "announcement",
}
_FACTS_MAX = 4000


# --- mapping --------------------------------------------------------------------------------


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value: Decimal | None) -> float | None:
    """Yuan as a JSON number, as an export carries it (at most two decimals)."""
    return None if value is None else float(value)


def _steps(case: Case) -> list[CaseStep]:
    """The case's steps in procedure order (prefetched when publishing many)."""
    return sorted(case.steps.all(), key=lambda s: (s.done_on, s.pk))


def _first(steps: Sequence[CaseStep], code: str) -> CaseStep | None:
    return next((s for s in steps if s.code == code), None)


def _last(steps: Sequence[CaseStep], code: str) -> CaseStep | None:
    return next((s for s in reversed(steps) if s.code == code), None)


def _party_fields(case: Case) -> dict[str, Any]:
    """The exchange records one party per record: the case's first party (filing order)."""
    parties = sorted(case.parties.all(), key=lambda p: p.pk)
    if not parties:
        return {"entity_kind": None, "entity_name": None}
    party = parties[0]
    return {
        "entity_kind": "person" if party.kind == PartyKind.PERSON else "enterprise",
        "entity_name": party.name,
        "entity_credit_code": party.credit_code or None,
        "entity_id_number": party.id_number or None,
    }


def _certificate_numbers(case: Case) -> list[str] | None:
    """Per officer of the case: the certificate of the power's domain valid on the decision
    (else filing) day; failing that the officer's latest certificate of that domain."""
    day = case.decided_on or case.filed_on
    numbers: list[str] = []
    for role in sorted(case.officers.all(), key=lambda r: r.pk):
        certificates = [c for c in role.officer.certificates.all() if c.domain_id == case.power.domain_id]
        if not certificates:
            continue
        valid = [c for c in certificates if c.status == "valid" and c.issued_on <= day <= c.expires_on]
        chosen = max(valid or certificates, key=lambda c: (c.issued_on, c.pk))
        if chosen.number not in numbers:
            numbers.append(chosen.number)
    return numbers or None


def _legal_basis(case: Case) -> list[str] | None:
    """The provisions cited: the decision's basis (``；``-joined citations) once decided, else
    the power's basis citations."""
    if case.decision_basis:
        cited = [c.strip() for c in case.decision_basis.replace(";", "；").split("；")]
    else:
        cited = [
            b.citation.strip() for b in sorted(case.power.bases.all(), key=lambda b: (b.sort_order, b.pk))
        ]
    cited = list(dict.fromkeys(c for c in cited if c))
    return cited or None


def _case_status(case: Case) -> str:
    if case.state == State.FILED:
        return "filed"
    if case.state in _OPEN_STATES:
        return "investigating"
    if case.state in (State.CLOSED, State.ARCHIVED):
        return "closed"
    if case.decision_kind in (DecisionKind.REVOKE_FILING, DecisionKind.TRANSFER_JUDICIAL):
        return "terminated"
    return "executed" if case.paid_on else "decided"


def _case_record(case: Case, steps: Sequence[CaseStep], common: dict[str, Any]) -> dict[str, Any]:
    notice = _last(steps, "serve_notice")
    extension = _last(steps, "extend_deadline")
    return {
        **common,
        "case_number": case.number,
        "officer_certificates": _certificate_numbers(case),
        "violation_on": _date(case.violation_ended_on),
        "procedure": case.procedure,
        "major_case": case.major,
        "filed_on": _date(case.filed_on),
        "notice_served_on": _date(notice.done_on) if notice else None,
        "hearing_offered": bool(notice.data.get("hearing_offered")) if notice else None,
        "hearing_requested_on": _date(s.done_on) if (s := _first(steps, "request_hearing")) else None,
        "hearing_held_on": _date(s.done_on) if (s := _last(steps, "hold_hearing")) else None,
        "legal_review_on": _date(s.done_on) if (s := _last(steps, "approve_legal_review")) else None,
        "extension_approved_on": _date(extension.done_on) if extension else None,
        "decided_on": _date(case.decided_on),
        "served_on": _date(case.served_on),
        "paid_on": _date(case.paid_on),
        "closed_on": _date(case.closed_on),
        "decision_kind": _DECISION_KINDS.get(case.decision_kind) if case.decision_kind else None,
        "penalty_kinds": list(case.penalty_kinds) or None,
        "fine_amount": _amount(case.fine_amount),
        "confiscation_amount": _amount(case.confiscation_value),
        "benchmark_tier": case.benchmark_tier.tier if case.benchmark_tier_id else None,
        "legal_basis": _legal_basis(case),
        "status": _case_status(case),
    }


def _decision_record(
    case: Case, steps: Sequence[CaseStep], common: dict[str, Any], disclosed_on: dt.date | None
) -> dict[str, Any]:
    from zhifa.cases.actions import payment_due_on

    serve = _last(steps, "serve")
    payment = _last(steps, "record_payment")
    court = _last(steps, "apply_enforcement")
    kinds = list(case.penalty_kinds)
    surcharge = Decimal(payment.data.get("surcharge") or 0) if payment else Decimal(0)
    method = None
    if serve is not None:
        method = _SERVICE_METHODS.get(serve.data.get("method") or "direct")
        if case.procedure == "summary" and method == "direct" and case.served_on == case.decided_on:
            method = "on_the_spot"
    enforcement, enforcement_on = None, None
    if court is not None:
        enforcement, enforcement_on = "court", court.done_on
    elif surcharge > 0:
        enforcement = "surcharge"
    confiscation = _amount(case.confiscation_value)
    return {
        **common,
        "decision_number": _decision_number(case, steps),
        "case_source_id": common["source_id"],
        "case_number": case.number,
        "decided_on": _date(case.decided_on),
        "penalty_kinds": kinds or None,
        "fine_amount": _amount(case.fine_amount),
        "confiscated_gains_amount": confiscation if "confiscate_gains" in kinds else None,
        "confiscated_property_value": (
            confiscation if "confiscate_property" in kinds and "confiscate_gains" not in kinds else None
        ),
        "benchmark_tier": case.benchmark_tier.tier if case.benchmark_tier_id else None,
        "legal_basis": _legal_basis(case),
        "facts": (case.facts.strip()[:_FACTS_MAX] or None) if case.facts else None,
        "served_on": _date(case.served_on),
        "service_method": method,
        "payment_due_on": _date(payment_due_on(case)),
        "paid_on": _date(case.paid_on),
        "paid_amount": _amount(case.paid_amount),
        "late_surcharge_amount": _amount(surcharge) if surcharge > 0 else None,
        "enforcement": enforcement,
        "enforcement_on": _date(enforcement_on),
        "disclosed_on": _date(disclosed_on),
        "status": _decision_status(case),
    }


def _decision_number(case: Case, steps: Sequence[CaseStep]) -> str:
    """The decision document's number: the 行政处罚决定书 of `decide`, for the summary procedure
    the 当场行政处罚决定书 issued at filing (step `file`); the case number only for a case from
    before the platform issued that document."""
    step = _last(steps, "file" if case.procedure == "summary" else "decide")
    return (step.data.get("document_number") if step else None) or case.number


def _decision_status(case: Case) -> str:
    """The decision schema's status: revoked / void → `revoked`, changed → `changed`; a decision
    confirmed illegal stays in force (the court does not revoke it), so it keeps its performance
    status like an effective one."""
    if case.decision_status in (DecisionStatus.REVOKED, DecisionStatus.VOID):
        return "revoked"
    if case.decision_status == DecisionStatus.CHANGED:
        return "changed"
    return "performed" if case.paid_on else "effective"


def _disclosure_dates(numbers: Iterable[str]) -> dict[str, dt.date]:
    """First publication day (China time) of each case's decision (Art. 48)."""
    from zhifa.disclosure.models import Disclosure

    first: dict[str, dt.date] = {}
    for ref, published_at in Disclosure.objects.filter(case_ref__in=list(numbers)).values_list(
        "case_ref", "published_at"
    ):
        day = timezone.localtime(published_at).date()
        if ref not in first or day < first[ref]:
            first[ref] = day
    return first


def _loaded(cases: Iterable[Case | int] | None) -> list[Case]:
    """The cases with everything the mapping reads, in a fixed number of queries."""
    qs = Case.objects.all()
    if cases is not None:
        ids = [c.pk if isinstance(c, Case) else int(c) for c in cases]
        qs = qs.filter(pk__in=ids)
    return list(
        qs.select_related("agency", "power", "benchmark_tier")
        .prefetch_related("parties", "steps", "officers__officer__certificates", "power__bases")
        .order_by("pk")
    )


def _records(cases: Sequence[Case]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    disclosed = _disclosure_dates(c.number for c in cases if c.decision_kind == DecisionKind.PENALTY)
    case_rows: list[dict[str, Any]] = []
    decision_rows: list[dict[str, Any]] = []
    for case in cases:
        steps = _steps(case)
        common = {
            "source_system": SOURCE_SYSTEM,
            "source_id": str(case.pk),
            "agency_code": case.agency.code,
            "power_code": case.power.code,
            **_party_fields(case),
        }
        case_rows.append(_case_record(case, steps, common))
        if case.decision_kind == DecisionKind.PENALTY and case.decided_on is not None:
            decision_rows.append(_decision_record(case, steps, common, disclosed.get(case.number)))
    return case_rows, decision_rows


def _table(rows: Sequence[dict[str, Any]], family: str) -> pa.Table:
    """Records as an Arrow table, the way a JSON reader hands an export to the validation: text,
    numbers, booleans and lists of text (`table.to_pylist()` gives the JSON records back)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    if not rows:
        names = list(validation.family_spec(family).fields)
    columns: dict[str, pa.Array] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        present = [v for v in values if v is not None]
        if any(isinstance(v, list) for v in present):
            kind: pa.DataType = pa.list_(pa.string())
        elif present and all(isinstance(v, bool) for v in present):
            kind = pa.bool_()
        elif present and all(isinstance(v, float) for v in present):
            kind = pa.float64()
        else:
            kind = pa.string()
        columns[name] = pa.array(values, kind)
    return pa.table(columns)


def case_records(cases: Iterable[Case | int] | None = None) -> tuple[pa.Table, pa.Table]:
    """(case records, decision records) of the cases (all when None), in the exchange format.

    Values are as a JSON export carries them: dates ``YYYY-MM-DD``, amounts in yuan as numbers,
    flags as booleans, ``penalty_kinds`` / ``legal_basis`` / ``officer_certificates`` as lists. A decision record
    exists once a penalty is decided (`decision` requires at least one penalty kind; no-penalty,
    revoked and transferred outcomes are in the case record's ``decision_kind``)."""
    case_rows, decision_rows = _records(_loaded(cases))
    return _table(case_rows, "case"), _table(decision_rows, "decision")


# --- validating and storing -----------------------------------------------------------------


def _references(tables: Sequence[pa.Table]) -> validation.References:
    """The registry codes the records name (not the whole registry: one case at a time must
    stay cheap), in the shape `References.load` gives."""
    from zhifa.core.models import Region
    from zhifa.powers.models import Power
    from zhifa.registry.models import Agency, Entity

    def wanted(column: str) -> set[str]:
        found: set[str] = set()
        for table in tables:
            if column in table.column_names:
                found.update(v for v in table.column(column).to_pylist() if v)
        return found

    def codes(qs: Any, column: str, values: set[str]) -> pa.Array:
        if not values:
            return pa.array([], pa.string())
        return pa.array(
            list(qs.filter(**{f"{column}__in": values}).values_list(column, flat=True)), pa.string()
        )

    return validation.References(
        regions=codes(Region.objects.all(), "code", wanted("region_code")),
        targets={
            "agency.agency_code": codes(Agency.objects.all(), "code", wanted("agency_code")),
            "power.power_code": codes(Power.objects.all(), "code", wanted("power_code")),
            "entity.credit_code": codes(Entity.objects.all(), "credit_code", wanted("entity_credit_code")),
            "entity.id_number": codes(Entity.objects.all(), "id_number", wanted("entity_id_number")),
        },
    )


def _mapped(table: pa.Table) -> MappedBatch:
    rows = pa.array(range(1, table.num_rows + 1), pa.int64())
    data = table.append_column(ROW, rows).combine_chunks().to_batches()
    batch = (
        data[0]
        if data
        else pa.RecordBatch.from_pylist([], schema=table.schema.append(pa.field(ROW, pa.int64())))
    )
    return MappedBatch(batch, PROBLEM_SCHEMA.empty_table())


def _rejections(family: str, table: pa.Table, checked: validation.ValidatedBatch) -> list[dict[str, Any]]:
    if not checked.rejected.num_rows:
        return []
    ids = table.column("source_id").to_pylist()
    numbers = table.column("case_number").to_pylist() if "case_number" in table.column_names else ids
    by_row: dict[int, list[dict[str, Any]]] = {}
    for problem in checked.problems.to_pylist():
        by_row.setdefault(problem["_row"], []).append(
            {
                "field": problem["field"],
                "reason": problem["reason"],
                "value": problem["value"],
                "message": validation.message(family, problem["field"], problem["reason"], problem["value"]),
            }
        )
    out = []
    for row in checked.rejected.column(ROW).to_pylist():
        entry = {
            "family": family,
            "source_id": ids[row - 1],
            "case_number": numbers[row - 1],
            "problems": by_row.get(row, []),
        }
        logger.error(
            "cases.publish: %s record of case %s (%s) refused by the exchange validation: %s",
            family,
            entry["source_id"],
            entry["case_number"],
            "; ".join(f"{p['field']} {p['reason']} {p['value']!r}" for p in entry["problems"]),
        )
        out.append(entry)
    return out


def publish_cases(
    cases: Iterable[Case | int] | None = None, run_id: str | None = None, lock_timeout: float | None = 60.0
) -> dict[str, Any]:
    """Validate the cases' exchange records as an import would and upsert them into the store.

    `cases`: Case objects or ids (None: every case). `run_id` names the store run (default a
    fresh one; passing the same id again replays its recorded counts, see `store.upsert`).
    Returns ``{"run_id", "cases", "case": {records, inserted, updated, unchanged, rejected},
    "decision": {…}, "rejected": [{family, source_id, case_number, problems: [...]}]}``."""
    run_id = run_id or f"zhifa-cases-{uuid.uuid4().hex}"
    loaded = _loaded(cases)
    report: dict[str, Any] = {
        "run_id": run_id,
        "cases": len(loaded),
        **{f: {"records": 0, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0} for f in FAMILIES},
        "rejected": [],
    }
    for batch_no, start in enumerate(range(0, len(loaded), CHUNK)):
        case_rows, decision_rows = _records(loaded[start : start + CHUNK])
        tables = {"case": _table(case_rows, "case"), "decision": _table(decision_rows, "decision")}
        refs = _references(list(tables.values()))
        for family, table in tables.items():
            if not table.num_rows:
                continue
            checked = validation.validate_batch(family, _mapped(table), refs)
            counts = store.upsert(family, checked.valid, run_id, batch_no, lock_timeout=lock_timeout)
            tally = report[family]
            tally["records"] += table.num_rows
            tally["inserted"] += counts.inserted
            tally["updated"] += counts.updated
            tally["unchanged"] += counts.unchanged
            rejected = _rejections(family, table, checked)
            tally["rejected"] += len(rejected)
            report["rejected"].extend(rejected)
    return report


_BATCH: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "zhifa_cases_publish_batch", default=None
)


@contextmanager
def publishing_batched(lock_timeout: float | None = 10.0) -> Iterator[set[int]]:
    """Inside the block, `publish_case_on_commit` only collects the case ids; leaving it registers
    one `publish_cases` of all of them for after the commit. For bulk work (the demo year, a
    scheduled job moving many cases): one store write instead of one per step. Nested blocks
    join the outermost one."""
    if _BATCH.get() is not None:
        yield _BATCH.get()  # type: ignore[misc]
        return
    ids: set[int] = set()
    token = _BATCH.set(ids)
    try:
        yield ids
    finally:
        _BATCH.reset(token)
    if ids:
        transaction.on_commit(lambda: _publish_logged(sorted(ids), lock_timeout))


def _publish_logged(case_ids: list[int], lock_timeout: float | None) -> None:
    try:
        report = publish_cases(case_ids, lock_timeout=lock_timeout)
    except Exception:
        logger.exception("cases.publish: publishing cases %s to the analytical store failed", case_ids[:20])
        return
    if report["rejected"]:
        logger.error("cases.publish: %d case(s) published with refused records (see above)", len(case_ids))


def publish_case_on_commit(case: Case | int, lock_timeout: float | None = 10.0) -> None:
    """Publish one case once the current transaction commits (at once outside a transaction).

    Call it inside the transaction that changed the case (e.g. in `actions.do_transition` after
    `case.save()`); a rolled-back change publishes nothing. Any failure of the publication
    (store busy, disk, a bug) is logged with its traceback and swallowed: the user's action has
    already succeeded, and the next change or `zhifa manage publish_cases` republishes."""
    case_id = case.pk if isinstance(case, Case) else int(case)
    batch = _BATCH.get()
    if batch is not None:
        batch.add(case_id)
        return
    transaction.on_commit(lambda: _publish_logged([case_id], lock_timeout))
