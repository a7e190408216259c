"""Channels get a stable key from the directory file; loads of the file are recorded.

Channels that exist before the file (migration 0002's) get a 'legacy-<id>' key, so the first load of the
file treats them as dropped from it: deleted when unused, retired when requests point to them. Channels
added later in the admin keep a blank key and are never touched by a load."""

import django.utils.timezone
from django.db import migrations, models


def key_existing_channels(apps, schema_editor):
    ReportingChannel = apps.get_model("removals", "ReportingChannel")
    for channel in ReportingChannel.objects.filter(key=""):
        channel.key = f"legacy-{channel.pk}"
        channel.save(update_fields=["key"])


class Migration(migrations.Migration):

    dependencies = [
        ('removals', '0003_directory_sources_and_legal_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='DirectoryLoad',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('file_date', models.DateField(help_text='The date the file gives for this version.')),
                ('sha256', models.CharField(help_text="Of the file's bytes, to tell edits without a version bump.", max_length=64)),
                ('loaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('summary', models.JSONField(blank=True, default=dict, help_text='Counts of what the load created and changed.')),
            ],
            options={
                'ordering': ['-loaded_at', '-id'],
                'get_latest_by': ['loaded_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='reportingchannel',
            name='key',
            field=models.SlugField(blank=True, help_text='Stable name in the directory file (cases/removals/data/directory.yaml); blank: added in the admin.', max_length=80),
        ),
        migrations.AddField(
            model_name='reportingchannel',
            name='retired',
            field=models.BooleanField(default=False, help_text='Dropped from the directory file but kept because requests point to it; drafting skips it.'),
        ),
        migrations.AddConstraint(
            model_name='reportingchannel',
            constraint=models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('platform', 'key'), name='channel_key_per_platform'),
        ),
        migrations.RunPython(key_existing_channels, migrations.RunPython.noop),
    ]
