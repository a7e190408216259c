"""Celery tasks of the cases app: the nightly data-retention run (see cases/retention.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cases import retention


@shared_task(
    name="cases.retention_run",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
    # Erasing a night's due cases may take a while; it is safe to stop and run again (see below).
    soft_time_limit=1800,
    time_limit=1900,
)
def retention_run() -> str:
    """Safe to run twice: it only touches cases and entries that are due, and erasure is idempotent."""
    result = retention.retention_run()
    return f"{result.cases_erased} cases erased, {result.bank_entries_purged} bank entries purged"
