"""Directory facts with their sources and dates, TAKE IT DOWN designation, and the bases for the legal engine."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('removals', '0002_platform_directory'),
    ]

    operations = [
        migrations.RenameField(
            model_name='reportingchannel',
            old_name='source',
            new_name='source_url',
        ),
        migrations.AddField(
            model_name='platform',
            name='country',
            field=models.CharField(blank=True, help_text='ISO 3166-1 alpha-2 country an authority serves; blank for platforms.', max_length=2),
        ),
        migrations.AddField(
            model_name='platform',
            name='covered_platform',
            field=models.BooleanField(default=False, help_text="A 'covered platform' under the US TAKE IT DOWN Act (47 U.S.C. 223a): a public site or app that mainly hosts user-generated content. Hosts, CDNs, registrars and search engines are not."),
        ),
        migrations.AddField(
            model_name='platform',
            name='last_verified',
            field=models.DateField(blank=True, help_text='When those facts were last checked.', null=True),
        ),
        migrations.AddField(
            model_name='platform',
            name='source_url',
            field=models.URLField(blank=True, help_text='Where the facts about it were read.', max_length=500),
        ),
        migrations.AddField(
            model_name='reportingchannel',
            name='countries',
            field=models.JSONField(blank=True, default=list, help_text='ISO country codes of victims it serves (e.g. EU states); empty: all.'),
        ),
        migrations.AddField(
            model_name='reportingchannel',
            name='language',
            field=models.CharField(blank=True, help_text="Language it takes; blank: the platform's.", max_length=8),
        ),
        migrations.AddField(
            model_name='reportingchannel',
            name='last_verified',
            field=models.DateField(blank=True, help_text='When the source was last read.', null=True),
        ),
        migrations.AlterField(
            model_name='reportingchannel',
            name='source_url',
            field=models.URLField(blank=True, help_text='Where the platform publishes this channel.', max_length=500),
        ),
        migrations.AddField(
            model_name='reportingchannel',
            name='takeitdown_designated',
            field=models.BooleanField(default=False, help_text="The platform's own notice-and-removal process under the TAKE IT DOWN Act: only requests made through it start the 48-hour duty."),
        ),
        migrations.AlterField(
            model_name='platform',
            name='kind',
            field=models.CharField(choices=[('platform', 'Platform'), ('search_engine', 'Search engine'), ('host', 'Host / other website'), ('authority', 'Enforcing authority'), ('registrar', 'Domain registrar'), ('cdn', 'CDN or reverse proxy'), ('child_protection', 'Child-protection organisation')], default='platform', max_length=20),
        ),
        migrations.AlterField(
            model_name='removalrequest',
            name='basis',
            field=models.CharField(choices=[('take_it_down', 'US TAKE IT DOWN Act'), ('dmca', 'US DMCA 512(c)(3) copyright notice'), ('dsa_art16', 'EU Digital Services Act, Article 16 notice'), ('platform_policy', 'Platform policy report'), ('google_ncii', 'Google Search NCII removal form'), ('bing_ncii', 'Bing NCII removal form'), ('appeal', 'Appeal of a platform decision'), ('regulator_complaint', 'Complaint to the enforcing authority'), ('uk_osa', 'UK Online Safety Act: illegal content report (intimate image abuse)'), ('esafety', 'Australia: eSafety image-based abuse report'), ('child_safety', 'Child sexual abuse material report')], max_length=30),
        ),
        migrations.AlterField(
            model_name='reportingchannel',
            name='purpose',
            field=models.CharField(choices=[('report', 'First report'), ('appeal', 'Appeal or review of a decision'), ('data_protection', 'Data-protection officer'), ('regulator', 'Regulator or enforcing authority'), ('child_safety', 'Child-safety report (the person pictured is under 18)')], default='report', max_length=20),
        ),
    ]
