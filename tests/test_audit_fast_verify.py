"""The fast verification paths (database-built payloads, set-based checks on PostgreSQL) give
exactly the verdict of the reference computation: json.dumps + format_time + SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import zoneinfo

import pytest
from django.db import connection, transaction

from zhifa.core import audit, audit_reader
from zhifa.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NASTY = [
    "".join(map(chr, range(1, 32))),
    'quote " backslash \\ slash / tab \t newline \n',
    "中文 é ß \u2028 \u2029 \ufeff \xa0 \x7f \x85 😀 𠀀",
    "",
    '{"already":"json","n":[1,2]}',
]


def reference_digest(values: list) -> str:
    """The digest as first specified: no shortcuts."""
    as_list = list(values)
    as_list[1] = audit.format_time(as_list[1])
    payload = json.dumps(as_list, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _write(changes: list[audit.Change]) -> None:
    with transaction.atomic():
        audit.record_many(changes)


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_immutable")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_immutable")


def test_entry_digest_matches_the_reference_for_any_values():
    rng = random.Random(3)
    alphabet = "".join(NASTY) + "abcXYZ0123"
    for _ in range(500):
        values = [
            rng.randrange(1, 10**12),
            dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=rng.randrange(10**13)),
            rng.choice([None, rng.randrange(10**9)]),
            *("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(13)),
        ]
        assert audit.entry_digest(tuple(values)) == reference_digest(values)
    odd = [
        True,
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        1.5,
        *(["x"] * 12),
        None,
    ]  # types the table never holds
    assert audit.entry_digest(tuple(odd)) == reference_digest(odd)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 4, 13, 6, 7, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
        dt.datetime(999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
    ],
)
def test_utc_text_is_format_time(moment):
    assert audit.utc_text(moment) == audit.format_time(moment)


def test_nasty_content_and_whole_second_times_verify():
    base = dt.datetime(2025, 6, 1, 8, 0, 0, tzinfo=dt.UTC)
    changes = [
        audit.Change(
            "test.nasty",
            "test.object",
            text[:60] or "-",
            before={"v": text},
            after={text: [text]},
            occurred_at=base + dt.timedelta(seconds=i),
        )  # whole seconds: stored without fraction
        for i, text in enumerate(NASTY * 3)
    ]
    _write(changes)
    rows = AuditEntry.objects.order_by("seq").values_list("hash", *audit.CHAINED_COLUMNS)
    assert all(reference_digest(list(values)) == stored for stored, *values in rows)
    result = audit.verify_chain()
    assert result.ok and result.count == len(changes)


def test_changed_content_is_found_with_the_count_before_it():
    _write([audit.Change("test.write", "test.object", str(i), after={"n": i}) for i in range(6)])
    _tamper("UPDATE audit_entry SET object_id = %s WHERE seq = 4", ["x"])
    result = audit.verify_chain()
    assert (result.ok, result.seq, result.count) == (False, 4, 3) and "内容" in result.problem


def test_a_failed_shortcut_is_not_a_verdict(monkeypatch):
    """Without the database's payloads (an engine that escapes differently) the verdicts hold."""
    monkeypatch.setattr(audit_reader, "_escapes_like_python", lambda cursor, table: False)
    _write(
        [audit.Change("test.write", "test.object", str(i), after={"名称": NASTY[i % 5]}) for i in range(5)]
    )
    assert audit.verify_chain().ok
    _tamper("UPDATE audit_entry SET after = %s WHERE seq = 2", ['{"名称":"改"}'])
    result = audit.verify_chain()
    assert (result.ok, result.seq, result.count) == (False, 2, 1)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores occurred_at as text")
def test_an_equivalent_time_text_is_judged_by_the_reference():
    """A stored time that the ORM reads as the same moment verifies, as it always did."""
    _write(
        [
            audit.Change(
                "test.write",
                "test.object",
                "1",
                occurred_at=dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
            )
        ]
    )
    _tamper("UPDATE audit_entry SET occurred_at = %s WHERE seq = 1", ["2025-01-02 03:04:05.000006+00:00"])
    assert audit.verify_chain().ok
    _tamper("UPDATE audit_entry SET occurred_at = %s WHERE seq = 1", ["2025-01-02 03:04:06.000006"])
    assert audit.verify_chain().seq == 1


def test_links_are_checked_before_content():
    _write([audit.Change("test.write", "test.object", str(i)) for i in range(5)])
    _tamper("UPDATE audit_entry SET object_id = 'x', prev_hash = %s WHERE seq = 3", ["f" * 64])
    result = audit.verify_chain()
    assert (result.seq, result.count) == (3, 2) and "前序" in result.problem
