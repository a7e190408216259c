"""The reports' index on casework_caseassignment enters the model state (CaseAssignment.Meta.indexes) under
its existing name: built by SQL in reporting 0001, only recorded here, so nothing is built twice.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0001_report_indexes'),
        ('cases', '0010_adopt_queue_and_report_indexes'),
        ('casework', '0009_evidence_pack_export_action'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='caseassignment',
                    index=models.Index(fields=['assigned_to', 'at'], include=('case',), name='reporting_assignment_to_idx'),
                ),
            ],
            database_operations=[],
        ),
    ]
