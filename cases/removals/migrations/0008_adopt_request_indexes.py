"""The Overdue count's index and the reports' indexes on removals_removalrequest enter the model state
(RemovalRequest.Meta.indexes) under their existing names: built by SQL in casework 0003 and reporting 0001,
only recorded here (state_operations), so nothing is built twice. tests/helpline/test_indexes.py checks them.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0003_queue_indexes'),
        ('reporting', '0001_report_indexes'),
        ('cases', '0010_adopt_queue_and_report_indexes'),
        ('removals', '0007_url_check_vpdq_match'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='removalrequest',
                    index=models.Index(fields=['status', 'deadline_at', 'case'], name='casework_overdue_idx'),
                ),
                migrations.AddIndex(
                    model_name='removalrequest',
                    index=models.Index(condition=models.Q(('status__in', ['sent', 'acknowledged', 'needs_info', 'overdue'])), fields=['sent_at', 'id'], name='reporting_request_awaiting_idx'),
                ),
            ],
            database_operations=[],
        ),
    ]
