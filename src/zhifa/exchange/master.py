"""Master-data imports (entity, agency) write the relational registry through its actions.

Facts go to the analytical store; master data is what the platform's own pages, scope and
references use, so it is written by the registry's audited actions (one audit entry per
created or changed record), never directly. A record identical to the stored one is counted
``unchanged`` and not written; a row the action refuses (a duplicate, a region outside the
importer's scope …) is quarantined with the action's reason code, so the run still reconciles.

Officer, certificate and power files are not supported yet (`actions.SUPPORTED_MASTER`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from zhifa.analytics.store import UpsertCounts
from zhifa.core.errors import ActionError
from zhifa.exchange import validation
from zhifa.exchange.models import ImportRun, QuarantinedRow
from zhifa.registry import actions as registry
from zhifa.registry.models import Agency, Entity

if TYPE_CHECKING:
    from zhifa.exchange.actions import _Tally

Outcome = str  # "inserted" | "updated" | "unchanged"


def store(actor: Any, run: ImportRun, checked: validation.ValidatedBatch, tally: _Tally) -> UpsertCounts:
    records = checked.valid.to_pylist()
    rows = checked.valid_rows.to_pylist()
    handler = {"entity": _entities, "agency": _agencies}[run.family]
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}

    def refuse(row: int, record: dict[str, Any], error: ActionError) -> None:
        _quarantine_refused(run, row, record, error, tally)

    for outcome in handler(actor, rows, records, refuse):
        counts[outcome] += 1
    return UpsertCounts(counts["inserted"], counts["updated"], counts["unchanged"])


Refuse = Callable[[int, dict[str, Any], ActionError], None]


def _quarantine_refused(
    run: ImportRun, row: int, record: dict[str, Any], error: ActionError, tally: _Tally
) -> None:
    tally.quarantined += 1
    tally.reasons[error.code] += 1
    text = json.dumps(record, ensure_ascii=False, default=str)
    QuarantinedRow.objects.bulk_create(
        [
            QuarantinedRow(
                run=run,
                file_sha256=run.file_sha256,
                row_number=row,
                raw=text,
                reasons=[{"field": error.field or "", "code": error.code, "message": error.message}],
                values=json.loads(text),
            )
        ],
        ignore_conflicts=True,
    )


# --- entities -------------------------------------------------------------------------------


def _entity_input(record: dict[str, Any]) -> registry.EntityInput:
    location = json.loads(record["location"]) if record.get("location") else {}
    return registry.EntityInput(
        kind=record["entity_kind"],
        name=record["name"],
        region_code=record["region_code"],
        credit_code=record.get("credit_code"),
        id_number=record.get("id_number"),
        legal_representative=record.get("legal_representative") or "",
        address=record.get("address") or "",
        industry=record.get("industry") or "",
        phone=record.get("phone") or "",
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
    )


def _entity_same(entity: Entity, data: registry.EntityInput) -> bool:
    def coordinate(value: Any) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.000001"))

    return (
        entity.kind == data.kind
        and entity.name == data.name
        and entity.region_id == data.region_code
        and entity.legal_representative == data.legal_representative
        and entity.address == data.address
        and entity.industry == data.industry
        and entity.phone == data.phone
        and entity.latitude == coordinate(data.latitude)
        and entity.longitude == coordinate(data.longitude)
    )


def _entity_key(data: registry.EntityInput) -> tuple[str, str]:
    return ("credit_code", data.credit_code) if data.credit_code else ("id_number", data.id_number or "")


def _entities(actor: Any, rows: list[int], records: list[dict[str, Any]], refuse: Refuse) -> list[Outcome]:
    """New entities in one bulk action; known ones updated one by one when they changed."""
    inputs = [_entity_input(r) for r in records]
    known = _known_entities(inputs)
    outcomes: list[Outcome] = []
    new: dict[tuple[str, str], int] = {}
    later: list[int] = []
    for index, data in enumerate(inputs):
        key = _entity_key(data)
        if key in known or key in new:
            later.append(index)
        else:
            new[key] = index
    outcomes += _create_entities(actor, [(rows[i], records[i], inputs[i]) for i in new.values()], refuse)
    known = _known_entities([inputs[i] for i in later])
    for index in later:
        outcome = _update_entity(actor, known.get(_entity_key(inputs[index])), inputs[index])
        if isinstance(outcome, ActionError):
            refuse(rows[index], records[index], outcome)
        else:
            outcomes.append(outcome)
            known = _known_entities([inputs[i] for i in later]) if outcome == "updated" else known
    return outcomes


def _known_entities(inputs: list[registry.EntityInput]) -> dict[tuple[str, str], Entity]:
    credit = [d.credit_code for d in inputs if d.credit_code]
    ids = [d.id_number for d in inputs if not d.credit_code and d.id_number]
    found: dict[tuple[str, str], Entity] = {}
    for entity in Entity.objects.filter(credit_code__in=credit):
        found["credit_code", entity.credit_code or ""] = entity
    for entity in Entity.objects.filter(id_number__in=ids):
        found["id_number", entity.id_number or ""] = entity
    return found


def _create_entities(
    actor: Any, items: list[tuple[int, dict[str, Any], registry.EntityInput]], refuse: Refuse
) -> list[Outcome]:
    if not items:
        return []
    try:
        registry.do_bulk_create_entities(actor, [data for _, _, data in items])
        return ["inserted"] * len(items)
    except ActionError:
        pass  # one bad row refuses the whole bulk action: redo one by one to find it
    outcomes: list[Outcome] = []
    for row, record, data in items:
        try:
            registry.do_create_entity(actor, data)
            outcomes.append("inserted")
        except ActionError as error:
            refuse(row, record, error)
    return outcomes


def _update_entity(actor: Any, entity: Entity | None, data: registry.EntityInput) -> Outcome | ActionError:
    if entity is None:
        return ActionError("not_found", "记录不存在")
    if _entity_same(entity, data):
        return "unchanged"
    try:
        registry.do_update_entity(actor, entity.pk, data)
    except ActionError as error:
        return error
    return "updated"


# --- agencies --------------------------------------------------------------------------------


def _agency_input(record: dict[str, Any]) -> registry.AgencyInput:
    return registry.AgencyInput(
        code=record["agency_code"],
        name=record["name"],
        kind=record["kind"],
        region_code=record["region_code"],
        domain_codes=list(record.get("domains") or ()),
        short_name=record.get("short_name") or "",
        supervising_agency_code=record.get("supervising_agency_code"),
        status=record.get("status") or "active",
        address=record.get("address") or "",
        phone=record.get("phone") or "",
    )


def _agency_same(agency: Agency, data: registry.AgencyInput) -> bool:
    supervising = agency.supervising_agency.code if agency.supervising_agency_id else None
    return (
        agency.name == data.name
        and agency.kind == data.kind
        and agency.region_id == data.region_code
        and sorted(agency.domains.values_list("code", flat=True)) == sorted(set(data.domain_codes))
        and agency.short_name == data.short_name
        and supervising == data.supervising_agency_code
        and agency.status == data.status
        and agency.address == data.address
        and agency.phone == data.phone
    )


def _agencies(actor: Any, rows: list[int], records: list[dict[str, Any]], refuse: Refuse) -> list[Outcome]:
    """Agencies are few (hundreds): one action per record, in file order (supervisors first)."""
    outcomes: list[Outcome] = []
    for row, record in zip(rows, records, strict=True):
        data = _agency_input(record)
        existing = Agency.objects.filter(code=data.code).select_related("supervising_agency").first()
        try:
            if existing is None:
                registry.do_create_agency(actor, data)
                outcomes.append("inserted")
            elif _agency_same(existing, data):
                outcomes.append("unchanged")
            else:
                registry.do_update_agency(actor, data.code, data)
                outcomes.append("updated")
        except ActionError as error:
            refuse(row, record, error)
    return outcomes
