"""Checking the audit chain fast enough to verify a million entries in seconds.

Hashing an entry is cheap; turning its row into Python objects and re-encoding them as JSON is
not. So the database writes each entry's hashed payload itself — the JSON array of
`CHAINED_COLUMNS`, with SQLite's `json_array` or PostgreSQL's `to_json`:

* SQLite hands the payloads over as bytes, in seq order, and Python hashes them
  (`chain_rows`, walked by `audit.verify_chain`).
* PostgreSQL also hashes them (its `sha256`, in parallel workers) and compares; Python only
  asks for the first row that breaks a link (seq not consecutive, prev_hash not the previous
  hash, by a window query) and the rows whose content hash differs (`first_problem`).

The database's payload is only a shortcut. A probe checks once per run that the engine
escapes strings exactly as Python's json does (else payloads are built in Python), and a row
whose shortcut payload does not hash to its stored hash is judged by `python_digest`, which
builds the payload from the raw row exactly as `audit.entry_digest` does. The verdict is
therefore always the reference computation's; only its cost differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from zhifa.core.audit import CHAINED_COLUMNS, GENESIS_HASH, entry_payload, format_time, utc_text
from zhifa.core.models import AuditEntry

# (id, stored hash, seq, prev_hash, payload bytes): what the verifier needs of an entry.
ChainRow = tuple[Any, Any, Any, Any, bytes | None]

# Every ASCII character, the non-ASCII ones JSON encoders are known to treat specially, and
# characters outside the BMP. PostgreSQL text cannot hold NUL, so its probe leaves it out.
PROBE = "".join(map(chr, range(128))) + "\x85\xa0\xad\u2028\u2029\ufeff中文é𠀀😀"
_SQLITE_TIME = re.compile(r"[1-9]\d{3}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{6})?")


def sqlite_time_text(stored: Any) -> str:
    """format_time's text for occurred_at as SQLite holds it. Django stores naive UTC text
    "YYYY-MM-DD HH:MM:SS[.ffffff]", which is rearranged; anything else is read as the ORM
    reads it (parse_datetime), and what cannot be read is returned as is (it will not match)."""
    if type(stored) is str and _SQLITE_TIME.fullmatch(stored):
        return f"{stored[:10]}T{stored[11:19]}{stored[19:] or '.000000'}Z"
    try:
        moment = parse_datetime(stored) if isinstance(stored, str) else stored
    except ValueError:
        moment = None
    if not isinstance(moment, dt.datetime):
        return str(stored)
    return format_time(moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC))


class _Table:
    """The audit table's quoted names on one connection, and the SQL built from them."""

    def __init__(self, wrapper: BaseDatabaseWrapper):
        quote = wrapper.ops.quote_name
        self.vendor = wrapper.vendor
        self.name = quote(AuditEntry._meta.db_table)
        self.column = {f.name: quote(f.column) for f in AuditEntry._meta.concrete_fields}
        self.texts = [self.column[c] for c in CHAINED_COLUMNS[3:]]  # actor_username … prev_hash

    def payload_sql(self) -> str:
        """The payload bytes as the database writes them (a shortcut, checked as above)."""
        c, texts = self.column, self.texts
        occurred = c["occurred_at"]
        if self.vendor == "sqlite":  # naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]"
            time = (
                f"substr({occurred},1,10)||'T'||substr({occurred},12,8)||"
                f"CASE WHEN length({occurred})=19 THEN '.000000' ELSE substr({occurred},20) END||'Z'"
            )
            return f"CAST(json_array({c['seq']}, {time}, {c['actor_id']}, {', '.join(texts)}) AS BLOB)"
        time = f"to_char({occurred} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        parts = [
            f"{c['seq']}::text",
            f"to_json({time})::text",
            f"coalesce({c['actor_id']}::text, 'null')",
            *(f"to_json({t})::text" for t in texts),
        ]
        joined = " || ',' || ".join(parts)
        return f"convert_to('[' || {joined} || ']', 'UTF8')"

    def probe_sql(self) -> tuple[str, str]:
        if self.vendor == "sqlite":
            return "SELECT CAST(json_array(%s) AS BLOB)", PROBE
        return "SELECT convert_to('[' || to_json(%s::text)::text || ']', 'UTF8')", PROBE.replace("\x00", "")

    def raw_columns(self) -> str:
        """CHAINED_COLUMNS as stored (occurred_at as text on SQLite, for `sqlite_time_text`)."""
        c = self.column
        occurred = f"CAST({c['occurred_at']} AS TEXT)" if self.vendor == "sqlite" else c["occurred_at"]
        return ", ".join([c["seq"], occurred, c["actor_id"], *self.texts])


def _escapes_like_python(cursor: Any, table: _Table) -> bool:
    """Whether this engine's JSON strings are Python's, byte for byte (else: build in Python)."""
    sql, probe = table.probe_sql()
    cursor.execute(sql, [probe])
    produced = bytes(cursor.fetchone()[0])
    return produced == json.dumps([probe], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _python_payload(table: _Table, values: tuple[Any, ...] | list[Any]) -> bytes:
    to_text = sqlite_time_text if table.vendor == "sqlite" else utc_text
    return entry_payload(values, to_text(values[1])).encode("utf-8")


def python_digest(entry_id: Any, using: str = "default") -> str | None:
    """The reference digest of one stored row, its payload built in Python; None if it is gone."""
    wrapper = connections[using]
    if wrapper.vendor not in ("sqlite", "postgresql"):
        values = AuditEntry.objects.using(using).filter(pk=entry_id).values_list(*CHAINED_COLUMNS).first()
        return (
            None
            if values is None
            else hashlib.sha256(entry_payload(values, utc_text(values[1])).encode()).hexdigest()
        )
    table = _Table(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute(
            f"SELECT {table.raw_columns()} FROM {table.name} WHERE {table.column['id']} = %s", [entry_id]
        )
        values = cursor.fetchone()
    return None if values is None else hashlib.sha256(_python_payload(table, values)).hexdigest()


# --- SQLite (and any other backend): rows in seq order, hashed in Python --------------------


def chain_rows(chunk: int = 20_000) -> Iterator[ChainRow]:
    """Every entry as (id, hash, seq, prev_hash, payload bytes), in seq order, from one
    statement that SQLite steps through lazily. A payload that does not hash to the row's
    hash is a shortcut that failed, not a verdict: ask `python_digest`."""
    wrapper = connections["default"]
    if wrapper.vendor not in ("sqlite", "postgresql"):
        yield from _orm_rows(chunk)
        return
    table = _Table(wrapper)
    c = table.column
    with wrapper.cursor() as cursor:
        by_database = _escapes_like_python(cursor, table)
        payload = table.payload_sql() if by_database else table.raw_columns()
        cursor.execute(
            f"SELECT {c['id']}, {c['hash']}, {c['seq']}, {c['prev_hash']}, {payload} "
            f"FROM {table.name} ORDER BY {c['seq']}"
        )
        while rows := cursor.fetchmany(chunk):
            if by_database:
                yield from rows
            else:
                yield from ((r[0], r[1], r[2], r[3], _python_payload(table, r[4:])) for r in rows)


def _orm_rows(chunk: int) -> Iterator[ChainRow]:
    """Any other backend: the ORM reads the rows and Python builds every payload."""
    rows = (
        AuditEntry.objects.order_by("seq")
        .values_list("id", "hash", *CHAINED_COLUMNS)
        .iterator(chunk_size=chunk)
    )
    for entry_id, stored_hash, *values in rows:
        yield (
            entry_id,
            stored_hash,
            values[0],
            values[-1],
            entry_payload(values, utc_text(values[1])).encode(),
        )


# --- PostgreSQL: set-based checks on the server ------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    """The first entry (in seq order) that fails: at `position` (1-based), for `kind`."""

    kind: str  # "seq" (not consecutive), "prev" (prev_hash is not the previous hash), "content"
    position: int
    seq: Any
    entry_id: Any


@dataclass(frozen=True)
class ChainSummary:
    problem: ChainProblem | None
    count: int  # entries in the table
    last_hash: str  # of the entry with the highest seq (GENESIS_HASH when there is none)


def postgresql_summary(wrapper: BaseDatabaseWrapper) -> ChainSummary:
    """The chain checked by PostgreSQL itself, with the verdict the sequential walk would give.

    Runs in one transaction (consistent counts). The link query walks the seq index with a
    window; the content query recomputes every entry's SHA-256 on the server, in parallel
    workers, and returns only the rows that differ, each then judged by `python_digest`."""
    table = _Table(wrapper)
    c, t = table.column, table.name
    with transaction.atomic(using=wrapper.alias), wrapper.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {t}")
        count = cursor.fetchone()[0]
        cursor.execute(f"SELECT {c['hash']} FROM {t} ORDER BY {c['seq']} DESC LIMIT 1")
        last = cursor.fetchone()
        link = _first_broken_link(cursor, table)
        content = _first_changed_content(cursor, table, before_seq=link.seq if link else None)
        problem = content or link  # content problems are searched only before the first broken link
        return ChainSummary(problem, count, last[0] if last else GENESIS_HASH)


def _first_broken_link(cursor: Any, table: _Table) -> ChainProblem | None:
    c = table.column
    cursor.execute(
        f"""
        SELECT position, seq, id, CASE WHEN seq <> position THEN 'seq' ELSE 'prev' END FROM (
            SELECT {c["id"]} AS id, {c["seq"]} AS seq, {c["prev_hash"]} AS prev_hash,
                   row_number() OVER (ORDER BY {c["seq"]}) AS position,
                   lag({c["hash"]}, 1, %s) OVER (ORDER BY {c["seq"]}) AS previous_hash
            FROM {table.name}) AS chain
        WHERE seq <> position OR prev_hash <> previous_hash ORDER BY seq LIMIT 1""",
        [GENESIS_HASH],
    )
    row = cursor.fetchone()
    return None if row is None else ChainProblem(row[3], row[0], row[1], row[2])


def _first_changed_content(cursor: Any, table: _Table, before_seq: Any) -> ChainProblem | None:
    c = table.column
    if not _escapes_like_python(cursor, table):
        return _first_changed_content_in_python(cursor, table, before_seq)
    bound = f"AND {c['seq']} < %s" if before_seq is not None else ""
    cursor.execute(
        f"SELECT {c['id']}, {c['seq']}, {c['hash']} FROM {table.name} "
        f"WHERE encode(sha256({table.payload_sql()}), 'hex') <> {c['hash']} {bound} ORDER BY {c['seq']}",
        [before_seq] if before_seq is not None else [],
    )
    for entry_id, seq, stored_hash in cursor.fetchall():
        if python_digest(entry_id, cursor.db.alias) != stored_hash:
            cursor.execute(f"SELECT count(*) FROM {table.name} WHERE {c['seq']} <= %s", [seq])
            return ChainProblem("content", cursor.fetchone()[0], seq, entry_id)
    return None


def _first_changed_content_in_python(cursor: Any, table: _Table, before_seq: Any) -> ChainProblem | None:
    """This server escapes differently: hash every payload in Python, streaming the rows."""
    import psycopg

    c = table.column
    bound = f"WHERE {c['seq']} < %s" if before_seq is not None else ""
    sql = (
        f"SELECT {c['id']}, {c['hash']}, {table.raw_columns()} FROM {table.name} {bound} ORDER BY {c['seq']}"
    )
    with psycopg.ServerCursor(cursor.db.connection, f"zhifa_audit_{uuid.uuid4().hex[:12]}") as rows:
        rows.execute(sql, [before_seq] if before_seq is not None else [])
        for position, (entry_id, stored_hash, *values) in enumerate(rows, start=1):
            if hashlib.sha256(_python_payload(table, values)).hexdigest() != stored_hash:
                return ChainProblem("content", position, values[0], entry_id)
    return None
