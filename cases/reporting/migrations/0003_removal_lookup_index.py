"""An index for "when was this request removed": one probe per request, read from the index alone.

The live part of the removal reports and the rollup refresh look up each request's removal (and its escalations'),
rather than joining every removal since the period began. Same pattern as 0001 (PostgreSQL only, IF NOT EXISTS).
"""

from django.db import migrations

NAME = "reporting_transition_removal_of_idx"
DEFINITION = "ON removals_requesttransition (request_id) INCLUDE (at) WHERE to_status = 'removed'"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} {DEFINITION}")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_rollups")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
