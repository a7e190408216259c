"""The database cache's table (rate limits, TOTP replay guard, the partner API's gate), made by `migrate` itself.

Django leaves this table to `manage.py createcachetable`, a step that is easy to miss: a database prepared with
`migrate` alone answered 500 on every partner API call. createcachetable is idempotent (it skips a table that
exists), so databases that already ran it are unaffected; the reverse drops the table.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def _cache_tables() -> list[str]:
    return [
        cache["LOCATION"]
        for cache in settings.CACHES.values()
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    ]


def create_cache_tables(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_tables(apps, schema_editor) -> None:
    for table in _cache_tables():
        schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("helpline", "0001_initial")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables, elidable=False)]
