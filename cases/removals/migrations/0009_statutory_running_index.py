"""The Overdue count's index of requests whose legal deadline runs, built without locking the table."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; the table stays writable while it builds.
    atomic = False

    dependencies = [
        ("removals", "0008_adopt_request_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="removalrequest",
            index=models.Index(
                condition=models.Q(("deadline_statutory", True), ("status__in", ["acknowledged", "sent"])),
                fields=["deadline_at", "case"],
                name="casework_statutory_running_idx",
            ),
        ),
    ]
