"""Indexes the reports read through, on other apps' tables (cases, removals, casework, hashing).

They are partial indexes shaped for the report queries in cases/reporting/selectors/, created here so the apps
that own the tables need no change. PostgreSQL only: reporting needs PostgreSQL, and the SQLite demo skips them.
`IF NOT EXISTS` lets an owner later adopt one of these in its own migration under the same name.
"""

from django.db import migrations

from cases.reporting.migrations._postgres_indexes import index_operation

INDEXES = {
    # Cases closed in a period (cases report, weekly "closed").
    "reporting_case_closed_idx": "ON cases_case (closed_at) WHERE closed_at IS NOT NULL",
    # Resolutions and closures in a period (weekly "resolved", per caseworker): index-only, one index per status
    # so the status test sits in the predicate (an expression in the key would rule out index-only scans).
    "reporting_event_resolved_idx": (
        "ON cases_caseevent (at) INCLUDE (case_id, actor_id) "
        "WHERE kind = 'case_status_changed' AND (detail ->> 'status_to') = 'resolved'"
    ),
    "reporting_event_closed_idx": (
        "ON cases_caseevent (at) INCLUDE (case_id, actor_id) "
        "WHERE kind = 'case_status_changed' AND (detail ->> 'status_to') = 'closed'"
    ),
    # The first staff action on each case (time to first caseworker action): one index probe per case.
    "reporting_event_staff_idx": "ON cases_caseevent (case_id, at) INCLUDE (actor_id) WHERE actor_id IS NOT NULL",
    # Requests sent in a period, with what the outcome needs, read without touching the table.
    "reporting_request_sent_idx": (
        "ON removals_removalrequest (sent_at) "
        "INCLUDE (id, platform_id, status, basis, deadline_at, status_changed_at, send_approved_by_id) "
        "WHERE kind <> 'escalation' AND sent_at IS NOT NULL"
    ),
    # Escalations of a request (a removal won on appeal counts for the original).
    "reporting_request_escalates_idx": (
        "ON removals_removalrequest (escalates_id) INCLUDE (id) WHERE escalates_id IS NOT NULL"
    ),
    # Removals in a period: the moment a request reached "removed".
    "reporting_transition_removed_idx": (
        "ON removals_requesttransition (at) INCLUDE (request_id) WHERE to_status = 'removed'"
    ),
    # Who sent a request (a caseworker's own figures).
    "reporting_transition_sent_by_idx": (
        "ON removals_requesttransition (actor_id, at) INCLUDE (request_id) WHERE to_status = 'sent'"
    ),
    # The slowest requests still waiting on a platform.
    "reporting_request_awaiting_idx": (
        "ON removals_removalrequest (sent_at, id) WHERE status IN ('sent', 'acknowledged', 'needs_info', 'overdue')"
    ),
    # Cases given to a caseworker in a period (a caseworker's own figures).
    "reporting_assignment_to_idx": "ON casework_caseassignment (assigned_to_id, at) INCLUDE (case_id)",
    # Hashes that entered the bank in a period.
    "reporting_bankentry_created_idx": "ON hashing_bankentry (created_at)",
    # Case links that stopped sharing (withdrawn or deleted) in a period.
    "reporting_bankentrycase_stopped_idx": (
        "ON hashing_bankentrycase (changed_at) INCLUDE (entry_id) WHERE status IN ('Withdrawn', 'Deleted')"
    ),
    # Partner feedback in a period.
    "reporting_partnerfeedback_at_idx": "ON hashing_partnerfeedback (at) INCLUDE (partner_id, entry_id, value)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_message"),
        ("removals", "0002_platform_directory"),
        ("casework", "0002_auditrecord_append_only"),
        ("hashing", "0001_initial"),
    ]

    operations = [index_operation(INDEXES)]
