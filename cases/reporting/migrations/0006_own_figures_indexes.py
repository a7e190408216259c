"""A caseworker's own resolutions and closures by week (My figures), read by person from the index alone rather than
by scanning every resolution or closure of the period for theirs. Same pattern as 0001."""

from django.db import migrations

from cases.reporting.migrations._postgres_indexes import index_operation

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


class Migration(migrations.Migration):
    dependencies = [("reporting", "0005_removal_sender_rollup")]

    operations = [index_operation(INDEXES)]
