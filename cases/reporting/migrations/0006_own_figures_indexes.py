"""A caseworker's own resolutions and closures by week (My figures), read by person from the index alone rather than
by scanning every resolution or closure of the period for theirs. Same pattern as 0001."""

from django.db import migrations

INDEXES = {
    "reporting_event_resolved_by_idx": (
        "ON cases_caseevent (actor_id, at) INCLUDE (case_id) "
        "WHERE kind = 'case_status_changed' AND (detail ->> 'status_to') = 'resolved'"
    ),
    "reporting_event_closed_by_idx": (
        "ON cases_caseevent (actor_id, at) INCLUDE (case_id) "
        "WHERE kind = 'case_status_changed' AND (detail ->> 'status_to') = 'closed'"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("reporting", "0005_removal_sender_rollup")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
