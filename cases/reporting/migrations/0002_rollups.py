"""The rollup tables (cases/reporting/models.py) and the triggers that mark a day dirty when its figures may move.

Triggers and not the services: every write path (services, admin, data fixes, bulk updates) is caught, in the
transaction of the change itself, so a refresh that reads a snapshot consumes exactly the marks of the changes it
saw. A mark is one appended row (no shared row to wait on). PostgreSQL only; the SQLite demo has no reports.
"""

import django.contrib.postgres.fields
from django.db import migrations, models


# Removal outcomes are keyed on the day a request (not an escalation) was last sent. A request's own change moves
# its old and new sent day; an escalation's change (its removal) moves the day of the request it escalates.
TRIGGERS_SQL = """
CREATE OR REPLACE FUNCTION reporting_mark_request(kind text, sent_at timestamptz, escalates bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF kind <> 'escalation' AND sent_at IS NOT NULL THEN
        INSERT INTO reporting_rollupdirty (report, at) VALUES ('removals', sent_at);
    END IF;
    IF escalates IS NOT NULL THEN
        INSERT INTO reporting_rollupdirty (report, at)
        SELECT 'removals', o.sent_at FROM removals_removalrequest o
        WHERE o.id = escalates AND o.sent_at IS NOT NULL AND o.kind <> 'escalation';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION reporting_request_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM reporting_mark_request(OLD.kind, OLD.sent_at, OLD.escalates_id); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reporting_mark_request(NEW.kind, NEW.sent_at, NEW.escalates_id); END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reporting_transition_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT q.kind, q.sent_at, q.escalates_id FROM removals_removalrequest q
        WHERE (TG_OP <> 'INSERT' AND q.id = OLD.request_id) OR (TG_OP <> 'DELETE' AND q.id = NEW.request_id)
    LOOP
        PERFORM reporting_mark_request(r.kind, r.sent_at, r.escalates_id);
    END LOOP;
    RETURN NULL;
END $$;

-- Time to first action is keyed on the day a case was filed.
CREATE OR REPLACE FUNCTION reporting_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO reporting_rollupdirty (report, at) VALUES ('first_action', OLD.created_at);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO reporting_rollupdirty (report, at) VALUES ('first_action', NEW.created_at);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reporting_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_rollupdirty (report, at)
    SELECT 'first_action', c.created_at FROM cases_case c
    WHERE (TG_OP <> 'INSERT' AND c.id = OLD.case_id AND OLD.actor_id IS NOT NULL)
       OR (TG_OP <> 'DELETE' AND c.id = NEW.case_id AND NEW.actor_id IS NOT NULL);
    RETURN NULL;
END $$;

CREATE TRIGGER reporting_request_insert_delete AFTER INSERT OR DELETE ON removals_removalrequest
    FOR EACH ROW EXECUTE FUNCTION reporting_request_changed();
CREATE TRIGGER reporting_request_update AFTER UPDATE ON removals_removalrequest
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status OR OLD.sent_at IS DISTINCT FROM NEW.sent_at
        OR OLD.status_changed_at IS DISTINCT FROM NEW.status_changed_at
        OR OLD.deadline_at IS DISTINCT FROM NEW.deadline_at OR OLD.platform_id IS DISTINCT FROM NEW.platform_id
        OR OLD.basis IS DISTINCT FROM NEW.basis OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.escalates_id IS DISTINCT FROM NEW.escalates_id
    ) EXECUTE FUNCTION reporting_request_changed();
CREATE TRIGGER reporting_transition_changed AFTER INSERT OR UPDATE OR DELETE ON removals_requesttransition
    FOR EACH ROW EXECUTE FUNCTION reporting_transition_changed();
CREATE TRIGGER reporting_case_insert_delete AFTER INSERT OR DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION reporting_case_changed();
CREATE TRIGGER reporting_case_update AFTER UPDATE ON cases_case
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.is_urgent IS DISTINCT FROM NEW.is_urgent)
    EXECUTE FUNCTION reporting_case_changed();
CREATE TRIGGER reporting_event_insert_delete AFTER INSERT OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION reporting_event_changed();
CREATE TRIGGER reporting_event_update AFTER UPDATE ON cases_caseevent
    FOR EACH ROW WHEN (
        OLD.at IS DISTINCT FROM NEW.at OR OLD.actor_id IS DISTINCT FROM NEW.actor_id
        OR OLD.case_id IS DISTINCT FROM NEW.case_id
    ) EXECUTE FUNCTION reporting_event_changed();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS reporting_request_insert_delete ON removals_removalrequest;
DROP TRIGGER IF EXISTS reporting_request_update ON removals_removalrequest;
DROP TRIGGER IF EXISTS reporting_transition_changed ON removals_requesttransition;
DROP TRIGGER IF EXISTS reporting_case_insert_delete ON cases_case;
DROP TRIGGER IF EXISTS reporting_case_update ON cases_case;
DROP TRIGGER IF EXISTS reporting_event_insert_delete ON cases_caseevent;
DROP TRIGGER IF EXISTS reporting_event_update ON cases_caseevent;
DROP FUNCTION IF EXISTS reporting_request_changed();
DROP FUNCTION IF EXISTS reporting_transition_changed();
DROP FUNCTION IF EXISTS reporting_case_changed();
DROP FUNCTION IF EXISTS reporting_event_changed();
DROP FUNCTION IF EXISTS reporting_mark_request(text, timestamptz, bigint);
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS_SQL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_report_indexes"),
        ("cases", "0002_case_message"),
        ("removals", "0002_platform_directory"),
    ]

    operations = [
        migrations.CreateModel(
            name="FirstActionDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("is_urgent", models.BooleanField()),
                ("actor_id", models.BigIntegerField(null=True)),
                ("cases", models.IntegerField()),
                (
                    "first_action_seconds",
                    django.contrib.postgres.fields.ArrayField(base_field=models.FloatField(), size=None),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["day"], name="reporting_firstaction_day_idx")],
            },
        ),
        migrations.CreateModel(
            name="RemovalDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("platform_id", models.BigIntegerField()),
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
                    models.UniqueConstraint(fields=("day", "platform_id"), name="reporting_removalday_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="RollupDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("report", models.CharField(max_length=20)),
                ("day", models.DateField()),
                ("tz", models.CharField(max_length=64)),
                ("computed_at", models.DateTimeField()),
                ("stable_until", models.DateTimeField(null=True)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("report", "day"), name="reporting_rollupday_unique")],
            },
        ),
        migrations.CreateModel(
            name="RollupDirty",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("report", models.CharField(max_length=20)),
                ("at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["report", "at"], name="reporting_dirty_idx")],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
