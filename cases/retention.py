"""Data retention: closed cases are erased N days after closing, and hashes that left the partner feed are purged
once partners have had time to see that they left. Runs nightly (Celery beat) and on demand (`retention_run`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case
from cases.services import case_erase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionResult:
    cases_erased: int
    bank_entries_purged: int
    dry_run: bool = False


def cases_due_for_erasure(*, now: datetime | None = None) -> QuerySet[Case]:
    """Closed, not yet erased, and closed more than RETENTION_DAYS_AFTER_CLOSE days ago."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_DAYS_AFTER_CLOSE)
    return Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=cutoff, erased_at__isnull=True).order_by(
        "closed_at", "pk"
    )


def retention_erase_case(*, case_id: int, now: datetime | None = None) -> bool:
    """Erase one case if it is still due (it may have been reopened or erased since it was listed).

    The same erasure as the victim's "delete my case" (cases.services.case_erase): personal fields blanked,
    links, fingerprints, notes, messages and evidence (files too, once the transaction commits) deleted,
    request texts blanked, the bank told. The anonymous row stays for reporting.
    """
    with transaction.atomic():
        case = cases_due_for_erasure(now=now).select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        case_erase(case=case, actor=None, actor_label="system", reason="retention")
    return True


def retention_erase_closed_cases(*, now: datetime | None = None) -> int:
    """Erase every case that is due, each in its own transaction (one failure does not undo the others)."""
    erased = 0
    for case_id in list(cases_due_for_erasure(now=now).values_list("pk", flat=True)):
        try:
            erased += retention_erase_case(case_id=case_id, now=now)
        except Exception:
            # Logged without personal data; the case stays due and the next run tries again.
            logger.exception("retention could not erase case id %s; it will be tried again", case_id)
    return erased


def bank_entries_due_for_purge(*, now: datetime | None = None):
    """Bank entries no case shares any more (Withdrawn or Deleted) whose last change partners have had
    BANK_PURGE_DAYS_AFTER_WITHDRAWAL days to fetch. The feed carried that change: partners dropped the hash."""
    from hashing.models import BankEntry, BankStatus

    cutoff = (now or timezone.now()) - timedelta(days=settings.BANK_PURGE_DAYS_AFTER_WITHDRAWAL)
    return BankEntry.objects.filter(status__in=[BankStatus.WITHDRAWN, BankStatus.DELETED], last_modified__lt=cutoff)


def bank_purge_withdrawn(*, now: datetime | None = None) -> int:
    """Delete due bank entries with their case links and partner feedback. The hash values are gone for good."""
    from hashing.bank.clock import clock_lock
    from hashing.models import BankEntry

    if not bank_entries_due_for_purge(now=now).exists():
        return 0
    with transaction.atomic():
        # The bank clock's lock: no case can re-share one of these values (making it Active) while we delete it.
        clock_lock()
        ids = list(bank_entries_due_for_purge(now=now).values_list("pk", flat=True))
        if ids:
            BankEntry.objects.filter(pk__in=ids).delete()
    return len(ids)


def retention_run(*, now: datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """The nightly run: erase closed cases that are due, then purge bank entries that are due. Safe to repeat."""
    if dry_run:
        return RetentionResult(
            cases_erased=cases_due_for_erasure(now=now).count(),
            bank_entries_purged=bank_entries_due_for_purge(now=now).count(),
            dry_run=True,
        )
    result = RetentionResult(
        cases_erased=retention_erase_closed_cases(now=now), bank_entries_purged=bank_purge_withdrawn(now=now)
    )
    logger.info("retention: %s cases erased, %s bank entries purged", result.cases_erased, result.bank_entries_purged)
    return result
