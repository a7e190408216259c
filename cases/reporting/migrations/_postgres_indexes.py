"""The one way the reporting migrations add their indexes (Django's loader skips this module: it starts with _).

PostgreSQL only (the reports need it; the SQLite demo has none), IF NOT EXISTS, and on other apps' tables by
name, so those apps' models need not change.
"""

from django.db import migrations


def index_operation(indexes: dict[str, str]) -> migrations.RunPython:
    """Create `indexes` (name -> "ON table (...) ...") going forwards, drop them going back."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, definition in indexes.items():
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
