from __future__ import annotations

import itertools
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from tests.conftest import make_credit_code, make_id_number
from zhifa.core import audit
from zhifa.core.models import AuditChainHead, AuditEntry
from zhifa.registry import actions

pytestmark = pytest.mark.django_db


def _write(n: int) -> None:
    with transaction.atomic():
        audit.record_many(
            audit.Change(
                "test.write", "test.object", str(i), before={"n": i}, after={"n": i + 1, "名称": "某某"}
            )
            for i in range(n)
        )


def _raw(sql: str, params: list | None = None) -> None:
    """Tamper directly in the database, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_immutable")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_immutable")


def test_entries_are_chained_and_verify():
    _write(5)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert {e.algorithm for e in entries} == {"sha256"}
    result = audit.verify_chain()
    assert result.ok and result.count == 5


def test_one_changed_byte_is_found_and_named():
    _write(5)
    target = AuditEntry.objects.get(seq=3)
    _raw("UPDATE audit_entry SET after = %s WHERE id = %s", [target.after.replace("某某", "某甲"), target.id])
    result = audit.verify_chain()
    assert not result.ok
    assert result.seq == 3
    assert "内容" in result.problem


def test_changed_actor_is_found():
    _write(3)
    _raw("UPDATE audit_entry SET actor_username = 'mallory' WHERE seq = 2")
    assert audit.verify_chain().seq == 2


def test_deleted_row_is_found_at_its_successor():
    _write(5)
    _raw("DELETE FROM audit_entry WHERE seq = 2")
    result = audit.verify_chain()
    assert not result.ok and result.seq == 3


def test_deleted_last_row_is_found_through_the_head():
    _write(4)
    _raw("DELETE FROM audit_entry WHERE seq = 4")
    result = audit.verify_chain()
    assert not result.ok and "链尾" in result.problem


def test_reordered_rows_are_found():
    _write(4)
    # Swap the sequence numbers of entries 2 and 3 (through a temporary value).
    _raw("UPDATE audit_entry SET seq = -2 WHERE seq = 2")
    _raw("UPDATE audit_entry SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_entry SET seq = 3 WHERE seq = -2")
    result = audit.verify_chain()
    assert not result.ok and result.seq == 2


def test_recomputed_forgery_of_one_row_is_still_found_at_the_next():
    """An attacker who rewrites an entry *and* recomputes its hash breaks the next link."""
    _write(4)
    row = AuditEntry.objects.get(seq=2)
    values = [getattr(row, c) for c in audit.CHAINED_COLUMNS]
    values[audit.CHAINED_COLUMNS.index("after")] = json.dumps({"forged": True})
    forged_hash = audit.entry_digest(tuple(values))
    _raw(
        "UPDATE audit_entry SET after = %s, hash = %s WHERE seq = 2",
        [values[audit.CHAINED_COLUMNS.index("after")], forged_hash],
    )
    result = audit.verify_chain()
    assert not result.ok and result.seq == 3


def test_application_writes_one_entry_per_action_in_the_same_transaction(city):
    before = AuditEntry.objects.count()
    entity = actions.do_create_entity(
        None,
        actions.EntityInput(
            kind="enterprise",
            name="湖州测试食品有限公司",
            region_code="330502",
            credit_code=make_credit_code("330502", "91"),
        ),
    )
    new = list(AuditEntry.objects.filter(seq__gt=before))
    assert len(new) == 1
    assert (new[0].action, new[0].object_type, new[0].object_id) == (
        "registry.entity_create",
        "registry.entity",
        str(entity.pk),
    )
    assert json.loads(new[0].after)["name"] == "湖州测试食品有限公司"
    assert new[0].actor_username == "system"


def test_failed_action_leaves_no_entry_and_no_change(city):
    count = AuditEntry.objects.count()
    with pytest.raises(actions.ActionError):
        good = make_id_number()
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        actions.do_create_officer(
            None, actions.OfficerInput(name="赵六", id_number=bad, agency_code=city.market_city.code)
        )
    assert AuditEntry.objects.count() == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_update_and_delete():
    from django.db.utils import DatabaseError

    _write(2)
    for sql in ("UPDATE audit_entry SET outcome = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.count() == 2


def test_verify_command_prints_ok_and_exits_1_on_tampering(capsys):
    _write(3)
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == "ok 3 entries"
    _raw("UPDATE audit_entry SET object_id = '99' WHERE seq = 2")
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify")
    assert exc.value.code == 1
    assert "seq=2" in capsys.readouterr().err


def test_head_tracks_the_chain():
    _write(3)
    head = AuditChainHead.objects.get(pk=1)
    assert head.seq == 3 and head.hash == AuditEntry.objects.get(seq=3).hash
