"""My figures' removal outcomes from the rollup too: RemovalDay per sender (RemovalSenderDay), kept for the same days
by the same refresh, and RollupDay.sends_until.

Who sent a request can change with no change to what the removals rollup watched before (a send approval set
later): the update trigger now marks the day for that too. Existing removal days are dropped from the rollup, so
the next refresh works them out again with their senders; until then they are worked out live.
"""

import django.contrib.postgres.fields
from django.db import migrations, models

REQUEST_UPDATE_WHEN = """
        OLD.status IS DISTINCT FROM NEW.status OR OLD.sent_at IS DISTINCT FROM NEW.sent_at
        OR OLD.status_changed_at IS DISTINCT FROM NEW.status_changed_at
        OR OLD.deadline_at IS DISTINCT FROM NEW.deadline_at OR OLD.platform_id IS DISTINCT FROM NEW.platform_id
        OR OLD.basis IS DISTINCT FROM NEW.basis OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.escalates_id IS DISTINCT FROM NEW.escalates_id{extra}"""


def request_trigger(extra: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS reporting_request_update ON removals_removalrequest;
CREATE TRIGGER reporting_request_update AFTER UPDATE ON removals_removalrequest
    FOR EACH ROW WHEN ({REQUEST_UPDATE_WHEN.format(extra=extra)}
    ) EXECUTE FUNCTION reporting_request_changed();
"""


FORWARD_SQL = (
    request_trigger("\n        OR OLD.send_approved_by_id IS DISTINCT FROM NEW.send_approved_by_id")
    # Who moved a request to "sent" (the refresh looks the senders up per request).
    + "CREATE INDEX IF NOT EXISTS reporting_transition_senders_idx ON removals_requesttransition (request_id) "
    "INCLUDE (actor_id, at) WHERE to_status = 'sent' AND actor_id IS NOT NULL;\n"
    "DELETE FROM reporting_removalday;\n"
    "DELETE FROM reporting_rollupday WHERE report = 'removals';\n"
)
BACKWARD_SQL = request_trigger("") + "DROP INDEX IF EXISTS reporting_transition_senders_idx;\n"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0004_more_report_indexes")]

    operations = [
        migrations.AddField(model_name="rollupday", name="sends_until", field=models.DateTimeField(null=True)),
        migrations.CreateModel(
            name="RemovalSenderDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("platform_id", models.BigIntegerField()),
                ("sender_id", models.BigIntegerField()),
                ("sent", models.IntegerField()),
                ("removed", models.IntegerField()),
                ("refused", models.IntegerField()),
                ("pending", models.IntegerField()),
                ("overdue", models.IntegerField()),
                ("closed", models.IntegerField()),
                ("tida", models.IntegerField()),
                ("tida_breached", models.IntegerField()),
                (
                    "removal_seconds",
                    django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("sender_id", "day", "platform_id"), name="reporting_removalsenderday_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
