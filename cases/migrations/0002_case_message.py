# An intentionally empty step. It once created a placeholder cases.CaseMessage; messages to victims now live in
# cases.casework (CaseMessage, related name "victim_messages"), but other apps' migrations already depend on
# this name, so it stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = []
