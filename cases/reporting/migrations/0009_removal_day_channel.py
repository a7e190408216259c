"""The removal rollup gains the reporting channel a request was sent through, so the board's channel outcomes
(cases/removals/outcomes.py) read the rollup like the reports do. Days rolled up without it are dropped (the next
refresh works them out again; until then they are read live). The index the outcome SQL reads gains channel_id, so
the rows of a run of days still come from the index alone."""

from django.db import migrations, models

from cases.reporting.migrations._postgres_indexes import index_operation

INDEXES = {
    "reporting_request_sent_v3_idx": (
        "ON removals_removalrequest (sent_at) "
        "INCLUDE (id, platform_id, channel_id, status, basis, deadline_at, deadline_statutory, status_changed_at, "
        "send_approved_by_id) "
        "WHERE kind <> 'escalation' AND sent_at IS NOT NULL"
    ),
}


def drop_days_without_channel(apps, schema_editor):
    apps.get_model("reporting", "RollupDay").objects.filter(report="removals").delete()
    apps.get_model("reporting", "RemovalDay").objects.all().delete()
    apps.get_model("reporting", "RemovalSenderDay").objects.all().delete()


def drop_v2_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reporting_request_sent_v2_idx")


def restore_v2_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS reporting_request_sent_v2_idx ON removals_removalrequest (sent_at) "
            "INCLUDE (id, platform_id, status, basis, deadline_at, deadline_statutory, status_changed_at, "
            "send_approved_by_id) "
            "WHERE kind <> 'escalation' AND sent_at IS NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0008_follow_up_due_apart_from_overdue"),
    ]

    operations = [
        # Emptied first: a day's rows without a channel would collide with nothing, but would count twice.
        migrations.RunPython(drop_days_without_channel, drop_days_without_channel, elidable=False),
        migrations.RemoveConstraint(
            model_name="removalday",
            name="reporting_removalday_unique",
        ),
        migrations.AddField(
            model_name="removalday",
            name="channel_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddConstraint(
            model_name="removalday",
            constraint=models.UniqueConstraint(
                fields=("day", "platform_id", "channel_id"), name="reporting_removalday_unique", nulls_distinct=False
            ),
        ),
        index_operation(INDEXES),
        migrations.RunPython(drop_v2_index, restore_v2_index, elidable=False),
    ]
