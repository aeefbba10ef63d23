"""The tamper-evident audit trail.

Each entry's hash is SHA-256 over a canonical JSON array of all its columns, the previous
entry's hash included. Writers lock `AuditChainHead` so links are appended one at a time even
on PostgreSQL with concurrent requests; the lock is taken inside the caller's transaction, so
the change and its audit entry commit (or roll back) together.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, models, transaction
from django.utils import timezone

from zhifa.core.middleware import current_request_context
from zhifa.core.models import AuditChainHead, AuditEntry

ALGORITHM = "sha256"
GENESIS_HASH = "0" * 64
SECRET_FIELDS = frozenset({"password", "token_hash"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model | None, extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The record's concrete fields (foreign keys as their raw ids, many-to-many as sorted ids)."""
    if obj is None:
        return None
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in SECRET_FIELDS:
            continue
        data[f.attname] = _jsonable(getattr(obj, f.attname))
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            data[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    if extra:
        data.update({k: _jsonable(v) for k, v in extra.items()})
    return data


def canonical_json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_jsonable)


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


CHAINED_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "actor_agency_code",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "outcome",
    "request_id",
    "source_ip",
    "algorithm",
    "prev_hash",
)


# The hashed payload is `json.dumps(values, ensure_ascii=False, separators=(",", ":"))` with
# occurred_at as `format_time` text. `entry_payload` writes the same bytes faster (see there).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_quote = json.encoder.encode_basestring  # the string encoder _ENCODER uses (C when available)
_ZERO = dt.timedelta(0)


def utc_text(moment: dt.datetime) -> str:
    """`format_time(moment)`, without strftime's cost for the usual already-UTC datetime."""
    if moment.year >= 1000 and moment.utcoffset() == _ZERO:  # isoformat pads years < 1000, %Y does not
        return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return format_time(moment)


def entry_payload(values: tuple[Any, ...] | list[Any], occurred_at: str) -> str:
    """The JSON text hashed for an entry whose occurred_at is already formatted.

    For the column types the table holds (int seq, int-or-null actor_id, text elsewhere) the
    array is joined by hand around the encoder's own string quoting, which is what the
    encoder itself would write, byte for byte, at a third of the cost. Any other value (a
    tampered row, a foreign backend's type) goes through the encoder itself."""
    seq, actor_id = values[0], values[2]
    if type(seq) is int and (actor_id is None or type(actor_id) is int):
        try:
            texts = ",".join(map(_quote, values[3:]))
        except TypeError:
            pass
        else:
            return f"[{seq},{_quote(occurred_at)},{'null' if actor_id is None else actor_id},{texts}]"
    as_list = list(values)
    as_list[1] = occurred_at
    return _ENCODER.encode(as_list)


def entry_digest(values: tuple[Any, ...]) -> str:
    """Hash of one entry given its CHAINED_COLUMNS values in order (occurred_at a datetime)."""
    return hashlib.sha256(entry_payload(values, utc_text(values[1])).encode("utf-8")).hexdigest()


@dataclass
class Change:
    """One audited change, before it is chained."""

    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    outcome: str = "success"
    actor: Any = None
    occurred_at: dt.datetime = field(default_factory=timezone.now)


def _actor_columns(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        username = getattr(actor, "username", None) or "system"
        return {
            "actor_id": getattr(actor, "pk", None),
            "actor_username": username,
            "actor_role": getattr(actor, "role", "") or "",
            "actor_agency_code": "",
        }
    agency = getattr(actor, "agency", None)
    return {
        "actor_id": actor.pk,
        "actor_username": actor.get_username(),
        "actor_role": getattr(actor, "role", "") or "",
        "actor_agency_code": getattr(agency, "code", "") if agency else "",
    }


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(change: Change) -> AuditEntry:
    """Append one entry. Must run inside the transaction that makes the change."""
    return record_many([change])[0]


def record_change(
    actor: Any, action: str, obj: models.Model, before: dict[str, Any] | None = None
) -> AuditEntry:
    """Append the entry for one changed record: its type and id, `before` and its state now."""
    object_type = f"{obj._meta.app_label}.{obj._meta.model_name}"
    return record(Change(action, object_type, str(obj.pk), before=before, after=snapshot(obj), actor=actor))


def record_many(changes: Iterable[Change]) -> list[AuditEntry]:
    """Append entries in order, chained, with one lock and one bulk insert."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit entries must be written inside the transaction of their change")
    context = current_request_context()
    request_id = context.request_id if context else ""
    source_ip = context.source_ip if context else ""
    head = _locked_head()
    seq, prev_hash = head.seq, head.hash
    entries: list[AuditEntry] = []
    for change in changes:
        seq += 1
        entry = AuditEntry(
            seq=seq,
            occurred_at=change.occurred_at,
            action=change.action,
            object_type=change.object_type,
            object_id=str(change.object_id),
            before=canonical_json(change.before),
            after=canonical_json(change.after),
            outcome=change.outcome,
            request_id=request_id,
            source_ip=source_ip,
            algorithm=ALGORITHM,
            prev_hash=prev_hash,
            **_actor_columns(change.actor),
        )
        entry.hash = entry_digest(tuple(getattr(entry, c) for c in CHAINED_COLUMNS))
        prev_hash = entry.hash
        entries.append(entry)
    if not entries:
        return []
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev_hash)
    return entries


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    problem: str = ""
    seq: int | None = None
    entry_id: int | None = None


def _chain_rows(chunk: int = 20_000) -> Iterator[tuple[Any, Any, Any, Any, bytes | None]]:
    """Every entry as (id, hash, seq, prev_hash, payload bytes) in seq order, the payload made
    by the database as a shortcut; see `zhifa.core.audit_reader`."""
    from zhifa.core.audit_reader import chain_rows

    return chain_rows(chunk)


_PROBLEMS = {
    "prev": "前序摘要不符（条目被删除、插入或调换顺序）",
    "content": "内容摘要不符（条目内容被改动）",
}


def _failure(kind: str, count: int, seq: Any, entry_id: Any) -> VerifyResult:
    """The verdict for the first failing entry, `count` entries having verified before it."""
    if kind == "seq":
        problem = f"序号不连续：期望 {count + 1}，实际 {seq}（条目缺失或被删除）"
        return VerifyResult(False, count, problem, seq, entry_id)
    return VerifyResult(False, count, _PROBLEMS[kind], seq, entry_id)


def verify_chain() -> VerifyResult:
    """Recompute the whole chain; report the first entry whose content, order or predecessor
    does not match, or a missing tail (the head names a later entry than the table holds).

    On PostgreSQL the server checks the chain set-wise (`audit_reader.postgresql_summary`);
    elsewhere the entries are walked in seq order here. Both give the same verdict."""
    from zhifa.core import audit_reader

    if connection.vendor == "postgresql":
        summary = audit_reader.postgresql_summary(connections["default"])
        if summary.problem is not None:
            problem = summary.problem
            return _failure(problem.kind, problem.position - 1, problem.seq, problem.entry_id)
        count, prev_hash = summary.count, summary.last_hash
    else:
        expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
        sha256 = hashlib.sha256
        with closing(_chain_rows()) as rows:  # closed before the head is read on the same connection
            for entry_id, stored_hash, seq, entry_prev_hash, payload in rows:
                if seq != expected_seq:
                    return _failure("seq", count, seq, entry_id)
                if entry_prev_hash != prev_hash:
                    return _failure("prev", count, seq, entry_id)
                # A payload that does not hash right is a failed shortcut; the reference decides.
                shortcut_failed = payload is None or sha256(payload).hexdigest() != stored_hash
                if shortcut_failed and audit_reader.python_digest(entry_id) != stored_hash:
                    return _failure("content", count, seq, entry_id)
                prev_hash, expected_seq, count = stored_hash, expected_seq + 1, count + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != count or head.hash != prev_hash):
        return VerifyResult(
            False,
            count,
            f"链尾不符：链头记录第 {head.seq} 条，表中只到第 {count} 条（末尾条目被删除）",
            count + 1,
            None,
        )
    return VerifyResult(True, count)
