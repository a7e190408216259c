"""Indexes found with EXPLAIN (ANALYZE, BUFFERS) on the benchmark's two years of data, for the longest period.

Same pattern as 0001 (PostgreSQL only, IF NOT EXISTS, on other apps' tables so their owners need not change):
- the hash bank now: counted per type and status from an index, not the table (whose rows carry the hash values);
- partner feedback: read in (partner, entry) order from the index alone, so ROLLUP needs no sort and each
  partner's distinct "hashes blocked" sorts an already ordered run, rather than fetching 600,000 rows by partner;
- a caseworker's own figures: the requests they approved for the portal to email, and each of those requests'
  email sends, read from indexes alone (not tens of thousands of table rows per person).
"""

from django.db import migrations

from cases.reporting.migrations._postgres_indexes import index_operation

INDEXES = {
    "reporting_bankentry_type_status_idx": "ON hashing_bankentry (signal_type, status)",
    "reporting_partnerfeedback_partner_idx": (
        "ON hashing_partnerfeedback (partner_id, entry_id) INCLUDE (at, value)"
    ),
    "reporting_request_approved_by_idx": (
        "ON removals_removalrequest (send_approved_by_id) INCLUDE (id) WHERE send_approved_by_id IS NOT NULL"
    ),
    "reporting_transition_email_sent_idx": (
        "ON removals_requesttransition (request_id) INCLUDE (at) WHERE to_status = 'sent' AND actor_id IS NULL"
    ),
}


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_removal_lookup_index"), ("hashing", "0001_initial")]

    operations = [index_operation(INDEXES)]
