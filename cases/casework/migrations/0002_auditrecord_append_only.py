"""The audit log is append-only in the database too: a trigger refuses every UPDATE and DELETE on its rows.

TRUNCATE is left to the table owner (it needs owner rights, and test databases are emptied with it).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION casework_auditrecord_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on casework_auditrecord is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER casework_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON casework_auditrecord
    FOR EACH ROW EXECUTE FUNCTION casework_auditrecord_refuse_change();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS casework_auditrecord_append_only ON casework_auditrecord;
DROP FUNCTION IF EXISTS casework_auditrecord_refuse_change();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER casework_auditrecord_no_update BEFORE UPDATE ON casework_auditrecord "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE on casework_auditrecord is refused'); END;",
    "CREATE TRIGGER casework_auditrecord_no_delete BEFORE DELETE ON casework_auditrecord "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE on casework_auditrecord is refused'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS casework_auditrecord_no_update;",
    "DROP TRIGGER IF EXISTS casework_auditrecord_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)  # None: the '%' in RAISE is not a placeholder
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)
    else:
        raise RuntimeError(f"add an append-only trigger for {vendor} to casework migration 0002")


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
