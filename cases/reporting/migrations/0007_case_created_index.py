"""Cases filed in a period with their urgency and language, read from the index alone: the weekly "opened" and
"urgent" counts of the cases report (a range scan per week) without fetching each case row. Same pattern as 0001."""

from django.db import migrations

from cases.reporting.migrations._postgres_indexes import index_operation

INDEXES = {
    "reporting_case_created_idx": "ON cases_case (created_at) INCLUDE (is_urgent, language)",
}


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_own_figures_indexes")]

    operations = [index_operation(INDEXES)]
