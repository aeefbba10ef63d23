"""Master-data imports (agency, officer, certificate, power, entity) write the relational
registry through its actions.

Facts go to the analytical store; master data is what the platform's own pages, scope and
references use, so it is written by the registry's audited actions (one audit entry per
created or changed record), never directly. A record identical to the stored one is counted
``unchanged`` and not written; a row the action refuses (a duplicate, a region outside the
importer's scope …) is quarantined with the action's reason code, so the run still reconciles.

Each record is matched to the stored row by its business key (agency: credit code; officer: ID
number; certificate: certificate number; power: power code; entity: credit code or ID number),
looked up for the whole batch at once. New officers and certificates are created by the bulk
actions (`do_bulk_create_officers`, `do_bulk_issue_certificates`: the same checks, one audit
entry each); when one record of the batch is refused they go one at a time. Changes are written
one record at a time, each in its own transaction, so a record whose second step is refused (a
certificate renewed, then a status change the lifecycle forbids) leaves nothing half-applied:

* a certificate is issued by `do_issue_certificate`; later changes of its expiry go through
  `do_renew_certificate` and of its status through `do_change_certificate_status` (suspended,
  reinstated, revoked), so the certificate's history (`CertificateEvent`) stays right. Holder,
  domain, issue date and issuing authority are fixed once issued: a file changing them is
  quarantined (``immutable_field``);
* a power is added by `do_add_power` (a power the file lists as revoked is added, then revoked
  by `do_revoke_power`), changed by `do_change_power`, moved to another holder by
  `do_transfer_powers` and revoked by `do_revoke_power`; each step is a new `PowerVersion`.
  The file's own ``version`` number is not kept (the platform counts its own versions).

References inside a file are resolved against the registry; a certificate whose holder is not a
registered officer is quarantined with ``unknown_reference``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone

from zhifa.analytics.store import UpsertCounts
from zhifa.core.errors import ActionError
from zhifa.exchange import validation
from zhifa.exchange.models import ImportRun, QuarantinedRow
from zhifa.powers import actions as powers
from zhifa.powers.citations import parse_citation
from zhifa.powers.models import Power, PowerStatus
from zhifa.registry import actions as registry
from zhifa.registry.models import (
    Agency,
    Certificate,
    CertificateEventKind,
    CertificateStatus,
    Entity,
    Officer,
)

if TYPE_CHECKING:
    from zhifa.exchange.actions import ImportReport

Outcome = str  # "inserted" | "updated" | "unchanged"


def store(
    actor: Any, run: ImportRun, checked: validation.ValidatedBatch, tally: ImportReport
) -> UpsertCounts:
    records = checked.valid.to_pylist()
    rows = checked.valid_rows.to_pylist()
    handler = {
        "entity": _entities,
        "agency": _agencies,
        "officer": _officers,
        "certificate": _certificates,
        "power": _powers,
    }[run.family]
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}

    def refuse(row: int, record: dict[str, Any], error: ActionError) -> None:
        _quarantine_refused(run, row, record, error, tally)

    for outcome in handler(actor, rows, records, refuse):
        counts[outcome] += 1
    return UpsertCounts(counts["inserted"], counts["updated"], counts["unchanged"])


Refuse = Callable[[int, dict[str, Any], ActionError], None]


def _quarantine_refused(
    run: ImportRun, row: int, record: dict[str, Any], error: ActionError, tally: ImportReport
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


# --- one record at a time, matched by its business key -------------------------------------------

Model = TypeVar("Model")
LOOKUP_CHUNK = 500  # keys per IN (…) lookup


@dataclass
class _Sync(Generic[Model]):
    """How one family's records meet the registry: the business key, the rows already stored
    under it (looked up once for the batch) and the actions that create and change them."""

    key: Callable[[dict[str, Any]], str]
    known: dict[str, Model]
    same: Callable[[Model, dict[str, Any]], bool]
    create: Callable[[dict[str, Any]], Model]
    update: Callable[[Model, dict[str, Any]], Model]
    # The family's bulk action for new records (same checks, one audit entry each), and which
    # records may go to it; a batch it refuses is created one record at a time instead.
    create_many: Callable[[list[dict[str, Any]]], list[Model]] | None = None
    bulkable: Callable[[dict[str, Any]], bool] = lambda record: True


def _sync(
    sync: _Sync[Model], rows: list[int], records: list[dict[str, Any]], refuse: Refuse
) -> list[Outcome]:
    """New → create, changed → update, identical → unchanged; a refused record is quarantined.
    A record repeated later in the file meets the row its first occurrence wrote."""
    done = _create_in_bulk(sync, records)
    outcomes: list[Outcome] = ["inserted"] * len(done)
    for index, (row, record) in enumerate(zip(rows, records, strict=True)):
        if index in done:
            continue
        key = sync.key(record)
        try:
            outcome, stored = _apply(sync, sync.known.get(key), record)
        except ActionError as error:
            refuse(row, record, error)
            continue
        sync.known[key] = stored
        outcomes.append(outcome)
    return outcomes


def _create_in_bulk(sync: _Sync[Model], records: list[dict[str, Any]]) -> set[int]:
    """Indexes of the records created by the bulk action: the first record of each key not
    stored yet. Empty when the family has no bulk action or the action refused the batch."""
    if sync.create_many is None:
        return set()
    first: dict[str, int] = {}
    for index, record in enumerate(records):
        key = sync.key(record)
        if key not in sync.known and key not in first and sync.bulkable(record):
            first[key] = index
    if len(first) < 2:
        return set()
    try:
        with transaction.atomic():
            created = sync.create_many([records[i] for i in first.values()])
    except ActionError:
        return set()  # one refused record refuses the batch: each goes through `create` instead
    sync.known.update(zip(first, created, strict=True))
    return set(first.values())


def _apply(sync: _Sync[Model], existing: Model | None, record: dict[str, Any]) -> tuple[Outcome, Model]:
    if existing is not None and sync.same(existing, record):
        return "unchanged", existing
    with transaction.atomic():  # several actions for one record: all or none
        if existing is None:
            return "inserted", sync.create(record)
        return "updated", sync.update(existing, record)


def _chunks(values: Iterable[str | None]) -> Iterable[list[str]]:
    unique = list(dict.fromkeys(v for v in values if v))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        yield unique[start : start + LOOKUP_CHUNK]


def _import_reason(record: dict[str, Any]) -> str:
    return f"数据导入（来源：{record.get('source_system') or '未知'}）"


def _effective_on(record: dict[str, Any]) -> dt.date:
    """The day a status change takes effect: the source's change date, else today."""
    stamp = record.get("source_updated_at")
    if isinstance(stamp, dt.datetime):
        return timezone.localdate(stamp) if timezone.is_aware(stamp) else stamp.date()
    return timezone.localdate()


# --- officers --------------------------------------------------------------------------------


def _officer_input(record: dict[str, Any]) -> registry.OfficerInput:
    return registry.OfficerInput(
        name=record["name"],
        id_number=record["id_number"],
        agency_code=record["agency_code"],
        role=record["role"],
        gender=record.get("gender") or "",
        phone=record.get("phone") or "",
        has_legal_qualification=bool(record.get("has_legal_qualification")),
        status=record["status"],
    )


def _officer_same(officer: Officer, record: dict[str, Any]) -> bool:
    data = _officer_input(record)
    gender = data.gender or ("M" if int(data.id_number[16]) % 2 else "F")  # as the action derives it
    return (
        officer.name == data.name
        and officer.agency.code == data.agency_code
        and officer.role == data.role
        and officer.gender == gender
        and officer.phone == data.phone
        and officer.has_legal_qualification == data.has_legal_qualification
        and officer.status == data.status
    )


def _known_officers(id_numbers: Iterable[str | None]) -> dict[str, Officer]:
    found: dict[str, Officer] = {}
    for chunk in _chunks(id_numbers):
        for officer in Officer.objects.filter(id_number__in=chunk).select_related("agency"):
            found[officer.id_number] = officer
    return found


def _officers(actor: Any, rows: list[int], records: list[dict[str, Any]], refuse: Refuse) -> list[Outcome]:
    sync: _Sync[Officer] = _Sync(
        key=lambda record: record["id_number"],
        known=_known_officers(r["id_number"] for r in records),
        same=_officer_same,
        create=lambda record: registry.do_create_officer(actor, _officer_input(record)),
        update=lambda officer, record: registry.do_update_officer(actor, officer.pk, _officer_input(record)),
        create_many=lambda batch: registry.do_bulk_create_officers(actor, [_officer_input(r) for r in batch]),
    )
    return _sync(sync, rows, records, refuse)


# --- certificates ----------------------------------------------------------------------------

# The certificate event that brings a certificate to each status (`STATUS_TRANSITIONS`).
STATUS_EVENT = {
    CertificateStatus.VALID: CertificateEventKind.REINSTATED,
    CertificateStatus.SUSPENDED: CertificateEventKind.SUSPENDED,
    CertificateStatus.REVOKED: CertificateEventKind.REVOKED,
}
# Fixed once a certificate is issued: (field of the file, label).
FIXED_CERTIFICATE_FIELDS = (
    ("officer_id_number", "持证人"),
    ("domain", "执法领域"),
    ("issued_on", "发证日期"),
    ("issuing_authority", "发证机关"),
)


def _certificate_values(cert: Certificate) -> dict[str, Any]:
    """The stored certificate in the file's terms."""
    return {
        "officer_id_number": cert.officer.id_number,
        "domain": cert.domain_id,
        "issued_on": cert.issued_on,
        "expires_on": cert.expires_on,
        "status": cert.status,
        "issuing_authority": cert.issuing_authority,
    }


def _certificate_differences(cert: Certificate, record: dict[str, Any]) -> list[str]:
    stored = _certificate_values(cert)
    wanted = {**record, "issuing_authority": record.get("issuing_authority") or ""}
    return [name for name, value in stored.items() if wanted.get(name) != value]


def _certificate_same(cert: Certificate, record: dict[str, Any]) -> bool:
    return not _certificate_differences(cert, record)


def _known_certificates(numbers: Iterable[str | None]) -> dict[str, Certificate]:
    found: dict[str, Certificate] = {}
    for chunk in _chunks(numbers):
        for cert in Certificate.objects.filter(number__in=chunk).select_related("officer"):
            found[cert.number] = cert
    return found


def _officer_ids(id_numbers: Iterable[str | None]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(id_numbers):
        found.update(Officer.objects.filter(id_number__in=chunk).values_list("id_number", "pk"))
    return found


def _holder(record: dict[str, Any], officers: dict[str, int]) -> int:
    """The holder's officer id; a holder not registered as an officer is an unknown reference."""
    officer_id = officers.get(record["officer_id_number"])
    if officer_id is None:
        value = record["officer_id_number"]
        text = validation.message("certificate", "officer_id_number", validation.UNKNOWN_REFERENCE, value)
        raise ActionError(validation.UNKNOWN_REFERENCE, text, "officer_id_number")
    return officer_id


def _certificate_input(record: dict[str, Any], officers: dict[str, int]) -> registry.CertificateInput:
    return registry.CertificateInput(
        number=record["certificate_number"],
        officer_id=_holder(record, officers),
        domain_code=record["domain"],
        issued_on=record["issued_on"],
        expires_on=record["expires_on"],
        issuing_authority=record.get("issuing_authority") or "",
    )


def _issue_certificate(actor: Any, record: dict[str, Any], officers: dict[str, int]) -> Certificate:
    """Issue (发证 event); a certificate the file lists as suspended or revoked then gets that event."""
    cert = registry.do_issue_certificate(actor, _certificate_input(record, officers))
    return _set_certificate_status(actor, cert, record)


def _issue_certificates(
    actor: Any, records: list[dict[str, Any]], officers: dict[str, int]
) -> list[Certificate]:
    created = registry.do_bulk_issue_certificates(actor, [_certificate_input(r, officers) for r in records])
    return [_set_certificate_status(actor, cert, r) for cert, r in zip(created, records, strict=True)]


def _set_certificate_status(actor: Any, cert: Certificate, record: dict[str, Any]) -> Certificate:
    if cert.status == record["status"]:
        return cert
    kind = STATUS_EVENT[CertificateStatus(record["status"])]
    return registry.do_change_certificate_status(
        actor, cert.number, kind, _effective_on(record), _import_reason(record)
    )


def _change_certificate(
    actor: Any, cert: Certificate, record: dict[str, Any], officers: dict[str, int]
) -> Certificate:
    """Renewal (later expiry) and status changes go through the certificate's event actions;
    the fields fixed at issue cannot be changed by a file."""
    _holder(record, officers)
    differences = set(_certificate_differences(cert, record))
    fixed = [(name, label) for name, label in FIXED_CERTIFICATE_FIELDS if name in differences]
    if fixed:
        labels = "、".join(label for _, label in fixed)
        raise ActionError("immutable_field", f"证件已发出，{labels}不能通过导入更改", fixed[0][0])
    if "expires_on" in differences:
        cert = registry.do_renew_certificate(actor, cert.number, record["expires_on"], _import_reason(record))
    return _set_certificate_status(actor, cert, record)


def _certificates(
    actor: Any, rows: list[int], records: list[dict[str, Any]], refuse: Refuse
) -> list[Outcome]:
    officers = _officer_ids(r["officer_id_number"] for r in records)
    sync: _Sync[Certificate] = _Sync(
        key=lambda record: record["certificate_number"],
        known=_known_certificates(r["certificate_number"] for r in records),
        same=_certificate_same,
        create=lambda record: _issue_certificate(actor, record, officers),
        update=lambda cert, record: _change_certificate(actor, cert, record, officers),
        create_many=lambda batch: _issue_certificates(actor, batch, officers),
        bulkable=lambda record: record["officer_id_number"] in officers,
    )
    return _sync(sync, rows, records, refuse)


# --- powers ----------------------------------------------------------------------------------


def _power_input(
    record: dict[str, Any], status: str | None = None, provision_ids: Iterable[int] = ()
) -> powers.PowerInput:
    """The file has no penalty provisions: a changed power keeps the ones linked to it."""
    return powers.PowerInput(
        name=record["name"],
        kind=record["kind"],
        holder_code=record["holder_agency_code"],
        domain_code=record["domain"],
        code=record["power_code"],
        conduct=record.get("conduct") or "",
        effective_from=record.get("effective_from"),
        basis=[powers.BasisInput(citation=text) for text in record.get("legal_basis") or ()],
        status=status or record["status"],
        provision_ids=list(provision_ids),
    )


def _basis_keys(citations: Iterable[str]) -> list[Any]:
    """Citations compared by what they cite (law, article, paragraph, item), not by spelling:
    《中华人民共和国食品安全法》第一百二十二条 and 《食品安全法》第一百二十二条 are the same."""
    return [parse_citation(text) or text for text in citations]


def _power_content_same(power: Power, record: dict[str, Any]) -> bool:
    """Everything `do_change_power` writes except the status."""
    return (
        power.name == record["name"]
        and power.kind == record["kind"]
        and power.domain_id == record["domain"]
        and power.conduct == (record.get("conduct") or "")
        and power.effective_from == record.get("effective_from")
        and _basis_keys(b.citation for b in power.bases.all()) == _basis_keys(record.get("legal_basis") or ())
    )


def _power_same(power: Power, record: dict[str, Any]) -> bool:
    return (
        power.holder.code == record["holder_agency_code"]
        and power.status == record["status"]
        and _power_content_same(power, record)
    )


def _stored_powers(codes: Iterable[str | None]) -> dict[str, Power]:
    found: dict[str, Power] = {}
    for chunk in _chunks(codes):
        for power in (
            Power.objects.filter(code__in=chunk)
            .select_related("holder")
            .prefetch_related("bases", "provisions")
        ):
            found[power.code] = power
    return found


def _reload_power(code: str) -> Power:
    return _stored_powers([code])[code]


def _add_power(actor: Any, record: dict[str, Any]) -> Power:
    """A power the file lists as revoked is added (as a draft) and then revoked: both versions kept."""
    revoked = record["status"] == PowerStatus.REVOKED
    power = powers.do_add_power(actor, _power_input(record, PowerStatus.DRAFT if revoked else None))
    if revoked:
        powers.do_revoke_power(actor, power.code, _import_reason(record))
    return _reload_power(power.code)


def _change_power(actor: Any, power: Power, record: dict[str, Any]) -> Power:
    """Another holder → transfer; other content or draft/active → change; revoked → revoke.
    The actions refuse what the powers list forbids (changing a revoked power …)."""
    reason, wanted = _import_reason(record), record["status"]
    if power.holder.code != record["holder_agency_code"]:
        day = record.get("effective_from") or timezone.localdate()
        powers.do_transfer_powers(actor, [power.code], record["holder_agency_code"], reason, day)
        power = _reload_power(power.code)
    status_change = wanted != power.status and wanted != PowerStatus.REVOKED
    if status_change or not _power_content_same(power, record):
        status = power.status if wanted == PowerStatus.REVOKED else wanted
        provisions = [p.pk for p in power.provisions.all()]
        powers.do_change_power(actor, power.code, _power_input(record, status, provisions), reason)
    if wanted == PowerStatus.REVOKED and power.status != PowerStatus.REVOKED:
        powers.do_revoke_power(actor, power.code, reason)
    return _reload_power(power.code)


def _powers(actor: Any, rows: list[int], records: list[dict[str, Any]], refuse: Refuse) -> list[Outcome]:
    sync: _Sync[Power] = _Sync(
        key=lambda record: record["power_code"],
        known=_stored_powers(r["power_code"] for r in records),
        same=_power_same,
        create=lambda record: _add_power(actor, record),
        update=lambda power, record: _change_power(actor, power, record),
    )
    return _sync(sync, rows, records, refuse)
