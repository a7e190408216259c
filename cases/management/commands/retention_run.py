"""Run data retention now: erase closed cases past their retention period, purge withdrawn bank hashes."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from cases.retention import retention_run


class Command(BaseCommand):
    help = (
        "Erase the personal data of cases closed more than RETENTION_DAYS_AFTER_CLOSE days ago and purge bank "
        "hashes withdrawn more than BANK_PURGE_DAYS_AFTER_WITHDRAWAL days ago. Celery beat runs this nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what is due; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        result = retention_run(dry_run=dry_run)
        verb = "due" if dry_run else "done"
        self.stdout.write(
            f"Retention {verb}: {result.cases_erased} closed case(s) erased "
            f"(closed more than {settings.RETENTION_DAYS_AFTER_CLOSE} days ago), "
            f"{result.bank_entries_purged} bank hash(es) purged "
            f"(withdrawn more than {settings.BANK_PURGE_DAYS_AFTER_WITHDRAWAL} days ago)."
        )
