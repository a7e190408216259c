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
def forward(apps, schema_editor):
    # PostgreSQL only: the portal runs on nothing else (the SQLite demo and its triggers are gone).
    schema_editor.execute(PG_FORWARD, params=None)  # None: the '%' in RAISE is not a placeholder


def reverse(apps, schema_editor):
    schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
