"""The casework queue's partial indexes and the reports' indexes on cases_case and cases_caseevent enter the
model state (Case.Meta.indexes, CaseEvent.Meta.indexes) under their existing names.

casework 0003 and reporting 0001/0007 built them with SQL, before Django could say partial and covering indexes;
this migration only tells Django they exist (state_operations), so no index is built twice and no table is locked
for a rebuild. tests/helpline/test_indexes.py checks that each index in the database is the one described here.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0003_queue_indexes'),
        ('reporting', '0001_report_indexes'),
        ('reporting', '0007_case_created_index'),
        ('cases', '0009_pin_hash_keyed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(condition=models.Q(('status__in', ('new', 'in_progress', 'waiting_on_victim'))), fields=['-is_urgent', 'created_at', 'id'], name='casework_queue_open_idx'),
                ),
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(condition=models.Q(('status__in', ('new', 'in_progress', 'waiting_on_victim')), ('assigned_to__isnull', True)), fields=['-is_urgent', 'created_at', 'id'], name='casework_queue_unassigned_idx'),
                ),
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(condition=models.Q(('status__in', ('new', 'in_progress', 'waiting_on_victim'))), fields=['assigned_to', '-is_urgent', 'created_at', 'id'], name='casework_queue_mine_idx'),
                ),
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(condition=models.Q(('status__in', ('resolved', 'closed'))), fields=['-is_urgent', 'created_at', 'id'], name='casework_queue_finished_idx'),
                ),
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(condition=models.Q(('closed_at__isnull', False)), fields=['closed_at'], name='reporting_case_closed_idx'),
                ),
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(fields=['created_at'], include=('is_urgent', 'language'), name='reporting_case_created_idx'),
                ),
                migrations.AddIndex(
                    model_name='caseevent',
                    index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['case', 'at'], include=('actor',), name='reporting_event_staff_idx'),
                ),
            ],
            database_operations=[],
        ),
    ]
