"""Load the shipped division codes and, on PostgreSQL, make audit_entry append-only."""

from django.db import migrations

AUDIT_GUARD_SQL = """
CREATE OR REPLACE FUNCTION zhifa_audit_entry_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_entry_immutable ON audit_entry;
CREATE TRIGGER audit_entry_immutable BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION zhifa_audit_entry_immutable();
"""
AUDIT_GUARD_REVERSE_SQL = """
DROP TRIGGER IF EXISTS audit_entry_immutable ON audit_entry;
DROP FUNCTION IF EXISTS zhifa_audit_entry_immutable();
"""


def load_regions(apps, schema_editor):
    from zhifa.core.regions import load_regions as load

    load(apps.get_model("core", "Region"))


def create_chain_head(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": "0" * 64}
    )


def guard_audit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_GUARD_SQL, params=None)


def unguard_audit(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_GUARD_REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(load_regions, migrations.RunPython.noop),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
        migrations.RunPython(guard_audit, unguard_audit),
    ]
