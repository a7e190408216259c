"""Partial indexes on cases_case that serve the casework queue: one per tab, in the queue's default order
(urgent first, then oldest), so each tab's page is an ordered index scan and each tab's count an index-only
scan, whatever the number of finished cases.

The last one, on removals_removalrequest, lets the Overdue count read case ids from the index alone; it can go
once cases.removals' own removal_deadline_idx (status, deadline_at) also holds case_id.

They live here, next to the queries they serve (cases.casework.selectors), and are created with SQL that
PostgreSQL accepts. Django's model state does not know them (state_operations is empty), so
the cases app's migrations are unaffected; moving them into Case.Meta.indexes later means dropping these.
"""

from django.db import migrations

OPEN = "status IN ('new', 'in_progress', 'waiting_on_victim')"
FINISHED = "status IN ('resolved', 'closed')"
ORDER = "is_urgent DESC, created_at, id"

INDEXES = {
    "casework_queue_open_idx": f"ON cases_case ({ORDER}) WHERE {OPEN}",
    "casework_queue_unassigned_idx": f"ON cases_case ({ORDER}) WHERE {OPEN} AND assigned_to_id IS NULL",
    "casework_queue_mine_idx": f"ON cases_case (assigned_to_id, {ORDER}) WHERE {OPEN}",
    "casework_queue_finished_idx": f"ON cases_case ({ORDER}) WHERE {FINISHED}",
    "casework_overdue_idx": "ON removals_removalrequest (status, deadline_at, case_id)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_auditrecord_append_only"),
        ("cases", "0001_initial"),
        ("removals", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
            state_operations=[],
        )
        for name, definition in INDEXES.items()
    ]
