"""Wrap the PBKDF2 PIN hashes of earlier releases in the keyed HMAC of cases.pins, so a database dump cannot test them.

The PIN itself is needed to replace a hash by the cheap keyed form, so that happens at each PIN's next correct use;
this migration only makes the existing hashes useless without the key. It cannot be reversed (the PBKDF2 hash is
no longer stored), so it has no reverse operation.
"""

from django.db import migrations, models


def wrap_pbkdf2_pins(apps, schema_editor):
    from cases.pins import pbkdf2_wrap

    Case = apps.get_model("cases", "Case")
    changed = []
    for case in Case.objects.filter(pin_hash__startswith="pbkdf2_sha256$").only("pk", "pin_hash").iterator(2000):
        wrapped = pbkdf2_wrap(case.pin_hash)
        if wrapped:
            case.pin_hash = wrapped
            changed.append(case)
        if len(changed) >= 2000:
            Case.objects.bulk_update(changed, ["pin_hash"])
            changed = []
    Case.objects.bulk_update(changed, ["pin_hash"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_case_hash_video_fingerprints")]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="pin_hash",
            field=models.CharField(help_text="The victim's PIN, as a keyed hash only (cases.pins).", max_length=256),
        ),
        migrations.RunPython(wrap_pbkdf2_pins, elidable=False),
    ]
