"""Overdue now means past a LEGAL deadline (deadline_statutory); a request past the helpline's own follow-up target
is counted apart, as follow-up due. The days rolled up under the old meaning are dropped (the next refresh works
them out again; until then they are read live), and the index the removals report reads gains deadline_statutory
so the outcome is still worked out from the index alone."""

from django.db import migrations, models

from cases.reporting.migrations._postgres_indexes import index_operation

INDEXES = {
    "reporting_request_sent_v2_idx": (
        "ON removals_removalrequest (sent_at) "
        "INCLUDE (id, platform_id, status, basis, deadline_at, deadline_statutory, status_changed_at, "
        "send_approved_by_id) "
        "WHERE kind <> 'escalation' AND sent_at IS NOT NULL"
    ),
}


def drop_old_meaning(apps, schema_editor):
    apps.get_model("reporting", "RollupDay").objects.filter(report="removals").delete()
    apps.get_model("reporting", "RemovalDay").objects.all().delete()
    apps.get_model("reporting", "RemovalSenderDay").objects.all().delete()


def drop_old_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reporting_request_sent_idx")


def restore_old_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS reporting_request_sent_idx ON removals_removalrequest (sent_at) "
            "INCLUDE (id, platform_id, status, basis, deadline_at, status_changed_at, send_approved_by_id) "
            "WHERE kind <> 'escalation' AND sent_at IS NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0007_case_created_index"),
        ("removals", "0004_statutory_deadline_and_disclosure"),
    ]

    operations = [
        migrations.AddField(
            model_name="removalday",
            name="follow_up_due",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="removalsenderday",
            name="follow_up_due",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(drop_old_meaning, migrations.RunPython.noop, elidable=False),
        index_operation(INDEXES),
        migrations.RunPython(drop_old_index, restore_old_index, elidable=False),
    ]
