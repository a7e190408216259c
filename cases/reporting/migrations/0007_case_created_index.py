"""Cases filed in a period with their urgency and language, read from the index alone: the weekly "opened" and
"urgent" counts of the cases report (a range scan per week) without fetching each case row. Same pattern as 0001."""

from django.db import migrations

INDEXES = {
    "reporting_case_created_idx": "ON cases_case (created_at) INCLUDE (is_urgent, language)",
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
    dependencies = [("reporting", "0006_own_figures_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
