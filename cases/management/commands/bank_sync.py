"""manage.py bank_sync: make the hash bank reflect every case (a backfill; safe to run again at any time)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cases.bank_sync import bank_sync_case
from cases.models import Case


class Command(BaseCommand):
    help = "Bring the partner hash bank in line with every case's hashes and consent. Changes only what differs."

    def handle(self, *args, **options):
        cases = changed = 0
        for case_id in Case.objects.order_by("pk").values_list("pk", flat=True).iterator():
            with transaction.atomic():
                case = Case.objects.select_for_update().get(pk=case_id)
                changed += bank_sync_case(case=case)
            cases += 1
        self.stdout.write(f"Checked {cases} case(s); {changed} bank entr{'y' if changed == 1 else 'ies'} changed.")
